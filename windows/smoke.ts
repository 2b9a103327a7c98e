// The Windows agent's smoke test under Wine, end to end (issue 12; `npm run smoke:windows`, in
// the test command after `npm run build:windows`). In a fresh Wine prefix:
// - the silent install with the service (NSSM): the key pair made by the installer, agent.yaml
//   written with escaped values (a client name with a quote), the password copied from a file;
// - the service running: its start-up heartbeat reaches the SMTP server on the Linux side, its
//   log is in logs\agent.log; node.exe killed -9 is restarted by NSSM (a second heartbeat);
// - a copy job run by the installed node.exe, whose signed report the collector verifies;
// - a job started by the service on its schedule and stopped by `net stop`: reported as
//   stopped, kept in the outbox, and sent when the service starts again;
// - an upgrade over itself (key and config kept, the service running again), a silent
//   uninstall (service removed, program gone, data kept), a reinstall and uninstall /PURGE;
// - a power cut (every Wine process killed) and a boot (`wineboot -r`): the service starts.
// Exits non-zero, saying which step failed.
// `winecfg -v win10` makes Wine report Windows 10, so node.exe needs no NODE_SKIP_PLATFORM_CHECK.
// Under Wine node.exe fails when its stdout is a pipe: every output goes to a file. Values with
// spaces are left out: Wine quotes a whole argument ("/CLIENT=Smoke Ltd"), which NSIS's GetOptions
// reads differently from what cmd.exe passes for /CLIENT="Smoke Ltd".
// robocopy under Wine is a stub that only exits 16, so the robocopy plugin is tested on real
// logs (plugins/robocopy) and this test runs a copy job and a command job (Wine's ping.exe).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startDemoMailServer } from '../cli/demo-mailserver.ts';
import { main } from '../cli/main.ts';

const SETUP = join(import.meta.dirname, 'out', 'synecdoche-agent-setup.exe');
const work = mkdtempSync(join(tmpdir(), 'syn-wine-smoke-'));
const prefix = join(work, 'wineprefix');
const env: NodeJS.ProcessEnv = { ...process.env, WINEPREFIX: prefix, WINEDLLOVERRIDES: 'mscoree,mshtml=', WINEDEBUG: '-all' };
delete env.NODE_SKIP_PLATFORM_CHECK;
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
/** Waits up to `seconds` for `test` to hold, polling every half second. */
async function waitFor(test: () => boolean, seconds: number): Promise<boolean> {
  for (let i = 0; i < seconds * 2; i++) {
    if (test()) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return test();
}
/** The agent's log: NSSM rotates agent.log at each start, so the rotated files first, oldest first. */
function log(): string {
  const dir = join(data, 'logs');
  if (!existsSync(dir)) return '';
  const rotated = readdirSync(dir).filter((f) => /^agent-.+\.log$/.test(f)).sort();
  return [...rotated, 'agent.log'].filter((f) => existsSync(join(dir, f))).map((f) => readFileSync(join(dir, f), 'utf8')).join('');
}
const delivered = () => (existsSync(join(maildir, 'new')) ? readdirSync(join(maildir, 'new')).length : 0);
async function serviceState(): Promise<string> {
  return (await wine([NSSM, 'status', 'synecdoche-agent'], 'nssm-status')).out.trim();
}
const starts = () => (log().match(/"agent started"/g) ?? []).length;
const lastStart = () => log().slice(log().lastIndexOf('"agent started"'));
/**
 * `net start` and wait until the agent logs a new start. Wine's service manager sometimes
 * answers a request before the service has settled (a start while "stop pending" fails, a start
 * can stay "start pending"): the request is repeated every 10 s, up to 90 s.
 */
async function startService(name: string): Promise<boolean> {
  const before = starts();
  for (let i = 0; i < 9; i++) {
    // net start, then nssm start: either may be the request Wine's service manager acts on.
    const r = await wine(i % 2 === 0 ? ['net', 'start', 'synecdoche-agent'] : [NSSM, 'start', 'synecdoche-agent'], `${name}-${i}`);
    if (await waitFor(() => starts() > before, 10)) return true;
    console.log(`  start request ${i + 1}: ${r.out.trim().replace(/\s+/g, ' ')}; ${await serviceState()}`);
  }
  return false;
}
/** `net stop` and wait until the agent logs that it stopped (repeated like startService). */
async function stopService(name: string): Promise<boolean> {
  for (let i = 0; i < 6; i++) {
    const r = await wine(['net', 'stop', 'synecdoche-agent'], `${name}-${i}`);
    if (await waitFor(() => /"agent stopped"/.test(lastStart()), 10)) return true;
    console.log(`  net stop (${i + 1}): ${r.out.trim().replace(/\s+/g, ' ')}; ${await serviceState()}`);
  }
  return false;
}
async function collector(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = { write: (c: string | Buffer) => ((out += String(c)), true) } as unknown as NodeJS.WritableStream;
  const code = await main(['node', 'synecdoche', 'collector', ...args], {}, { stdout: sink, stderr: sink });
  return { code, out };
}

const maildir = join(work, 'Maildir');
const NSSM = 'C:\\Program Files\\Synecdoche\\nssm.exe';
const mail = await startDemoMailServer(maildir);
try {
  if (!existsSync(SETUP)) throw new Error(`no ${SETUP}: run npx tsx windows/build.ts first`);
  step = 'wineboot';
  check((await wine(['wineboot', '-i'], 'wineboot')).code === 0, 'a fresh Wine prefix');

  check((await wine(['winecfg', '-v', 'win10'], 'winecfg')).code === 0, 'Wine set to report Windows 10');

  step = 'silent install';
  const passFile = join(work, 'smtp-password.txt');
  writeFileSync(passFile, 'not-on-the-command-line');
  // NSIS's GetOptions reads a quote inside a value as the start of a quoted value running to the
  // end of the line: the client name with a quote goes last (on Windows: /CLIENT="O'Brien").
  const install = await wine([SETUP, '/S', '/SITE=win-smoke', `/SMTP=127.0.0.1:${mail.port}`, '/TLS=none', `/SMTPPASSFILE=Z:${passFile.replaceAll('/', '\\')}`, '/FROM=agent@win-smoke.example', '/TO=backups@consultant.example', "/CLIENT=O'Brien"], 'install');
  check(install.code === 0, 'the installer exits 0', install.out);
  check(existsSync(join(program, 'node.exe')) && existsSync(join(program, 'app', 'synecdoche-agent.mjs')) && existsSync(join(program, 'nssm.exe')), 'node.exe, the agent bundle and NSSM are installed');
  const publicKey = /ed25519:[A-Za-z0-9+/=]+/.exec(readFileSync(join(data, 'public-key.txt'), 'utf8'))?.[0];
  check(!!publicKey && existsSync(join(data, 'site.key')), 'the installer made the key pair and wrote the public key to a file', existsSync(data) ? `${JSON.stringify(readdirSync(data))}: ${existsSync(join(data, 'public-key.txt')) ? readFileSync(join(data, 'public-key.txt'), 'utf8') : ''}` : 'no data folder');
  const written = readFileSync(join(data, 'agent.yaml'), 'utf8');
  check(written.includes("client: 'O''Brien'") && written.includes('tls: none'), 'agent.yaml has the escaped client name and the /TLS choice', written);
  check(readFileSync(join(data, 'smtp-password.txt'), 'utf8') === 'not-on-the-command-line' && !written.includes('not-on-the-command-line'), 'the password came from /SMTPPASSFILE into its own file, not into agent.yaml');

  step = 'service';
  // Wine 8.0: the installer's own start request leaves the service "start pending" until a start
  // is requested from another process (on Windows that request only answers "already running").
  if (!(await waitFor(() => delivered() >= 1, 15))) {
    console.log(`  note: after the installer the service is ${await serviceState()}; starting it again from outside the installer (a Wine quirk)`);
    await wine([NSSM, 'start', 'synecdoche-agent'], 'nssm-start');
  }
  check(await waitFor(() => delivered() >= 1, 60), "the service started the agent and its heartbeat reached the Linux side's SMTP server", log());
  let state = '';
  for (let i = 0; i < 20 && state !== 'SERVICE_RUNNING'; i++) {
    state = await serviceState();
    if (state !== 'SERVICE_RUNNING') await new Promise((r) => setTimeout(r, 1000));
  }
  check(state === 'SERVICE_RUNNING', 'nssm status: SERVICE_RUNNING', state);
  check(/"agent started"/.test(log()), 'the agent logs to C:\\ProgramData\\Synecdoche\\logs\\agent.log');
  const killed = spawnSync('pkill', ['-9', '-f', 'Synecdoche.node\\.exe']);
  check(killed.status === 0, 'node.exe killed with -9');
  // NSSM restarts it after AppRestartDelay (10 s). Under Wine its relaunch waits until the
  // service manager is asked something by another process, so the status is asked every 5 s.
  const killedAt = Date.now();
  let restarted = false;
  for (let i = 0; i < 18 && !restarted; i++) {
    restarted = await waitFor(() => delivered() >= 2, 5);
    if (!restarted) console.log(`  waiting for the restart: ${await serviceState()}`);
  }
  check(restarted, `NSSM restarted the agent (a second heartbeat, ${Math.round((Date.now() - killedAt) / 1000)} s after the kill)`, log());
  check(readdirSync(join(data, 'logs')).some((f) => /^agent-\d{8}T\d+.*\.log$/.test(f)), 'NSSM rotated the earlier log on restart', JSON.stringify(readdirSync(join(data, 'logs'))));
  check(await stopService('net-stop'), 'net stop reached the agent as Ctrl+C and it stopped cleanly', log());

  step = 'run a job';
  // The installer's placeholder job is replaced by a copy job, and a slow command job that the
  // service starts on its schedule.
  const jobs = [
    'jobs:',
    '  - id: docs',
    '    name: Documents (copy)',
    '    plugin: copy',
    '    options:',
    "      source: 'C:\\smoke\\src'",
    "      destination: 'C:\\smoke\\dst'",
    '      verify: copied',
    '  - id: slow',
    '    name: Slow command',
    '    plugin: command',
    "    schedule: '* * * * *'",
    '    options:',
    "      command: 'C:\\windows\\system32\\ping.exe'",
    "      args: ['-n', '120', '127.0.0.1']",
    '',
  ].join('\n');
  writeFileSync(join(data, 'agent.yaml'), written.slice(0, written.search(/^# Backup jobs/m)) + jobs);
  mkdirSync(join(drive, 'smoke', 'src', 'docs'), { recursive: true });
  for (let i = 0; i < 5; i++) writeFileSync(join(drive, 'smoke', 'src', 'docs', `f${i}.txt`), `file ${i}\n`.repeat(100 + i));
  const node = 'C:\\Program Files\\Synecdoche\\node.exe';
  const app = 'C:\\Program Files\\Synecdoche\\app\\synecdoche-agent.mjs';
  const cfg = 'C:\\ProgramData\\Synecdoche\\agent.yaml';
  const run = await wine([node, app, 'agent', 'run-job', 'docs', '-c', cfg], 'run-job');
  check(run.code === 0 && /job docs: ok, 5 copied, report sent/.test(run.out), 'the installed agent ran the copy job and sent its report', run.out);

  step = 'command mailbox';
  // The bundle carries imapflow: `agent commands` against a closed IMAP port is a mailbox error
  // (exit 6), not a missing module.
  writeFileSync(join(data, 'imap-password.txt'), 'x');
  const withCommands = readFileSync(join(data, 'agent.yaml'), 'utf8') + ['commands:', `  publicKey: '${publicKey}'`, '  mailbox:', '    imap:', '      host: 127.0.0.1', '      port: 1', '      tls: none', '      user: commands', '      password:', '        file: imap-password.txt', ''].join('\n');
  writeFileSync(join(data, 'agent-commands.yaml'), withCommands);
  const commands = await wine([node, app, 'agent', 'commands', '-c', 'C:\\ProgramData\\Synecdoche\\agent-commands.yaml'], 'agent-commands');
  check(commands.code === 6 && !/Cannot find (package|module)/.test(commands.out), 'agent commands reaches for the IMAP command mailbox (exit 6: nothing listens there)', `exit ${commands.code}\n${commands.out}`);

  step = 'stop during a job';
  const before = delivered();
  check(await startService('net-start'), 'net start started the service again');
  check(await waitFor(() => /"jobId":"slow","plugin":"command","msg":"job started"/.test(log()), 75), 'the service started the slow job on its schedule', log());
  await new Promise((r) => setTimeout(r, 2000));
  check(await stopService('net-stop-2'), 'net stop during the job stopped the service', lastStart());
  check(/"reason":"stopped: the agent was shut down during the run","msg":"job stopped"/.test(log()), 'the running job was told to stop and reported as stopped', log());
  check(readdirSync(join(data, 'outbox')).some((f) => f.includes('-result-')), 'its report waits in the outbox');
  check(await startService('net-start-2'), 'net start again');
  check(await waitFor(() => readdirSync(join(data, 'outbox')).filter((f) => f.endsWith('.json')).length === 0 && delivered() >= before + 3, 60), 'on start the service sent the stopped run and its heartbeats', `${delivered()} delivered; outbox ${JSON.stringify(readdirSync(join(data, 'outbox')))}`);
  check(await stopService('net-stop-3'), 'net stop stopped the service again', lastStart());

  step = 'collector';
  const collectorCfg = join(work, 'collector.yaml');
  writeFileSync(collectorCfg, stringify({
    database: { path: join(work, 'collector.db') },
    mailboxes: [{ name: 'local', type: 'maildir', path: maildir }],
    consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'UTC' },
    clients: [{ id: 'smoke', name: 'Smoke Ltd', timeZone: 'UTC' }],
    sites: [{ id: 'win-smoke', client: 'smoke', publicKeys: [publicKey], heartbeatExpected: false }],
  }));
  const reports = delivered();
  const poll = await collector(['poll', '-c', collectorCfg]);
  check(poll.code === 0 && new RegExp(`${reports} accepted, 0 quarantined`).test(poll.out), 'the collector verified and stored every signed report (heartbeats and runs)', poll.out);
  const status = await collector(['status', '-c', collectorCfg]);
  check(/win-smoke\s+docs\s+OK/.test(status.out) && /win-smoke\s+slow\s+FAILED/.test(status.out), 'collector status shows the copy job OK and the stopped job FAILED', status.out);
  const history = await collector(['history', 'win-smoke/slow', '--json', '-c', collectorCfg]);
  check(history.out.includes('stopped: the agent was shut down during the run'), 'the stopped run says why', history.out);

  step = 'upgrade';
  const keyBefore = readFileSync(join(data, 'site.key'));
  const startsBefore = starts();
  const upgrade = await wine([SETUP, '/S', '/SITE=other'], 'upgrade');
  check(upgrade.code === 0, 'an install over itself exits 0', upgrade.out);
  check(readFileSync(join(data, 'site.key')).equals(keyBefore), 'the upgrade kept the key');
  check(readFileSync(join(data, 'agent.yaml'), 'utf8').includes("id: 'win-smoke'") && readFileSync(join(data, 'agent.yaml'), 'utf8').includes('id: docs'), 'the upgrade kept the config');
  if (!(await waitFor(() => starts() > startsBefore, 15))) {
    console.log(`  note: after the upgrade the service is ${await serviceState()}; starting it again from outside the installer (a Wine quirk)`);
    await startService('start-after-upgrade');
  }
  check(starts() > startsBefore, 'after the upgrade the service runs again', lastStart());

  step = 'boot';
  // A power cut and a boot: every Wine process is killed, then `wineboot -r` starts the
  // auto-start services as Windows does at boot.
  spawnSync('wineserver', ['-k'], { env });
  const startsBeforeBoot = starts();
  await wine(['wineboot', '-r'], 'reboot');
  if (!(await waitFor(() => starts() > startsBeforeBoot, 30))) console.log(`  after wineboot -r the service is ${await serviceState()}`);
  check(await waitFor(() => starts() > startsBeforeBoot, 30), 'the service started at boot (start type automatic)', lastStart());

  step = 'uninstall';
  const uninstall = (await wine(['C:\\Program Files\\Synecdoche\\uninstall.exe', '/S'], 'uninstall'));
  check(uninstall.code === 0, 'the silent uninstall exits 0', uninstall.out);
  check(await waitFor(() => /"agent stopped"/.test(lastStart()), 60), 'the uninstaller stopped the service', lastStart());
  // NSIS's uninstaller copies itself away and returns at once: wait for the files to go.
  for (let i = 0; i < 50 && existsSync(join(program, 'node.exe')); i++) await new Promise((r) => setTimeout(r, 200));
  check(!existsSync(join(program, 'node.exe')), 'the program files are gone');
  check(existsSync(join(data, 'site.key')) && existsSync(join(data, 'agent.yaml')), 'the key and config were kept');
  check((await wine(['reg', 'query', 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\synecdoche-agent'], 'reg-query')).code !== 0, 'the service is removed');
  step = 'purge';
  check((await wine([SETUP, '/S', '/NOSERVICE'], 'reinstall')).code === 0, 'a reinstall over the kept data exits 0');
  check((await wine(['C:\\Program Files\\Synecdoche\\uninstall.exe', '/S', '/PURGE'], 'purge')).code === 0, 'uninstall /PURGE exits 0');
  for (let i = 0; i < 50 && existsSync(data); i++) await new Promise((r) => setTimeout(r, 200));
  check(!existsSync(data), 'with /PURGE the data folder is gone too');
  console.log('Wine smoke test passed. Not checked under Wine: the Event Log, the rights of the service account, code signing and SmartScreen (windows/README.md).');
} catch (e) {
  console.error(`Wine smoke test FAILED at ${(e as Error).message}`);
  process.exitCode = 1;
} finally {
  spawnSync('wineserver', ['-k'], { env });
  await mail.close();
  rmSync(work, { recursive: true, force: true });
}
