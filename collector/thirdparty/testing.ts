import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { notificationFromRaw } from './notification.ts';
import type { Notification } from './types.ts';

/** A fixture .eml read the way the collector reads a mailbox message. */
export async function notificationFromEml(raw: Buffer | string): Promise<Notification> {
  return notificationFromRaw(raw);
}

/** Every .eml fixture of a parser folder, by file name. */
export async function loadFixtures(folder: string): Promise<Map<string, Notification>> {
  const dir = join(folder, 'fixtures');
  const out = new Map<string, Notification>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.eml')).sort()) out.set(f, await notificationFromEml(readFileSync(join(dir, f))));
  return out;
}

/** A notification built in a test, with empty defaults. */
export function notification(n: Partial<Notification>): Notification {
  return { from: 'backup@example.com', to: ['backups@example.com'], subject: '', date: new Date('2026-11-30T03:00:00Z'), text: '', html: '', attachments: [], ...n };
}
