/**
 * The mailbox seam. The collector reads every source (IMAP, Maildir, .eml files) through this
 * interface; ingest never knows which kind it has.
 *
 * Contract:
 * - `open` MUST connect and create the processed and quarantine folders when missing; it MUST
 *   throw SynError MAILBOX_FAILED when the mailbox cannot be reached (never "nothing new").
 * - `fetchBatch` MUST return up to `limit` messages not yet moved out of the inbox, oldest first
 *   (by UID for IMAP, by name for Maildir). An empty array means the inbox is empty; a failure
 *   MUST throw MAILBOX_FAILED.
 * - `markProcessed` / `markQuarantined` are called only AFTER the database committed the batch.
 *   They MUST be idempotent: moving a message that is already gone is not an error.
 * - `releaseFromQuarantine` (after `collector quarantine release`) MUST find the message in the
 *   quarantine folder by its bytes (`sha256`; ids change when IMAP moves a message), move it to
 *   the processed folder and answer 'moved'; 'not-found' when no such message is there any more.
 *   It MUST throw MAILBOX_FAILED when the mailbox cannot be read, and leave the source as it was
 *   (reading the inbox). A source without folders (files) does not have it.
 * - `close` MUST NOT throw.
 */
export interface MailSource {
  /** Name shown in status and the digest ("imap:backups@example.com/INBOX", "maildir:/var/mail/x"). */
  readonly name: string;
  open(): Promise<void>;
  fetchBatch(limit: number): Promise<SourceMessage[]>;
  markProcessed(ids: readonly string[]): Promise<void>;
  markQuarantined(ids: readonly string[]): Promise<void>;
  releaseFromQuarantine?(message: QuarantinedMessage): Promise<'moved' | 'not-found'>;
  /** Resolves when new mail may have arrived (IMAP IDLE), or after `timeoutMs`; rejects on connection loss. */
  waitForNew?(timeoutMs: number, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** What identifies a message that an earlier pass moved to the quarantine folder. */
export interface QuarantinedMessage {
  /** SHA-256 (hex) of its raw bytes, as stored. */
  sha256: string;
  /** Its id in the inbox when it was read (a Maildir keeps the file name). */
  sourceId: string | null;
  /** Its Message-ID header, to narrow an IMAP search. */
  messageId: string | null;
}

/** One message as read from a source. */
export interface SourceMessage {
  /** Source-specific id: the IMAP UID (as a string) or the Maildir file name. */
  id: string;
  raw: Buffer;
  /** When the mailbox received it (IMAP INTERNALDATE, file mtime), or null. */
  receivedAt: Date | null;
}
