import { randomUUID } from 'node:crypto';
import type { Db } from './db.ts';
import { rebuildSummaries } from './summary.ts';

/**
 * Fills a database with synthetic history straight through SQL (no emails): `sites` sites with
 * `jobsPerSite` jobs each, one run a day for `days` days. For the status benchmark and tests of
 * the facts query at scale; not used by the collector itself.
 */
export function seedHistory(db: Db, opts: { sites: number; jobsPerSite: number; days: number; end: Date }): void {
  const day = 86_400_000;
  const insertSite = db.prepare('INSERT INTO sites VALUES (?, ?, ?, ?, ?, ?)');
  const insertJob = db.prepare(`INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL)`);
  const insertRun = db.prepare(`INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?)`);
  const end = opts.end.getTime();
  db.transaction(() => {
    for (let s = 0; s < opts.sites; s++) {
      const site = `site-${s}`;
      insertSite.run(site, end - opts.days * day, end, 'host', '0.1.0', 'Europe/Berlin');
      for (let j = 0; j < opts.jobsPerSite; j++) {
        const job = `job-${j}`;
        insertJob.run(site, job, `Job ${j}`, 'copy', '0 2 * * *', end + day, end, end - opts.days * day, opts.days);
        for (let d = 0; d < opts.days; d++) {
          const started = end - (opts.days - d) * day;
          const status = (s + j + d) % 17 === 0 ? 'failed' : 'ok';
          insertRun.run(randomUUID(), site, job, d + 1, started, started + 60_000, started + 61_000, started + 62_000, status, 0,
            1000 + d, 10, 990, 0, 0, 5e9 + d * 1e6, 1e7, 5e9, 0, 0, 0, status === 'failed' ? 'disk full' : null, null);
        }
      }
    }
    rebuildSummaries(db);
  })();
}
