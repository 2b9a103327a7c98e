import { gzipSync } from 'node:zlib';
import { rawText, reportEmail, type Rng } from './seeded.ts';
import type { CorpusMessage } from './hostile-corpus.ts';

/**
 * The MIME-level part of the hostile corpus: broken charsets, truncation, huge headers, deep
 * nesting and malformed structure. None of these carries a valid signed result, so every one
 * must end in quarantine.
 */

const SCRIPT = '<script>alert(1)</script>';

function foreign(rng: Rng, subject: string, body: Buffer | string, contentType = 'text/plain; charset=utf-8', extraHeaders: string[] = []): Buffer {
  const head = [
    'From: "Backup Tool" <noreply@vendor.example>',
    'To: backups@example.com',
    `Subject: ${subject}`,
    `Message-ID: <${rng.hex(8)}@vendor.example>`,
    'Date: Mon, 23 Nov 2026 08:00:00 +0000',
    'MIME-Version: 1.0',
    `Content-Type: ${contentType}`,
    ...extraHeaders,
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'binary'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'binary')]);
}

/** Broken and mixed charsets in mails that are not reports, and in the bytes of report JSON. */
export async function charsetMessages(rng: Rng, signedJson: () => Promise<string>): Promise<CorpusMessage[]> {
  const out: CorpusMessage[] = [];
  const badUtf8 = Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0xfe, 0xfd]);
  const charsets = ['utf-8', 'us-ascii', 'iso-8859-1', 'x-unknown-42', 'utf-7', 'utf-16', 'utf-32', 'cp-9999', 'windows-1252', 'koi8-r', 'shift_jis', '"; drop table"', ''];
  for (const cs of charsets) {
    out.push({ name: `charset/foreign-body-${cs || 'empty'}`, raw: foreign(rng, `Backup report ${cs}`, Buffer.concat([Buffer.from('Job ok '), badUtf8, Buffer.from(' Mueller ü')]), `text/plain; charset=${cs}`), expect: 'quarantine', reasons: ['third-party-unrecognised'] });
    out.push({ name: `charset/encoded-word-${cs || 'empty'}`, raw: foreign(rng, `=?${cs || 'x'}?B?${Buffer.concat([badUtf8, Buffer.from(SCRIPT)]).toString('base64')}?= =?utf-8?Q?=FF=FE?=`, 'body'), expect: 'quarantine', reasons: ['third-party-unrecognised'] });
  }
  out.push({ name: 'charset/raw-8bit-headers', raw: foreign(rng, Buffer.concat([Buffer.from('R\u00e9sultat '), badUtf8]).toString('binary'), 'x', 'text/plain', [`X-Weird: ${badUtf8.toString('binary')}`]), expect: 'quarantine', reasons: ['third-party-unrecognised'] });
  out.push({ name: 'charset/html-wrong-meta', raw: foreign(rng, 'html', `<meta charset="shift_jis"><p>${badUtf8.toString('binary')}${SCRIPT}</p>`, 'text/html; charset=iso-2022-jp'), expect: 'quarantine', reasons: ['third-party-unrecognised'] });
  // The report JSON itself in the wrong encoding: a signature over UTF-8 no longer matches, or it no longer parses.
  for (let i = 0; i < 6; i++) {
    const json = await signedJson();
    const withClient = json.replace('"Acme Ltd"', '"Acme M\u00fcller GmbH"');
    out.push({ name: `charset/json-latin1-${i}`, raw: await reportEmail(Buffer.from(withClient, 'latin1'), rng), expect: 'quarantine', reasons: ['bad-signature'] });
    out.push({ name: `charset/json-utf16-${i}`, raw: await reportEmail(Buffer.from(json, 'utf16le'), rng), expect: 'quarantine', reasons: ['malformed-json'] });
    const bytes = Buffer.from(json, 'utf8');
    const at = bytes.indexOf('copied 12 files');
    bytes[at + 2] = 0xff;
    out.push({ name: `charset/json-invalid-byte-${i}`, raw: await reportEmail(bytes, rng), expect: 'quarantine', reasons: ['bad-signature'] });
  }
  return out;
}

/**
 * A signed report cut at random points before the end of its attachment (at least 12 base64
 * characters early, so the JSON is always incomplete).
 */
export function truncatedMessages(rng: Rng, whole: Buffer[], n: number): CorpusMessage[] {
  const out: CorpusMessage[] = [];
  for (let i = 0; i < n; i++) {
    const raw = whole[i % whole.length]!;
    const text = raw.toString('latin1');
    const att = text.indexOf('filename=synecdoche-result.json');
    const dataStart = text.indexOf('\r\n\r\n', att) + 4;
    const dataEnd = text.indexOf('\r\n--', dataStart);
    // a third cut in the headers or text, two thirds inside the base64 attachment
    const cut = i % 3 === 0 ? 1 + rng.int(dataStart - 1) : dataStart + rng.int(Math.max(1, dataEnd - 12 - dataStart));
    out.push({ name: `truncated/${i}-at-${cut}`, raw: raw.subarray(0, cut), expect: 'quarantine' });
  }
  return out;
}

/** A 200 KB Subject, 5,000 header lines, a 1 MB header line, folded-forever headers. */
export async function hugeHeaderMessages(rng: Rng): Promise<CorpusMessage[]> {
  const lines5000 = Array.from({ length: 5000 }, (_, i) => `X-Filler-${i}: ${SCRIPT} ${rng.hex(4)}`);
  const folded = `X-Folded: start\r\n${Array.from({ length: 20_000 }, () => ' more').join('\r\n')}`;
  return [
    { name: 'headers/subject-200k', raw: foreign(rng, 'A'.repeat(200 * 1024), 'body'), expect: 'quarantine', reasons: ['third-party-unrecognised'] },
    { name: 'headers/subject-200k-script', raw: foreign(rng, SCRIPT.repeat(8000), 'body'), expect: 'quarantine', reasons: ['third-party-unrecognised'] },
    { name: 'headers/5000-lines', raw: foreign(rng, 'many headers', 'body', 'text/plain', lines5000), expect: 'quarantine', reasons: ['third-party-unrecognised'] },
    { name: 'headers/1mb-line', raw: foreign(rng, 'long line', 'body', 'text/plain', [`X-Long: ${'x'.repeat(1024 * 1024)}`]), expect: 'quarantine', reasons: ['third-party-unrecognised', 'malformed-mime'] },
    { name: 'headers/folded-20000', raw: foreign(rng, 'folded', 'body', 'text/plain', [folded]), expect: 'quarantine', reasons: ['third-party-unrecognised', 'malformed-mime'] },
    { name: 'headers/report-5000-lines-no-attachment', raw: foreign(rng, 'report', 'text', 'text/plain', ['X-Synecdoche-Format: synecdoche-result/1', ...lines5000]), expect: 'quarantine', reasons: ['no-attachment'] },
    { name: 'headers/no-body-no-blank-line', raw: rawText(['From: a@b.example', 'Subject: no body', 'X-Synecdoche-Format: synecdoche-result/1']), expect: 'quarantine' },
    { name: 'headers/only-garbage-header-names', raw: rawText([':::', ': : :', '\u0001\u0002: x', '', 'body']), expect: 'quarantine' },
    { name: 'headers/1000-to-addresses', raw: foreign(rng, 'to many', 'body', 'text/plain', [`Cc: ${Array.from({ length: 1000 }, (_, i) => `u${i}@x.example`).join(', ')}`]), expect: 'quarantine', reasons: ['third-party-unrecognised'] },
    { name: 'headers/500-content-types', raw: foreign(rng, 'types', 'body', 'text/plain', Array.from({ length: 500 }, () => 'Content-Type: multipart/mixed; boundary=x')), expect: 'quarantine' },
  ];
}

/** multipart nested 200 and 1,000 levels deep, closed and unclosed, with forged or no attachments. */
export function deepNestingMessages(rng: Rng, forgedJson: string): CorpusMessage[] {
  const out: CorpusMessage[] = [];
  for (const [depth, closed, withAttachment] of [[200, true, true], [200, false, true], [200, true, false], [1000, true, true], [1000, false, false], [50, true, true], [300, false, true], [200, true, true], [2000, false, false], [100, true, false]] as const) {
    const head = ['From: agent@site.example', 'Subject: [OK] nested', `Message-ID: <${rng.hex(8)}@nest.example>`, 'X-Synecdoche-Format: synecdoche-result/1', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b0"', '', ''];
    const parts: string[] = [];
    for (let i = 1; i <= depth; i++) parts.push(`--b${i - 1}\r\nContent-Type: multipart/mixed; boundary="b${i}"\r\n\r\n`);
    parts.push(
      withAttachment
        ? `--b${depth}\r\nContent-Type: application/json\r\nContent-Disposition: attachment; filename=synecdoche-result.json\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(forgedJson).toString('base64')}\r\n`
        : `--b${depth}\r\nContent-Type: text/plain\r\n\r\n${SCRIPT}\r\n`,
    );
    if (closed) for (let i = depth; i >= 0; i--) parts.push(`--b${i}--\r\n`);
    out.push({ name: `nesting/${depth}-${closed ? 'closed' : 'open'}-${withAttachment ? 'forged' : 'empty'}`, raw: Buffer.from(head.join('\r\n') + parts.join('')), expect: 'quarantine' });
  }
  return out;
}

/** Structurally broken MIME, sizes over the limits, binary garbage, a gzip bomb. */
export async function brokenMimeMessages(rng: Rng, signedJson: () => Promise<string>, limits: { maxMessageBytes: number; maxAttachmentBytes: number }): Promise<CorpusMessage[]> {
  const out: CorpusMessage[] = [];
  const json = await signedJson();
  const q = (name: string, raw: Buffer, reasons?: string[]) => out.push({ name: `mime/${name}`, raw, expect: 'quarantine', ...(reasons ? { reasons } : {}) });
  q('no-attachment', await reportEmail('', rng, { attachments: [] }), ['no-attachment']);
  q('attachment-wrong-name', await reportEmail(json, rng, { attachment: { filename: 'synecdoche-result.json.txt' } }), ['no-attachment']);
  q('two-attachments', await reportEmail(json, rng, { attachments: [{ filename: 'synecdoche-result.json', content: json }, { filename: 'synecdoche-result.json', content: json }] }), ['schema-violation']);
  q('attachment-over-limit', await reportEmail(json.replace('{', `{${' '.repeat(limits.maxAttachmentBytes + 10)}`), rng), ['attachment-too-large']);
  q('message-over-limit', await reportEmail(json, rng, { text: 'x'.repeat(limits.maxMessageBytes + 1000) }), ['too-large']);
  q('gzip-bomb-attachment', await reportEmail(gzipSync(Buffer.alloc(20 * 1024 * 1024)), rng, { attachment: { contentType: 'application/gzip', encoding: undefined } }), ['malformed-json']);
  q('invalid-base64', rawText(['From: a@site.example', 'Subject: b64', 'X-Synecdoche-Format: synecdoche-result/1', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=zz', '', '--zz', 'Content-Type: application/json', 'Content-Disposition: attachment; filename=synecdoche-result.json', 'Content-Transfer-Encoding: base64', '', '!!!!****%%%%$$$$====', '--zz--', '']));
  q('unknown-transfer-encoding', rawText(['From: a@site.example', 'Subject: cte', 'X-Synecdoche-Format: synecdoche-result/1', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=zz', '', '--zz', 'Content-Type: application/json', 'Content-Disposition: attachment; filename=synecdoche-result.json', 'Content-Transfer-Encoding: x-rot13', '', json.slice(0, 200), '--zz--', '']));
  q('broken-quoted-printable', rawText(['From: a@site.example', 'Subject: qp', 'X-Synecdoche-Format: synecdoche-result/1', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=zz', '', '--zz', 'Content-Type: application/json', 'Content-Disposition: attachment; filename=synecdoche-result.json', 'Content-Transfer-Encoding: quoted-printable', '', '{"format"=ZZ=\r\n=3', '--zz--', '']));
  q('multipart-without-boundary', rawText(['From: a@site.example', 'Subject: nb', 'X-Synecdoche-Format: synecdoche-result/1', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed', '', '--zz', 'hello', '--zz--', '']));
  q('boundary-never-used', rawText(['From: a@site.example', 'Subject: bnu', 'X-Synecdoche-Format: synecdoche-result/1', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=neverhere', '', json]));
  q('nul-bytes', Buffer.concat([Buffer.from('From: a@site.example\r\nSubject: nul\r\nX-Synecdoche-Format: synecdoche-result/1\r\n\r\n'), Buffer.alloc(4096), Buffer.from(json)]));
  q('bare-cr-lines', Buffer.from((await reportEmail(json.replace('"ok"', '"failed"'), rng)).toString('latin1').replace(/\r\n/g, '\r'), 'latin1'));
  q('empty-message', Buffer.from('\r\n'));
  q('only-spaces', Buffer.from(' '.repeat(1000)));
  for (let i = 0; i < 8; i++) q(`random-binary-${i}`, rng.bytes(200 + rng.int(20_000)));
  q('content-type-garbage', rawText(['From: a@site.example', 'Subject: ct', 'X-Synecdoche-Format: synecdoche-result/1', 'Content-Type: ;;;===;;; boundary', '', 'x']));
  q('attachment-in-message-rfc822', rawText(['From: a@site.example', 'Subject: wrapped', 'X-Synecdoche-Format: synecdoche-result/1', 'MIME-Version: 1.0', 'Content-Type: message/rfc822', '', 'Subject: inner', 'Content-Type: text/plain', '', SCRIPT]));
  q('filename-path-traversal', await reportEmail('{"format":"synecdoche-result"}', rng, { attachment: { filename: '../../../etc/synecdoche-result.json' } }));
  q('header-injection-in-filename', await reportEmail(json.replace('"ok"', '"warning"'), rng, { attachment: { filename: 'synecdoche-result.json\r\nX-Evil: 1' } }));
  return out;
}
