// `collector status` at scale (issue 3, item 9): 300 sites x 10 jobs x 90 days (270,000 runs),
// 300 sites in 30 clients; --quick: 30 sites. Times the store query plus the status engine in
// this process, warm (median of 20: the figure to compare with the 50 ms target), and the real
// command cold in a fresh process (median of 5), beside `node -e ''` as the floor of any
// process start on this machine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { generateSiteKeyPair, publicKeyLine } from '../core/result/keys.ts';
import { collectorConfigFrom, toStatusParams } from '../collector/config.ts';
import { evaluateStatus } from '../collector/status/engine.ts';
import { openStore } from '../collector/store/db.ts';
import { loadStatusFacts } from '../collector/store/facts.ts';
import { seedHistory } from '../collector/store/seed.ts';
import { buildDist } from './build.ts';

const END = new Date('2026-11-24T06:00:00Z');
const JOBS_PER_SITE = 10;
const DAYS = 90;
const SITES_PER_CLIENT = 10;

export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<Record<string, number | string>> {
  const sites = opts.quick ? 30 : 300;
  const dir = mkdtempSync(join(tmpdir(), 'syn-bench-status-'));
  try {
    const dbPath = join(dir, 'status.db');
    let t = Date.now();
    const seeding = openStore(dbPath);
    seedHistory(seeding, { sites, jobsPerSite: JOBS_PER_SITE, days: DAYS, end: END });
    seeding.pragma('wal_checkpoint(TRUNCATE)');
    seeding.close();
    // opened as `collector status` opens it
    const db = openStore(dbPath, { mapped: true });
    const runs = (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
    opts.log(`seeded ${sites} sites x ${JOBS_PER_SITE} jobs x ${DAYS} days = ${runs} runs in ${Date.now() - t} ms`);

    const raw = configOf(sites, dbPath);
    const cfgPath = join(dir, 'collector.yaml');
    writeFileSync(cfgPath, stringify(raw));
    const cfg = collectorConfigFrom(raw, dir);
    const params = toStatusParams(cfg);

    const facts: number[] = [];
    const engine: number[] = [];
    let jobs = 0;
    for (let i = 0; i < 21; i++) {
      const t0 = process.hrtime.bigint();
      const f = loadStatusFacts(db, cfg);
      const t1 = process.hrtime.bigint();
      const report = evaluateStatus(f, params, END);
      const t2 = process.hrtime.bigint();
      jobs = report.jobs.length;
      if (i === 0) continue; // the first pass prepares statements and warms the page cache
      facts.push(Number(t1 - t0) / 1e6);
      engine.push(Number(t2 - t1) / 1e6);
    }
    db.close();
    const warm = median(facts.map((f, i) => f + engine[i]!));
    opts.log(`in process, warm (median of 20): facts ${median(facts).toFixed(1)} ms + engine ${median(engine).toFixed(1)} ms = ${warm.toFixed(1)} ms for ${jobs} jobs (target 50 ms)`);

    buildDist(opts.log);
    const bin = join(import.meta.dirname, '../bin/synecdoche.js');
    const cold = timeProcess(5, [bin, 'collector', 'status', '-c', cfgPath, '--json'], [0, 10]);
    const floor = timeProcess(5, ['-e', ''], [0]);
    opts.log(`cold, a fresh \`node bin/synecdoche.js collector status --json\` (median of 5): ${cold.toFixed(0)} ms; \`node -e ''\` alone: ${floor.toFixed(0)} ms`);
    return {
      jobs,
      runs,
      warmFactsMs: round(median(facts)),
      warmEngineMs: round(median(engine)),
      warmTotalMs: round(warm),
      coldCommandMs: Math.round(cold),
      nodeStartMs: Math.round(floor),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function configOf(sites: number, dbPath: string): Record<string, unknown> {
  const clients = Math.ceil(sites / SITES_PER_CLIENT);
  // One key pair serves every site: generating 300 costs time and proves nothing here.
  const key = publicKeyLine(generateSiteKeyPair().publicKey);
  return {
    database: { path: dbPath },
    consultant: { name: 'Bench', email: 'bench@example.com', timeZone: 'Europe/Berlin' },
    clients: Array.from({ length: clients }, (_, c) => ({ id: `client-${c}`, name: `Client ${c}`, timeZone: 'Europe/Berlin' })),
    sites: Array.from({ length: sites }, (_, s) => ({ id: `site-${s}`, client: `client-${Math.floor(s / SITES_PER_CLIENT)}`, publicKeys: [key] })),
  };
}

/** Median wall time of `n` runs of `node args` (stdout discarded), each checked for an expected exit code. */
function timeProcess(n: number, args: string[], okCodes: number[]): number {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status === null || !okCodes.includes(r.status)) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  return median(times);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round = (x: number) => Math.round(x * 10) / 10;
