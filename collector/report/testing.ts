import Handlebars from 'handlebars';
import { printCss } from './furniture.ts';

const esc = Handlebars.Utils.escapeExpression;

/** A report-like HTML document with the print CSS, for tests and benchmarks of the PDF path. */
export function reportDocument(body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>${printCss()}</style></head><body>${body}</body></html>`;
}

/** About `pages` A4 pages of job tables (40 rows a page), like a digest of many clients. */
export function manyPagesReport(pages: number): string {
  const rows = Array.from({ length: pages * 40 }, (_, i) =>
    `<tr><td>client-${i % 30}</td><td>site-${i}</td><td>job ${esc(`<nightly #${i}>`)}</td><td style="background:#fdd">failed</td></tr>`).join('');
  return reportDocument(`<h1>Digest</h1><table><thead><tr><th>Client</th><th>Site</th><th>Job</th><th>Status</th></tr></thead><tbody>${rows}</tbody></table>`);
}
