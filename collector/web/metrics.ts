import { Gauge, Registry } from 'prom-client';
import { toStatusParams } from '../config.ts';
import { categoryOf } from '../status/category.ts';
import { evaluateStatus } from '../status/engine.ts';
import { loadStatusFacts } from '../store/facts.ts';
import type { PageContext } from './pages.ts';

/**
 * `GET /metrics` in Prometheus text format (prom-client). Computed at each scrape from the
 * same status engine as `collector status`, so a metric never disagrees with the dashboard:
 * - synecdoche_job_state{client,site,job,state}: 1 for the job's current category;
 * - synecdoche_job_last_good_age_seconds{client,site,job}: age of the last good run (absent: never);
 * - synecdoche_mailbox_last_good_poll_age_seconds{mailbox} and synecdoche_mailbox_blind{mailbox};
 * - synecdoche_quarantine_messages, synecdoche_unmapped_notifications;
 * - synecdoche_messages_ingested{disposition}: messages read, by what became of them.
 */
export async function metricsText(ctx: PageContext): Promise<string> {
  const now = ctx.clock.now();
  const report = evaluateStatus(loadStatusFacts(ctx.db, ctx.cfg), toStatusParams(ctx.cfg), now);
  const registry = new Registry();
  const g = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const state = g('synecdoche_job_state', 'the job is in this state (1)', ['client', 'site', 'job', 'state']);
  const age = g('synecdoche_job_last_good_age_seconds', 'seconds since the last good run ended', ['client', 'site', 'job']);
  const silent = g('synecdoche_site_agent_silent', '1 when the site agent is silent (heartbeat overdue)', ['client', 'site']);
  const pollAge = g('synecdoche_mailbox_last_good_poll_age_seconds', 'seconds since the mailbox was last read', ['mailbox']);
  const blind = g('synecdoche_mailbox_blind', '1 when the mailbox could not be read for too long (monitoring blind)', ['mailbox']);
  const quarantine = g('synecdoche_quarantine_messages', 'messages held in quarantine');
  const unmapped = g('synecdoche_unmapped_notifications', 'notifications of known tools that no rule maps');
  const ingested = g('synecdoche_messages_ingested', 'messages read from the mailboxes, by disposition', ['disposition']);
  for (const j of report.jobs) {
    const labels = { client: j.clientId, site: j.siteId, job: j.jobId };
    state.set({ ...labels, state: categoryOf(j) }, 1);
    if (j.lastGoodAgeMs !== null) age.set(labels, Math.round(j.lastGoodAgeMs / 1000));
  }
  for (const s of report.sites) silent.set({ client: s.clientId, site: s.siteId }, s.agentSilent ? 1 : 0);
  for (const m of report.mailboxes) {
    if (m.lastGoodPollAt) pollAge.set({ mailbox: m.name }, Math.round((now.getTime() - m.lastGoodPollAt.getTime()) / 1000));
    blind.set({ mailbox: m.name }, m.blind ? 1 : 0);
  }
  quarantine.set(report.quarantinedCount);
  unmapped.set(report.unmappedCount ?? 0);
  for (const r of ctx.db.prepare<[], { disposition: string; n: number }>('SELECT disposition, count(*) AS n FROM messages GROUP BY disposition').all()) ingested.set({ disposition: r.disposition }, r.n);
  return registry.metrics();
}
