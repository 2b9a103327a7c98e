// The digest at scale: 300 clients, 3,000 jobs, 90 days of history (270,000 runs); --quick: 30
// clients, 300 jobs. Times building the model (store queries + status engine + model), rendering
// the HTML and rendering the PDF with the system Chromium, separately. Targets: HTML < 1 s, PDF < 5 s.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSiteKeyPair, publicKeyLine } from '../core/result/keys.ts';
import { collectorConfigFrom } from '../collector/config.ts';
import { findBrowser } from '../collector/report/browser.ts';
import { statusAt, themeOf } from '../collector/report/digest/build.ts';
import { dayWindows } from '../collector/report/digest/days.ts';
import { loadGaps, loadHistory, loadQuarantine } from '../collector/report/digest/history.ts';
import { digestModel, STRIP_DAYS } from '../collector/report/digest/model.ts';
import { renderDigest, reportTemplates } from '../collector/report/digest/render.ts';
import { PdfRenderer } from '../collector/report/pdf.ts';
import { openStore, type Db } from '../collector/store/db.ts';
import { rebuildSummaries } from '../collector/store/summary.ts';

const DAY = 86_400_000;
const NOW = new Date('2026-11-24T06:00:00Z');
const SITES_PER_CLIENT = 2;
const JOBS_PER_SITE = 5;

/** Fills the store with direct batched INSERTs in one transaction (no emails, no signatures). */
export function seed(db: Db, clients: number, days: number, now: Date = NOW): void {
  const end = now.getTime();
  // Runs start at 01:00-04:00 UTC: "today" is the last midnight at least 6 hours before `now`.
  const today = Math.floor((end - 6 * 3_600_000) / 86_400_000) * 86_400_000;
  const site = db.prepare('INSERT INTO sites VALUES (?, ?, ?, ?, ?, ?)');
  const job = db.prepare(`INSERT INTO jobs (site_id, job_id, name, plugin, schedule, next_run_at, next_run_announced_at, first_seen_at, last_sequence)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const run = db.prepare(`INSERT INTO runs (run_id, site_id, job_id, sequence, started_at, ended_at, sent_at, received_at, status, exit_code,
    files_examined, files_copied, files_skipped, files_failed, files_extra, bytes_examined, bytes_copied, bytes_skipped, bytes_failed, bytes_extra,
    verification_mismatches, first_error, payload_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')`);
  const hb = db.prepare('INSERT INTO heartbeats (run_id, site_id, sent_at, received_at, next_heartbeat_at, payload_json) VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    let n = 0;
    for (let c = 0; c < clients; c++) {
      for (let s = 0; s < SITES_PER_CLIENT; s++) {
        const siteId = `c${c}-site${s}`;
        site.run(siteId, end - days * DAY, end - 3_600_000, 'host', '0.1.0', 'Europe/Berlin');
        hb.run(randomUUID(), siteId, end - 3_600_000, end - 3_600_000, end + 20 * 3_600_000, '{}');
        for (let j = 0; j < JOBS_PER_SITE; j++, n++) {
          const jobId = `job-${j}`;
          // Every 97th job stopped reporting two days ago (missing); every 31st failed last night.
          const stopped = n % 97 === 5;
          const lastDay = stopped ? 2 : 0;
          const hour = 1 + (n % 4);
          job.run(siteId, jobId, `Nightly job ${j} of client ${c}`, 'rsync', `0 ${hour} * * *`, today - (lastDay - 1) * DAY + hour * 3_600_000, end - lastDay * DAY, end - days * DAY, days);
          for (let d = days - 1; d >= lastDay; d--) {
            const start = today - d * DAY + hour * 3_600_000;
            const failed = (d === 0 && n % 31 === 7) || (n + d) % 53 === 0;
            const status = failed ? 'failed' : (n + d) % 41 === 0 ? 'warning' : 'ok';
            const dur = (20 + ((n + d * 7) % 40)) * 60_000;
            run.run(randomUUID(), siteId, jobId, days - d, start, start + dur, start + dur + 5_000, start + dur + 30_000, status, failed ? 23 : 0,
              10_000 + d * 3 + n, 200, 9_800, failed ? 3 : 0, 0, 4e10 + n * 1e6 + d * 3e7, 3e8, 0, 0, 0, 0, failed ? 'rsync error: some files could not be transferred (code 23)' : null);
          }
        }
      }
    }
    rebuildSummaries(db);
  })();
}

export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<Record<string, number | string>> {
  const clients = opts.quick ? 30 : 300;
  const days = 90;
  const dir = mkdtempSync(join(tmpdir(), 'syn-bench-digest-'));
  try {
    const key = publicKeyLine(generateSiteKeyPair().publicKey);
    const cfg = collectorConfigFrom({
      database: { path: join(dir, 'bench.db') },
      archive: { folder: join(dir, 'reports') },
      consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'Europe/London' },
      clients: Array.from({ length: clients }, (_, c) => ({ id: `c${c}`, name: `Client ${c} Ltd`, timeZone: 'Europe/Berlin' })),
      sites: Array.from({ length: clients * SITES_PER_CLIENT }, (_, i) => ({ id: `c${Math.floor(i / SITES_PER_CLIENT)}-site${i % SITES_PER_CLIENT}`, client: `c${Math.floor(i / SITES_PER_CLIENT)}`, publicKeys: [key] })),
    }, dir);
    const db = openStore(cfg.database.path);
    let t = performance.now();
    seed(db, clients, days);
    const seedMs = performance.now() - t;
    const runs = (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
    opts.log(`seeded ${clients} clients, ${clients * SITES_PER_CLIENT * JOBS_PER_SITE} jobs, ${runs} runs in ${seedMs.toFixed(0)} ms`);

    const templates = reportTemplates(cfg.templates);
    const buildModel = () => {
      const windows = dayWindows('2026-11-24', STRIP_DAYS, cfg.consultant.timeZone);
      return digestModel({
        report: statusAt(db, cfg, NOW),
        history: loadHistory(db, windows[0]!.start, NOW.getTime() + 1),
        quarantine: loadQuarantine(db, NOW.getTime()),
        gaps: loadGaps(db),
        cfg, theme: themeOf(cfg), date: '2026-11-24', now: NOW,
      });
    };
    renderDigest(buildModel(), templates, { print: true }); // warm-up: compile templates, prepare statements
    t = performance.now();
    const model = buildModel();
    const modelMs = performance.now() - t;
    t = performance.now();
    const { html, text } = renderDigest(model, templates, { print: true });
    const htmlMs = performance.now() - t;
    opts.log(`model ${modelMs.toFixed(0)} ms (${model.attention.length} attention items), HTML ${htmlMs.toFixed(0)} ms (${(html.length / 1e6).toFixed(2)} MB, text ${(text.length / 1e6).toFixed(2)} MB)`);
    opts.log(`subject: ${model.subject}`);

    const figures: Record<string, number | string> = {
      jobs: model.totals.jobs, runs, seedMs: Math.round(seedMs), modelMs: Math.round(modelMs), htmlMs: Math.round(htmlMs), htmlBytes: html.length,
    };
    const browser = findBrowser({ env: process.env });
    if (!browser) {
      figures['pdf'] = 'skipped: no browser';
    } else {
      t = performance.now();
      const renderer = await PdfRenderer.launch(browser);
      figures['browserLaunchMs'] = Math.round(performance.now() - t);
      try {
        t = performance.now();
        const pdf = await renderer.render(html, { title: model.title, period: model.period, generatedAt: NOW, timeZone: cfg.consultant.timeZone });
        figures['pdfMs'] = Math.round(performance.now() - t);
        figures['pdfBytes'] = pdf.length;
        opts.log(`PDF ${figures['pdfMs']} ms (${(pdf.length / 1e6).toFixed(2)} MB), browser launch ${figures['browserLaunchMs']} ms`);
      } finally {
        await renderer.close();
      }
    }
    db.close();
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
