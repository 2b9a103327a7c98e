import { z } from 'zod';
import { RunStatus } from '../../core/result/schema.ts';

/**
 * The third-party parser contract (every parser runs the shared suite in contract.test.ts).
 *
 * A parser reads the notification email of one backup tool (Duplicati, Veeam ...). It is a
 * plain object `{ name, tool, description, recognises, parse }` that `satisfies
 * ThirdPartyParser`, in a folder of its own (`collector/thirdparty/<tool>/parse.ts`, pure, with
 * the real mails it is tested on in `fixtures/` and their sources in `fixtures/SOURCES.md`),
 * listed explicitly in `collector/thirdparty/index.ts`.
 *
 * - `parse` MUST be pure and MUST NOT throw, whatever the input: a message it cannot read is
 *   `null` (the collector quarantines it with the reason), never an exception.
 * - `parse` MUST return status `failed` unless the message carries positive evidence of success
 *   (a result word, a termination line): a report cut off before its verdict is `failed`, not ok.
 * - The body beats the subject; a mail covering several objects (VMs, guests) is as bad as its
 *   worst object.
 * - `parse` MUST NOT decide the client or site: it reports the job and host as the message names
 *   them; the collector's rules map them (a sender is not trusted for that).
 * - `recognises` MUST be cheap and pure: true when the message is in this tool's format (subject
 *   or body signature), whatever its outcome. It is used to suggest a rule for a notification no
 *   rule maps; it never decides trust.
 */
export interface ThirdPartyParser {
  /** Unique, used in rules (`parser: duplicati`). */
  readonly name: string;
  /** The product, as shown to people ("Duplicati", "Veeam Backup & Replication"). */
  readonly tool: string;
  /** One line for docs and `collector rules test`. */
  readonly description: string;
  /**
   * True for a parser that reads any mail by the words its rule gives (the keyword parser): it
   * recognises no format of its own, so `recognises` is always false.
   */
  readonly generic?: boolean;
  recognises(n: Notification): boolean;
  parse(n: Notification, options?: ParseOptions): ThirdPartyReport | null;
}

/** What a rule may hand to its parser (only the keyword parser uses it today). */
export interface ParseOptions {
  keywords?: { success: readonly string[]; failure: readonly string[] };
}

/** One notification email, as the parsers see it (built from the decoded mail in notification.ts). */
export interface Notification {
  /** The sender's address, lower case; null when the message has none. */
  from: string | null;
  /** Recipient addresses (To, Cc, Delivered-To), lower case. */
  to: readonly string[];
  subject: string;
  /** The Date header; null when missing or unreadable. */
  date: Date | null;
  /** The text/plain body, '' when there is none (not derived from the HTML). */
  text: string;
  /** The text/html body, '' when there is none. */
  html: string;
  attachments: readonly NotificationAttachment[];
}

export interface NotificationAttachment {
  filename: string | null;
  contentType: string;
  content: Buffer;
}

const count = z.number().int().min(0).nullable();

/** Counts a notification may state; null where it says nothing. */
export const ReportCounts = z.object({ examined: count, copied: count, failed: count }).strict();
export type ReportCounts = z.infer<typeof ReportCounts>;

/** One object (VM, guest, volume, share) a notification reports on. */
export const ReportObject = z
  .object({
    name: z.string().min(1).max(500),
    status: RunStatus,
    detail: z.string().max(2000).nullable(),
    bytes: count,
    startedAt: z.date().nullable(),
    endedAt: z.date().nullable(),
  })
  .strict();
export type ReportObject = z.infer<typeof ReportObject>;

/** What a parser read from one notification. The contract suite validates every report against this. */
export const ThirdPartyReport = z
  .object({
    /** The parser's name. */
    tool: z.string().min(1),
    /** The job as the message names it ("Nightly NAS", a Veeam job, "vzdump"). */
    job: z.string().min(1).max(500),
    /** The machine the message names (Proxmox node, Bacula client, Duplicati machine), null when none. */
    host: z.string().min(1).max(500).nullable(),
    /** backup, verify, prune, garbage-collection, sync, restore ...: what the job did. */
    operation: z.string().min(1).max(100),
    status: RunStatus,
    startedAt: z.date().nullable(),
    endedAt: z.date().nullable(),
    files: ReportCounts,
    bytes: ReportCounts,
    /** The lines that say what went wrong (errors first, then warnings), at most 50, each at most 2,000 chars. */
    errors: z.array(z.string().max(2000)).max(50),
    /** One line a person can read: what the message says happened. */
    summary: z.string().min(1).max(1000),
    /** One entry per VM/object when the message lists them, else []. */
    objects: z.array(ReportObject).max(10_000),
  })
  .strict();
export type ThirdPartyReport = z.infer<typeof ThirdPartyReport>;

/** Counts that say nothing. */
export function noCounts(): ReportCounts {
  return { examined: null, copied: null, failed: null };
}

/** The worst of some statuses (`ok` for none). */
export function worstStatus(statuses: Iterable<RunStatus>): RunStatus {
  let worst: RunStatus = 'ok';
  for (const s of statuses) {
    if (s === 'failed') return 'failed';
    if (s === 'warning') worst = 'warning';
  }
  return worst;
}
