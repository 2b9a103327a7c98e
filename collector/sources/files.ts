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
        out.push({ id: path, raw: readFileSync(path), receivedAt: statSync(path).mtime });
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
