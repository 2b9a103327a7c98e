import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { notificationFromRaw } from './notification.ts';
import type { Notification } from './types.ts';

/** Every .eml fixture of a parser folder, by file name. */
export async function loadFixtures(folder: string): Promise<Map<string, Notification>> {
  const dir = join(folder, 'fixtures');
  const out = new Map<string, Notification>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.eml')).sort()) out.set(f, await notificationFromRaw(readFileSync(join(dir, f))));
  return out;
}

/** A notification built in a test, with empty defaults. */
export function notification(n: Partial<Notification>): Notification {
  return { from: 'backup@example.com', to: ['backups@example.com'], subject: '', date: new Date('2026-11-30T03:00:00Z'), text: '', html: '', attachments: [], ...n };
}

/**
 * A raw mail with new From, To, Message-ID (and optionally Date) headers; the body is untouched.
 * For tests and the benchmark that file real fixtures under senders their rules name.
 */
export function readdress(raw: Buffer, h: { from: string; to?: string; id: string; date?: string }): Buffer {
  const text = raw.toString('latin1');
  const split = /\r?\n\r?\n/.exec(text)!;
  const replaced = new Set(['from', 'message-id', ...(h.to ? ['to'] : []), ...(h.date ? ['date'] : [])]);
  const kept: string[] = [];
  let dropping = false;
  for (const line of text.slice(0, split.index).split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) {
      if (!dropping) kept.push(line);
      continue;
    }
    dropping = replaced.has(line.slice(0, line.indexOf(':')).toLowerCase());
    if (!dropping) kept.push(line);
  }
  const added = [`From: ${h.from}`, `Message-ID: <${h.id}@synecdoche.test>`, ...(h.to ? [`To: ${h.to}`] : []), ...(h.date ? [`Date: ${h.date}`] : [])];
  return Buffer.from([...added, ...kept].join('\r\n') + text.slice(split.index), 'latin1');
}
