import type { KeyObject } from 'node:crypto';
import { decodeEmail, type DecodeOptions, type ManifestAttachment, type MessageFacts, type RejectionReason } from '../../core/email/decode.ts';
import type { SignedPayload } from '../../core/result/schema.ts';
import { parsePublicKeyLine } from '../../core/result/keys.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import type { CollectorConfig } from '../config.ts';
import { recogniseOwn } from './own.ts';
import { thirdPartyParsers } from '../thirdparty/index.ts';
import type { ThirdPartyParser, ThirdPartyReport } from '../thirdparty/types.ts';
import { classifyThirdParty, compileRules, type CompiledRule, type MapContext, type Mapping } from './third-party.ts';
import { recogniseRequest, requestIntake, type IntakeMail, type RequestIntake } from '../requests/intake.ts';

/** Everything ingest needs besides the database, built once from the config. */
export interface IngestContext {
  /** Stored in messages.source: the mailbox the messages came from. */
  source: string;
  decode: DecodeOptions;
  rules: readonly CompiledRule[];
  parsers: ReadonlyMap<string, ThirdPartyParser>;
  /** What mapping a notification to a client needs. */
  map: MapContext;
  /** The address the collector sends its digests, summaries and alerts from (consultant.email). */
  ownAddress: string;
  /** Who may ask for backups and restores by email (collector/requests). */
  requests: RequestIntake;
  clock: Clock;
  log: Logger;
}

/** Builds the ingest context: site keys parsed once, third-party rules compiled. */
export function ingestContext(
  cfg: CollectorConfig,
  opts: { source: string; clock?: Clock; log?: Logger; parsers?: ReadonlyMap<string, ThirdPartyParser>; rules?: CollectorConfig['thirdParty']['rules'] },
): IngestContext {
  const keys = new Map<string, KeyObject[]>();
  cfg.sites.forEach((s, i) => keys.set(s.id, s.publicKeys.map((k, j) => parsePublicKeyLine(k, `sites[${i}].publicKeys[${j}]`))));
  return {
    source: opts.source,
    decode: { keysFor: (id) => keys.get(id), maxMessageBytes: cfg.limits.maxMessageBytes, maxAttachmentBytes: cfg.limits.maxAttachmentBytes },
    rules: compileRules(opts.rules ?? cfg.thirdParty.rules),
    parsers: opts.parsers ?? thirdPartyParsers,
    map: { clients: new Set(cfg.clients.map((c) => c.id)) },
    ownAddress: cfg.consultant.email,
    requests: requestIntake(cfg),
    clock: opts.clock ?? systemClock,
    log: opts.log ?? silentLogger,
  };
}

/** What one raw message is, before the store decides about duplicates and replays. */
export type Classified =
  | { kind: 'verified'; payload: SignedPayload; facts: MessageFacts; manifestParts?: ManifestAttachment[] }
  | { kind: 'third-party'; parser: string; report: ThirdPartyReport; mapping: Mapping; facts: MessageFacts }
  /** A digest, summary or alert this collector sent, back in a watched mailbox: ignored, not quarantined. */
  | { kind: 'own-report'; header: string; facts: MessageFacts }
  /** A client asking for a backup or a restore (collector/requests/intake.ts), queued or refused by the store. */
  | { kind: 'client-request'; mail: IntakeMail; intake: RequestIntake; facts: MessageFacts }
  | { kind: 'quarantine'; reason: RejectionReason; detail: string; facts: MessageFacts; siteId: string | null };

const NO_FACTS: MessageFacts = { messageId: null, from: null, subject: null, date: null };

/**
 * Decodes and classifies one message. Never throws: a decoder or parser that fails
 * unexpectedly makes the message `internal-error`, kept in quarantine, and the batch goes on.
 */
export async function classify(raw: Buffer, ctx: IngestContext): Promise<Classified> {
  try {
    const d = await decodeEmail(raw, ctx.decode);
    if (d.outcome === 'verified') return { kind: 'verified', payload: d.payload, facts: d.facts, ...(d.manifestParts ? { manifestParts: d.manifestParts } : {}) };
    if (d.outcome === 'rejected') return { kind: 'quarantine', reason: d.reason, detail: d.detail, facts: d.facts, siteId: d.siteId ?? null };
    const own = recogniseOwn(d.parsed, d.facts, ctx.ownAddress);
    if (own.outcome === 'own') return { kind: 'own-report', header: own.header, facts: d.facts };
    if (own.outcome === 'impostor') return { kind: 'quarantine', reason: 'third-party-unrecognised', detail: own.detail, facts: d.facts, siteId: null };
    const asked = recogniseRequest(d.parsed, d.facts, ctx.requests, false);
    if (asked) return { kind: 'client-request', mail: asked, intake: ctx.requests, facts: d.facts };
    const t = classifyThirdParty(d.parsed, d.facts, ctx.rules, ctx.parsers, ctx.map);
    if (t.outcome === 'third-party') return { kind: 'third-party', parser: t.parser, report: t.report, mapping: t.mapping, facts: d.facts };
    if (t.outcome === 'unmapped') {
      // The detail is JSON that `collector unmapped` shows: why, the parser, what it read, the suggested rule.
      const detail = JSON.stringify({ why: t.detail, parser: t.parser, job: t.report?.job ?? null, host: t.report?.host ?? null, status: t.report?.status ?? null, suggestion: t.suggestion });
      return { kind: 'quarantine', reason: 'unmapped', detail, facts: d.facts, siteId: null };
    }
    const stranger = recogniseRequest(d.parsed, d.facts, ctx.requests, true);
    if (stranger) return { kind: 'client-request', mail: stranger, intake: ctx.requests, facts: d.facts };
    return { kind: 'quarantine', reason: 'third-party-unrecognised', detail: t.detail, facts: d.facts, siteId: null };
  } catch (e) {
    return { kind: 'quarantine', reason: 'internal-error', detail: String((e as Error)?.message ?? e).slice(0, 500), facts: NO_FACTS, siteId: null };
  }
}
