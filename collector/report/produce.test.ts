import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../../agent/testing/smtp.ts';
import { main } from '../../cli/main.ts';
import { FakeClock } from '../../core/clock.ts';
import { tempDir } from '../ingest/testing.ts';
import { seedScenario, XSS_NAME, type Scenario } from './digest/testing.ts';
import { produceReport } from './produce.ts';
import { verifyArchive } from './verify.ts';
import { capture, runReport } from './testing.ts';


// Whitespace collapsed: where a line wraps depends on the fonts the machine has.
function pdfText(path: string): string {
  return execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

let tmp: ReturnType<typeof tempDir>;
let s: Scenario;
let smtp: TestSmtpServer;
let configFile: string;
beforeAll(async () => {
  tmp = tempDir('syn-produce-');
  smtp = await startSmtpServer();
  s = seedScenario(tmp.dir);
  configFile = join(tmp.dir, 'collector.yaml');
  writeFileSync(configFile, stringify({ ...s.raw, smtp: { host: '127.0.0.1', port: smtp.port, tls: 'none' } }));
});
afterAll(async () => {
  s.db.close();
  await smtp.close();
  tmp.cleanup();
});

describe('report digest --pdf --send', () => {
  it('archives HTML and a Chromium PDF whose text has the counts, the job names and page numbers, and mails both to the consultant', async () => {
    const r = await runReport(['digest', '--pdf', '--send', '-c', configFile], s.now);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const html = join(tmp.dir, 'reports/2026/11/digest-2026-11-24.html');
    const pdf = join(tmp.dir, 'reports/2026/11/digest-2026-11-24.pdf');
    expect(r.stdout).toContain(`wrote ${html}\nwrote ${pdf}\n`);
    expect(r.stdout).toContain('sent to pat@example.com');

    const text = pdfText(pdf);
    expect(text).toContain('MONITORING BLIND - 2 failed, 1 missing, 1 warning, 1 anomaly, 2 OK');
    for (const name of ['Mail archive', 'Accounts database', XSS_NAME, 'X-ray images', 'Documents (file server)']) expect(text).toContain(name);
    const pages = Number(/Page 1 of (\d+)/.exec(text)?.[1]);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(text).toContain(`Page ${pages} of ${pages}`);
    expect(text).toContain('Generated 2026-11-24 06:00 Europe/London');

    const [raw] = await smtp.waitFor(1);
    const mail = await simpleParser(raw!);
    expect(mail.subject).toBe('MONITORING BLIND - 2 failed, 1 missing, 1 warning, 1 anomaly, 2 OK, 1 agent silent, 1 message quarantined - Tue 24 Nov');
    expect(mail.text).toContain(`FAILED: Bolt & Partners / bolt-hq / ${XSS_NAME}`);
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).not.toContain('<script');
    expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([['digest-2026-11-24.pdf', 'application/pdf']]);
    expect(mail.attachments[0]!.content.equals(readFileSync(pdf))).toBe(true);
  });

  it('mails a client summary to that client\'s contacts only', async () => {
    const before = smtp.messages.length;
    const r = await runReport(['client', 'bolt', '--pdf', '--send', '-c', configFile], s.now);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sent to manager@bolt.example, it@bolt.example');
    const mail = await simpleParser((await smtp.waitFor(before + 1))[before]!);
    expect(mail.subject).toBe('Your backups: 2 need attention, 1 OK - Tue 24 Nov');
    const to = (Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((a) => a?.value.map((v) => v.address));
    expect(to).toEqual(['manager@bolt.example', 'it@bolt.example']);
    const text = pdfText(join(tmp.dir, 'reports/2026/11/client-bolt-2026-11-24.pdf'));
    expect(text).toContain('Two backups need attention');
    expect(text).toContain(XSS_NAME);
    expect(text).not.toContain('Mail archive');
  });

  it('refuses --send without an smtp section, naming the key, and a --date in the future', async () => {
    const noSmtp = join(tmp.dir, 'no-smtp.yaml');
    writeFileSync(noSmtp, stringify({ ...s.raw, archive: { folder: join(tmp.dir, 'other-reports') } }));
    const r = await runReport(['digest', '--send', '-c', noSmtp], s.now);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/smtp: missing/);
    const f = await runReport(['digest', '--date', '2026-11-30', '-c', noSmtp], s.now);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('in the future');
  });
});

describe('without a browser', () => {
  it('still produces and archives the HTML and says how to get PDFs', async () => {
    const cfg = { ...s.cfg, archive: { folder: join(tmp.dir, 'no-browser') } };
    const r = await produceReport(s.db, cfg, { kind: 'digest' }, { now: s.now, pdf: true, clock: new FakeClock(s.now), env: {}, browserCandidates: ['/nonexistent/chromium'] });
    expect(r.pdf).toBeNull();
    expect(r.pdfMissing).toMatch(/apt-get install chromium.*pdf\.browser.*PUPPETEER_EXECUTABLE_PATH/);
    expect(r.paths).toEqual([join(tmp.dir, 'no-browser/2026/11/digest-2026-11-24.html')]);
    expect(verifyArchive(cfg.archive.folder).ok).toBe(true);
  });
});

describe('report verify-archive', () => {
  it('passes on the untouched archive and exits 9 after a one-byte change to a PDF', async () => {
    await runReport(['digest', '--pdf', '-c', configFile], s.now);
    const out = capture();
    const err = capture();
    expect(await main(['node', 'synecdoche', 'report', 'verify-archive', '-c', configFile], {}, { stdout: out, stderr: err })).toBe(0);
    expect(out.text()).toMatch(/archive OK: \d+ files verified/);

    const pdf = join(tmp.dir, 'reports/2026/11/digest-2026-11-24.pdf');
    const bytes = readFileSync(pdf);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    writeFileSync(pdf, bytes);
    const out2 = capture();
    const err2 = capture();
    expect(await main(['node', 'synecdoche', 'report', 'verify-archive', '-c', configFile], {}, { stdout: out2, stderr: err2 })).toBe(9);
    expect(out2.text()).toContain('CHANGED      2026/11/digest-2026-11-24.pdf');
    expect(err2.text()).toContain('does not verify');
  });
});

describe('report verify-archive against the head in the database', () => {
  const cutConfig = (name: string, database?: string): string => {
    const file = join(tmp.dir, `${name}.yaml`);
    writeFileSync(file, stringify({ ...s.raw, archive: { folder: join(tmp.dir, name) }, ...(database ? { database: { path: database } } : {}) }));
    return file;
  };
  const verify = async (file: string) => {
    const out = capture();
    const err = capture();
    const code = await main(['node', 'synecdoche', 'report', 'verify-archive', '-c', file], {}, { stdout: out, stderr: err });
    return { code, stdout: out.text(), stderr: err.text() };
  };

  it('exits 9 when the newest report and its manifest line are both removed', async () => {
    const file = cutConfig('cut-archive');
    expect((await runReport(['digest', '-c', file], s.now)).code).toBe(0);
    expect((await runReport(['client', 'bolt', '-c', file], s.now)).code).toBe(0);
    const ok = await verify(file);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/head cross-checked: the database recorded #2 .*the manifest holds it/);

    const dir = join(tmp.dir, 'cut-archive');
    const lines = readFileSync(join(dir, 'manifest.jsonl'), 'utf8').trimEnd().split('\n');
    const last = JSON.parse(lines.at(-1)!) as { path: string; entryHash: string };
    writeFileSync(join(dir, 'manifest.jsonl'), `${lines.slice(0, -1).join('\n')}\n`);
    unlinkSync(join(dir, last.path));
    expect(verifyArchive(dir).ok).toBe(true); // the chain alone is still consistent

    const cut = await verify(file);
    expect(cut.code).toBe(9);
    expect(cut.stdout).toContain(`the archive ends at #1 but the database recorded #2 (hash ${last.entryHash.slice(0, 12)}...): reports were removed`);
  });

  it('says the head was not cross-checked when the database is absent, and still verifies the files', async () => {
    const file = cutConfig('no-db-archive');
    expect((await runReport(['digest', '-c', file], s.now)).code).toBe(0);
    const absent = join(tmp.dir, 'absent', 'synecdoche.db');
    const r = await verify(cutConfig('no-db-archive', absent));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`head not cross-checked: the database ${absent} does not exist`);
    expect(r.stdout).toMatch(/archive OK: 1 files verified/);
    expect(existsSync(absent)).toBe(false);
  });
});

describe('report digest made again for the same date', () => {
  it('adds nothing when the report is unchanged (the archived PDF is reused) and writes a named revision when it changed', async () => {
    const file = join(tmp.dir, 'rerun.yaml');
    const dir = join(tmp.dir, 'rerun-archive');
    writeFileSync(file, stringify({ ...s.raw, archive: { folder: dir } }));
    const first = await runReport(['digest', '--date', '2026-11-23', '--pdf', '-c', file], s.now);
    expect(first.stdout).toContain(`wrote ${join(dir, '2026/11/digest-2026-11-23.pdf')}\n`);
    const again = await runReport(['digest', '--date', '2026-11-23', '--pdf', '-c', file], s.now);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`unchanged ${join(dir, '2026/11/digest-2026-11-23.html')} (identical to the archived file: nothing added)\n`);
    expect(again.stdout).toContain(`unchanged ${join(dir, '2026/11/digest-2026-11-23.pdf')} (identical to the archived file: nothing added)\n`);
    expect(verifyArchive(dir).entries).toBe(2);
    const other = await runReport(['digest', '--date', '2026-11-23', '-c', file], s.now); // no print CSS: other HTML
    expect(other.stdout).toContain(`wrote ${join(dir, '2026/11/digest-2026-11-23-rev2.html')} (revision 2 for 2026-11-23: the archive is append-only, earlier ones are kept)\n`);
    expect(verifyArchive(dir)).toMatchObject({ ok: true, entries: 3 });
  });
});
