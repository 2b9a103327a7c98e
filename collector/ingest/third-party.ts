import type { ForeignMail } from '../../core/email/lean.ts';
import type { MessageFacts } from '../../core/email/decode.ts';
import { toNotification } from '../thirdparty/notification.ts';
import type { Notification, ThirdPartyParser, ThirdPartyReport } from '../thirdparty/types.ts';

/**
 * Notifications of other backup tools (Duplicati, Veeam, Proxmox ...). They cannot be signed,
 * so they are accepted only when a rule of `thirdParty.rules` names their sender (an address or
 * a /regex/) and, optionally, a subject pattern; the rule says which parser reads them and which
 * client and site they belong to. A mail no rule matches, but whose format a parser recognises,
 * is kept as `unmapped` with a suggested rule; anything else is quarantined with its reason.
 */

/** True when a rule's `from` is written as `/regex/` rather than an address. */
export function isRegexText(s: string): boolean {
  return s.length >= 2 && s.startsWith('/') && s.endsWith('/');
}

/** What a config rule says (the config schema checked it). */
export interface RuleConfig {
  name?: string | undefined;
  from: string;
  subject?: string | undefined;
  parser: string;
  client?: string | undefined;
  site?: string | undefined;
  job?: string | undefined;
  keywords?: { success: string[]; failure: string[] } | undefined;
}

/** A config rule compiled for matching. */
export interface CompiledRule {
  name: string;
  matchFrom(from: string | null): boolean;
  subject: RegExp | null;
  parser: string;
  config: RuleConfig;
}

/** The name a rule is known by: its `name`, else its place in the list. */
export function ruleName(r: { name?: string | undefined }, i: number): string {
  return r.name ?? `rule ${i + 1}`;
}

/** Compiles `thirdParty.rules` (the config schema already checked the regexes). */
export function compileRules(rules: readonly RuleConfig[]): CompiledRule[] {
  return rules.map((r, i) => {
    const fromRe = isRegexText(r.from) ? new RegExp(r.from.slice(1, -1), 'i') : null;
    const address = r.from.toLowerCase();
    return {
      name: ruleName(r, i),
      matchFrom: (from) => from !== null && (fromRe ? fromRe.test(from) : from.toLowerCase() === address),
      subject: r.subject === undefined ? null : new RegExp(r.subject, 'i'),
      parser: r.parser,
      config: r,
    };
  });
}

/** Where a notification goes: the client, site and job it is filed under. */
export interface Mapping {
  rule: string;
  clientId: string;
  siteId: string;
  jobId: string;
  jobName: string;
}

export type ThirdPartyOutcome =
  | { outcome: 'third-party'; parser: string; report: ThirdPartyReport; mapping: Mapping }
  /** A known tool's notification that no rule maps (or maps to no client): kept, with a suggested rule. */
  | { outcome: 'unmapped'; detail: string; parser: string; report: ThirdPartyReport | null; suggestion: string }
  | { outcome: 'unrecognised'; detail: string };

/** The mapping context: the configured client ids. */
export interface MapContext {
  clients: ReadonlySet<string>;
}

/** Finds the first rule that matches and lets its parser read the message; see the module comment. */
export function classifyThirdParty(
  mail: ForeignMail,
  facts: MessageFacts,
  rules: readonly CompiledRule[],
  parsers: ReadonlyMap<string, ThirdPartyParser>,
  ctx: MapContext,
): ThirdPartyOutcome {
  return classifyNotification(toNotification(mail), rules, parsers, ctx, facts.from);
}

/** classifyThirdParty on a Notification (what `collector rules test` and tests call). */
export function classifyNotification(
  n: Notification,
  rules: readonly CompiledRule[],
  parsers: ReadonlyMap<string, ThirdPartyParser>,
  ctx: MapContext,
  rawFrom: string | null = n.from,
): ThirdPartyOutcome {
  const from = n.from ?? rawFrom;
  for (const rule of rules) {
    if (!rule.matchFrom(from)) continue;
    const m = rule.subject === null ? null : rule.subject.exec(n.subject);
    if (rule.subject !== null && m === null) continue;
    const parser = parsers.get(rule.parser);
    if (!parser) return { outcome: 'unrecognised', detail: `rule "${rule.name}" names parser "${rule.parser}", which this collector does not have` };
    const report = parser.parse(n, { keywords: rule.config.keywords });
    if (!report) return { outcome: 'unrecognised', detail: `rule "${rule.name}" matched, but parser "${rule.parser}" could not read the message as a ${parser.tool} report` };
    const mapped = mapReport(rule, m?.groups ?? {}, report, n, ctx);
    if (typeof mapped === 'string') return { outcome: 'unmapped', detail: `rule "${rule.name}": ${mapped}`, parser: parser.name, report, suggestion: suggestRule(n, parser, report) };
    return { outcome: 'third-party', parser: parser.name, report, mapping: mapped };
  }
  for (const parser of parsers.values()) {
    if (parser.generic || !safeRecognises(parser, n)) continue;
    const report = safeParse(parser, n);
    const detail = `the ${parser.tool} notification from ${JSON.stringify(from)} that no thirdParty rule maps`;
    return { outcome: 'unmapped', detail, parser: parser.name, report, suggestion: suggestRule(n, parser, report) };
  }
  return { outcome: 'unrecognised', detail: `no thirdParty rule matches sender ${JSON.stringify(from)} and subject ${JSON.stringify(n.subject)}, and no parser recognises its format` };
}

function safeRecognises(p: ThirdPartyParser, n: Notification): boolean {
  try {
    return p.recognises(n);
  } catch {
    return false;
  }
}

function safeParse(p: ThirdPartyParser, n: Notification): ThirdPartyReport | null {
  try {
    return p.parse(n);
  } catch {
    return null;
  }
}

/** The client named by plus-addressing: `backups+acme@example.com` names client `acme`. */
export function plusTag(to: readonly string[], clients: ReadonlySet<string>): string | null {
  for (const a of to) {
    const tag = /^[^@+]+\+([^@]+)@/.exec(a)?.[1]?.toLowerCase();
    if (tag && clients.has(tag)) return tag;
  }
  return null;
}

/** A job or site name as an id: lower case, runs of other characters as one '-'. */
export function slug(s: string): string {
  return s.toLowerCase().normalize('NFKD').replace(/[^a-z0-9._-]+/g, '-').replace(/-{2,}/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 64).replace(/[-.]+$/, '') || 'job';
}

function mapReport(rule: CompiledRule, groups: Record<string, string | undefined>, report: ThirdPartyReport, n: Notification, ctx: MapContext): Mapping | string {
  const c = rule.config;
  const clientId = c.client ?? plusTag(n.to, ctx.clients);
  if (!clientId) return `names no client (give the rule a client:, or send to a plus address such as backups+CLIENT@...)`;
  if (!ctx.clients.has(clientId)) return `names client "${clientId}", which is not in clients:`;
  const host = groups.host ?? report.host;
  const site = c.site ?? (host ? slug(host) : null);
  if (!site) return `names no site (give the rule a site:, a (?<host>...) group in subject:, or use a parser that reads the host)`;
  const jobName = groups.job?.trim() || report.job;
  return { rule: rule.name, clientId, siteId: site, jobId: c.job ?? slug(jobName), jobName: c.job ?? jobName };
}

/** A rule that would map this notification, for the unmapped list: the consultant fills in the client. */
export function suggestRule(n: Notification, parser: ThirdPartyParser, report: ThirdPartyReport | null): string {
  const host = report?.host ? slug(report.host) : 'SITE';
  const lines = [
    `- name: ${parser.name}-${host === 'SITE' ? 'site' : host}`,
    `  from: ${n.from ?? '/.*/'}`,
    `  parser: ${parser.name}`,
    `  client: CLIENT`,
  ];
  if (!report?.host) lines.push(`  site: ${host}`);
  return lines.join('\n');
}
