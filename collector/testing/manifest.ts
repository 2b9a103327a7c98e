import { randomUUID } from 'node:crypto';
import { buildRaw, encodeResultEmail } from '../../core/email/encode.ts';
import { encodeParts, manifestAttachmentName, partSha256, type ManifestLine } from '../../core/result/manifest.ts';
import type { ManifestPartPayload, ResultPayload } from '../../core/result/schema.ts';
import type { TestSite } from './messages.ts';

/** A result with its manifest as an agent sends it: the result email (part 1 attached) and one email per further part. */
export interface ManifestMails {
  result: ResultPayload;
  parts: Buffer[];
  /** [result email, part 2 email, part 3 email, ...] */
  raws: Buffer[];
  /** Builds the email of part `n` again (a fresh report id), with `content` instead of the real part: a tampered copy. */
  partEmail(n: number, content: Buffer): Promise<Buffer>;
}

/** Signs `result` with a manifest of `lines` cut into parts of `maxPartBytes`, as agent/catalogue/send.ts does. */
export async function manifestMails(site: TestSite, result: ResultPayload, mode: 'full' | 'delta', baseRunId: string | null, lines: ManifestLine[], maxPartBytes: number): Promise<ManifestMails> {
  const parts = encodeParts(lines, maxPartBytes);
  const payload: ResultPayload = { ...result, manifest: { mode, baseRunId, entries: lines.length, parts: parts.map((p) => ({ sha256: partSha256(p), bytes: p.length })) } };
  const keys = { from: 'agent@site.example', to: 'backups@example.com', privateKey: site.keys.privateKey, publicKey: site.keys.publicKey };
  const attach = (n: number, content: Buffer) => [{ filename: manifestAttachmentName(n), content, contentType: 'application/gzip' }];
  const partEmail = async (n: number, content: Buffer) => {
    const p: ManifestPartPayload = {
      format: 'synecdoche-result', version: 1, kind: 'manifest-part', site: { id: result.site.id }, agent: result.agent,
      runId: randomUUID(), sentAt: result.sentAt, job: { id: result.job.id }, resultRunId: result.runId, part: n, parts: parts.length,
    };
    return buildRaw(encodeResultEmail(p, keys, attach(n, content)).message);
  };
  const raws = [await buildRaw(encodeResultEmail(payload, keys, attach(1, parts[0]!)).message)];
  for (let n = 2; n <= parts.length; n++) raws.push(await partEmail(n, parts[n - 1]!));
  return { result: payload, parts, raws, partEmail };
}
