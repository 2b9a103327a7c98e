import { describe, expect, it } from 'vitest';
import { generateSiteKeyPair } from '../result/keys.ts';
import { encodeParts, partSha256 } from '../result/manifest.ts';
import { sampleResult } from '../result/testing.ts';
import { decodeEmail, decodeWithParser } from './decode.ts';
import { buildRaw, encodeResultEmail } from './encode.ts';
import { leanSplit } from './lean.ts';

const keys = generateSiteKeyPair();
const opts = { keysFor: () => [keys.publicKey] };

describe('manifest parts attached to a signed report', () => {
  it('are handed on with their SHA-256 by the lean path and the full parser alike, and other attachments are not', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => ({ op: 'put' as const, path: `d/f-${i}-${(i * 2654435761).toString(36)}`, size: i, mtimeMs: i, sha256: null }));
    const parts = encodeParts(lines, 4096);
    const p = { ...sampleResult(), manifest: { mode: 'full' as const, baseRunId: null, entries: lines.length, parts: parts.map((x) => ({ sha256: partSha256(x), bytes: x.length })) } };
    const extra = [
      { filename: 'synecdoche-manifest-1.ndjson.gz', content: parts[0]!, contentType: 'application/gzip' },
      { filename: 'notes.txt', content: 'not a part' },
    ];
    const raw = await buildRaw(encodeResultEmail(p, { from: 'a@b.example', to: 'c@d.example', ...keys }, extra).message);
    expect((await leanSplit(raw))?.manifest.map((m) => m.filename)).toEqual(['synecdoche-manifest-1.ndjson.gz']);
    const lean = await decodeEmail(raw, opts);
    const full = await decodeWithParser(raw, opts);
    for (const d of [lean, full]) {
      expect(d.outcome).toBe('verified');
      if (d.outcome !== 'verified') return;
      expect(d.manifestParts).toEqual([{ part: 1, content: parts[0], sha256: partSha256(parts[0]!) }]);
    }
  });

  it('are absent from a report without them', async () => {
    const raw = await buildRaw(encodeResultEmail(sampleResult(), { from: 'a@b.example', to: 'c@d.example', ...keys }).message);
    const d = await decodeEmail(raw, opts);
    expect(d.outcome === 'verified' && d.manifestParts).toBeUndefined();
  });
});
