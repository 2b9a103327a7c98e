// The Windows agent's smoke test under Wine, end to end (issue 12; run by hand, not yet in CI):
//   apt-get install -y nsis wine64 wine && npx tsx windows/build.ts && npx tsx windows/smoke.ts
// In a fresh Wine prefix: the silent install (key pair made by the installer), a copy job run
// by the installed node.exe that sends its signed report over SMTP to a server on the Linux
// side, the collector polling that mailbox and verifying the report with the public key the
// installer printed, an upgrade over itself that keeps the key and the config, and silent
// uninstalls with and without /PURGE. Exits non-zero, saying which step failed.
// Under Wine node.exe fails when its stdout is a pipe: every output goes to a file. Values with
// spaces are left out: Wine quotes a whole argument ("/CLIENT=Smoke Ltd"), which NSIS's GetOptions
// reads differently from what cmd.exe passes for /CLIENT="Smoke Ltd".
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startDemoMailServer } from '../cli/demo-mailserver.ts';
import { main } from '../cli/main.ts';

const SETUP = join(import.meta.dirname, 'out', 'synecdoche-agent-setup.exe');
const work = mkdtempSync(join(tmpdir(), 'syn-wine-smoke-'));
const prefix = join(work, 'wineprefix');
const env = { ...process.env, WINEPREFIX: prefix, WINEDLLOVERRIDES: 'mscoree,mshtml=', WINEDEBUG: '-all', NODE_SKIP_PLATFORM_CHECK: '1' };
const drive = join(prefix, 'drive_c');
const data = join(drive, 'ProgramData', 'Synecdoche');
const program = join(drive, 'Program Files', 'Synecdoche');
let step = 'start';

/** Runs a Windows program under Wine, its output in a file; asynchronous, so that the SMTP server in this process answers meanwhile. */
async function wine(args: string[], name: string): Promise<{ code: number | null; out: string }> {
  const file = join(work, `${name}.out`);
  const child = spawn('sh', ['-c', `wine "$@" > '${file}' 2>&1`, 'wine', ...args], { env, stdio: 'ignore' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearTimeout(timer);
  return { code, out: existsSync(file) ? readFileSync(file, 'utf8') : '' };
}
function check(ok: boolean, what: string, detail = ''): void {
  if (!ok) throw new Error(`${step}: ${what}${detail ? `\n${detail}` : ''}`);
  console.log(`  ok: ${what}`);
}
async function collector(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = { write: (c: string | Buffer) => ((out += String(c)), true) } as unknown as NodeJS.WritableStream;
  const code = await main(['node', 'synecdoche', 'collector', ...args], {}, { stdout: sink, stderr: sink });
  return { code, out };
}

const maildir = join(work, 'Maildir');
const mail = await startDemoMailServer(maildir);
try {
  if (!existsSync(SETUP)) throw new Error(`no ${SETUP}: run npx tsx windows/build.ts first`);
  step = 'wineboot';
  check((await wine(['wineboot', '-i'], 'wineboot')).code === 0, 'a fresh Wine prefix');

  step = 'silent install';
  const install = (await wine([SETUP, '/S', '/SITE=win-smoke', '/CLIENT=Smoke', `/SMTP=127.0.0.1:${mail.port}`, '/FROM=agent@win-smoke.example', '/TO=backups@consultant.example', '/NOSERVICE'], 'install'));
  check(install.code === 0, 'the installer exits 0', install.out);
  check(existsSync(join(program, 'node.exe')) && existsSync(join(program, 'app', 'synecdoche-agent.mjs')), 'node.exe and the agent bundle are installed');
  const publicKey = /ed25519:[A-Za-z0-9+/=]+/.exec(readFileSync(join(data, 'public-key.txt'), 'utf8'))?.[0];
  check(!!publicKey && existsSync(join(data, 'site.key')), 'the installer made the key pair and wrote the public key to a file', existsSync(data) ? `${JSON.stringify(readdirSync(data))}: ${existsSync(join(data, 'public-key.txt')) ? readFileSync(join(data, 'public-key.txt'), 'utf8') : ''}` : 'no data folder');

  step = 'run a job';
  // The installer's placeholder job is replaced by a copy job; the test SMTP server speaks no TLS.
  const yaml = readFileSync(join(data, 'agent.yaml'), 'utf8').replace('  tls: starttls', '  tls: none');
  const jobs = ["jobs:", "  - id: docs", "    name: Documents (copy)", "    plugin: copy", "    options:", "      source: 'C:\\smoke\\src'", "      destination: 'C:\\smoke\\dst'", "      verify: copied", ''].join('\n');
  writeFileSync(join(data, 'agent.yaml'), yaml.slice(0, yaml.search(/^jobs:/m)) + jobs);
  mkdirSync(join(drive, 'smoke', 'src', 'docs'), { recursive: true });
  for (let i = 0; i < 5; i++) writeFileSync(join(drive, 'smoke', 'src', 'docs', `f${i}.txt`), `file ${i}\n`.repeat(100 + i));
  const node = 'C:\\Program Files\\Synecdoche\\node.exe';
  const app = 'C:\\Program Files\\Synecdoche\\app\\synecdoche-agent.mjs';
  const cfg = 'C:\\ProgramData\\Synecdoche\\agent.yaml';
  const run = (await wine([node, app, 'agent', 'run-job', 'docs', '-c', cfg], 'run-job'));
  check(run.code === 0 && /job docs: ok, 5 copied, report sent/.test(run.out), 'the installed agent ran the copy job and sent its report', run.out);

  step = 'collector';
  const collectorCfg = join(work, 'collector.yaml');
  writeFileSync(collectorCfg, stringify({
    database: { path: join(work, 'collector.db') },
    mailboxes: [{ name: 'local', type: 'maildir', path: maildir }],
    consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'UTC' },
    clients: [{ id: 'smoke', name: 'Smoke Ltd', timeZone: 'UTC' }],
    sites: [{ id: 'win-smoke', client: 'smoke', publicKeys: [publicKey], heartbeatExpected: false }],
  }));
  const poll = await collector(['poll', '-c', collectorCfg]);
  check(poll.code === 0 && poll.out.includes('1 accepted, 0 quarantined'), 'the collector verified and stored the signed report', poll.out);
  const status = await collector(['status', '-c', collectorCfg]);
  check(/win-smoke\s+docs\s+OK/.test(status.out), 'collector status shows the job OK', status.out);

  step = 'upgrade';
  const keyBefore = readFileSync(join(data, 'site.key'));
  const upgrade = (await wine([SETUP, '/S', '/SITE=other', '/NOSERVICE'], 'upgrade'));
  check(upgrade.code === 0, 'an install over itself exits 0', upgrade.out);
  check(readFileSync(join(data, 'site.key')).equals(keyBefore), 'the upgrade kept the key');
  check(readFileSync(join(data, 'agent.yaml'), 'utf8').includes("id: 'win-smoke'") && readFileSync(join(data, 'agent.yaml'), 'utf8').includes('id: docs'), 'the upgrade kept the config');

  step = 'uninstall';
  const uninstall = (await wine(['C:\\Program Files\\Synecdoche\\uninstall.exe', '/S'], 'uninstall'));
  check(uninstall.code === 0, 'the silent uninstall exits 0', uninstall.out);
  // NSIS's uninstaller copies itself away and returns at once: wait for the files to go.
  for (let i = 0; i < 50 && existsSync(join(program, 'node.exe')); i++) await new Promise((r) => setTimeout(r, 200));
  check(!existsSync(join(program, 'node.exe')), 'the program files are gone');
  check(existsSync(join(data, 'site.key')) && existsSync(join(data, 'agent.yaml')), 'the key and config were kept');
  step = 'purge';
  check((await wine([SETUP, '/S', '/NOSERVICE'], 'reinstall')).code === 0, 'a reinstall over the kept data exits 0');
  check((await wine(['C:\\Program Files\\Synecdoche\\uninstall.exe', '/S', '/PURGE'], 'purge')).code === 0, 'uninstall /PURGE exits 0');
  for (let i = 0; i < 50 && existsSync(data); i++) await new Promise((r) => setTimeout(r, 200));
  check(!existsSync(data), 'with /PURGE the data folder is gone too');
  console.log('Wine smoke test passed. Not covered here: the Windows service (WinSW is .NET; this Wine has none).');
} catch (e) {
  console.error(`Wine smoke test FAILED at ${(e as Error).message}`);
  process.exitCode = 1;
} finally {
  await mail.close();
  rmSync(work, { recursive: true, force: true });
}
