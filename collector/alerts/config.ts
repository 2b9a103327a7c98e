import { z } from 'zod';
import type { CollectorConfig } from '../config.ts';

/**
 * The `alerts:` section of collector.yaml. Defined here, beside the code that reads it, and
 * meant to be added to CollectorConfig as `alerts: AlertsConfig.default(ALERTS_DEFAULTS)`.
 */
export const WebhookConfig = z
  .object({
    url: z.url().describe('where to POST: an ntfy topic, a Slack or Teams incoming webhook, any JSON endpoint'),
    format: z.enum(['json', 'slack', 'ntfy']).default('json').describe('json: {text, state, client, site, job, since, reason}; slack: {text}; ntfy: plain text with a Title header'),
    timeoutSeconds: z.number().positive().default(10),
  })
  .strict();
export type WebhookConfig = z.infer<typeof WebhookConfig>;

export const AlertsConfig = z
  .object({
    email: z.boolean().default(true).describe('email the consultant when a job fails, goes missing or recovers'),
    reminderHours: z.number().positive().default(24).describe('repeat the alert this often while a job stays failed or missing'),
    webhook: WebhookConfig.optional(),
  })
  .strict();
export type AlertsConfig = z.infer<typeof AlertsConfig>;

export const ALERTS_DEFAULTS: AlertsConfig = { email: true, reminderHours: 24 };

/**
 * The alert settings of a collector config. Until `alerts:` is part of CollectorConfig this reads
 * it when present (validated here) and falls back to the defaults.
 */
export function alertSettings(cfg: CollectorConfig): AlertsConfig {
  const raw = (cfg as { alerts?: unknown }).alerts;
  return raw === undefined ? ALERTS_DEFAULTS : AlertsConfig.parse(raw);
}
