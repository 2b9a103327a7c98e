import type { ParsedMail } from 'mailparser';
import type { MessageFacts } from '../../core/email/decode.ts';
import { SynError } from '../../core/errors.ts';

/**
 * The hook for notifications of other backup tools (Duplicati, Veeam, Windows Server Backup ...).
 * They cannot be signed, so they are accepted only when a config rule (`thirdParty.rules`:
 * sender and subject) names a parser, and they are stored marked `third-party`.
 *
 * Contract of a parser:
 * - `parse` MUST be pure and MUST NOT throw on odd input: it returns null when it cannot read
 *   the message (the message is then quarantined as `third-party-unrecognised`, never dropped).
 * - It MUST NOT trust the sender for the site: the rule that matched says which parser; the
 *   report it returns names the job as the notification states it.
 */
export interface ThirdPartyParser {
  readonly name: string;
  parse(mail: ParsedMail, facts: MessageFacts): ThirdPartyReport | null;
}

/** What a parser read from a notification. Mapping it to sites and jobs comes with the parsers. */
export interface ThirdPartyReport {
  tool: string;
  job: string;
  status: 'ok' | 'warning' | 'failed';
  startedAt: string | null;
  endedAt: string | null;
  summary: string;
}

/** The explicit registry of third-party parsers (none yet; a later issue adds them). */
export const thirdPartyParsers: ReadonlyMap<string, ThirdPartyParser> = registry([]);

/** Builds a registry; a duplicate name is a program fault. */
export function registry(list: readonly ThirdPartyParser[]): ReadonlyMap<string, ThirdPartyParser> {
  const map = new Map<string, ThirdPartyParser>();
  for (const p of list) {
    if (map.has(p.name)) throw new SynError('INTERNAL', `two third-party parsers are named "${p.name}"`);
    map.set(p.name, p);
  }
  return map;
}

/** True when a rule's `from` is written as `/regex/` rather than an address. */
export function isRegexText(s: string): boolean {
  return s.length >= 2 && s.startsWith('/') && s.endsWith('/');
}

/** A config rule compiled for matching. */
export interface CompiledRule {
  matchFrom(from: string | null): boolean;
  subject: RegExp | null;
  parser: string;
}

/** Compiles `thirdParty.rules` (the config schema already checked the regexes). */
export function compileRules(rules: readonly { from: string; subject?: string | undefined; parser: string }[]): CompiledRule[] {
  return rules.map((r) => {
    const fromRe = isRegexText(r.from) ? new RegExp(r.from.slice(1, -1), 'i') : null;
    const address = r.from.toLowerCase();
    return {
      matchFrom: (from) => from !== null && (fromRe ? fromRe.test(from) : from.toLowerCase() === address),
      subject: r.subject === undefined ? null : new RegExp(r.subject, 'i'),
      parser: r.parser,
    };
  });
}

export type ThirdPartyOutcome =
  | { outcome: 'third-party'; parser: string; report: ThirdPartyReport }
  | { outcome: 'unrecognised'; detail: string };

/** Finds the first rule that matches and lets its parser read the message. */
export function classifyThirdParty(
  mail: ParsedMail,
  facts: MessageFacts,
  rules: readonly CompiledRule[],
  parsers: ReadonlyMap<string, ThirdPartyParser>,
): ThirdPartyOutcome {
  const rule = rules.find((r) => r.matchFrom(facts.from) && (r.subject === null || r.subject.test(facts.subject ?? '')));
  if (!rule) return { outcome: 'unrecognised', detail: `no thirdParty rule matches sender ${JSON.stringify(facts.from)} and subject ${JSON.stringify(facts.subject)}` };
  const parser = parsers.get(rule.parser);
  if (!parser) return { outcome: 'unrecognised', detail: `the rule names parser "${rule.parser}", which this collector does not have` };
  const report = parser.parse(mail, facts);
  if (!report) return { outcome: 'unrecognised', detail: `parser "${rule.parser}" could not read the message` };
  return { outcome: 'third-party', parser: rule.parser, report };
}
