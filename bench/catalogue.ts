// The file catalogue at scale (issue 11): 50 sites x 200,000 files x 90 daily runs with 1% churn.
// `historySites` sites (default 5) get the whole 90 runs as the agent sends them (a full manifest
// on the first run and every 7th, a delta otherwise), the other sites their first full manifest
// only, so that find-file searches a catalogue of 10 million files while the history part stays
// within minutes here. Reports storage per site per day (database growth over the history sites'
// 89 later runs), ingest time per manifest (full and delta: gunzip, parse and SQL, in the ingest
// transaction), the agent's cost of making a delta, one result email with a 2 MB part decoded, and
// find-file latency (median of 15) for a full path and for substrings and a glob, in the same run.
// Env: CATALOGUE_SITES, CATALOGUE_HISTORY_SITES, CATALOGUE_FILES, CATALOGUE_RUNS. --quick: 3 x 20,000 x 15.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRaw, encodeResultEmail } from '../core/email/encode.ts';
import { decodeEmail } from '../core/email/decode.ts';
import { deltaLines, encodeParts, fullLines, partSha256, type FileFacts, type ManifestLine } from '../core/result/manifest.ts';
import { generateSiteKeyPair } from '../core/result/keys.ts';
import { sampleResult } from '../core/result/testing.ts';
import type { ResultPayload } from '../core/result/schema.ts';
import { openStore, type Db } from '../collector/store/db.ts';
import { noteResultManifest, applyManifestPart } from '../collector/store/catalogue.ts';
import { findFiles } from '../collector/store/catalogue-query.ts';
import { seededRandom } from '../core/random.ts';

const DAY = 86_400_000;
const START = Date.parse('2026-09-05T02:00:00Z');
const MAX_PART = 2 * 1024 * 1024;
const FULL_EVERY = 7;
const EXTS = ['docx', 'xlsx', 'pdf', 'txt', 'jpg', 'pst', 'msg', 'dwg', 'csv', 'pptx'];


function hex64(r: () => number): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0');
  return s;
}

/** A site's file server: users' folders, projects, sub-folders (about 70 characters a path). */
function newPath(site: number, i: number, r: () => number): string {
  const user = `user${String(Math.floor(r() * 40)).padStart(2, '0')}.s${site}`;
  return `Users/${user}/Documents/project-${Math.floor(r() * 300)}/${['drafts', 'final', 'archive', 'scans'][Math.floor(r() * 4)]}/file-${i}-${Math.floor(r() * 1e6).toString(36)}.${EXTS[Math.floor(r() * EXTS.length)]}`;
}

function siteFiles(site: number, n: number, r: () => number): FileFacts[] {
  const out: FileFacts[] = [];
  for (let i = 0; i < n; i++) out.push({ path: newPath(site, i, r), size: Math.floor(r() * 5e6), mtimeMs: START - Math.floor(r() * 1000 * DAY), sha256: r() < 0.7 ? hex64(r) : null });
  return out;
}

/** One day's 1% churn: 70% of it changed files, 15% new, 15% removed. */
function churn(files: FileFacts[], site: number, day: number, next: { i: number }, r: () => number): ManifestLine[] {
  const n = Math.max(1, Math.round(files.length * 0.01));
  const lines: ManifestLine[] = [];
  const at = START + day * DAY;
  for (let k = 0; k < n; k++) {
    const x = r();
    if (x < 0.7) {
      const idx = Math.floor(r() * files.length);
      const f = { ...files[idx]!, size: Math.floor(r() * 5e6), mtimeMs: at - 3_600_000, sha256: hex64(r) };
      files[idx] = f;
      lines.push({ op: 'put', ...f });
    } else if (x < 0.85) {
      const f = { path: newPath(site, next.i++, r), size: Math.floor(r() * 5e6), mtimeMs: at - 3_600_000, sha256: hex64(r) };
      files.push(f);
      lines.push({ op: 'put', ...f });
    } else {
      const idx = Math.floor(r() * files.length);
      const [f] = files.splice(idx, 1);
      lines.push({ op: 'del', path: f!.path });
    }
  }
  // the same path twice in one day: keep the last line for it, as the agent's delta would
  const last = new Map<string, ManifestLine>();
  for (const l of lines) last.set(l.path, l);
  return [...last.values()];
}

function dbBytes(db: Db): number {
  db.pragma('wal_checkpoint(TRUNCATE)');
  return (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
}

/** Ingests one manifest as a result plus manifest-part reports would, in one transaction; ms. */
function ingest(db: Db, siteId: string, day: number, mode: 'full' | 'delta', base: string | null, lines: ManifestLine[], seq: number): { runId: string; ms: number; parts: number } {
  const parts = encodeParts(lines, MAX_PART);
  const runId = randomUUID();
  const at = new Date(START + day * DAY).toISOString();
  const p = sampleResult({ siteId, jobId: 'files', sequence: seq, runId, startedAt: at, endedAt: at });
  p.manifest = { mode, baseRunId: base, entries: lines.length, parts: parts.map((x) => ({ sha256: partSha256(x), bytes: x.length })) };
  const atts = parts.map((content, i) => ({ part: i + 1, content, sha256: partSha256(content) }));
  const t = process.hrtime.bigint();
  db.transaction(() => {
    // the further parts first (the order the collector meets them does not matter)
    for (const a of atts.slice(1)) {
      const part = { format: 'synecdoche-result', version: 1, kind: 'manifest-part', site: { id: siteId }, agent: p.agent, runId: randomUUID(), sentAt: at, job: { id: 'files' }, resultRunId: runId, part: a.part, parts: parts.length, signature: {} } as const;
      applyManifestPart(db, part as never, { receivedAt: START + day * DAY, messageId: `<${part.runId}@bench>`, sha256: '' }, Date.now(), [a]);
    }
    noteResultManifest(db, p, atts.slice(0, 1), { receivedAt: START + day * DAY, messageId: `<${runId}@bench>`, sha256: '' }, Date.now());
  })();
  return { runId, ms: Number(process.hrtime.bigint() - t) / 1e6, parts: parts.length };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timed(fn: () => unknown, n = 15): number {
  fn(); // prepares statements, warms the page cache
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn();
    xs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(xs);
}

export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<Record<string, number | string>> {
  const env = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d);
  const sites = env('CATALOGUE_SITES', opts.quick ? 3 : 50);
  const historySites = Math.min(sites, env('CATALOGUE_HISTORY_SITES', opts.quick ? 2 : 5));
  const nFiles = env('CATALOGUE_FILES', opts.quick ? 20_000 : 200_000);
  const runs = env('CATALOGUE_RUNS', opts.quick ? 15 : 90);
  const dir = mkdtempSync(join(tmpdir(), 'syn-bench-catalogue-'));
  try {
    const dbPath = join(dir, 'catalogue.db');
    const db = openStore(dbPath);
    const r = seededRandom(11);
    opts.log(`${sites} sites x ${nFiles} files; ${historySites} of them with ${runs} daily runs (1% churn, full every ${FULL_EVERY}th), the rest their first run only`);

    // The agent's side, once: a full manifest and a delta of a site, made and gzipped.
    const sample = siteFiles(999, nFiles, seededRandom(5));
    let t = process.hrtime.bigint();
    const fullParts = encodeParts(fullLines(sample), MAX_PART);
    const agentFullMs = Number(process.hrtime.bigint() - t) / 1e6;
    const changed = sample.map((f, i) => (i % 100 === 0 ? { ...f, size: f.size + 1 } : f));
    t = process.hrtime.bigint();
    const agentDelta = encodeParts(deltaLines(sample, changed), MAX_PART);
    const agentDeltaMs = Number(process.hrtime.bigint() - t) / 1e6;
    const fullBytes = fullParts.reduce((s, p) => s + p.length, 0);
    opts.log(`agent: full manifest ${fullParts.length} parts, ${(fullBytes / 1e6).toFixed(2)} MB gzip, made in ${agentFullMs.toFixed(0)} ms; 1% delta ${agentDelta[0]!.length} bytes in ${agentDeltaMs.toFixed(0)} ms`);

    // One result email carrying part 1 (2 MB), decoded as the collector does.
    const keys = generateSiteKeyPair();
    const p = sampleResult({ siteId: 'mail-site' });
    p.manifest = { mode: 'full', baseRunId: null, entries: nFiles, parts: fullParts.map((x) => ({ sha256: partSha256(x), bytes: x.length })) };
    const raw = await buildRaw(encodeResultEmail(p, { from: 'a@b.example', to: 'c@d.example', ...keys }, [{ filename: 'synecdoche-manifest-1.ndjson.gz', content: fullParts[0]!, contentType: 'application/gzip' }]).message);
    t = process.hrtime.bigint();
    const decoded = await decodeEmail(raw, { keysFor: () => [keys.publicKey], maxMessageBytes: 20 * 2 ** 20 });
    const decodeMs = Number(process.hrtime.bigint() - t) / 1e6;
    if (decoded.outcome !== 'verified' || decoded.manifestParts?.[0]?.sha256 !== partSha256(fullParts[0]!)) throw new Error('the manifest email did not decode');
    opts.log(`one result email with its ${(raw.length / 1e6).toFixed(2)} MB manifest part decoded in ${decodeMs.toFixed(0)} ms`);

    const fullMs: number[] = [];
    const deltaMs: number[] = [];
    const state: { files: FileFacts[]; head: string; next: { i: number } }[] = [];
    t = process.hrtime.bigint();
    for (let s = 0; s < historySites; s++) {
      const files = siteFiles(s, nFiles, r);
      const x = ingest(db, `site-${s}`, 0, 'full', null, fullLines(files), 1);
      fullMs.push(x.ms);
      state.push({ files, head: x.runId, next: { i: nFiles } });
    }
    const baseBytes = dbBytes(db);
    opts.log(`first full manifests of ${historySites} sites: ${median(fullMs).toFixed(0)} ms each (median); database ${(baseBytes / 1e6).toFixed(0)} MB`);
    const reconcileMs: number[] = [];
    for (let day = 1; day < runs; day++) {
      for (let s = 0; s < historySites; s++) {
        const st = state[s]!;
        const lines = churn(st.files, s, day, st.next, r);
        const full = day % FULL_EVERY === 0;
        const x = full ? ingest(db, `site-${s}`, day, 'full', null, fullLines(st.files), day + 1) : ingest(db, `site-${s}`, day, 'delta', st.head, lines, day + 1);
        (full ? reconcileMs : deltaMs).push(x.ms);
        st.head = x.runId;
      }
    }
    const historyBytes = dbBytes(db);
    const growthPerSiteDay = (historyBytes - baseBytes) / (historySites * (runs - 1));
    const versions = (db.prepare('SELECT count(*) AS n FROM catalogue_versions').get() as { n: number }).n;
    opts.log(`${runs - 1} later runs of ${historySites} sites: delta ${median(deltaMs).toFixed(1)} ms, full (reconcile) ${reconcileMs.length ? median(reconcileMs).toFixed(0) : '-'} ms (medians); ${versions} versions; growth ${(growthPerSiteDay / 1e3).toFixed(0)} KB per site per day; in ${(Number(process.hrtime.bigint() - t) / 1e9).toFixed(0)} s`);

    t = process.hrtime.bigint();
    for (let s = historySites; s < sites; s++) fullMs.push(ingest(db, `site-${s}`, runs - 1, 'full', null, fullLines(siteFiles(s, nFiles, r)), 1).ms);
    const files = (db.prepare('SELECT count(*) AS n FROM catalogue_files').get() as { n: number }).n;
    const totalBytes = dbBytes(db);
    opts.log(`the other ${sites - historySites} sites' full manifests in ${(Number(process.hrtime.bigint() - t) / 1e9).toFixed(0)} s; ${files} files, database ${(totalBytes / 1e9).toFixed(2)} GB`);

    // find-file, as the command runs it, on the whole catalogue
    const probe = state[0]!.files[Math.floor(state[0]!.files.length / 2)]!;
    const fullPath = `/srv/share/${probe.path}`;
    const rare = probe.path.split('/').at(-1)!.slice(0, 12); // "file-123-ab" of one file
    const pathMs = timed(() => {
      const found = findFiles(db, fullPath, { history: true });
      if (found.files.length !== 1) throw new Error(`full path found ${found.files.length} files`);
    });
    const rareMs = timed(() => findFiles(db, rare, { history: true }));
    const commonMs = timed(() => findFiles(db, 'project-42/final', { limit: 100 }), 5);
    const globMs = timed(() => findFiles(db, 'Users/user07.s3/*/scans/*.pdf', { limit: 100 }), 5);
    const missMs = timed(() => findFiles(db, 'no-such-name-anywhere'), 5);
    opts.log(`find-file: full path ${pathMs.toFixed(2)} ms; substring of one file "${rare}" ${rareMs.toFixed(1)} ms; common substring (first 100) ${commonMs.toFixed(1)} ms; glob ${globMs.toFixed(1)} ms; substring matching nothing ${missMs.toFixed(1)} ms`);
    db.close();
    return {
      sites,
      historySites,
      files,
      runs,
      databaseGB: +(statSync(dbPath).size / 1e9).toFixed(2),
      baseBytesPerSite: Math.round(baseBytes / historySites),
      growthBytesPerSitePerDay: Math.round(growthPerSiteDay),
      ingestFullMs: +median(fullMs).toFixed(0),
      ingestReconcileMs: reconcileMs.length ? +median(reconcileMs).toFixed(0) : 'n/a',
      ingestDeltaMs: +median(deltaMs).toFixed(1),
      agentFullMs: +agentFullMs.toFixed(0),
      agentDeltaMs: +agentDeltaMs.toFixed(0),
      fullManifestGzipMB: +(fullBytes / 1e6).toFixed(2),
      decodeEmailMs: +decodeMs.toFixed(0),
      findFullPathMs: +pathMs.toFixed(2),
      findRareSubstringMs: +rareMs.toFixed(1),
      findCommonSubstringMs: +commonMs.toFixed(1),
      findGlobMs: +globMs.toFixed(1),
      findNoMatchMs: +missMs.toFixed(1),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
