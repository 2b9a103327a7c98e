import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSynError } from '../../core/errors.ts';
import { PdfRenderer } from './pdf.ts';
import { manyPagesReport, reportDocument } from './testing.ts';

const CHROMIUM = '/usr/bin/chromium';
const esc = Handlebars.Utils.escapeExpression;
const FURNITURE = {
  title: 'Backup digest <b>&</b>',
  period: '24 Nov 2026',
  generatedAt: new Date('2026-11-24T06:00:00Z'),
  timeZone: 'Europe/Zurich',
};

function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'syn-pdf-'));
  try {
    const file = join(dir, 'r.pdf');
    writeFileSync(file, pdf);
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const doc = reportDocument;

describe('PdfRenderer with the real Chromium', () => {
  let renderer: PdfRenderer;
  let server: Server;
  let hits = 0;
  let origin = '';

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.end('x');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    renderer = await PdfRenderer.launch(CHROMIUM);
  });
  afterAll(async () => {
    await renderer?.close();
    await new Promise((r) => server.close(r));
  });

  it('prints title, period, generated date and page numbers, and keeps escaped markup as text', async () => {
    const pdf = await renderer.render(doc(`<h1>Needs attention</h1><p>Job ${esc('<script>alert(1)</script>')} failed</p>`), FURNITURE);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    expect(text).toContain('Backup digest <b>&</b>');
    expect(text).toContain('Page 1 of 1');
    expect(text).toContain('Generated 2026-11-24 07:00 Europe/Zurich');
    expect(text).toContain('Period 24 Nov 2026');
    expect(text).toContain('Job <script>alert(1)</script> failed');
  });

  it('renders a page with external images, scripts and styles without one network request', async () => {
    const html = doc(`<img src="${origin}/logo.png"><script src="${origin}/x.js"></script>`
      + `<link rel="stylesheet" href="${origin}/s.css"><img src="http://example.com/x.png">`
      + `<div style="background:url(${origin}/bg.png)">offline report</div>`
      + `<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">`);
    const pdf = await renderer.render(html, FURNITURE);
    expect(pdfText(pdf)).toContain('offline report');
    expect(renderer.lastStats.blocked).toEqual(expect.arrayContaining([
      `${origin}/logo.png`, `${origin}/x.js`, `${origin}/s.css`, 'http://example.com/x.png',
    ]));
    expect(renderer.lastStats.blocked.every((u) => u.startsWith('http'))).toBe(true);
    expect(hits).toBe(0);
  });

  it('renders two PDFs from one browser, each with its own content', async () => {
    const a = await renderer.render(doc('<p>first report</p>'), FURNITURE);
    const b = await renderer.render(doc('<p>second report</p>'), { ...FURNITURE, title: 'Client summary' });
    expect(pdfText(a)).toContain('first report');
    expect(pdfText(b)).toContain('second report');
    expect(pdfText(b)).toContain('Client summary');
  });

  it('numbers every page of a long report', async () => {
    const text = pdfText(await renderer.render(manyPagesReport(5), FURNITURE));
    const total = /Page 1 of (\d+)/.exec(text)?.[1];
    expect(Number(total)).toBeGreaterThanOrEqual(4);
    expect(text).toContain(`Page 2 of ${total}`);
    expect(text).toContain(`Page ${total} of ${total}`);
    // print.css repeats the table header on every page a long table spans.
    expect(text.split('\f')[1]).toMatch(/Client\s+Site\s+Job\s+Status/);
  });

  it('fails to render with REPORT_FAILED for an unknown time zone', async () => {
    await expect(renderer.render(doc('x'), { ...FURNITURE, timeZone: 'Mars/Olympus' })).rejects.toSatisfy((e) => isSynError(e, 'REPORT_FAILED'));
  });
});

describe('PdfRenderer.launch', () => {
  it('explains how to get PDFs when the browser does not start', async () => {
    const err = await PdfRenderer.launch('/bin/false').catch((e: unknown) => e);
    expect(isSynError(err, 'REPORT_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/\/bin\/false.*pdf\.browser.*PUPPETEER_EXECUTABLE_PATH/s);
  });

  it('removes its temporary profile on close', async () => {
    const r = await PdfRenderer.launch(CHROMIUM);
    expect(readdirSync(r.profileDir).length).toBeGreaterThan(0);
    await r.close();
    expect(existsSync(r.profileDir)).toBe(false);
  });
});
