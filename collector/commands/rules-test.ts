import { readFileSync } from 'node:fs';
import { SynError } from '../../core/errors.ts';
import { formatBytes } from '../../core/units.ts';
import type { CollectorConfig } from '../config.ts';
import { classifyNotification, compileRules, type CompiledRule, type ThirdPartyOutcome } from '../ingest/third-party.ts';
import { alignColumns } from '../status/format.ts';
import { thirdPartyParsers } from '../thirdparty/index.ts';
import { notificationFromRaw } from '../thirdparty/notification.ts';
import type { Notification, ReportCounts, ThirdPartyParser, ThirdPartyReport } from '../thirdparty/types.ts';

/** How one rule fared against the mail, in the order the collector tries them. */
export interface RuleTrial {
  rule: string;
  matched: boolean;
  why: string;
}

/** What `collector rules test` found: the rules tried, and what became of the mail. */
export interface RulesExplanation {
  from: string | null;
  subject: string;
  trials: RuleTrial[];
  outcome: ThirdPartyOutcome;
}

/** The rules tried on a mail, up to the first whose sender and subject match (the one that decides). */
export function tryRules(n: Notification, rules: readonly CompiledRule[]): RuleTrial[] {
  const trials: RuleTrial[] = [];
  for (const r of rules) {
    if (!r.matchFrom(n.from)) {
      trials.push({ rule: r.name, matched: false, why: `sender ${n.from ?? '(none)'} is not ${r.config.from}` });
      continue;
    }
    if (r.subject && !r.subject.test(n.subject)) {
      trials.push({ rule: r.name, matched: false, why: `sender matches, subject does not match ${r.config.subject}` });
      continue;
    }
    trials.push({ rule: r.name, matched: true, why: `sender matches ${r.config.from}${r.subject ? ` and subject matches ${r.config.subject}` : ''}` });
    break;
  }
  return trials;
}

/** Explains what the collector would do with a mail under a config: pure apart from reading nothing. */
export function explainRules(n: Notification, cfg: Pick<CollectorConfig, 'thirdParty' | 'clients'>, parsers: ReadonlyMap<string, ThirdPartyParser> = thirdPartyParsers): RulesExplanation {
  const rules = compileRules(cfg.thirdParty.rules);
  const outcome = classifyNotification(n, rules, parsers, { clients: new Set(cfg.clients.map((c) => c.id)) });
  return { from: n.from, subject: n.subject, trials: tryRules(n, rules), outcome };
}

const counts = (c: ReportCounts, bytes = false) =>
  (['examined', 'copied', 'failed'] as const)
    .filter((k) => c[k] !== null)
    .map((k) => `${k} ${bytes ? formatBytes(c[k]!) : c[k]!.toLocaleString('en-US')}`)
    .join(', ') || '-';

function reportLines(r: ThirdPartyReport): string[] {
  const rows: string[][] = [
    ['status', r.status],
    ['job', r.job],
    ['host', r.host ?? '-'],
    ['operation', r.operation],
    ['started', r.startedAt?.toISOString() ?? '- (the Date header is used)'],
    ['ended', r.endedAt?.toISOString() ?? '- (the Date header is used)'],
    ['files', counts(r.files)],
    ['bytes', counts(r.bytes, true)],
    ['summary', r.summary],
  ];
  for (const e of r.errors.slice(0, 10)) rows.push(['error', e]);
  if (r.errors.length > 10) rows.push(['', `... and ${r.errors.length - 10} more`]);
  for (const o of r.objects.slice(0, 20)) rows.push(['object', `${o.name}: ${o.status}${o.detail ? ` (${o.detail})` : ''}`]);
  if (r.objects.length > 20) rows.push(['', `... and ${r.objects.length - 20} more`]);
  return alignColumns(rows).map((l) => `    ${l}`);
}

/** The explanation as a person reads it. */
export function formatExplanation(x: RulesExplanation, parsers: ReadonlyMap<string, ThirdPartyParser> = thirdPartyParsers): string[] {
  const lines = [`Mail from ${x.from ?? '(no sender)'}, subject ${JSON.stringify(x.subject)}`, ''];
  if (x.trials.length === 0) lines.push('No thirdParty rules in the config.');
  else {
    lines.push('Rules, in order (the first that matches decides):');
    for (const t of x.trials) lines.push(`  ${t.matched ? 'MATCH' : 'no   '} ${t.rule}: ${t.why}`);
  }
  lines.push('');
  const o = x.outcome;
  if (o.outcome === 'third-party') {
    lines.push(`Parser ${o.parser} (${parsers.get(o.parser)?.tool ?? o.parser}) read:`, ...reportLines(o.report), '');
    const m = o.mapping;
    lines.push(`Filed under client ${m.clientId}, site ${m.siteId}, job ${m.jobId}${m.jobName !== m.jobId ? ` ("${m.jobName}")` : ''}, marked unsigned (rule ${m.rule}).`);
    if (o.report.objects.length) lines.push(`Each object also becomes a job of its own: ${o.report.objects.slice(0, 5).map((ob) => `${m.jobId}.${ob.name}`).join(', ')}${o.report.objects.length > 5 ? ' ...' : ''}`);
  } else if (o.outcome === 'unmapped') {
    if (o.report) lines.push(`Parser ${o.parser} (${parsers.get(o.parser)?.tool ?? o.parser}) read:`, ...reportLines(o.report), '');
    lines.push(`Not filed: ${o.detail}. It would be kept as unmapped (collector unmapped). A rule that would map it:`);
    for (const l of o.suggestion.split('\n')) lines.push(`    ${l}`);
  } else {
    lines.push(`Not filed: ${o.detail}. It would be quarantined.`);
  }
  return lines;
}

/** `collector rules test FILE.eml...`: exit 0 when every mail would be filed, 1 otherwise. */
export async function rulesTestCommand(cfg: CollectorConfig, files: readonly string[], o: { json?: boolean }, out: (line: string) => void): Promise<number> {
  const results: Array<RulesExplanation & { file: string }> = [];
  for (const file of files) {
    let raw: Buffer;
    try {
      raw = readFileSync(file);
    } catch (e) {
      throw new SynError('USAGE', `cannot read ${file}: ${(e as Error).message}`);
    }
    results.push({ file, ...explainRules(await notificationFromRaw(raw), cfg) });
  }
  if (o.json) out(JSON.stringify(results, null, 2));
  else
    results.forEach((r, i) => {
      if (files.length > 1) out(`${i ? '\n' : ''}== ${r.file}`);
      for (const l of formatExplanation(r)) out(l);
    });
  return results.every((r) => r.outcome.outcome === 'third-party') ? 0 : 1;
}
