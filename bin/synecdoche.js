#!/usr/bin/env -S node --max-semi-space-size=1
// The flag: a small young generation (1 MB semi-spaces instead of up to 16). A collector poll of
// 10,000 reports then peaks at 160-190 MB resident instead of 205-235 MB, at the same speed, and
// the idle agent stays under 80 MB (bench/collector.ts, bench/agent-memory.ts). V8 reads it only
// at start, and a flag on the command line wins over NODE_OPTIONS. It applies when the program
// is started by name (npx, npm's bin links, the service units); `node bin/synecdoche.js` runs
// with Node's defaults unless given the flag.
// Starts the CLI. An installed package (npm pack builds dist/ on prepack) and a checkout after
// `npm run build` run the compiled `dist/` tree (less memory, faster start: what a service
// should use); in a checkout whose dist/ is missing or older than any source file, the
// TypeScript sources run through tsx, so `npx synecdoche` works right after `npm ci`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'cli', 'main.js');

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'fixtures' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function compiledIsFresh() {
  if (process.env.SYNECDOCHE_FROM_SOURCE === '1' || !existsSync(compiled)) return false;
  const built = statSync(compiled).mtimeMs;
  return ['cli', 'core', 'agent', 'collector', 'plugins'].every((d) => !existsSync(join(root, d)) || newestSource(join(root, d)) <= built);
}

// `synecdoche collector status | head`: a reader that stops early is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

let main;
if (compiledIsFresh()) {
  ({ main } = await import(compiled));
} else {
  // A checkout without a fresh build: the sources run through tsx (a development dependency).
  // An installed package always has dist/ and never gets here.
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    process.stderr.write('synecdoche: no compiled dist/ and no tsx to run the sources: run `npm ci` (installs tsx) or `npm run build` in ' + root + '\n');
    process.exit(1);
  }
  tsx.register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv, process.env);
