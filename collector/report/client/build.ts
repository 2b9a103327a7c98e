import type { CollectorConfig } from '../../config.ts';
import type { Db } from '../../store/db.ts';
import { SynError } from '../../../core/errors.ts';
import { localDate } from '../../../core/time.ts';
import { statusAt, themeOf, type BuildOptions } from '../digest/build.ts';
import { renderReport, reportTemplates } from '../digest/render.ts';
import { clientSummaryModel, type ClientSummaryModel } from './model.ts';
import { consultantTold } from './told.ts';
import { loadDrillStates } from '../drills.ts';

export interface BuiltClientSummary {
  model: ClientSummaryModel;
  subject: string;
  html: string;
  text: string;
}

/**
 * One client's summary from the store: model, subject, HTML and plain text, in the client's own
 * time zone. An unknown client id is NOT_FOUND, naming the configured ones.
 */
export function buildClientSummary(db: Db, cfg: CollectorConfig, clientId: string, opts: BuildOptions): BuiltClientSummary {
  const client = cfg.clients.find((c) => c.id === clientId);
  if (!client) throw new SynError('NOT_FOUND', `no client "${clientId}" in the config (clients: ${cfg.clients.map((c) => c.id).join(', ') || 'none'})`);
  const report = statusAt(db, cfg, opts.now);
  const model = clientSummaryModel({
    report,
    cfg,
    clientId,
    theme: themeOf(cfg),
    date: opts.date ?? localDate(opts.now, client.timeZone),
    now: opts.now,
    told: consultantTold(db, cfg, report, opts.now),
    drills: loadDrillStates(db, cfg, report.jobs, opts.now),
  });
  const { html, text } = renderReport('client-summary', model, opts.templates ?? reportTemplates(cfg.templates), { print: opts.print });
  return { model, subject: model.subject, html, text };
}
