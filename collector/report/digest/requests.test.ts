import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../core/clock.ts';
import type { ManifestAttachment } from '../../../core/email/decode.ts';
import { encodeParts, partSha256, type ManifestLine } from '../../../core/result/manifest.ts';
import type { CommandReceiptPayload, ManifestPartPayload, Payload, ResultPayload, SignedPayload } from '../../../core/result/schema.ts';
import { sampleResult } from '../../../core/result/testing.ts';
import { applyClassified } from '../../ingest/apply.ts';
import { ingestBatch } from '../../ingest/batch.ts';
import { ingestContext } from '../../ingest/classify.ts';
import { signedRaw, tempDir, testConfig, testSites } from '../../ingest/testing.ts';
import { decideRequest, insertRequest, type NewRequest } from '../../store/client-requests.ts';
import { insertCommand } from '../../store/commands.ts';
import { openStore, type Db } from '../../store/db.ts';
import { buildDigest } from './build.ts';

const H = 3_600_000;
const NOW = new Date('2026-12-05T07:00:00.000Z');
const T = NOW.getTime();
const JOB_NAME = '<script>alert(1)</script> Documents';
const CLIENT_NAME = 'Acme <b>Ltd</b>';
const [siteA] = testSites('site-a');

describe('the digest\'s "Requests and commands"', () => {
  let dir: string, cleanup: () => void, db: Db;
  const cfg = () => testConfig(dir, [siteA!], { clients: [{ id: 'acme', name: CLIENT_NAME, timeZone: 'Europe/Berlin', contacts: ['anna@acme.example'] }] });
  const ingest = async (...payloads: Payload[]) => {
    const ctx = ingestContext(cfg(), { source: 't', clock: new FakeClock(NOW) });
    const msgs = await Promise.all(payloads.map(async (p, i) => ({ id: String(i), raw: await signedRaw(p, siteA!), receivedAt: new Date(T - 2 * H) })));
    const out = await ingestBatch(db, msgs, ctx);
    expect(out.accepted).toHaveLength(payloads.length);
  };
  const run = (over: Partial<ResultPayload> = {}) =>
    sampleResult({ siteId: 'site-a', jobId: 'docs', startedAt: new Date(T - 5 * H).toISOString(), job: { id: 'docs', name: JOB_NAME, plugin: 'copy', schedule: '0 2 * * *', nextRunAt: new Date(T + 19 * H).toISOString() }, ...over });
  const request = (over: Partial<NewRequest> = {}) =>
    insertRequest(db, {
      clientId: 'acme', from: 'anna@acme.example', via: 'email', receivedAt: T - 3 * H, messageId: null, action: 'restore', siteId: 'site-a', jobId: 'docs',
      args: { paths: ['Invoices/2026'], asOf: '2026-12-03' }, rawLine: 'RESTORE docs Invoices/2026 AS OF 2026-12-03', state: 'pending', note: null, ...over,
    });
  const command = (id: string, issuedAt: number, over: { action?: string; args?: unknown; expiresAt?: number } = {}) =>
    insertCommand(db, {
      id, siteId: 'site-a', jobId: 'docs', action: over.action ?? 'restore', args: 'args' in over ? over.args : { to: '/srv/restored', paths: ['Invoices'], at: null },
      issuedAt, expiresAt: over.expiresAt ?? issuedAt + 24 * H, requestedBy: 'consultant', messageId: `<${id}@collector>`,
    });
  const receipt = (commandId: string, reason: string): CommandReceiptPayload => ({
    format: 'synecdoche-result', version: 1, kind: 'command-receipt', site: { id: 'site-a', client: 'Acme Ltd' }, agent: { host: 'fileserver', version: '0.1.0', timeZone: 'Europe/Berlin' },
    runId: randomUUID(), sentAt: new Date(T - 3 * H).toISOString(), command: { id: commandId }, action: 'restore', jobId: 'docs', state: 'refused', reason,
  });

  beforeEach(() => {
    ({ dir, cleanup } = tempDir('syn-digest-requests-'));
    db = openStore(cfg().database.path);
  });
  afterEach(() => {
    db.close();
    cleanup();
  });

  it('is left out, and nothing is added to the attention list or subject, when there is nothing to tell', async () => {
    await ingest(run());
    const { model, text, html, subject } = buildDigest(db, cfg(), { now: NOW });
    expect(model.requests.any).toBe(false);
    expect(model.attention).toEqual([]);
    expect(subject).toBe('The 1 backup OK - Sat 5 Dec');
    expect(text).not.toContain('REQUESTS AND COMMANDS');
    expect(html).not.toContain('Requests and commands');
  });

  it('lists a pending client request with what, when and the commands to decide it, and counts it in the attention list and subject', async () => {
    await ingest(run());
    const id = request();
    const declined = request({ receivedAt: T - 5 * H });
    decideRequest(db, declined, { state: 'declined', at: T - 4 * H, by: 'pat', note: null });
    const { model, text, html, subject } = buildDigest(db, cfg(), { now: NOW });
    expect(model.requests.pending).toEqual([{
      id, client: `${CLIENT_NAME} (anna@acme.example)`, what: `restore of Invoices/2026 from "${JOB_NAME}" (site-a), as it was on Thu 3 Dec 2026`,
      asked: 'Sat 5 Dec 04:00', approve: `synecdoche collector request approve ${id}`, decline: `synecdoche collector request decline ${id}`,
    }]);
    expect(model.attention).toEqual([expect.objectContaining({ kind: 'request', label: 'CLIENT REQUEST', jobName: '1 client request waits for your decision' })]);
    expect(model.tone).toBe('bad');
    expect(subject).toBe('The 1 backup OK, 1 client request waiting - Sat 5 Dec');
    expect(text).toContain('* CLIENT REQUEST: 1 client request waits for your decision\n');
    expect(text).toContain(`REQUESTS AND COMMANDS\nClient requests waiting for your decision:\n* #${id} ${CLIENT_NAME} (anna@acme.example), asked Sat 5 Dec 04:00\n  restore of Invoices/2026 from "${JOB_NAME}" (site-a), as it was on Thu 3 Dec 2026\n  approve: synecdoche collector request approve ${id}   decline: synecdoche collector request decline ${id}\n`);
    expect(html).toContain('>Requests and commands</h2>');
    expect(html).toContain(`synecdoche collector request approve ${id}<br>synecdoche collector request decline ${id}`);
    // A digest made for a time before the request arrived does not show it; one before its decision shows the declined one as waiting then.
    expect(buildDigest(db, cfg(), { now: new Date(T - 4.5 * H) }).model.requests.pending.map((p) => p.id)).toEqual([declined]);
  });

  it('puts commands refused (with the agent\'s reason) or expired in the attention list and subject, and lists the done ones briefly', async () => {
    const refused = randomUUID(), expired = randomUUID(), done = randomUUID(), old = randomUUID();
    command(refused, T - 4 * H);
    command(expired, T - 30 * H, { action: 'run-now', args: undefined, expiresAt: T - 6 * H });
    command(done, T - 6 * H, { action: 'run-now', args: undefined });
    command(old, T - 72 * H, { action: 'run-now', args: undefined, expiresAt: T - 48 * H });
    await ingest(receipt(refused, 'target not empty: /srv/restored already holds 3 files'), run({ command: { id: done } }));
    const { model, text, html, subject } = buildDigest(db, cfg(), { now: NOW });
    expect(model.requests.commands.map((c) => [c.state, c.what])).toEqual([['REFUSED', 'restore of Invoices into /srv/restored'], ['EXPIRED', 'extra backup run'], ['DONE', 'extra backup run']]);
    expect(model.attention.map((a) => [a.kind, a.label, a.jobName])).toEqual([['command', 'COMMAND REFUSED', JOB_NAME], ['command', 'COMMAND EXPIRED', JOB_NAME]]);
    expect(model.attention[0]!.detail).toBe('restore of Invoices into /srv/restored, sent Sat 5 Dec 03:00: refused by the agent: target not empty: /srv/restored already holds 3 files; asked by consultant');
    expect(subject).toBe('The 1 backup OK, 1 command refused, 1 command expired - Sat 5 Dec');
    expect(text).toContain(`Commands (last 24 hours):\n* REFUSED: ${CLIENT_NAME} / site-a / ${JOB_NAME}, restore of Invoices into /srv/restored, sent Sat 5 Dec 03:00\n  refused by the agent: target not empty: /srv/restored already holds 3 files; asked by consultant\n`);
    expect(text).toContain(`* EXPIRED: ${CLIENT_NAME} / site-a / ${JOB_NAME}, extra backup run, sent Fri 4 Dec 01:00\n  no agent answered before it expired (Sat 5 Dec 01:00); asked by consultant\n`);
    expect(text).toMatch(/\* DONE: .*, extra backup run, sent Sat 5 Dec 01:00\n {2}run [0-9a-f]{8} ended ok; asked by consultant\n/);
    expect(html).toContain('refused by the agent: target not empty: /srv/restored already holds 3 files');
  });

  it('warns of a file catalogue still missing parts 6 hours after its result arrived, and not sooner', () => {
    const groups = Array.from({ length: 5 }, (_, g) => Array.from({ length: 3 }, (__, i): ManifestLine => ({ op: 'put', path: `part${g}/file${i}.txt`, size: i, mtimeMs: T, sha256: null })));
    const parts = groups.map((g) => encodeParts(g, 4096)[0]!);
    const atts: ManifestAttachment[] = parts.map((content, i) => ({ part: i + 1, content, sha256: partSha256(content) }));
    const result = run({ manifest: { mode: 'full', baseRunId: null, entries: 15, parts: parts.map((x) => ({ sha256: partSha256(x), bytes: x.length })) } });
    const sig = { alg: 'Ed25519', keyId: 'ed25519:0000000000000000', value: 'x' } as const;
    const apply = (payload: Payload, withParts: ManifestAttachment[], at: number) => {
      const messageId = `<${randomUUID()}@test>`;
      const c = { kind: 'verified' as const, payload: { ...payload, signature: sig } as SignedPayload, facts: { messageId, from: null, subject: null, date: null }, manifestParts: withParts };
      expect(applyClassified(db, c, { receivedAt: at, messageId, sha256: randomUUID() }, at).disposition).toBe('accepted');
    };
    const part = (n: number): ManifestPartPayload => ({ format: 'synecdoche-result', version: 1, kind: 'manifest-part', site: { id: 'site-a' }, agent: result.agent, runId: randomUUID(), sentAt: result.sentAt, job: { id: 'docs' }, resultRunId: result.runId, part: n, parts: 5 });
    apply(result, atts.slice(0, 1), T - 7 * H);
    apply(part(2), [atts[1]!], T - 7 * H);
    apply(part(3), [atts[2]!], T - 7 * H);
    const line = `the file catalogue of site-a/docs run ${result.runId.slice(0, 8)} (Sat 5 Dec 02:01) is missing 2 of 5 parts: find-file answers from the previous backup`;
    const { model, text, html } = buildDigest(db, cfg(), { now: NOW });
    expect(model.requests.catalogue).toEqual([line]);
    expect(text).toContain(`REQUESTS AND COMMANDS\n* WARNING: ${line}\n`);
    expect(html).toContain(line);
    expect(model.attention).toEqual([]);
    expect(buildDigest(db, cfg(), { now: new Date(T - 2 * H) }).model.requests.any).toBe(false);
  });

  it('escapes a hostile client and job name and the agent\'s reason in the HTML, and keeps them as they are in the text', async () => {
    await ingest(run());
    const refusedId = randomUUID();
    command(refusedId, T - 3 * H);
    await ingest(receipt(refusedId, '<img src=x onerror=alert(3)> not allowed'));
    request({ args: { paths: ['<i>Invoices</i>'] } });
    const { html, text } = buildDigest(db, cfg(), { now: NOW });
    expect(html).not.toMatch(/<script|<b>Ltd|<img src=x|<i>Invoices/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Documents');
    expect(html).toContain('Acme &lt;b&gt;Ltd&lt;/b&gt;');
    expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(3)&gt; not allowed');
    expect(html).toContain('restore of &lt;i&gt;Invoices&lt;/i&gt;');
    expect(text).toContain(JOB_NAME);
    expect(text).toContain(CLIENT_NAME);
    expect(text).toContain('<img src=x onerror=alert(3)> not allowed');
  });
});
