import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeEmail } from '../../core/email/decode.ts';
import { parsePublicKeyLine } from '../../core/result/keys.ts';
import type { SignedPayload } from '../../core/result/schema.ts';
import type { ManifestEntry } from '../../plugins/types.ts';
import { saveManifest } from '../catalogue/local.ts';

/** SHA-256 (hex) of a file. */
export function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Writes files (relative path -> content) under `root`, each with the given mtime. */
export function writeTree(root: string, files: Record<string, string>, mtime = new Date('2026-11-30T12:00:00Z')): void {
  for (const [rel, content] of Object.entries(files)) {
    const f = join(root, rel);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, content);
    utimesSync(f, mtime, mtime);
  }
}

/** Every file under `root` (relative, "/" separators) with its content, skipping names in `skip`. */
export function readTree(root: string, skip: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const d of readdirSync(join(root, rel), { withFileTypes: true })) {
      if (skip.includes(d.name)) continue;
      const r = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.isDirectory()) walk(r);
      else out[r] = readFileSync(join(root, r), 'utf8');
    }
  };
  walk('');
  return out;
}

/**
 * Records what a backup of `source` held at `at`, as the agent's catalogue does after a run:
 * every file with its size, mtime and SHA-256. Returns the run id it was saved under.
 */
export function recordManifest(stateDir: string, jobId: string, source: string, at: Date): string {
  const entries: ManifestEntry[] = Object.keys(readTree(source)).map((path) => {
    const st = statSync(join(source, path));
    return { path, size: st.size, mtimeMs: st.mtimeMs, sha256: sha256Of(join(source, path)) };
  });
  const runId = randomUUID();
  saveManifest(stateDir, jobId, runId, at, entries);
  return runId;
}

/** The verified payload of a raw email from site-a. */
export async function verifiedPayload(raw: Buffer, publicLine: string): Promise<SignedPayload> {
  const d = await decodeEmail(raw, { keysFor: (id) => (id === 'site-a' ? [parsePublicKeyLine(publicLine)] : undefined) });
  if (d.outcome !== 'verified') throw new Error(`not verified: ${JSON.stringify(d)}`);
  return d.payload;
}
