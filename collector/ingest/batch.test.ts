import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { buildRaw, encodeResultEmail } from '../../core/email/encode.ts';
import { signPayload } from '../../core/result/sign.ts';
import { sampleHeartbeat, sampleResult } from '../../core/result/testing.ts';
import type { SourceMessage } from '../sources/types.ts';
import { openStore, type Db } from '../store/db.ts';
import { ingestBatch } from './batch.ts';
import { ingestContext, type IngestContext } from './classify.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registry } from '../thirdparty/index.ts';
import type { ThirdPartyParser } from '../thirdparty/types.ts';
import { signedRaw, tempDir, testConfig, testSites } from './testing.ts';

const [siteA, siteB, stranger] = testSites('site-a', 'site-b', 'site-x');
let n = 0;
const msg = (raw: Buffer): SourceMessage => ({ id: String(++n), raw, receivedAt: new Date('2026-11-23T08:00:00Z') });
const counts = (db: Db) =>
  Object.fromEntries(['runs', 'heartbeats', 'messages', 'jobs', 'sites', 'sequence_gaps'].map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]));

/** A raw email whose JSON attachment is replaced by `json` (text), signed or not. */
async function rawWithJson(json: string, subject = '[OK] Acme / site-a / Nightly'): Promise<Buffer> {
  return buildRaw({
    from: 'agent@site.example',
    to: 'backups@example.com',
    subject,
    text: 'report',
    headers: { 'X-Synecdoche-Format': 'synecdoche-result/1' },
    attachments: [{ filename: 'synecdoche-result.json', content: json }],
  });
}

describe('ingestBatch', () => {
  let dir: string, cleanup: () => void, db: Db, ctx: IngestContext;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    const cfg = testConfig(dir, [siteA!, siteB!], { limits: { maxMessageBytes: 200_000 } });
    db = openStore(cfg.database.path);
    ctx = ingestContext(cfg, { source: 'test', clock: new FakeClock('2026-11-23T09:00:00Z') });
  });
  afterEach(() => {
    db.close();
    cleanup();
  });

  it('stores signed results from several sites and a heartbeat, keeping the raw bytes', async () => {
    const a = await signedRaw(sampleResult({ siteId: 'site-a' }), siteA!);
    const b = await signedRaw(sampleResult({ siteId: 'site-b', jobId: 'weekly', status: 'failed', errors: [{ message: 'disk full\nmore' }] }), siteB!);
    const hb = await signedRaw(sampleHeartbeat({ siteId: 'site-a', jobs: [{ id: 'nightly', nextRunAt: '2026-11-25T01:00:00.000Z' }, { id: 'new-job', nextRunAt: null }] }), siteA!);
    const out = await ingestBatch(db, [msg(a), msg(b), msg(hb)], ctx);
    expect(out.accepted).toHaveLength(3);
    expect(counts(db)).toMatchObject({ runs: 2, heartbeats: 1, messages: 3, sites: 2, jobs: 3 });
    const failed = db.prepare(`SELECT status, first_error FROM runs WHERE site_id = 'site-b'`).get();
    expect(failed).toEqual({ status: 'failed', first_error: 'disk full' });
    const stored = db.prepare(`SELECT raw_gz FROM messages WHERE run_id IS NOT NULL LIMIT 1`).get() as { raw_gz: Buffer };
    expect([a, b, hb].some((r) => gunzipSync(stored.raw_gz).equals(r))).toBe(true);
    // The heartbeat is newer than the result: its announcement of the next run wins.
    const job = db.prepare(`SELECT next_run_at FROM jobs WHERE site_id = 'site-a' AND job_id = 'nightly'`).get() as { next_run_at: number };
    expect(new Date(job.next_run_at).toISOString()).toBe('2026-11-25T01:00:00.000Z');
  });

  it('quarantines every kind of bad message with its reason and ingests the rest of the batch', async () => {
    const good = sampleResult({ siteId: 'site-a' });
    const tamperedJson = JSON.parse(JSON.stringify(signPayload(sampleResult({ siteId: 'site-a' }), siteA!.keys.privateKey, siteA!.keys.publicKey)));
    tamperedJson.status = 'ok';
    tamperedJson.files.copied = 999;
    const unsigned = sampleResult({ siteId: 'site-a' });
    const schemaBad = { ...signPayload(sampleResult({ siteId: 'site-a' }), siteA!.keys.privateKey, siteA!.keys.publicKey), status: 'great' };
    const bad: [string, Buffer][] = [
      ['bad-signature', await signedRaw(sampleResult({ siteId: 'site-a' }), { privateKey: siteB!.keys.privateKey, publicKey: siteA!.keys.publicKey })],
      ['unknown-key', await signedRaw(sampleResult({ siteId: 'site-a' }), siteB!)],
      ['bad-signature', await rawWithJson(JSON.stringify(tamperedJson))],
      ['unsigned', await rawWithJson(JSON.stringify(unsigned))],
      ['unknown-site', await signedRaw(sampleResult({ siteId: 'site-x' }), stranger!)],
      ['malformed-json', await rawWithJson('{"format": "synecdoche-result", ')],
      ['schema-violation', await rawWithJson(JSON.stringify(schemaBad))],
      ['no-attachment', await buildRaw({ from: 'a@b.c', to: 'd@e.f', subject: 'x', text: 'y', headers: { 'X-Synecdoche-Format': 'synecdoche-result/1' } })],
      ['too-large', Buffer.concat([await signedRaw(sampleResult({ siteId: 'site-a' }), siteA!), Buffer.alloc(250_000, 'x')])],
      ['third-party-unrecognised', await buildRaw({ from: 'duplicati@nas.example', to: 'd@e.f', subject: 'Duplicati Backup report', text: 'Success' })],
    ];
    const batch = [msg(await signedRaw(good, siteA!)), ...bad.map(([, raw]) => msg(raw)), msg(await signedRaw(sampleResult({ siteId: 'site-b' }), siteB!))];
    const out = await ingestBatch(db, batch, ctx);
    expect(out.accepted).toEqual([batch[0]!.id, batch[batch.length - 1]!.id]);
    expect(out.quarantined.map((q) => q.reason)).toEqual(bad.map(([reason]) => reason));
    const rows = db.prepare(`SELECT reason, detail, raw_gz IS NOT NULL AS kept, site_id FROM messages WHERE disposition = 'quarantined' ORDER BY id`).all() as { reason: string; detail: string; kept: number; site_id: string | null }[];
    expect(rows.map((r) => r.reason)).toEqual(bad.map(([reason]) => reason));
    expect(rows.every((r) => r.kept === 1 && r.detail.length > 0)).toBe(true);
    expect(rows.find((r) => r.reason === 'unknown-site')!.site_id).toBe('site-x');
    expect(counts(db).runs).toBe(2);
  });

  it('quarantines broken MIME and a message that makes the decoder throw, and goes on', async () => {
    // mailparser is lenient: broken MIME surfaces as an unreadable attachment or an unknown notification.
    const brokenReport = Buffer.from('X-Synecdoche-Format: synecdoche-result/1\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: application/json\r\nContent-Disposition: attachment; filename="synecdoche-result.json"\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64\r\n');
    const garbage = Buffer.from('\x00\x01\x02 garbage without headers');
    const good = msg(await signedRaw(sampleResult({ siteId: 'site-a' }), siteA!));
    const badCtx: IngestContext = { ...ctx, decode: { ...ctx.decode, keysFor: (id) => { if (id === 'site-a') throw new Error('key store exploded'); return undefined; } } };
    const out = await ingestBatch(db, [msg(brokenReport), msg(garbage), good], ctx);
    expect(out.accepted).toEqual([good.id]);
    expect(out.quarantined.map((q) => q.reason)).toEqual(['malformed-json', 'third-party-unrecognised']);
    const again = msg(await signedRaw(sampleResult({ siteId: 'site-a' }), siteA!));
    const out2 = await ingestBatch(db, [again], badCtx);
    expect(out2.quarantined).toEqual([{ id: again.id, reason: 'internal-error' }]);
    expect((db.prepare(`SELECT detail FROM messages WHERE reason = 'internal-error'`).get() as { detail: string }).detail).toMatch(/key store exploded/);
  });

  it('changes nothing when the same raw message arrives twice, in one batch or in two', async () => {
    const raw = await signedRaw(sampleResult({ siteId: 'site-a' }), siteA!);
    const first = await ingestBatch(db, [msg(raw), msg(raw)], ctx);
    expect(first.accepted).toHaveLength(1);
    expect(first.duplicates).toHaveLength(1);
    const before = counts(db);
    const second = await ingestBatch(db, [msg(raw)], ctx);
    expect(second.duplicates).toHaveLength(1);
    expect(counts(db)).toEqual(before);
  });

  it('sends a duplicate of a quarantined message back to quarantine', async () => {
    const raw = await rawWithJson('not json');
    await ingestBatch(db, [msg(raw)], ctx);
    const again = await ingestBatch(db, [msg(raw)], ctx);
    expect(again.quarantined.map((q) => q.reason)).toEqual(['malformed-json']);
    expect(counts(db).messages).toBe(1);
  });

  it('recognises a stored run sent again under a new Message-ID as a replay', async () => {
    const payload = sampleResult({ siteId: 'site-a' });
    const { message } = encodeResultEmail(payload, { from: 'a@site', to: 'b@c', ...siteA!.keys });
    await ingestBatch(db, [msg(await buildRaw(message))], ctx);
    const sameId = await buildRaw({ ...message, headers: { ...(message.headers as object), 'X-Resent': '1' } });
    const replay = await buildRaw({ ...message, messageId: `<${randomUUID()}@evil.example>` });
    const out = await ingestBatch(db, [msg(sameId), msg(replay)], ctx);
    expect(out.duplicates).toHaveLength(1);
    expect(out.quarantined.map((q) => q.reason)).toEqual(['replay']);
    expect(counts(db).runs).toBe(1);
  });

  it('records a gap when sequences 1, 2, 5 arrive, and shrinks it when 3 arrives late', async () => {
    const at = (seq: number) => sampleResult({ siteId: 'site-a', sequence: seq, startedAt: `2026-11-${String(10 + seq).padStart(2, '0')}T01:00:00.000Z` });
    await ingestBatch(db, [msg(await signedRaw(at(1), siteA!)), msg(await signedRaw(at(2), siteA!)), msg(await signedRaw(at(5), siteA!))], ctx);
    const gaps = () => db.prepare('SELECT from_seq, to_seq FROM sequence_gaps ORDER BY from_seq').all();
    expect(gaps()).toEqual([{ from_seq: 3, to_seq: 4 }]);
    await ingestBatch(db, [msg(await signedRaw(at(3), siteA!))], ctx);
    expect(gaps()).toEqual([{ from_seq: 4, to_seq: 4 }]);
    expect((db.prepare('SELECT last_sequence FROM jobs').get() as { last_sequence: number }).last_sequence).toBe(5);
  });

  it('keeps a lost report overdue when a later heartbeat announces the following run', async () => {
    const monday = sampleResult({ siteId: 'site-a', sequence: 1, startedAt: '2026-11-23T01:15:00.000Z', job: { ...sampleResult().job, nextRunAt: '2026-11-24T01:15:00.000Z' } });
    const heartbeat = sampleHeartbeat({ siteId: 'site-a', sentAt: '2026-11-24T08:00:00.000Z', jobs: [{ id: 'nightly', nextRunAt: '2026-11-25T01:15:00.000Z' }] });
    await ingestBatch(db, [msg(await signedRaw(monday, siteA!)), msg(await signedRaw(heartbeat, siteA!))], ctx);
    const nextRun = () => new Date((db.prepare('SELECT next_run_at FROM jobs').get() as { next_run_at: number }).next_run_at).toISOString();
    expect(nextRun()).toBe('2026-11-24T01:15:00.000Z');
    const tuesday = sampleResult({ siteId: 'site-a', sequence: 2, startedAt: '2026-11-24T01:15:00.000Z', job: { ...sampleResult().job, nextRunAt: '2026-11-25T01:15:00.000Z' } });
    await ingestBatch(db, [msg(await signedRaw(tuesday, siteA!))], ctx);
    expect(nextRun()).toBe('2026-11-25T01:15:00.000Z');
  });

  it('follows an agent whose sequence counter was reset, without inventing a gap', async () => {
    const run = (seq: number, day: number) => sampleResult({ siteId: 'site-a', sequence: seq, startedAt: `2026-11-${day}T01:00:00.000Z` });
    await ingestBatch(db, [msg(await signedRaw(run(7, 10), siteA!)), msg(await signedRaw(run(8, 11), siteA!))], ctx);
    await ingestBatch(db, [msg(await signedRaw(run(1, 12), siteA!)), msg(await signedRaw(run(2, 13), siteA!))], ctx);
    expect(counts(db)).toMatchObject({ runs: 4, sequence_gaps: 0 });
    expect((db.prepare('SELECT last_sequence FROM jobs').get() as { last_sequence: number }).last_sequence).toBe(2);
  });

  it('accepts a third-party notification only through a matching rule, maps it to a client by plus address, and keeps unmapped ones apart', async () => {
    const fixture = readFileSync(join(import.meta.dirname, '../thirdparty/duplicati/fixtures/text-success-epoch-2.0.4.5.eml'), 'utf8');
    const tp: IngestContext = ingestContext(testConfig(dir, [siteA!]), {
      source: 'test',
      clock: new FakeClock('2026-11-23T09:00:00Z'),
      rules: [{ name: 'nas', from: '/@nas\\.example$/', parser: 'duplicati', site: 'nas', combine: 'last' }],
    });
    const as = (from: string, to: string, raw = fixture) => msg(Buffer.from(raw.replace(/^From: .*$/m, `From: ${from}`).replace(/^To: .*$/m, `To: ${to}`).replace(/^Message-ID: .*$/m, `Message-ID: <${randomUUID()}@t>`)));
    const ok = as('backup@nas.example', 'backups+acme@example.com');
    const noClient = as('backup@nas.example', 'backups@example.com');
    const stranger = as('someone@else.example', 'backups+acme@example.com');
    const garbled = as('backup@nas.example', 'backups+acme@example.com', fixture.replace(/ParsedResult: Success/, 'ParsedRes').replace(/\r?\n\r?\n[\s\S]*$/, '\r\n\r\ngarbled'));
    const out = await ingestBatch(db, [ok, noClient, stranger, garbled], tp);
    expect(out.thirdParty).toEqual([ok.id]);
    expect(out.quarantined.map((q) => q.reason)).toEqual(['unmapped', 'unmapped', 'third-party-unrecognised']);
    const run = db.prepare("SELECT site_id, status, payload_json FROM runs").get() as { site_id: string; status: string; payload_json: string };
    expect(run).toMatchObject({ site_id: 'nas', status: 'ok' });
    expect(JSON.parse(run.payload_json).job.plugin).toBe('third-party/duplicati');
    expect(db.prepare('SELECT client_id, rule FROM jobs').get()).toEqual({ client_id: 'acme', rule: 'nas' });
    const rows = db.prepare("SELECT reason, detail FROM messages WHERE disposition = 'quarantined' ORDER BY id").all() as { reason: string; detail: string }[];
    expect(JSON.parse(rows[0]!.detail).why).toMatch(/rule "nas": names no client/);
    expect(JSON.parse(rows[1]!.detail)).toMatchObject({ parser: 'duplicati', why: expect.stringMatching(/Duplicati notification from "someone@else.example" that no thirdParty rule maps/) });
    expect(JSON.parse(rows[1]!.detail).suggestion).toMatch(/from: someone@else.example\n {2}parser: duplicati\n {2}client: CLIENT/);
    expect(rows[2]!.detail).toMatch(/rule "nas" matched, but parser "duplicati" could not read the message/);
  });

  it('rejects two third-party parsers with the same name', () => {
    const p: ThirdPartyParser = { name: 'x', tool: 'X', description: 'x', recognises: () => false, parse: () => null };
    expect(() => registry([p, p])).toThrow(/two third-party parsers are named "x"/);
  });
});
