import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSource, receivedHeaderTime } from './files.ts';

const dir = mkdtempSync(join(tmpdir(), 'syn-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const headers = (received: string) =>
  Buffer.from(`${received}From: agent@site.example\r\nSubject: [OK] x\r\nDate: Mon, 23 Nov 2026 02:05:00 +0100\r\n\r\nbody\r\nReceived: from fake; Sat, 1 Jan 2000 00:00:00 +0000\r\n`);

describe('collector import of .eml files', () => {
  it('takes the arrival time from the topmost Received header, not the file time', async () => {
    const file = join(dir, 'archived.eml');
    writeFileSync(
      file,
      headers('Received: from mx.example.net (mx [10.0.0.1])\r\n\tby mail.example.com with ESMTPS id abc\r\n\tfor <backups@example.com>; Mon, 23 Nov 2026 02:05:09 +0100\r\nReceived: from agent; Mon, 23 Nov 2026 02:05:01 +0100\r\n'),
    );
    utimesSync(file, new Date('2026-12-01T10:00:00Z'), new Date('2026-12-01T10:00:00Z')); // saved a week later
    const source = new FileSource([file]);
    await source.open();
    const [m] = await source.fetchBatch(10);
    expect(m!.receivedAt!.toISOString()).toBe('2026-11-23T01:05:09.000Z');
  });

  it('falls back to the file time when no Received header has a date, and ignores one in the body', async () => {
    const file = join(dir, 'plain.eml');
    writeFileSync(file, headers(''));
    utimesSync(file, new Date('2026-11-23T01:06:00Z'), new Date('2026-11-23T01:06:00Z'));
    const source = new FileSource([file]);
    await source.open();
    const [m] = await source.fetchBatch(10);
    expect(m!.receivedAt!.toISOString()).toBe('2026-11-23T01:06:00.000Z');
    expect(receivedHeaderTime(Buffer.from('Received: from x by y\r\n\r\n'))).toBeNull();
    expect(receivedHeaderTime(Buffer.from('Received: from x; not a date\r\n\r\n'))).toBeNull();
  });
});
