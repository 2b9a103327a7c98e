import { htmlToPlain } from '../html.ts';
import { noCounts, type Notification, type ParseOptions, type ThirdPartyParser, type ThirdPartyReport } from '../types.ts';

/**
 * Keyword rules, Healthchecks-style, for any tool without a parser of its own: the rule lists
 * words for success and for failure, looked for in the subject, the text body, the HTML body
 * (as text) and text attachments. Case does not matter; a phrase's spaces match any run of
 * whitespace (a line break too); a word matches whole words only, so `success` is not found in
 * "unsuccessful". A failure word beats a success word, and a mail with neither is failed ("no
 * success word found"): never silently ok.
 */

type Place = 'subject' | 'body' | 'HTML body' | 'attachment';
interface Found {
  word: string;
  place: Place;
  line: string;
}

const WORD_CHAR = String.raw`[\p{L}\p{N}_]`;

/** A phrase as a whole-word, case-insensitive pattern whose spaces match any whitespace. */
export function phrasePattern(phrase: string): RegExp {
  const body = phrase.trim().split(/\s+/).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join(String.raw`\s+`);
  return new RegExp(`(?<!${WORD_CHAR})${body}(?!${WORD_CHAR})`, 'iu');
}

function places(n: Notification): Array<[Place, string]> {
  const out: Array<[Place, string]> = [['subject', n.subject]];
  if (n.text) out.push(['body', n.text]);
  if (n.html) out.push(['HTML body', htmlToPlain(n.html)]);
  for (const a of n.attachments) if (/^text\//i.test(a.contentType) || /\.(log|txt)$/i.test(a.filename ?? '')) out.push(['attachment', a.content.toString('utf8')]);
  return out;
}

/** The line of `text` around a match, trimmed, for the report. */
function lineAt(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end < 0 ? undefined : end).trim().slice(0, 2000);
}

/** Every place where one of the words is found (at most one hit per word and place). */
function find(words: readonly string[], texts: ReadonlyArray<[Place, string]>): Found[] {
  const found: Found[] = [];
  for (const word of words) {
    if (!word.trim()) continue;
    const re = phrasePattern(word);
    for (const [place, text] of texts) {
      const m = re.exec(text);
      if (m) found.push({ word, place, line: lineAt(text, m.index) });
    }
  }
  return found;
}

function report(n: Notification, status: ThirdPartyReport['status'], errors: string[], summary: string): ThirdPartyReport {
  return {
    tool: 'keywords',
    job: (n.subject.trim() || 'mail').slice(0, 500),
    host: null,
    operation: 'backup',
    status,
    startedAt: null,
    endedAt: null,
    files: noCounts(),
    bytes: noCounts(),
    errors: errors.slice(0, 50),
    summary: summary.slice(0, 1000),
    objects: [],
  };
}

const quoted = (f: Found) => `"${f.word}" in the ${f.place}`;

export const keywordsParser = {
  name: 'keywords',
  tool: 'keyword rule',
  description: 'any mail, by the success and failure words its rule lists (failure words win; neither means failed)',
  generic: true,
  recognises(): boolean {
    return false;
  },
  parse(n: Notification, options?: ParseOptions): ThirdPartyReport | null {
    const words = options?.keywords;
    if (!words) return null;
    try {
      const texts = places(n);
      const failures = find(words.failure, texts);
      if (failures.length) {
        const lines = [...new Set(failures.map((f) => f.line).filter(Boolean))];
        return report(n, 'failed', lines, `failure word ${quoted(failures[0]!)}: ${failures[0]!.line}`);
      }
      const successes = find(words.success, texts);
      if (successes.length) return report(n, 'ok', [], `success word ${quoted(successes[0]!)}`);
      return report(n, 'failed', ['no success word found'], `no success word found (looked for ${words.success.map((w) => `"${w}"`).join(', ')})`);
    } catch {
      return null;
    }
  },
} satisfies ThirdPartyParser;
