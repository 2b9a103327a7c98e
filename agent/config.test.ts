import { afterEach, describe, expect, it } from 'vitest';
import { isSynError } from '../core/errors.ts';
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
});
