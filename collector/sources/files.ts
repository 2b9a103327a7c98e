import { readFileSync, statSync } from 'node:fs';
import { SynError } from '../../core/errors.ts';
import type { MailSource, SourceMessage } from './types.ts';

/**
 * Single .eml files as a MailSource, for `collector import FILE.eml ...`. The files stay where
 * they are: marking them is a no-op. A file that cannot be read is NOT_FOUND at open, before
 * anything is ingested.
 */
export class FileSource implements MailSource {
  readonly name = 'import';
  private next = 0;

  constructor(private readonly paths: readonly string[]) {}

  async open(): Promise<void> {
    this.next = 0;
    for (const p of this.paths) {
      let isFile = false;
      try {
        isFile = statSync(p).isFile();
      } catch (e) {
        throw new SynError('NOT_FOUND', `cannot read ${p}`, { cause: e });
      }
      if (!isFile) throw new SynError('NOT_FOUND', `${p} is not a file`);
    }
  }

  async fetchBatch(limit: number): Promise<SourceMessage[]> {
    const out: SourceMessage[] = [];
    for (; out.length < limit && this.next < this.paths.length; this.next++) {
      const path = this.paths[this.next]!;
      try {
        const raw = readFileSync(path);
        out.push({ id: path, raw, receivedAt: receivedHeaderTime(raw) ?? statSync(path).mtime });
      } catch (e) {
        throw new SynError('NOT_FOUND', `cannot read ${path}`, { cause: e });
      }
    }
    return out;
  }

  async markProcessed(): Promise<void> {}
  async markQuarantined(): Promise<void> {}
  async close(): Promise<void> {}
}

/**
 * When the receiving mail server took the message: the date after the last ";" of the topmost
 * Received header, or null when there is none that parses. An imported .eml was saved or copied
 * long after it arrived; its file time would make every imported report look late and the
 * agent's clock look behind.
 */
export function receivedHeaderTime(raw: Buffer): Date | null {
  const head = raw.subarray(0, 64 * 1024).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const headers = (end < 0 ? head : head.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const m = /^received:(.*)$/im.exec(headers);
  if (!m) return null;
  const semi = m[1]!.lastIndexOf(';');
  if (semi < 0) return null;
  const t = Date.parse(m[1]!.slice(semi + 1).trim());
  return Number.isNaN(t) ? null : new Date(t);
}
