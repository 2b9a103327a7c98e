import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { GENESIS_HASH, MANIFEST_NAME, entryHashOf, readManifest, sha256Hex, type ManifestEntry } from './manifest.ts';

export type ProblemKind = 'changed' | 'missing' | 'inserted' | 'chain-broken' | 'unlisted' | 'cut-short';

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
  /** seq of the last entry, 0 for an empty archive. */
  headSeq: number;
  problems: ArchiveProblem[];
  /** How the manifest's head compares with the one recorded outside it, in a sentence; null when none was given. */
  headCheck: string | null;
}

/** A head recorded outside the manifest when a report was archived (the collector's database). */
export interface ExpectedHead {
  seq: number;
  entryHash: string;
  /** Where it was recorded, for the message ("the database"). */
  source: string;
}

export interface VerifyOptions {
  /**
   * The head recorded elsewhere: the manifest must still contain that entry, or it was cut short
   * or rewritten. A string says why there is none to compare with (no database, nothing recorded).
   */
  expectedHead?: ExpectedHead | string;
}

/**
 * Checks an audit archive: every manifest line must hash to its entryHash and point to the line
 * before it; every listed file must exist with its recorded SHA-256; every file under YYYY/MM
 * must be listed. Catches a changed byte, a removed or inserted file, and an edited, removed or
 * inserted manifest line. Removing the last lines together with their files can only be caught
 * against a head kept somewhere else (`expectedHead`, from the database).
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
  const headSeq = typeof prev?.seq === 'number' ? prev.seq : 0;
  const headCheck = checkHead(opts.expectedHead, headSeq, hashes, problems);
  return { ok: problems.length === 0, entries: lines.length, head: prev?.entryHash ?? GENESIS_HASH, headSeq, problems, headCheck };
}

/** Compares the manifest with the head recorded elsewhere; adds a problem when it was cut or rewritten. */
function checkHead(expected: ExpectedHead | string | undefined, headSeq: number, hashes: ReadonlySet<string>, problems: ArchiveProblem[]): string | null {
  if (expected === undefined) return null;
  if (typeof expected === 'string') return `head not cross-checked: ${expected}`;
  const short = `${expected.entryHash.slice(0, 12)}...`;
  if (hashes.has(expected.entryHash)) {
    return `head cross-checked: ${expected.source} recorded #${expected.seq} (hash ${short}), the manifest holds it${headSeq > expected.seq ? ` and ${headSeq - expected.seq} later` : ''}`;
  }
  if (headSeq < expected.seq) {
    problems.push({
      kind: 'cut-short', path: MANIFEST_NAME,
      detail: `the archive ends at #${headSeq} but ${expected.source} recorded #${expected.seq} (hash ${short}): reports were removed`,
    });
  } else {
    problems.push({
      kind: 'chain-broken', path: MANIFEST_NAME,
      detail: `${expected.source} recorded #${expected.seq} with hash ${short}, which the manifest no longer holds: the manifest was rewritten`,
    });
  }
  return `head checked against ${expected.source}: it does NOT match`;
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
  if (result.headCheck !== null) lines.push(result.headCheck);
  if (result.ok) {
    lines.push(`archive OK: ${result.entries} files verified (head #${result.headSeq} ${result.head.slice(0, 16)})`);
  } else {
    const counts = new Map<string, number>();
    for (const p of result.problems) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
    lines.push(`ARCHIVE DOES NOT VERIFY: ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')} (${result.entries} manifest entries)`);
  }
  return `${lines.join('\n')}\n`;
}
