import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildDigest } from '../report/digest/build.ts';
import { SCENARIO_NOW, seedScenario } from '../report/digest/testing.ts';
import { markChannelFailuresShown, pendingAlertFailures, recordChannelFailure } from './failures.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('failed alert deliveries', () => {
  it('show up in the next digest, as HTML-escaped text, until a digest has shown them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'syn-fail-'));
    dirs.push(dir);
    const s = seedScenario(dir);
    recordChannelFailure(s.db, 'webhook', 'POST https://ntfy.example/x: connect ECONNREFUSED <b>', new Date(SCENARIO_NOW.getTime() - 3_600_000));
    const d = buildDigest(s.db, s.cfg, { now: SCENARIO_NOW });
    expect(d.text).toMatch(/Alerts and reports not delivered:\s*\n\s+webhook .*ECONNREFUSED <b>/);
    expect(d.html).toContain('ECONNREFUSED &lt;b&gt;');
    markChannelFailuresShown(s.db, pendingAlertFailures(s.db).map((f) => f.id));
    expect(buildDigest(s.db, s.cfg, { now: SCENARIO_NOW }).text).toContain('Alerts and reports not delivered: none');
    s.db.close();
  });
});
