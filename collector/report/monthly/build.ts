import { SynError } from '../../../core/errors.ts';
import type { TemplateSet } from '../../../core/templates.ts';
import type { CollectorConfig } from '../../config.ts';
import type { Db } from '../../store/db.ts';
import { themeOf } from '../digest/build.ts';
import { renderReport, reportTemplates } from '../digest/render.ts';
import { loadClientMonth } from './load.ts';
import { monthLabel, monthWindow } from './month.ts';
import { monthlyModel, type MonthlyModel } from './model.ts';

export interface MonthlyOptions {
  /** The client, or null for every client (the consultant's report). */
  clientId: string | null;
  /** YYYY-MM */
  month: string;
  /** The instant the report is made: runs are counted up to it. */
  now: Date;
  print?: boolean;
  templates?: TemplateSet;
}

export interface BuiltMonthly {
  model: MonthlyModel;
  subject: string;
  html: string;
  text: string;
}

/**
 * The monthly compliance report from the store. Each client is counted in its own zone (so the
 * consultant's report of all clients shows the same figures as each client's own); the
 * consultant's report is shown in the consultant's zone. An unknown client is NOT_FOUND.
 */
export function buildMonthly(db: Db, cfg: CollectorConfig, opts: MonthlyOptions): BuiltMonthly {
  const clients = opts.clientId === null ? cfg.clients : cfg.clients.filter((c) => c.id === opts.clientId);
  if (opts.clientId !== null && clients.length === 0) {
    throw new SynError('NOT_FOUND', `no client "${opts.clientId}" in the config (clients: ${cfg.clients.map((c) => c.id).join(', ') || 'none'})`);
  }
  const sections = clients.map((c) => {
    const window = monthWindow(opts.month, c.timeZone);
    return { clientId: c.id, window, jobs: loadClientMonth(db, cfg, c.id, window, opts.now) };
  });
  const model = monthlyModel({
    cfg,
    sections,
    scope: opts.clientId === null ? 'all' : 'client',
    zone: opts.clientId === null ? cfg.consultant.timeZone : clients[0]!.timeZone,
    month: opts.month,
    monthLabel: monthLabel(opts.month),
    now: opts.now,
    theme: themeOf(cfg),
  });
  const { html, text } = renderReport('monthly', model, opts.templates ?? reportTemplates(cfg.templates), { print: opts.print });
  return { model, subject: model.subject, html, text };
}
