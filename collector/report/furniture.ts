import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { TemplateSet } from '../../core/templates.ts';
import { assertTimeZone } from '../../core/time.ts';

/** What every PDF page carries besides the report itself. */
export interface PageFurniture {
  /** e.g. "Backup digest" or "Backups of Example Ltd". */
  title: string;
  /** The period the report covers, in words: "24 Nov 2026" or "10-24 Nov 2026". */
  period: string;
  generatedAt: Date;
  /** IANA zone in which the generated time is shown (the reader's). */
  timeZone: string;
}

const esc = Handlebars.Utils.escapeExpression;

/**
 * The generated time as a reader expects it: "2026-11-24 07:00 Europe/Zurich". Shown in the
 * reader's zone with the zone named, so an auditor never has to guess what 07:00 meant.
 */
export function formatGeneratedAt(d: Date, timeZone: string): string {
  assertTimeZone('timeZone', timeZone);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(d).map((p) => [p.type, p.value]),
  );
  return `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']} ${timeZone}`;
}

// Chromium draws header and footer outside the page's own CSS, at a default size of zero:
// every style has to be inline here.
const BOX = 'width:100%;margin:0 12mm;font-family:Helvetica,Arial,sans-serif;font-size:8pt;color:#555;display:flex;justify-content:space-between;';

/** The page header: title left, period right. Values are escaped with Handlebars' escaper. */
export function headerTemplate(f: PageFurniture): string {
  return `<div style="${BOX}"><span>${esc(f.title)}</span><span>${esc(f.period)}</span></div>`;
}

/** The page footer: generated time and period left, "Page N of M" right. */
export function footerTemplate(f: PageFurniture): string {
  const generated = esc(formatGeneratedAt(f.generatedAt, f.timeZone));
  return `<div style="${BOX}"><span>Generated ${generated} · Period ${esc(f.period)}</span>`
    + '<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>';
}

/**
 * The print CSS (`templates/print.css`, or the consultant's own copy in their override folder)
 * for report templates to embed in a <style> element, so HTML and PDF come from one document.
 */
export function printCss(templates: TemplateSet = new TemplateSet()): string {
  return readFileSync(templates.pathOf('print.css'), 'utf8');
}
