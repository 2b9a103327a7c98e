import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { leanText } from '../../core/email/lean.ts';
import { hostileCorpus } from '../testing/hostile-corpus.ts';
import { thirdPartyParsers } from './index.ts';
import { toNotification } from './notification.ts';

/**
 * The lean path for single-part notifications (core/email/lean.ts, leanText) must read exactly
 * what mailparser reads, or decline: the parsers, and so a job's status, must never depend on
 * which path decoded the mail.
 */
const OPTIONS = { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, maxHtmlLengthToParse: 1_000_000 };

async function compare(name: string, raw: Buffer, differ: string[]): Promise<boolean> {
  const lean = await leanText(raw);
  if (!lean) return false;
  const full = toNotification(await simpleParser(raw, OPTIONS));
  const fast = toNotification(lean.mail);
  if (JSON.stringify(fast) !== JSON.stringify(full)) differ.push(`${name}: ${JSON.stringify(fast).slice(0, 300)}\n   vs ${JSON.stringify(full).slice(0, 300)}`);
  return true;
}

const header = (lines: string[], body: string) => Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
const base = ['From: "Backup, Nightly" <backup@nas.example>', 'To: backups+acme@example.com, "Pat" <pat@example.com>', 'Subject: Backup report', 'Date: Fri, 04 Dec 2026 02:00:00 +0100', 'Message-ID: <x@nas.example>'];

describe('the lean path for one-part notifications', () => {
  it('reads every real fixture it takes exactly as mailparser does, and takes the plain ones', async () => {
    const differ: string[] = [];
    let taken = 0;
    let all = 0;
    for (const p of thirdPartyParsers.keys()) {
      const dir = join(import.meta.dirname, p, 'fixtures');
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.eml'))) {
        all++;
        if (await compare(`${p}/${f}`, readFileSync(join(dir, f)), differ)) taken++;
      }
    }
    expect(differ).toEqual([]);
    expect(taken).toBeGreaterThan(all / 3);
  });

  it('reads transfer encodings, HTML bodies, Delivered-To, Cc and encoded subjects as mailparser does', async () => {
    const body = 'Backup Success: 12 files\r\nZeile zwei \u00e4\u00f6\u00fc\r\n';
    const variants: Record<string, Buffer> = {
      base64: header([...base, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'], Buffer.from(body).toString('base64').replace(/.{76}/g, '$&\r\n')),
      qp: header([...base, 'Content-Type: text/plain; charset="UTF-8"', 'Content-Transfer-Encoding: quoted-printable'], 'Backup Success: 12 files=0D=0AZeile zwei =C3=A4=C3=B6=C3=BC=\r\n mit soft break\r\n'),
      html: header([...base, 'Content-Type: text/html; charset=us-ascii'], '<html><body><table><tr><td>VM01</td><td>Success</td></tr></table></body></html>\r\n'),
      delivered: header(['Delivered-To: backups+acme@example.com', 'Delivered-To: all@example.com', ...base, 'Cc: ops@example.com'], 'plain, no content type\n'),
      encodedSubject: header([...base.filter((l) => !l.startsWith('Subject')), 'Subject: =?UTF-8?B?U2ljaGVydW5nIGVyZm9sZ3JlaWNoIOKckw==?=', 'Content-Type: text/plain; charset=utf-8'], 'ok\r\n'),
      noDate: header(base.filter((l) => !l.startsWith('Date')), 'no date\r\n'),
      encodedFrom: header([...base.filter((l) => !l.startsWith('From')), 'From: =?UTF-8?Q?M=C3=BCller?= <m@nas.example>'], 'x\r\n'),
      lfOnly: Buffer.from(`${base.join('\n')}\n\nline one\nline two\n`),
    };
    const differ: string[] = [];
    for (const [name, raw] of Object.entries(variants)) expect(await compare(name, raw, differ), name).toBe(true);
    expect(differ).toEqual([]);
    // Delivered-To counts as a recipient (plus-addressing reaches the collector that way after forwarding).
    expect(toNotification(await simpleParser(variants.delivered!, OPTIONS)).to).toEqual(['backups+acme@example.com', 'pat@example.com', 'ops@example.com', 'all@example.com']);
  });

  it('declines what only the full parser reads right: multipart, other charsets, flowed text, groups, our own headers', async () => {
    const declined: Record<string, Buffer> = {
      latin1: header([...base, 'Content-Type: text/plain; charset=iso-8859-1'], 'Gr\u00fc\u00dfe'),
      flowed: header([...base, 'Content-Type: text/plain; charset=utf-8; format=flowed'], 'a soft \r\nbreak\r\n'),
      multipart: header([...base, 'Content-Type: multipart/mixed; boundary=b'], '--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n'),
      attachment: header([...base, 'Content-Type: text/plain', 'Content-Disposition: attachment; filename=log.txt'], 'log\r\n'),
      group: header([...base.filter((l) => !l.startsWith('To')), 'To: undisclosed-recipients:;'], 'x\r\n'),
      ours: header([...base, 'X-Synecdoche-Report: digest'], 'x\r\n'),
    };
    for (const [name, raw] of Object.entries(declined)) expect(await leanText(raw), name).toBeNull();
  });

  it('never disagrees with mailparser on the hostile corpus', async () => {
    const corpus = await hostileCorpus({ seed: 11, valid: 5 });
    const differ: string[] = [];
    for (const m of corpus.messages) await compare(m.name, m.raw, differ);
    expect(differ).toEqual([]);
  });
});
