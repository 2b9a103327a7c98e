import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ManifestAttachment } from '../../core/email/decode.ts';
import { encodeParts, partSha256, type ManifestLine } from '../../core/result/manifest.ts';
import type { ManifestPartPayload, ResultPayload, SignedPayload } from '../../core/result/schema.ts';
import { sampleResult } from '../../core/result/testing.ts';
import { applyClassified } from '../ingest/apply.ts';
import { incompleteManifests } from './catalogue.ts';
import { findFiles } from './catalogue-query.ts';
import { openStore, type Db } from './db.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T02:00:00Z');
const put = (path: string, size: number): ManifestLine => ({ op: 'put', path, size, mtimeMs: T0, sha256: null });
const sig = { alg: 'Ed25519', keyId: 'ed25519:0000000000000000', value: 'x' } as const;

/** A result announcing `lines` (one part each of 4 KB at most), its attachments, and its further parts' reports. */
function result(day: number, mode: 'full' | 'delta', base: string | null, lines: ManifestLine[], siteId = 'site-a') {
  const parts = encodeParts(lines, 4096);
  const at = new Date(T0 + day * DAY).toISOString();
  const p: ResultPayload = { ...sampleResult({ siteId, jobId: 'docs', sequence: day + 1, startedAt: at, endedAt: at }), manifest: { mode, baseRunId: base, entries: lines.length, parts: parts.map((x) => ({ sha256: partSha256(x), bytes: x.length })) } };
  const atts: ManifestAttachment[] = parts.map((content, i) => ({ part: i + 1, content, sha256: partSha256(content) }));
  return { p, atts };
}

function apply(db: Db, payload: SignedPayload | (ResultPayload & { signature?: unknown }), parts: ManifestAttachment[], messageId = `<${randomUUID()}@test>`) {
  const c = { kind: 'verified' as const, payload: { ...payload, signature: sig } as SignedPayload, facts: { messageId, from: null, subject: null, date: null }, manifestParts: parts };
  return applyClassified(db, c, { receivedAt: T0, messageId, sha256: randomUUID() }, T0);
}

function partReport(p: ResultPayload, n: number, siteId = p.site.id): ManifestPartPayload {
  return { format: 'synecdoche-result', version: 1, kind: 'manifest-part', site: { id: siteId }, agent: p.agent, runId: randomUUID(), sentAt: p.sentAt, job: { id: 'docs' }, resultRunId: p.runId, part: n, parts: p.manifest!.parts.length };
}

const sizeOf = (db: Db, path: string) => findFiles(db, `/${path}`).files[0]?.newest.size;

describe('the catalogue store', () => {
  it('applies deltas whose results arrive out of order once their base is in', () => {
    const db = openStore(':memory:');
    const r1 = result(0, 'full', null, [put('a', 1), put('b', 1)]);
    const r2 = result(1, 'delta', r1.p.runId, [put('a', 2)]);
    const r3 = result(2, 'delta', r2.p.runId, [put('a', 3), { op: 'del', path: 'b' }]);
    apply(db, r1.p, r1.atts);
    apply(db, r3.p, r3.atts);
    expect(sizeOf(db, 'a')).toBe(1);
    apply(db, r2.p, r2.atts);
    expect(sizeOf(db, 'a')).toBe(3);
    expect(findFiles(db, '/b').files[0]).toMatchObject({ current: false });
    expect(findFiles(db, '/a', { history: true }).files[0]!.versions!.map((v) => v.size)).toEqual([3, 2, 1]);
  });

  it('reconciles with a full manifest when a delta was lost, and shows what waits for a base that never came', () => {
    const db = openStore(':memory:');
    const r1 = result(0, 'full', null, [put('a', 1), put('b', 1)]);
    const lost = result(1, 'delta', r1.p.runId, [put('c', 1)]);
    const r3 = result(2, 'delta', lost.p.runId, [put('a', 3)]);
    apply(db, r1.p, r1.atts);
    apply(db, r3.p, r3.atts);
    const waiting = incompleteManifests(db, T0 + DAY, 0);
    expect(waiting).toEqual([expect.objectContaining({ runId: r3.p.runId, why: `waiting for the manifest of run ${lost.p.runId}, which it is a delta of` })]);
    const full = result(3, 'full', null, [put('a', 4), put('d', 1)]);
    apply(db, full.p, full.atts);
    expect(sizeOf(db, 'a')).toBe(4);
    expect(findFiles(db, '/b').files[0]).toMatchObject({ current: false });
    expect(findFiles(db, '/d').files[0]).toMatchObject({ current: true });
    // the stale delta can never apply now: it is no longer waiting
    expect(incompleteManifests(db, T0 + 5 * DAY, 0)).toEqual([]);
  });

  it('records the run even when its manifest is incomplete, and takes a further part in any order', () => {
    const db = openStore(':memory:');
    const many = Array.from({ length: 600 }, (_, i) => put(`dir/file-${i}-${(i * 2654435761).toString(36)}.txt`, i));
    const r = result(0, 'full', null, many);
    expect(r.atts.length).toBeGreaterThan(2);
    expect(apply(db, r.p, r.atts.slice(0, 1)).disposition).toBe('accepted');
    expect((db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n).toBe(1);
    for (let n = r.atts.length; n >= 2; n--) expect(apply(db, partReport(r.p, n) as SignedPayload, [r.atts[n - 1]!]).disposition).toBe('accepted');
    expect(findFiles(db, 'dir/file-599-').files).toHaveLength(1);
  });

  it('quarantines a replayed part, a part without its attachment, and a part naming another site\'s run', () => {
    const db = openStore(':memory:');
    const many = Array.from({ length: 600 }, (_, i) => put(`dir/file-${i}-${(i * 2654435761).toString(36)}.txt`, i));
    const r = result(0, 'full', null, many);
    apply(db, r.p, r.atts.slice(0, 1));
    const report = partReport(r.p, 2) as SignedPayload;
    expect(apply(db, report, [r.atts[1]!], '<first@test>').disposition).toBe('accepted');
    expect(apply(db, report, [r.atts[1]!], '<first@test>').disposition).toBe('duplicate');
    expect(apply(db, report, [r.atts[1]!], '<again@test>')).toMatchObject({ disposition: 'quarantined', reason: 'replay' });
    expect(apply(db, partReport(r.p, 3) as SignedPayload, [])).toMatchObject({ disposition: 'quarantined', reason: 'no-attachment' });
    expect(apply(db, partReport(r.p, 3, 'site-b') as SignedPayload, [r.atts[2]!])).toMatchObject({ disposition: 'quarantined', reason: 'schema-violation' });
  });
});
