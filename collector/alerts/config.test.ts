import { describe, expect, it } from 'vitest';
import { tempDir, testConfig, testSites } from '../ingest/testing.ts';
import { kindSettings } from './config.ts';

const sites = testSites('fs1');

function configError(alerts: unknown): string {
  const t = tempDir('syn-alert-cfg-');
  try {
    testConfig(t.dir, sites, { alerts });
  } catch (e) {
    return (e as Error).message;
  } finally {
    t.cleanup();
  }
  throw new Error('the config was accepted');
}

describe('alerts config', () => {
  it('keeps an existing config without kinds or maintenance working, with every kind on', () => {
    const t = tempDir('syn-alert-cfg-');
    try {
      const cfg = testConfig(t.dir, sites, { alerts: { email: true, reminderHours: 12 } });
      expect(cfg.alerts.maintenance).toEqual([]);
      expect(kindSettings(cfg.alerts, 'failed')).toEqual({ enabled: true, graceMs: 0, reminderMs: 12 * 3_600_000 });
      expect(kindSettings(cfg.alerts, 'blind')).toEqual({ enabled: true, graceMs: 30 * 60_000, reminderMs: 12 * 3_600_000 });
      const tuned = testConfig(t.dir, sites, { alerts: { kinds: { anomaly: { reminderHours: 48, graceMinutes: 5 } } } });
      expect(kindSettings(tuned.alerts, 'anomaly')).toEqual({ enabled: true, graceMs: 5 * 60_000, reminderMs: 48 * 3_600_000 });
    } finally {
      t.cleanup();
    }
  });

  it('names the key, the value and what was expected for a bad kind setting', () => {
    expect(configError({ kinds: { silent: { graceMinutes: -5 } } })).toMatch(/alerts\.kinds\.silent\.graceMinutes.*-5.*>=0/s);
    expect(configError({ kinds: { offline: {} } })).toMatch(/alerts\.kinds: unknown key "offline"/);
  });

  it('refuses maintenance windows that could never match or never end', () => {
    expect(configError({ maintenance: [{ client: 'acme', from: '2026-12-05T18:00:00Z', to: '2026-12-05T08:00:00Z' }] })).toMatch(/alerts\.maintenance\[0\]\.to.*2026-12-05T08:00:00Z.*a time after from/s);
    expect(configError({ maintenance: [{ client: 'acme', from: '2026-12-05 18:00' , to: '2026-12-06T02:00:00Z' }] })).toMatch(/alerts\.maintenance\[0\]\.from.*2026-12-05 18:00.*ISO 8601 date-time with offset/s);
    expect(configError({ maintenance: [{ from: '2026-12-05T18:00:00Z', to: '2026-12-06T02:00:00Z' }] })).toMatch(/alerts\.maintenance\[0\].*needs client: or site:/s);
    expect(configError({ maintenance: [{ site: 'fs1', cron: '0 22 * * 6' }] })).toMatch(/alerts\.maintenance\[0\]\.durationMinutes.*cron: and durationMinutes: go together/s);
    expect(configError({ maintenance: [{ site: 'fs1', cron: '0 25 * * *', durationMinutes: 60 }] })).toMatch(/alerts\.maintenance\[0\]\.cron.*0 25 \* \* \*/s);
    expect(configError({ maintenance: [{ client: 'acme', from: '2026-12-05T18:00:00Z', to: '2026-12-06T02:00:00Z', cron: '0 22 * * 6', durationMinutes: 60 }] })).toMatch(/either from: and to: .* or cron: and durationMinutes:/);
    expect(configError({ maintenance: [{ site: 'fs2', cron: '0 22 * * 6', durationMinutes: 60 }] })).toMatch(/alerts\.maintenance\[0\]\.site.*fs2.*no site with this id \(known: fs1\)/s);
    expect(configError({ maintenance: [{ client: 'acme-ltd', cron: '0 22 * * 6', durationMinutes: 60 }] })).toMatch(/alerts\.maintenance\[0\]\.client.*acme-ltd.*no client with this id \(known: acme\)/s);
  });
});
