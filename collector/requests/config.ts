import { z } from 'zod';

/** `requests:` in collector.yaml: how clients' backup and restore requests reach the collector. */
export const ClientRequestsConfig = z
  .object({
    address: z
      .string()
      .regex(/^[^\s@]+@[^\s@]+$/, 'an email address')
      .optional()
      .describe(
        'an address delivered to a watched mailbox (e.g. backups+requests@example.com): client summaries carry it as Reply-To, so a reply with a request reaches the collector; mail to it from an address that is no client contact is refused, never queued',
      ),
    historyDays: z.number().int().positive().default(90).describe('"asked before": how many days back `collector requests --pending` counts a client\'s earlier requests'),
    restoreFolder: z
      .string()
      .min(1)
      .max(500)
      .refine((f) => f.includes('{id}'), 'must contain {id}, so that every request restores into a new folder of its own')
      .default('synecdoche-restores/{job}/request-{id}')
      .describe('where an approved restore goes unless `collector request approve ID --to DIR` says otherwise; {id}, {site}, {job} and {date} are filled in; a relative folder is resolved by the agent against the folder of its agent.yaml. Never the backed-up folder itself: the agent refuses a target inside the source or the backup, or one that is not empty'),
  })
  .strict();
export type ClientRequestsConfig = z.infer<typeof ClientRequestsConfig>;

export const CLIENT_REQUESTS_DEFAULTS = { historyDays: 90, restoreFolder: 'synecdoche-restores/{job}/request-{id}' } as const;

/**
 * The Reply-To of a client's summary (and monthly report) when `requests.address` is set: a reply
 * then reaches the watched mailbox, where a line such as "RESTORE documents /Invoices as of
 * yesterday" becomes a request. Nothing for the consultant's own mail.
 */
export function summaryReplyTo(cfg: { requests: ClientRequestsConfig }, kind: string): { replyTo?: string } {
  return cfg.requests.address !== undefined && kind !== 'digest' ? { replyTo: cfg.requests.address } : {};
}
