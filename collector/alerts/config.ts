import { z } from 'zod';
import { isValidTimeZone } from '../../core/time.ts';
import type { CollectorConfig } from '../config.ts';
import { nextRunAfter } from '../status/schedule.ts';

/**
 * The `alerts:` section of collector.yaml. Defined here, beside the code that reads it;
 * CollectorConfig holds it as `alerts: AlertsConfig.default(ALERTS_DEFAULTS)`.
 */
export const WebhookConfig = z
  .object({
    url: z.url().describe('where to POST: an ntfy topic, a Slack incoming webhook, any JSON endpoint (no Teams card format)'),
    format: z.enum(['json', 'slack', 'ntfy']).default('json').describe('json: {text, state, client, site, job, since, reason}; slack: {text}; ntfy: plain text with a Title header'),
    timeoutSeconds: z.number().positive().default(10),
  })
  .strict();
export type WebhookConfig = z.infer<typeof WebhookConfig>;

/** The problems an alert is about. A recovery names the one that ended. */
export const ALERT_PROBLEMS = ['failed', 'missing', 'anomaly', 'firstRunOverdue', 'silent', 'blind'] as const;
export type AlertProblem = (typeof ALERT_PROBLEMS)[number];

/** Minutes a problem must have lasted before its alert, by default: a mailbox error is often a blip. */
const DEFAULT_GRACE: Record<AlertProblem, number> = { failed: 0, missing: 0, anomaly: 0, firstRunOverdue: 0, silent: 0, blind: 30 };

const kind = (p: AlertProblem, what: string) =>
  z
    .object({
      enabled: z.boolean().default(true).describe(`false: no alert when ${what}`),
      graceMinutes: z
        .number()
        .min(0)
        .default(DEFAULT_GRACE[p])
        .describe('alert only once the problem has lasted this long, counted from its start (first failed run, missed due time, missed heartbeat, last good mailbox read)'),
      reminderHours: z.number().positive().optional().describe('remind this often while the problem lasts; default alerts.reminderHours'),
    })
    .strict()
    .prefault({});

export const AlertKinds = z
  .object({
    failed: kind('failed', 'a job fails'),
    missing: kind('missing', 'a job\'s report did not arrive'),
    anomaly: kind('anomaly', 'a run reports success but looks wrong (0 files, size drop, same size, verification mismatch)'),
    firstRunOverdue: kind('firstRunOverdue', 'a new job\'s first run is overdue'),
    silent: kind('silent', 'an agent\'s heartbeat is overdue'),
    blind: kind('blind', 'a mailbox cannot be read'),
  })
  .strict()
  .prefault({});
export type AlertKinds = z.infer<typeof AlertKinds>;

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a client or site id');
const isoTime = z.iso.datetime({ offset: true, message: 'an ISO 8601 date-time with offset, e.g. "2026-12-05T18:00:00Z" or "2026-12-05T18:00:00+01:00"' });
const cron = z.string().min(1).superRefine((c, ctx) => {
  try {
    nextRunAfter(c, 'UTC', new Date(0));
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message.replace(/^schedule "[^"]*" is /, '') });
  }
});

/**
 * A time when a client's or a site's backups are expected to break (a server move, a weekly
 * reboot): no alerts for its jobs and agent, and the digest marks them "(maintenance)". Either a
 * fixed window (from, to) or a repeating one (cron + durationMinutes).
 */
export const MaintenanceWindow = z
  .object({
    client: id.optional().describe('every site of this client'),
    site: id.optional().describe('this site only'),
    from: isoTime.optional().describe('start of a one-off window'),
    to: isoTime.optional().describe('end of a one-off window'),
    cron: cron.optional().describe('start of a repeating window, e.g. "0 22 * * 6" (Saturdays 22:00)'),
    timeZone: z.string().refine(isValidTimeZone, 'a known IANA time zone, e.g. "Europe/Berlin" or "UTC"').optional().describe('zone of cron; default consultant.timeZone'),
    durationMinutes: z.number().positive().optional().describe('length of a repeating window'),
    reason: z.string().min(1).max(200).default('maintenance').describe('shown in the digest'),
  })
  .strict()
  .superRefine((w, ctx) => {
    if (w.client === undefined && w.site === undefined) ctx.addIssue({ code: 'custom', message: 'a maintenance window needs client: or site: (or both)' });
    const fixed = w.from !== undefined || w.to !== undefined;
    const repeating = w.cron !== undefined || w.durationMinutes !== undefined;
    if (fixed === repeating) {
      ctx.addIssue({ code: 'custom', message: 'give either from: and to: (one window) or cron: and durationMinutes: (a repeating one)' });
      return;
    }
    if (fixed) {
      if (w.from === undefined || w.to === undefined) ctx.addIssue({ code: 'custom', path: [w.from === undefined ? 'from' : 'to'], message: 'from: and to: go together' });
      else if (Date.parse(w.to) <= Date.parse(w.from)) ctx.addIssue({ code: 'custom', path: ['to'], message: `a time after from (${w.from})` });
    } else if (w.cron === undefined || w.durationMinutes === undefined) {
      ctx.addIssue({ code: 'custom', path: [w.cron === undefined ? 'cron' : 'durationMinutes'], message: 'cron: and durationMinutes: go together' });
    }
    if (w.timeZone !== undefined && w.cron === undefined) ctx.addIssue({ code: 'custom', path: ['timeZone'], message: 'timeZone: belongs to a cron: window' });
  });
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

export const AlertsConfig = z
  .object({
    email: z.boolean().default(true).describe('email the consultant each alert (see kinds) and recovery, through smtp:'),
    reminderHours: z.number().positive().default(24).describe('repeat an alert this often while its problem lasts (default of every kind)'),
    webhook: WebhookConfig.optional(),
    kinds: AlertKinds.describe('per kind of problem: on or off, grace, reminder interval'),
    maintenance: z.array(MaintenanceWindow).default([]).describe('windows without alerts for a client or site'),
  })
  .strict();
export type AlertsConfig = z.infer<typeof AlertsConfig>;

export const ALERTS_DEFAULTS: AlertsConfig = AlertsConfig.parse({});

/** The settings of one kind of alert, in milliseconds. */
export interface KindSettings {
  enabled: boolean;
  graceMs: number;
  reminderMs: number;
}

export function kindSettings(a: AlertsConfig, p: AlertProblem): KindSettings {
  const k = a.kinds[p];
  return { enabled: k.enabled, graceMs: k.graceMinutes * 60_000, reminderMs: (k.reminderHours ?? a.reminderHours) * 3_600_000 };
}

/**
 * The alert settings of a collector config. Configs built in tests may carry `alerts:` unparsed:
 * it is validated here, and the defaults apply when it is absent.
 */
export function alertSettings(cfg: CollectorConfig): AlertsConfig {
  const raw = (cfg as { alerts?: unknown }).alerts;
  return raw === undefined ? ALERTS_DEFAULTS : AlertsConfig.parse(raw);
}
