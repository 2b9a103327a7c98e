import { readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../core/clock.ts';
import { encodeResultEmail } from '../core/email/encode.ts';
import { describeError, isSynError } from '../core/errors.ts';
import { ensureFolder } from '../core/folder.ts';
import type { Logger } from '../core/log.ts';
import { isSignInRefusal, type MailSender } from '../core/mail/smtp.ts';
import type { SiteKeyPair } from '../core/result/keys.ts';
import { Payload } from '../core/result/schema.ts';
import type { TemplateSet } from '../core/templates.ts';
import { fsyncDir, writeFileAtomic } from './atomic.ts';
import { pidAlive } from './lock.ts';

/** What sending needs: the transport, the site key, the addresses. */
export interface SendDeps {
  sender: MailSender;
  keys: SiteKeyPair;
  from: string;
  to: string | string[];
  templates?: TemplateSet;
}

/** A file sent with a report (a manifest part), kept beside it in the outbox until the report is sent. */
export interface OutboxAttachment {
  filename: string;
  content: Buffer;
}

/** Separates a report's file stem from the name of an attachment kept beside it. */
const ATTACHMENT_MARK = '~';
/** An attachment whose report is gone is removed after this long (a put in another process writes its attachments first). */
const ORPHAN_MS = 3_600_000;

/** What one flush did. `pending` counts files still waiting afterwards. */
export interface FlushReport {
  sent: number;
  pending: number;
  /** Files moved to `bad/` because they could not be read as a payload. */
  bad: number;
  /** Each file that was not sent, with why; `permanent` ones (5xx) will not heal by retrying. */
  failures: { file: string; message: string; permanent: boolean }[];
  /** Set when the flush stopped early on a transient error (the server is down) or a refused sign-in. */
  stoppedBy?: string;
}

/**
 * The on-disk outbox: principle "nothing lost". A report is written here (atomically, unsigned)
 * before any attempt to send it, and deleted only after the SMTP server accepted it. At send
 * time `sentAt` is set and the payload signed, so a resend carries a fresh, honest `sentAt`.
 *
 * A crash after the server accepted a message but before the file was deleted sends it again
 * on the next flush; that is accepted on purpose: the collector ignores a second copy of the
 * same runId. Two processes flushing the same outbox at once can also both send a file, with
 * the same harmless result.
 */
export class Outbox {
  private chain: Promise<unknown> = Promise.resolve();
  private counter = 0;

  constructor(
    readonly dir: string,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    ensureFolder(dir, 'outbox');
    this.removeDeadTemps();
    this.removeOrphanAttachments();
  }

  /** Attachments of a report that was sent (a crash between the two deletions) are no longer needed. */
  private removeOrphanAttachments(): void {
    const names = new Set(readdirSync(this.dir));
    for (const name of names) {
      const at = name.indexOf(ATTACHMENT_MARK);
      if (at <= 0 || name.startsWith('.') || names.has(`${name.slice(0, at)}.json`)) continue;
      try {
        if (this.clock.now().getTime() - statSync(join(this.dir, name)).mtimeMs > ORPHAN_MS) unlinkSync(join(this.dir, name));
      } catch {
        /* removed meanwhile */
      }
    }
  }

  /** Temp files of a write cut short by a crash hold no report (the rename never happened). */
  private removeDeadTemps(): void {
    for (const name of readdirSync(this.dir)) {
      const m = /^\..*\.(\d+)\.\d+\.tmp$/.exec(name);
      if (!m || pidAlive(Number(m[1]))) continue;
      try {
        unlinkSync(join(this.dir, name));
        this.log.info({ file: name }, 'removed the temp file of an interrupted write');
      } catch {
        /* another process removed it */
      }
    }
  }

  /**
   * Writes a payload to the outbox, with the files to attach to its email (written first, as
   * `<report stem>~<filename>`); returns the report's path. Durable when this returns.
   */
  put(payload: Payload, attachments: readonly OutboxAttachment[] = []): string {
    const stamp = this.clock.now().toISOString().replace(/[-:.]/g, '');
    const name = `${stamp}-${String(process.pid).padStart(7, '0')}-${String(++this.counter).padStart(6, '0')}-${payload.kind}-${payload.runId}.json`;
    const path = join(this.dir, name);
    for (const a of attachments) writeFileAtomic(join(this.dir, `${name.slice(0, -5)}${ATTACHMENT_MARK}${a.filename}`), a.content);
    writeFileAtomic(path, `${JSON.stringify(payload, null, 2)}\n`);
    this.log.info({ runId: payload.runId, file: name }, 'report written to the outbox');
    return path;
  }

  /** File names waiting, oldest first. Temp files of an interrupted write (dot files) are not reports. */
  pending(): string[] {
    return readdirSync(this.dir, { withFileTypes: true })
      .filter((d) => d.isFile() && d.name.endsWith('.json') && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
  }

  /** Sends every waiting report in order of creation. Flushes in one process never overlap. */
  flush(deps: SendDeps): Promise<FlushReport> {
    const run = this.chain.then(() => this.flushNow(deps));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async flushNow(deps: SendDeps): Promise<FlushReport> {
    const report: FlushReport = { sent: 0, pending: 0, bad: 0, failures: [] };
    for (const name of this.pending()) {
      const path = join(this.dir, name);
      const payload = this.read(path, name);
      if (payload === 'gone') continue;
      if (payload === undefined) {
        report.bad++;
        continue;
      }
      payload.sentAt = this.clock.now().toISOString();
      try {
        const attached = this.attachmentsOf(name);
        const extra = attached.map((a) => ({ filename: a.filename, content: readFileSync(a.path), contentType: 'application/gzip' }));
        const { message } = encodeResultEmail(payload, { from: deps.from, to: deps.to, privateKey: deps.keys.privateKey, publicKey: deps.keys.publicKey, templates: deps.templates }, extra);
        const info = await deps.sender.send(message);
        this.remove(path);
        for (const a of attached) this.remove(a.path);
        report.sent++;
        this.log.info({ runId: payload.runId, file: name, response: info.response }, 'report sent');
      } catch (e) {
        const permanent = isSynError(e) ? e.permanent : true;
        const message = describeError(e);
        report.failures.push({ file: name, message, permanent });
        this.log.warn({ runId: payload.runId, file: name, err: message, permanent }, 'report not sent; kept in the outbox');
        // A refused sign-in refuses every report alike: stop rather than sign in once per report.
        if (!permanent || isSignInRefusal(e)) {
          report.stoppedBy = message;
          break;
        }
      }
    }
    report.pending = this.pending().length;
    return report;
  }

  /** The files kept beside report `name` to go with its email, in name order. */
  private attachmentsOf(name: string): { filename: string; path: string }[] {
    const prefix = `${name.slice(0, -5)}${ATTACHMENT_MARK}`;
    return readdirSync(this.dir)
      .filter((n) => n.startsWith(prefix))
      .sort()
      .map((n) => ({ filename: n.slice(prefix.length), path: join(this.dir, n) }));
  }

  private read(path: string, name: string): Payload | undefined | 'gone' {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone'; // sent by another flush meanwhile
      throw e;
    }
    let problem: string;
    try {
      const parsed = Payload.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      problem = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    } catch (e) {
      problem = (e as Error).message;
    }
    this.moveAside(path, name, problem);
    return undefined;
  }

  private moveAside(path: string, name: string, problem: string): void {
    const bad = join(this.dir, 'bad');
    ensureFolder(bad, 'outbox');
    renameSync(path, join(bad, name));
    fsyncDir(this.dir);
    this.log.error({ file: name, problem, movedTo: join(bad, name) }, 'outbox file is not a readable report; moved aside, not sent');
  }

  private remove(path: string): void {
    try {
      unlinkSync(path);
      fsyncDir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}
