import { isFolder } from '../../core/folder.ts';
import { sha256Hex } from '../../core/hash.ts';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SynError } from '../../core/errors.ts';
import type { MailSource, QuarantinedMessage, SourceMessage } from './types.ts';

export interface MaildirSourceConfig {
  path: string;
  /** Maildir for processed messages; default `<path>/.Processed`. */
  processedFolder?: string | undefined;
  /** Maildir for quarantined messages; default `<path>/.Quarantine`. */
  quarantineFolder?: string | undefined;
}

/**
 * A local Maildir as a MailSource (the embedded mailbox of the demo, or a server's own delivery
 * folder). Reads `new/` and `cur/` in file-name order (Maildir names start with the delivery
 * time); moves processed and quarantined messages into sub-maildirs, Maildir++ style, created on
 * open. A rename is atomic, so a message is always in exactly one place.
 */
export class MaildirSource implements MailSource {
  readonly name: string;
  private readonly processed: string;
  private readonly quarantine: string;
  /** Ids handed out since open(), so a message whose move failed is not read twice in one pass. */
  private handedOut = new Set<string>();
  private queue: string[] = [];

  constructor(private readonly cfg: MaildirSourceConfig) {
    this.name = `maildir:${cfg.path}`;
    this.processed = cfg.processedFolder ?? join(cfg.path, '.Processed');
    this.quarantine = cfg.quarantineFolder ?? join(cfg.path, '.Quarantine');
  }

  async open(): Promise<void> {
    this.handedOut = new Set();
    this.queue = [];
    for (const sub of ['new', 'cur']) {
      if (!isFolder(join(this.cfg.path, sub))) {
        throw new SynError('MAILBOX_FAILED', `${this.name}: ${join(this.cfg.path, sub)} does not exist (not a Maildir)`, { permanent: false });
      }
    }
    try {
      for (const dir of [this.processed, this.quarantine]) for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
    } catch (e) {
      throw new SynError('MAILBOX_FAILED', `${this.name}: cannot create the processed and quarantine folders`, { cause: e });
    }
  }

  async fetchBatch(limit: number): Promise<SourceMessage[]> {
    if (this.queue.length === 0) this.queue = this.list();
    const out: SourceMessage[] = [];
    while (out.length < limit && this.queue.length > 0) {
      const id = this.queue.shift()!;
      const file = join(this.cfg.path, id);
      let raw: Buffer, mtime: Date;
      try {
        raw = readFileSync(file);
        mtime = statSync(file).mtime;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // moved by another reader meanwhile
        throw new SynError('MAILBOX_FAILED', `${this.name}: cannot read ${file}`, { cause: e, permanent: false });
      }
      this.handedOut.add(id);
      out.push({ id, raw, receivedAt: mtime });
    }
    return out;
  }

  private list(): string[] {
    const ids: string[] = [];
    try {
      for (const sub of ['new', 'cur']) {
        for (const f of readdirSync(join(this.cfg.path, sub), { withFileTypes: true })) {
          if (f.isFile() && !f.name.startsWith('.') && !this.handedOut.has(`${sub}/${f.name}`)) ids.push(`${sub}/${f.name}`);
        }
      }
    } catch (e) {
      throw new SynError('MAILBOX_FAILED', `${this.name}: cannot list the Maildir`, { cause: e, permanent: false });
    }
    return ids.sort((a, b) => (basename(a) < basename(b) ? -1 : basename(a) > basename(b) ? 1 : 0));
  }

  async markProcessed(ids: readonly string[]): Promise<void> {
    this.move(ids, this.processed);
  }

  async markQuarantined(ids: readonly string[]): Promise<void> {
    this.move(ids, this.quarantine);
  }

  /** Finds the file by its name (kept by the move), else by its bytes, and moves it to processed. */
  async releaseFromQuarantine(message: QuarantinedMessage): Promise<'moved' | 'not-found'> {
    const stem = (name: string) => name.split(':2,')[0]!;
    const wanted = message.sourceId === null ? null : stem(basename(message.sourceId));
    let files: string[];
    try {
      files = ['cur', 'new'].flatMap((sub) => readdirSync(join(this.quarantine, sub)).filter((f) => !f.startsWith('.')).map((f) => `${sub}/${f}`));
    } catch (e) {
      throw new SynError('MAILBOX_FAILED', `${this.name}: cannot list the quarantine folder ${this.quarantine}`, { cause: e, permanent: false });
    }
    // The file of the same name first; any other only if its bytes are the ones stored.
    files.sort((a, b) => Number(stem(basename(b)) === wanted) - Number(stem(basename(a)) === wanted));
    for (const rel of files) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(join(this.quarantine, rel));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw new SynError('MAILBOX_FAILED', `${this.name}: cannot read ${join(this.quarantine, rel)}`, { cause: e, permanent: false });
      }
      if (sha256Hex(bytes) !== message.sha256) continue;
      const name = basename(rel);
      try {
        renameSync(join(this.quarantine, rel), join(this.processed, 'cur', name.includes(':2,') ? name : `${name}:2,`));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'not-found';
        throw new SynError('MAILBOX_FAILED', `${this.name}: cannot move ${rel} from quarantine to ${this.processed}`, { cause: e, permanent: false });
      }
      return 'moved';
    }
    return 'not-found';
  }

  private move(ids: readonly string[], target: string): void {
    for (const id of ids) {
      const name = basename(id);
      // Messages in cur/ carry an info suffix (":2,flags"); one taken from new/ gets an empty one.
      const dest = join(target, 'cur', name.includes(':2,') ? name : `${name}:2,`);
      try {
        renameSync(join(this.cfg.path, id), dest);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // already moved: idempotent
        throw new SynError('MAILBOX_FAILED', `${this.name}: cannot move ${id} to ${target}`, { cause: e, permanent: false });
      }
    }
  }

  async close(): Promise<void> {
    this.queue = [];
  }
}
