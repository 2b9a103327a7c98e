import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../paths.ts';

/** What a function returned, or the message it threw, as seen by an unprivileged user. */
export type Outcome = { returned: unknown } | { thrown: string };

const NOBODY = 65534;

/**
 * Calls `exportName(...args)` of the module at `modulePath` in a child process that runs as an
 * ordinary user: as root (CI runs as root) the child drops to `nobody`, since root reads and
 * writes through any file mode and a permission test would prove nothing. It drops only after
 * loading the module, so the checkout itself need not be readable by `nobody` (a clone under a
 * 0700 temporary folder is not); every path the call touches must be. Arguments and the result
 * travel as JSON.
 */
export function callUnprivileged(modulePath: string, exportName: string, args: unknown[]): Outcome {
  const asRoot = process.getuid?.() === 0;
  const code = `
    const m = await import(${JSON.stringify(pathToFileURL(modulePath).href)});
    ${asRoot ? `process.setgroups([${NOBODY}]); process.setgid(${NOBODY}); process.setuid(${NOBODY});` : ''}
    let out;
    try { out = { returned: (await m[${JSON.stringify(exportName)}](...${JSON.stringify(args)})) ?? null }; }
    catch (e) { out = { thrown: String(e?.message ?? e) }; }
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: '/tmp' },
  });
  if (r.status !== 0) throw new Error(`the unprivileged call failed (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Outcome;
}
