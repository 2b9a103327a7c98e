import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { stringify } from 'yaml';
import { generateSiteKeyPair, publicKeyLine } from '../core/result/keys.ts';
import { collectorConfigFrom } from '../collector/config.ts';
import { openStore } from '../collector/store/db.ts';
import { addUser } from '../collector/web/accounts.ts';
import { buildDist, ROOT as root } from './build.ts';
import { seed } from './digest.ts';

/**
 * The dashboard benchmark (issue 10, item 7): 300 clients, 3,000 jobs, 90 days of runs (the
 * digest benchmark's store), `collector serve` started as a user starts it (bin/synecdoche.js,
 * compiled tree), then autocannon for 30 s at 50 connections against the overview (signed in)
 * and against /api/v1/status (bearer token): median and p99 latency, requests per second, and
 * the server's peak RSS (VmHWM) afterwards.
 */
const TOKEN = 'bench-api-token-0123456789abcdef';

export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<Record<string, number | string>> {
  const clients = opts.quick ? 30 : 300;
  const seconds = opts.quick ? 5 : 30;
  buildDist(opts.log);
  const dir = mkdtempSync(join(tmpdir(), 'syn-bench-web-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const raw = {
    database: { path: join(dir, 'bench.db') },
    archive: { folder: join(dir, 'reports') },
    consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'Europe/London' },
    clients: Array.from({ length: clients }, (_, c) => ({ id: `c${c}`, name: `Client ${c} Ltd`, timeZone: 'Europe/Berlin' })),
    sites: Array.from({ length: clients * 2 }, (_, i) => ({ id: `c${Math.floor(i / 2)}-site${i % 2}`, client: `c${Math.floor(i / 2)}`, publicKeys: [publicKeyLine(generateSiteKeyPair().publicKey)] })),
    web: { port, apiToken: { env: 'SYN_BENCH_TOKEN' } },
  };
  const cfgPath = join(dir, 'collector.yaml');
  writeFileSync(cfgPath, stringify(raw));
  const cfg = collectorConfigFrom(raw, dir);
  const db = openStore(cfg.database.path);
  let t = Date.now();
  // Seeded up to now: `collector serve` runs on the real clock.
  seed(db, clients, 90, new Date());
  await addUser(db, { name: 'bench', clientId: null, readOnly: true }, 'bench password 123', Date.now());
  db.close();
  opts.log(`seeded ${clients} clients, ${clients * 10} jobs, 90 days in ${Date.now() - t} ms`);
  const child = spawn(process.execPath, [join(root, 'bin/synecdoche.js'), 'collector', 'serve', '-c', cfgPath, '--log-level', 'warn'], { env: { ...process.env, SYN_BENCH_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => c.toString().includes('Dashboard on') && resolve());
      child.once('exit', (code) => reject(new Error(`collector serve exited ${code}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const login = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { origin: base }, body: new URLSearchParams({ name: 'bench', password: 'bench password 123' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    t = Date.now();
    const first = await fetch(`${base}/`, { headers: { cookie } });
    const html = await first.text();
    opts.log(`overview: ${(html.length / 1024).toFixed(0)} KB, first request ${Date.now() - t} ms`);
    const load = async (path: string, headers: Record<string, string>) => {
      const r = await autocannon({ url: `${base}${path}`, connections: 50, duration: seconds, headers });
      return { median: r.latency.p50, p99: r.latency.p99, rps: r.requests.average, non2xx: r.non2xx, errors: r.errors };
    };
    // As browsers and HTTP clients do, the load generator accepts gzip.
    const overview = await load('/', { cookie, 'accept-encoding': 'gzip' });
    opts.log(`overview, ${seconds} s at 50 connections: median ${overview.median} ms, p99 ${overview.p99} ms, ${overview.rps.toFixed(1)} req/s, non-2xx ${overview.non2xx}, errors ${overview.errors}`);
    const api = await load('/api/v1/status', { authorization: `Bearer ${TOKEN}`, 'accept-encoding': 'gzip' });
    opts.log(`/api/v1/status, ${seconds} s at 50 connections: median ${api.median} ms, p99 ${api.p99} ms, ${api.rps.toFixed(1)} req/s, non-2xx ${api.non2xx}, errors ${api.errors}`);
    // The floor on this machine: a bare node:http server in this process answering a fixed body
    // of the same size as the gzipped API response, under the same load generator.
    const apiBody = Buffer.from(await (await fetch(`${base}/api/v1/status`, { headers: { authorization: `Bearer ${TOKEN}`, 'accept-encoding': 'gzip' } })).arrayBuffer());
    const gz = gzipSync(apiBody);
    const bare = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gz));
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    const floorRun = await autocannon({ url: `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`, connections: 50, duration: seconds });
    bare.close();
    const floor = { median: floorRun.latency.p50, p99: floorRun.latency.p99, rps: floorRun.requests.average };
    opts.log(`floor, a bare node:http server sending a fixed ${(gz.length / 1024).toFixed(0)} KB body: median ${floor.median} ms, p99 ${floor.p99} ms, ${floor.rps.toFixed(1)} req/s`);
    const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    opts.log(`collector serve peak RSS: ${hwm.toFixed(0)} MB`);
    return { clients, jobs: clients * 10, floorMedianMs: floor.median, floorP99Ms: floor.p99, floorRps: Math.round(floor.rps), overviewMedianMs: overview.median, overviewP99Ms: overview.p99, overviewRps: Math.round(overview.rps), apiMedianMs: api.median, apiP99Ms: api.p99, apiRps: Math.round(api.rps), servePeakRssMB: Math.round(hwm) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}
