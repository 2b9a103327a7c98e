import { TemplateSet } from '../../../core/templates.ts';
import { printCss } from '../furniture.ts';
import type { DigestModel } from './model.ts';

/** Pixel width of a 14-day strip or chart: 9 px a day (8 px cell, 1 px gap). */
export const PX_PER_DAY = 9;

/**
 * The template set of the reports: the consultant's override folder first (file by file), then
 * the built-ins, with the strip and chart partials registered. One set per override folder;
 * templates are compiled once and cached in it.
 */
export function reportTemplates(overrideDir?: string): TemplateSet {
  const t = new TemplateSet(overrideDir);
  t.registerPartial('strip', 'partials/strip.html.hbs');
  t.registerPartial('chart', 'partials/chart.html.hbs');
  // The print CSS block and the branded header of the single-column reports (the monthly report).
  t.registerPartial('print-frame', 'partials/print-frame.html.hbs');
  t.registerPartial('report-header', 'partials/report-header.html.hbs');
  return t;
}

export interface Rendered {
  html: string;
  text: string;
}

/**
 * Renders a report model through `<name>.html.hbs` (escaped) and `<name>.text.hbs` (plain).
 * With `print`, the print CSS goes into the HTML so the same document prints as the PDF.
 */
export function renderReport(name: string, model: object, templates: TemplateSet, opts: { print?: boolean; days?: number } = {}): Rendered {
  const data = { ...model, stripWidth: (opts.days ?? 14) * PX_PER_DAY, printCss: opts.print ? printCss(templates) : undefined };
  return { html: templates.render(`${name}.html.hbs`, data), text: templates.render(`${name}.text.hbs`, data) };
}

/** The digest's HTML and plain-text alternative. */
export function renderDigest(model: DigestModel, templates: TemplateSet, opts: { print?: boolean } = {}): Rendered {
  return renderReport('digest', model, templates, { ...opts, days: model.days.length });
}
