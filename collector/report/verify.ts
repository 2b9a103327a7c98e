import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { GENESIS_HASH, MANIFEST_NAME, entryHashOf, readManifest, sha256Hex, type ManifestEntry } from './manifest.ts';

export type ProblemKind = 'changed' | 'missing' | 'inserted' | 'chain-broken' | 'unlisted';

/** One finding of `verifyArchive`, naming the file (or manifest line) it is about. */
export interface ArchiveProblem {
  kind: ProblemKind;
  path: string;
  detail: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Manifest entries read (lines, also unreadable ones). */
  entries: number;
  /** entryHash of the last entry: record it elsewhere (e.g. in the digest) to catch truncation. */
  head: string;
  problems: ArchiveProblem[];
}

export interface VerifyOptions {
  /** A head hash recorded earlier: the manifest must still contain it, or it was cut or rewritten. */
  expectedHead?: string;
}

/**
 * Checks an audit archive: every manifest line must hash to its entryHash and point to the line
 * before it; every listed file must exist with its recorded SHA-256; every file under YYYY/MM
 * must be listed. Catches a changed byte, a removed or inserted file, and an edited, removed or
 * inserted manifest line. Removing the last lines together with their files can only be caught
 * against a head hash kept somewhere else (`expectedHead`).
 */
export function verifyArchive(archiveDir: string, opts: VerifyOptions = {}): VerifyResult {
  const manifestPath = join(archiveDir, MANIFEST_NAME);
  const lines = readManifest(manifestPath);
  const problems: ArchiveProblem[] = [];
  const listed = new Set<string>();
  const hashes = new Set<string>();
  let prev: ManifestEntry | null = null;

  for (const { line, text, entry } of lines) {
    const where = `${MANIFEST_NAME}:${line}`;
    if (!entry || typeof entry.path !== 'string' || typeof entry.entryHash !== 'string') {
      problems.push({ kind: 'chain-broken', path: where, detail: `line ${line} is not a manifest entry: ${text.slice(0, 60)}` });
      continue;
    }
    hashes.add(entry.entryHash);
    if (entryHashOf(entry) !== entry.entryHash) {
      problems.push({ kind: 'chain-broken', path: entry.path, detail: `${where}: the entry was edited (its hash does not match its content)` });
    }
    const expectedPrev = prev?.entryHash ?? GENESIS_HASH;
    if (entry.prevHash !== expectedPrev) {
      const backwards = prev !== null && typeof entry.seq === 'number' && entry.seq <= prev.seq;
      problems.push(backwards
        ? { kind: 'inserted', path: entry.path, detail: `${where}: seq ${entry.seq} after seq ${prev?.seq}: a line was inserted or copied` }
        : { kind: 'chain-broken', path: entry.path, detail: `${where}: does not follow ${prev ? `seq ${prev.seq}` : 'the start'} (expected seq ${(prev?.seq ?? 0) + 1}, found ${entry.seq}): a line before it was removed or changed` });
    }
    prev = entry;
    checkFile(archiveDir, entry, where, problems);
    listed.add(entry.path);
  }

  for (const rel of filesUnderMonths(archiveDir)) {
    if (!listed.has(rel)) problems.push({ kind: 'unlisted', path: rel, detail: 'a file in the archive that the manifest does not list (inserted, or its line was removed)' });
  }
  if (opts.expectedHead !== undefined && opts.expectedHead !== GENESIS_HASH && !hashes.has(opts.expectedHead)) {
    problems.push({ kind: 'chain-broken', path: MANIFEST_NAME, detail: `the recorded head ${opts.expectedHead.slice(0, 12)}... is no longer in the manifest: it was cut short or rewritten` });
  }
  return { ok: problems.length === 0, entries: lines.length, head: prev?.entryHash ?? GENESIS_HASH, problems };
}

function checkFile(archiveDir: string, entry: ManifestEntry, where: string, problems: ArchiveProblem[]): void {
  if (isAbsolute(entry.path) || posix.normalize(entry.path).startsWith('..') || entry.path.includes('\\')) {
    problems.push({ kind: 'chain-broken', path: entry.path, detail: `${where}: the path leaves the archive` });
    return;
  }
  const abs = join(archiveDir, entry.path);
  if (!existsSync(abs)) {
    problems.push({ kind: 'missing', path: entry.path, detail: `listed at ${where} (seq ${entry.seq}) but not on disk` });
    return;
  }
  const bytes = readFileSync(abs);
  const actual = sha256Hex(bytes);
  if (actual !== entry.sha256) {
    problems.push({ kind: 'changed', path: entry.path, detail: `SHA-256 is ${actual.slice(0, 12)}..., the manifest says ${String(entry.sha256).slice(0, 12)}... (size ${bytes.length}, listed ${entry.size})` });
  }
}

/** Every file below the YYYY/MM folders, as archive-relative paths with forward slashes. */
function filesUnderMonths(archiveDir: string): string[] {
  if (!existsSync(archiveDir)) return [];
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const d of readdirSync(join(archiveDir, rel), { withFileTypes: true })) {
      const child = `${rel}/${d.name}`;
      if (d.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  for (const d of readdirSync(archiveDir, { withFileTypes: true })) {
    if (d.isDirectory() && /^\d{4}$/.test(d.name)) walk(d.name);
  }
  return out.sort();
}

/** The CLI's text: one line per problem, then the verdict. */
export function formatVerifyResult(result: VerifyResult): string {
  const lines = result.problems.map((p) => `${p.kind.toUpperCase().padEnd(12)} ${p.path}: ${p.detail}`);
  if (result.ok) {
    lines.push(`archive OK: ${result.entries} files verified (head ${result.head.slice(0, 16)})`);
  } else {
    const counts = new Map<string, number>();
    for (const p of result.problems) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
    lines.push(`ARCHIVE DOES NOT VERIFY: ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')} (${result.entries} manifest entries)`);
  }
  return `${lines.join('\n')}\n`;
}
