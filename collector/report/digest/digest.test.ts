import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../ingest/testing.ts';
import { insertMessage, markReleased } from '../../store/messages.ts';
import { buildDigest } from './build.ts';
import { seedScenario, XSS_ERROR, XSS_NAME, type Scenario } from './testing.ts';

let tmp: ReturnType<typeof tempDir>;
let s: Scenario;
beforeAll(() => {
  tmp = tempDir('syn-digest-');
  s = seedScenario(tmp.dir);
});
afterAll(() => {
  s.db.close();
  tmp.cleanup();
});

describe('buildDigest on a store with failures, a missing job, an anomaly and hostile names', () => {
  it('lists exactly the bad jobs under Needs attention, blind mailbox first, then silent agent and quarantine', () => {
    const { model } = buildDigest(s.db, s.cfg, { now: s.now });
    const jobs = model.attention.filter((a) => a.days !== null).map((a) => `${a.siteId}/${a.jobName}`);
    const names = new Map([['acme-office/mail', 'Mail archive'], ['bolt-hq/accounts', 'Accounts database'], ['bolt-hq/ledger', XSS_NAME],
      ['cedar-clinic/xray', 'X-ray images'], ['cedar-clinic/reception', 'Reception PC']]);
    expect(jobs.sort()).toEqual(s.badJobs.map((k) => `${k.split('/')[0]}/${names.get(k)}`).sort());
    expect(model.attention.map((a) => a.kind)).toEqual(['blind', 'failed', 'failed', 'missing', 'warning', 'anomaly', 'silent', 'quarantine']);
    expect(model.attention.find((a) => a.kind === 'silent')).toMatchObject({ clientName: 'Dana Flowers', siteId: 'dana-shop' });
    expect(model.attention.find((a) => a.kind === 'missing')).toMatchObject({ lastGood: '2 days ago', since: expect.stringMatching(/^Sun 22 Nov 22:0\d \(32 h\)$/) });
  });

  it('starts the subject with MONITORING BLIND and the counts, and ends with the local date', () => {
    const { subject } = buildDigest(s.db, s.cfg, { now: s.now });
    expect(subject).toBe('MONITORING BLIND - 2 failed, 1 missing, 1 warning, 1 anomaly, 2 OK, 1 agent silent, 1 message quarantined - Tue 24 Nov');
  });

  it('shows sequence gaps, quarantined messages with their reason and drifting agent clocks in pipeline health', () => {
    const { model, text } = buildDigest(s.db, s.cfg, { now: s.now });
    expect(model.pipeline.gaps).toEqual([{ where: 'Cedar Dental / cedar-clinic / X-ray images', text: expect.stringMatching(/^1 report never arrived/) }]);
    expect(model.pipeline.quarantine.newest[0]).toMatchObject({ reason: 'bad-signature', subject: '[OK] Acme Ltd <b>forged</b>' });
    expect(model.pipeline.drift).toEqual(["Cedar Dental / cedar-clinic: the agent's clock is about 12 min ahead"]);
    expect(model.pipeline.mailboxes.map((m) => [m.name, m.ok])).toEqual([['local', true], ['office365', false]]);
    expect(text).toContain('Cedar Dental / cedar-clinic / X-ray images: 1 report never arrived');
  });

  it('escapes the script job name and error in the HTML and keeps them as plain text in the text part', () => {
    const { html, text } = buildDigest(s.db, s.cfg, { now: s.now });
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>forged');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(2)&gt;');
    expect(text).toContain(XSS_NAME);
    expect(text).toContain(XSS_ERROR);
  });

  it('renders for email clients: no SVG, no external images, scripts or styles, width at most 700 px', () => {
    const { html } = buildDigest(s.db, s.cfg, { now: s.now });
    expect(html).not.toMatch(/<svg|<script|<link|src="http|url\(/i);
    expect(html).toContain('max-width:700px');
    expect(html).not.toContain('@media print');
    expect(buildDigest(s.db, s.cfg, { now: s.now, print: true }).html).toContain('@media print');
  });

  it('drops runs received after the digest time when made for an earlier date', () => {
    const { model } = buildDigest(s.db, s.cfg, { date: '2026-11-23', now: new Date('2026-11-23T07:00:00Z') });
    expect(model.dateLabel).toBe('Mon 23 Nov 2026');
    const mail = model.clients[0]!.jobs.find((j) => j.jobName === 'Mail archive')!;
    expect(mail.state).toBe('FAILED');
    expect(mail.days.text.endsWith('X')).toBe(true);
    expect(model.attention.some((a) => a.jobName === XSS_NAME)).toBe(false);
  });

  it('counts and lists only the messages quarantined by the digest time when made for an earlier date', () => {
    const { model, subject } = buildDigest(s.db, s.cfg, { date: '2026-11-23', now: new Date('2026-11-23T07:00:00Z') });
    expect(model.pipeline.quarantine).toEqual({ count: 0, newest: [] });
    expect(model.attention.some((a) => a.kind === 'quarantine')).toBe(false);
    expect(subject).not.toContain('quarantined');
  });

  it('still counts a message released after the digest time as quarantined at that time', () => {
    const H = 3_600_000;
    const t = s.now.getTime() - 6 * H;
    const id = insertMessage(s.db, {
      source: 'local', sourceId: 'm1', messageId: '<late-key@example>', from: 'agent@cedar-clinic.example', subject: 'report before the key was added',
      sha256: 'e'.repeat(64), size: 3000, receivedAt: t - 4 * H, ingestedAt: t - 4 * H, disposition: 'quarantined', reason: 'unknown-key',
      detail: null, siteId: null, runId: null, rawGz: null,
    });
    markReleased(s.db, id, { disposition: 'released', detail: null, siteId: 'cedar-clinic', runId: null }, t + H);
    const past = buildDigest(s.db, s.cfg, { now: new Date(t) }).model.pipeline.quarantine;
    expect(past.count).toBe(1);
    expect(past.newest.map((q) => q.subject)).toEqual(['report before the key was added']);
    expect(buildDigest(s.db, s.cfg, { now: s.now }).model.pipeline.quarantine.count).toBe(1);
  });
});

describe('notifications no rule maps', () => {
  it('are listed in pipeline health apart from the quarantine, with their tool and job, escaped', () => {
    const t = tempDir('syn-digest-unmapped-');
    const sc = seedScenario(t.dir);
    try {
      const before = buildDigest(sc.db, sc.cfg, { now: sc.now });
      expect(before.model.pipeline.unmapped).toEqual({ count: 0, newest: [] });
      expect(before.text).toContain('Unmapped notifications: none');
      insertMessage(sc.db, {
        source: 'local', sourceId: 'u1', messageId: '<veeam-1@acme.example>', from: 'veeam@acme.example', subject: '[Failed] Nightly <i>VMs</i> (3 VMs)',
        sha256: 'd'.repeat(64), size: 9000, receivedAt: sc.now.getTime() - 3_600_000, ingestedAt: sc.now.getTime() - 3_600_000, disposition: 'quarantined', reason: 'unmapped',
        detail: JSON.stringify({ why: 'no rule', parser: 'duplicati', job: 'Nightly <i>VMs</i>', host: null, status: 'failed', suggestion: '- name: x' }), siteId: null, runId: null, rawGz: null,
      });
      const { model, text, html } = buildDigest(sc.db, sc.cfg, { now: sc.now });
      expect(model.pipeline.unmapped.count).toBe(1);
      expect(model.pipeline.unmapped.newest[0]).toMatchObject({ from: 'veeam@acme.example', parser: 'duplicati', job: 'Nightly <i>VMs</i>' });
      expect(model.pipeline.quarantine.count).toBe(before.model.pipeline.quarantine.count);
      expect(text).toContain('Unmapped notifications: 1 from known tools that no rule maps (collector unmapped suggests the rule)');
      expect(text).toMatch(/veeam@acme\.example {2}duplicati {2}"Nightly <i>VMs<\/i>"/);
      expect(html).toContain('Nightly &lt;i&gt;VMs&lt;/i&gt;');
      expect(html).not.toContain('<i>VMs');
    } finally {
      sc.db.close();
      t.cleanup();
    }
  });
});

describe('a consultant\'s template folder', () => {
  it('takes precedence file by file: own wording and colours, logo embedded as a data: URI', () => {
    const own = join(tmp.dir, 'brand');
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, 'theme.json'), JSON.stringify({ product: 'Backup Watch', colours: { failed: '#ff0000' } }));
    writeFileSync(join(own, 'logo.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
    writeFileSync(join(own, 'digest.text.hbs'), 'OWN TEXT {{summary}} {{#each attention}}[{{jobName}}]{{/each}}');
    const cfg = { ...s.cfg, templates: own };
    const { html, text } = buildDigest(s.db, cfg, { now: s.now });
    expect(text.startsWith('OWN TEXT MONITORING BLIND')).toBe(true);
    expect(text).toContain(`[${XSS_NAME}]`);
    expect(html).toContain('Backup Watch');
    expect(html).toContain('background:#ff0000');
    // Handlebars writes '=' as &#x3D; in attributes; the browser decodes it back.
    expect(html).toContain('src="data:image/png;base64,iVBORw0KGgo&#x3D;"');
  });
});
