import { convert } from 'html-to-text';
import { Parser } from 'htmlparser2';

/**
 * HTML bodies as text, for parsers that look for words and labels ("Success", "Backup
 * successful"). Tables come out one row per line, cells separated by tabs-like spacing; links
 * and images are dropped. Never throws: HTML that is not well formed is read as far as it goes.
 */
export function htmlToPlain(html: string): string {
  if (!html) return '';
  try {
    return convert(html, {
      wordwrap: false,
      selectors: [
        { selector: 'a', options: { ignoreHref: true } },
        { selector: 'img', format: 'skip' },
        { selector: 'style', format: 'skip' },
        { selector: 'script', format: 'skip' },
        { selector: 'table', format: 'dataTable', options: { colSpacing: 2, uppercaseHeaderCells: false, maxColumnWidth: 1000 } },
      ],
    });
  } catch {
    return '';
  }
}

/**
 * The rows of every table in an HTML body, each row its cells' text (whitespace collapsed),
 * in document order; nested tables give their own rows too. For per-VM/per-object tables
 * (Veeam, Proxmox). Never throws.
 */
export function htmlTableRows(html: string): string[][] {
  const rows: string[][] = [];
  const stack: { row: string[]; cell: string | null }[] = [];
  let skip = 0;
  try {
    const p = new Parser(
      {
        onopentag(name) {
          if (name === 'style' || name === 'script') skip++;
          else if (name === 'tr') stack.push({ row: [], cell: null });
          else if ((name === 'td' || name === 'th') && stack.length) stack[stack.length - 1]!.cell = '';
          else if (name === 'br' && stack.length && stack[stack.length - 1]!.cell !== null) stack[stack.length - 1]!.cell += ' ';
        },
        ontext(t) {
          if (skip || !stack.length) return;
          const top = stack[stack.length - 1]!;
          if (top.cell !== null) top.cell += t;
        },
        onclosetag(name) {
          if (name === 'style' || name === 'script') skip = Math.max(0, skip - 1);
          else if ((name === 'td' || name === 'th') && stack.length) {
            const top = stack[stack.length - 1]!;
            if (top.cell !== null) top.row.push(top.cell.replace(/\s+/g, ' ').trim());
            top.cell = null;
          } else if (name === 'tr' && stack.length) {
            const top = stack.pop()!;
            if (top.row.length) rows.push(top.row);
          }
        },
      },
      { decodeEntities: true, lowerCaseTags: true },
    );
    p.write(html);
    p.end();
  } catch {
    // what was read so far is returned
  }
  return rows;
}
