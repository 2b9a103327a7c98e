import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../core/paths.ts';

/**
 * The package as a user installs it: `npm pack` (which builds dist/ on prepack) in a copy of the
 * checkout, then `npm install -g` of the tarball into an empty prefix, then `synecdoche demo`
 * from that prefix, with no TypeScript and no tsx anywhere in the install. The copy keeps the
 * build from touching this checkout's dist/, which other tests run.
 *
 * The copy is of the working tree (tracked files and untracked ones git does not ignore).
 *
 * The one shortcut: the install runs with --ignore-scripts and gets better-sqlite3's native
 * binding copied from this checkout (same Node, same machine), instead of compiling it again
 * with node-gyp (about two minutes here); everything else is what npm installs.
 */
const work = mkdtempSync(join(tmpdir(), 'syn-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) => {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, out: `${r.stdout}${r.stderr}` };
};

describe('the npm package', () => {
  it('packs the compiled tree without sources or tests, installs globally, and runs the demo without tsx', () => {
    const src = join(work, 'src');
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const f of files) {
      if (!existsSync(join(PROJECT_ROOT, f))) continue; // deleted in the working tree
      mkdirSync(dirname(join(src, f)), { recursive: true });
      copyFileSync(join(PROJECT_ROOT, f), join(src, f));
    }
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(src, 'node_modules'));

    const pack = run('npm', ['pack', '--pack-destination', work, '--json', '--ignore-scripts=false'], src);
    expect(pack.code, pack.out).toBe(0);
    const listing = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[\n'))) as { filename: string; files: { path: string }[] }[];
    const shipped = listing[0]!.files.map((f) => f.path);
    expect(shipped).toContain('dist/cli/main.js');
    expect(shipped).toContain('bin/synecdoche.js');
    expect(shipped).toContain('templates/digest.html.hbs');
    expect(shipped).toContain('config/collector.example.yaml');
    expect(shipped).toContain('config/synecdoche-agent.service');
    expect(shipped.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(shipped.filter((f) => /\.test\.|\/fixtures\/|^dist\/bench\/|\.map$/.test(f))).toEqual([]);

    const prefix = join(work, 'prefix');
    const install = run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', join(work, listing[0]!.filename)], work);
    expect(install.code, install.out).toBe(0);
    const installed = join(prefix, 'lib', 'node_modules', 'synecdoche');
    for (const dev of ['tsx', 'typescript', 'vitest']) expect(existsSync(join(installed, 'node_modules', dev)), dev).toBe(false);
    const binding = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    mkdirSync(dirname(join(installed, binding)), { recursive: true });
    copyFileSync(join(PROJECT_ROOT, binding), join(installed, binding));

    const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}` };
    delete env.NODE_OPTIONS;
    const version = run('synecdoche', ['--version'], work, env);
    expect(version.code, version.out).toBe(0);
    expect(version.out.trim()).toBe(JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).version);
    const demo = run('synecdoche', ['demo', '--dir', join(work, 'demo'), '--no-serve'], work, env);
    expect(demo.code, demo.out).toBe(0);
    expect(demo.out).toMatch(/digest: 1 failed, 1 missing, 1 anomaly, 3 OK/);
    expect(demo.out).toMatch(/acme-nas\s+cloud-copy\s+OK/);
    expect(existsSync(join(installed, 'cli', 'main.ts'))).toBe(false);
  }, 300_000);
});
