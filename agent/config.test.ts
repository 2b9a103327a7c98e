import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { isSynError } from '../core/errors.ts';
import { getPlugin } from '../plugins/index.ts';
import { loadAgentConfig } from './config.ts';
import { fakeLookup } from './testing/plugins.ts';
import { makeTestSite, type TestSite } from './testing/site.ts';

const job = { id: 'nightly', name: 'Nightly', plugin: 'fake', options: { copied: 3 }, schedule: '30 2 * * *' };
let site: TestSite;
afterEach(() => site?.cleanup());

function configError(over: Record<string, unknown>): string {
  site = makeTestSite(25, [job], over);
  try {
    loadAgentConfig(site.configPath, {}, fakeLookup());
  } catch (e) {
    expect(isSynError(e, 'CONFIG_INVALID')).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a config error');
}

describe('agent config', () => {
  it('loads a valid config with defaults filled and paths made absolute', () => {
    site = makeTestSite(2525, [job]);
    const cfg = loadAgentConfig(site.configPath, {}, fakeLookup());
    expect(cfg.keyFile).toBe(`${site.dir}/site.key`);
    expect(cfg.outbox).toBe(`${site.dir}/outbox`);
    expect(cfg.stateDir).toBe(`${site.dir}/state`);
    expect(cfg.heartbeat.schedule).toBe('0 8 * * *');
    expect(cfg.jobs[0]!.options).toEqual({ status: 'ok', copied: 3, sleepMs: 0, ignoreAbort: false });
  });

  it('defaults the time zone to the machine zone', () => {
    site = makeTestSite(2525, [job], { site: { id: 'site-a' } });
    expect(loadAgentConfig(site.configPath, {}, fakeLookup()).site.timeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('names an unknown key', () => {
    expect(configError({ outbx: 'x' })).toMatch(/\(top level\): unknown key "outbx"/);
  });

  it('names a bad time zone with its value', () => {
    expect(configError({ site: { id: 'site-a', timeZone: 'Mars/Olympus' } })).toMatch(/site\.timeZone: got "Mars\/Olympus"; not a known IANA time zone/);
  });

  it('names a bad cron expression with its value', () => {
    expect(configError({ jobs: [{ ...job, schedule: '61 2 * * *' }] })).toMatch(/jobs\[0\]\.schedule: got "61 2 \* \* \*"; not a valid cron expression/);
    expect(configError({ heartbeat: { schedule: 'daily' } })).toMatch(/heartbeat\.schedule: got "daily"; not a valid cron expression \(has 1 field\)/);
  });

  it("names a bad plugin option by its path inside the job's options", () => {
    const msg = configError({ jobs: [job, { ...job, id: 'two', options: { source: 42 } }] });
    expect(msg).toMatch(/jobs\[1\]\.options\.source: got 42; .*expected string/);
  });

  it('names an unknown plugin', () => {
    expect(configError({ jobs: [{ ...job, plugin: 'tape' }] })).toMatch(/jobs\[0\]\.plugin: got "tape"; unknown plugin "tape"/);
  });

  it('refuses duplicate job ids', () => {
    expect(configError({ jobs: [job, { ...job }] })).toMatch(/jobs\[1\]\.id: got "nightly"; duplicate job id \(also jobs\[0\]\.id\)/);
  });

  it('fails at load when the SMTP password variable is not set', () => {
    const msg = configError({ smtp: { host: 'h', user: 'u', password: { env: 'SYN_TEST_PW' } } });
    expect(msg).toMatch(/smtp\.password\.env: environment variable "SYN_TEST_PW" is not set/);
  });

  it('takes an OAuth2 sign-in beside the password one, the token file relative to the config', () => {
    site = makeTestSite(25, [job], { smtp: { host: 'h', user: 'u@x.example', oauth2: { tokenFile: 'token.txt' } } });
    expect(loadAgentConfig(site.configPath, {}, fakeLookup()).smtp.oauth2).toEqual({ tokenFile: `${site.dir}/token.txt` });
    site.write({ smtp: { host: 'h', user: 'u@x.example', oauth2: { tokenCommand: ['get-token', '--user', 'u@x.example'] } } });
    expect(loadAgentConfig(site.configPath, {}, fakeLookup()).smtp.oauth2).toEqual({ tokenCommand: ['get-token', '--user', 'u@x.example'], refreshBeforeSeconds: 300 });
  });

  it('names a wrong OAuth2 sign-in by its key', () => {
    expect(configError({ smtp: { host: 'h', user: 'u', password: { env: 'P' }, oauth2: { tokenFile: 't' } } })).toMatch(/smtp\.oauth2: got \{"tokenFile":"t"\}; give "password" or "oauth2", not both/);
    expect(configError({ smtp: { host: 'h', oauth2: { tokenFile: 't' } } })).toMatch(/smtp\.user: a login name is required with "oauth2"/);
    expect(configError({ smtp: { host: 'h', user: 'u' } })).toMatch(/smtp\.user: got "u"; give "password" or "oauth2" with "user"/);
    expect(configError({ smtp: { host: 'h', user: 'u', oauth2: { tokenComand: ['get-token'] } } })).toMatch(/smtp\.oauth2: got \{"tokenComand":\["get-token"\]\}; expected \{ tokenFile: PATH \} or \{ tokenCommand: \[PROGRAM, ARGS...\], refreshBeforeSeconds\?: SECONDS \}/);
    expect(configError({ smtp: { host: 'h', user: 'u', oauth2: { tokenCommand: [] } } })).toMatch(/smtp\.oauth2\.tokenCommand: got \[\]; Too small/);
    expect(configError({ smtp: { host: 'h', user: 'u', oauth2: { tokenCommand: ['x'], refreshBeforeSeconds: -1 } } })).toMatch(/smtp\.oauth2\.refreshBeforeSeconds: got -1;/);
  });

  it('names mail.to when it is not an email address', () => {
    const mail = (to: unknown) => configError({ mail: { from: 'agent@site-a.example', to } });
    expect(mail('backups at collector')).toMatch(/mail\.to: got "backups at collector"; expected an email address such as backups@example\.com/);
    expect(mail(['backups@collector.example', 'oops'])).toMatch(/mail\.to\[1\]: got "oops"; expected an email address/);
    expect(mail('a@x.example b@y.example')).toMatch(/mail\.to: got "a@x\.example b@y\.example"; looks like two addresses without a comma/);
  });

  it('names mail.from when it is not one email address', () => {
    expect(configError({ mail: { from: 'Agent <agent>', to: 'backups@collector.example' } })).toMatch(/mail\.from: got "Agent <agent>"; "agent" is not an email address/);
    expect(configError({ mail: { from: 'a@x.example, b@y.example', to: 'backups@collector.example' } })).toMatch(/mail\.from: got .*; expected one address, got 2/);
  });

  it('accepts recipients with display names, in one string or as a list', () => {
    for (const to of ['Backups <backups@collector.example>, "Ops, night" <ops@collector.example>', ['backups@collector.example', 'Ops <ops@localhost>']]) {
      site = makeTestSite(2525, [job], { mail: { from: 'Synecdoche agent <agent@site-a.example>', to } });
      expect(loadAgentConfig(site.configPath, {}, fakeLookup()).mail.to).toEqual(to);
      site.cleanup();
    }
  });

  it("resolves relative paths in plugin options against the config file's folder, like keyFile", () => {
    site = makeTestSite(2525, [
      { id: 'docs', plugin: 'copy', options: { source: 'data/docs', destination: '../nas/docs' } },
      { id: 'offsite', plugin: 'rsync', options: { source: 'data/', destination: 'backup@nas:/srv/acme/' } },
      { id: 'vault', plugin: 'restic', options: { repository: 'restic-repo', passwordFile: 'restic.pw', paths: ['data', '/srv/mail'] } },
      { id: 'dump', plugin: 'command', options: { command: './dump.sh', cwd: 'scripts' } },
      { id: 'server', plugin: 'robocopy', options: { source: 'D:\\Shares', destination: '\\\\nas\\backup', logFile: 'logs/robocopy.log' } },
    ]);
    const cfg = loadAgentConfig(site.configPath, {}, getPlugin);
    const o = (id: string) => cfg.jobs.find((j) => j.id === id)!.options;
    expect(o('docs')).toMatchObject({ source: join(site.dir, 'data/docs'), destination: join(site.dir, '../nas/docs') });
    expect(o('offsite')).toMatchObject({ source: `${site.dir}/data/`, destination: 'backup@nas:/srv/acme/' });
    expect(o('vault')).toMatchObject({ repository: join(site.dir, 'restic-repo'), passwordFile: join(site.dir, 'restic.pw'), paths: [join(site.dir, 'data'), '/srv/mail'] });
    expect(o('dump')).toMatchObject({ command: './dump.sh', cwd: join(site.dir, 'scripts') });
    expect(o('server')).toMatchObject({ source: 'D:\\Shares', destination: '\\\\nas\\backup', logFile: join(site.dir, 'logs/robocopy.log') });
  });

  it('fails at load, naming the option, when a restic passwordEnv variable is not set', () => {
    const restic = { id: 'vault', plugin: 'restic', options: { repository: 'sftp:nas:/restic', passwordEnv: 'SYN_TEST_RESTIC_PW', paths: ['/srv'] } };
    site = makeTestSite(2525, [job, restic]);
    const lookup = (name: string) => (name === 'fake' ? fakeLookup()(name) : getPlugin(name));
    let message = '';
    try {
      loadAgentConfig(site.configPath, {}, lookup);
    } catch (e) {
      expect(isSynError(e, 'CONFIG_INVALID')).toBe(true);
      message = (e as Error).message;
    }
    expect(message).toMatch(/jobs\[1\]\.options\.passwordEnv: environment variable "SYN_TEST_RESTIC_PW" is not set or empty \(expected the repository password in it\)/);
    expect(loadAgentConfig(site.configPath, { SYN_TEST_RESTIC_PW: 'secret' }, lookup).jobs[1]!.options).toMatchObject({ passwordEnv: 'SYN_TEST_RESTIC_PW' });
  });
});
