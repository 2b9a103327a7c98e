import { alertSettings } from '../../alerts/config.ts';
import { pendingAlertFailures } from '../../alerts/failures.ts';
import { maintenanceNotes } from '../../alerts/maintenance.ts';
import { localTimeWords } from '../../status/clock-words.ts';
import type { CollectorConfig } from '../../config.ts';
import { toStatusParams } from '../../config.ts';
import { evaluateStatus } from '../../status/engine.ts';
import type { StatusReport } from '../../status/types.ts';
import type { Db } from '../../store/db.ts';
import { loadStatusFacts } from '../../store/facts.ts';
import { restoresBetween } from '../../store/restores.ts';
import { quarantinedAsOf } from '../../store/messages.ts';
import { localDate } from '../../../core/time.ts';
import type { TemplateSet } from '../../../core/templates.ts';
import { factsAsOf } from './as-of.ts';
import { dayWindows } from './days.ts';
import { loadGaps, loadHistory, loadQuarantine, loadUnmapped } from './history.ts';
import { digestModel, STRIP_DAYS, type DigestModel } from './model.ts';
import { loadDrillStates } from '../drills.ts';
import { renderDigest, reportTemplates } from './render.ts';
import { loadRequestsFacts } from './requests.ts';
import { loadTheme, type Theme } from './theme.ts';

export interface BuildOptions {
  /** The reader's local date of the report (YYYY-MM-DD); default: the date of `now` in their zone. */
  date?: string;
  /** The instant the report describes: status is evaluated at it and later runs are ignored. */
  now: Date;
  /** Put the print CSS in the HTML (when it will also become a PDF). */
  print?: boolean;
  /** A template set to reuse (the scheduler renders many reports); default: from cfg.templates. */
  templates?: TemplateSet;
}

export interface BuiltDigest {
  model: DigestModel;
  subject: string;
  html: string;
  text: string;
}

/**
 * The status of every job at `now`, as the reports see it (runs received later dropped, the
 * quarantine count as it stood then).
 */
export function statusAt(db: Db, cfg: CollectorConfig, now: Date): StatusReport {
  const facts = factsAsOf(loadStatusFacts(db, cfg), now);
  facts.quarantinedCount = quarantinedAsOf(db, now.getTime(), 0).count;
  return evaluateStatus(facts, toStatusParams(cfg), now);
}

/** The consultant's theme for this config (override folder, consultant name). */
export function themeOf(cfg: CollectorConfig): Theme {
  return loadTheme(cfg.templates, cfg.consultant.name);
}

/**
 * The consultant's morning digest from the store: model, subject, HTML and plain text. The one
 * function the CLI, the scheduler and the simulation call; it reads the database and the
 * template folder and nothing else (no clock: `now` is given).
 */
export function buildDigest(db: Db, cfg: CollectorConfig, opts: BuildOptions): BuiltDigest {
  const model = digestModelAt(db, cfg, opts);
  const { html, text } = renderDigest(model, opts.templates ?? reportTemplates(cfg.templates), { print: opts.print });
  return { model, subject: model.subject, html, text };
}

/** The digest's model from the store, not rendered (the dashboard's overview renders it its own way). */
export function digestModelAt(db: Db, cfg: CollectorConfig, opts: Pick<BuildOptions, 'date' | 'now'>): DigestModel {
  const zone = cfg.consultant.timeZone;
  const date = opts.date ?? localDate(opts.now, zone);
  const windows = dayWindows(date, STRIP_DAYS, zone);
  const report = statusAt(db, cfg, opts.now);
  return digestModel({
    report,
    drills: loadDrillStates(db, cfg, report.jobs, opts.now),
    history: loadHistory(db, windows[0]!.start, Math.min(windows[windows.length - 1]!.end, opts.now.getTime() + 1)),
    quarantine: loadQuarantine(db, opts.now.getTime()),
    unmapped: loadUnmapped(db, opts.now.getTime()),
    gaps: loadGaps(db),
    deliveryFailures: pendingAlertFailures(db),
    // The day before the digest: what was restored since the last one.
    restores: restoresBetween(db, opts.now.getTime() - 86_400_000, opts.now.getTime() + 1),
    // Pending client requests, the day's commands, file catalogues still missing parts.
    requests: loadRequestsFacts(db, opts.now.getTime()),
    maintenance: maintenanceNotes(alertSettings(cfg).maintenance, zone, opts.now, (d) => localTimeWords(d, zone, opts.now)),
    cfg,
    theme: themeOf(cfg),
    date,
    now: opts.now,
  });
}
