import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../core/log.ts';
import { deltaLines, encodeParts, fullLines, manifestAttachmentName, partSha256 } from '../../core/result/manifest.ts';
import { ManifestPartPayload, type ManifestRef, type ResultPayload } from '../../core/result/schema.ts';
import { describeError } from '../../core/errors.ts';
import type { ManifestEntry, PluginOutcome } from '../../plugins/types.ts';
import { writeFileAtomic } from '../atomic.ts';
import { CATALOGUE_DEFAULTS, type AgentConfig, type JobConfig } from '../config.ts';
import type { Outbox, OutboxAttachment } from '../outbox.ts';
import { payloadCommon } from '../payload.ts';
import { loadManifest, pruneManifests, saveManifest } from './local.ts';

/** What travels of a run's manifest: the reference the signed result carries and the gzip parts. */
export interface PreparedManifest {
  /** The outcome to report: the plugin's, with an error added when the manifest could not be prepared. */
  outcome: PluginOutcome;
  ref: ManifestRef | undefined;
  parts: Buffer[];
}

/** Which manifest the collector was last sent for a job, and how many runs since the last full one. */
interface SentState {
  lastRunId: string;
  sinceFull: number;
}

function stateFile(stateDir: string, jobId: string): string {
  return join(stateDir, 'manifests', jobId, 'catalogue.json');
}

function readState(stateDir: string, jobId: string): SentState | null {
  try {
    const v = JSON.parse(readFileSync(stateFile(stateDir, jobId), 'utf8')) as SentState;
    return typeof v.lastRunId === 'string' && Number.isInteger(v.sinceFull) ? v : null;
  } catch {
    return null;
  }
}

/**
 * Keeps the run's manifest in the agent's state (restores and drills read it), prunes old ones,
 * and computes what the result email carries: a full manifest on the first run, every
 * `fullEvery`-th run (so a lost email heals) and whenever the previous manifest is not the one
 * last sent; else a delta against the previous run. A manifest that cannot be prepared is not
 * dropped quietly: the result says so in an error (and is at least a warning).
 */
export function prepareManifest(config: AgentConfig, job: JobConfig, runId: string, at: Date, outcome: PluginOutcome, log: Logger): PreparedManifest {
  if (!outcome.manifest) return { outcome, ref: undefined, parts: [] };
  let entries = outcome.manifest;
  const cat = { ...CATALOGUE_DEFAULTS, ...config.catalogue };
  try {
    const previous = loadManifest(config.stateDir, job.id);
    entries = carryHashes(previous?.entries ?? [], entries);
    saveManifest(config.stateDir, job.id, runId, at, entries);
    pruneManifests(config.stateDir, job.id, cat.keep);
    if (!cat.enabled) return { outcome, ref: undefined, parts: [] };
    const sent = readState(config.stateDir, job.id);
    const delta = previous !== null && sent !== null && sent.lastRunId === previous.runId && sent.sinceFull + 1 < cat.fullEvery;
    const lines = delta ? deltaLines(previous.entries, entries) : fullLines(entries);
    const parts = encodeParts(lines, cat.maxPartBytes);
    if (parts.length > 10_000) throw new Error(`${parts.length} parts of ${cat.maxPartBytes} bytes, at most 10000: raise catalogue.maxPartBytes`);
    writeFileAtomic(stateFile(config.stateDir, job.id), JSON.stringify({ lastRunId: runId, sinceFull: delta ? sent.sinceFull + 1 : 0 } satisfies SentState));
    const ref: ManifestRef = {
      mode: delta ? 'delta' : 'full',
      baseRunId: delta ? previous.runId : null,
      entries: lines.length,
      parts: parts.map((p) => ({ sha256: partSha256(p), bytes: p.length })),
    };
    log.info({ runId, mode: ref.mode, entries: ref.entries, parts: parts.length }, 'file manifest prepared');
    return { outcome, ref, parts };
  } catch (e) {
    const message = `the file manifest (${entries.length} files) could not be sent: ${describeError(e)}`;
    log.warn({ runId, err: describeError(e) }, 'file manifest not prepared');
    return { outcome: { ...outcome, status: outcome.status === 'ok' ? 'warning' : outcome.status, errors: [...outcome.errors, { message }] }, ref: undefined, parts: [] };
  }
}

/**
 * A file the run did not hash (unchanged, not copied) keeps the hash recorded when it was
 * copied, as long as its size and modification time are those of that earlier run.
 */
function carryHashes(before: readonly ManifestEntry[], after: readonly ManifestEntry[]): ManifestEntry[] {
  const old = new Map(before.map((e) => [e.path, e]));
  return after.map((e) => {
    if (e.sha256 !== null) return e;
    const o = old.get(e.path);
    return o && o.sha256 !== null && o.size === e.size && o.mtimeMs === e.mtimeMs ? { ...e, sha256: o.sha256 } : e;
  });
}

/**
 * Puts the result in the outbox with part 1 of its manifest attached, then one `manifest-part`
 * report per further part, each with its part: all wait (and are resent) like any report.
 */
export function putWithManifest(outbox: Outbox, config: AgentConfig, payload: ResultPayload, parts: readonly Buffer[]): string {
  const attach = (n: number): OutboxAttachment[] => [{ filename: manifestAttachmentName(n), content: parts[n - 1]! }];
  const file = outbox.put(payload, parts.length > 0 ? attach(1) : []);
  for (let n = 2; n <= parts.length; n++) {
    const part = ManifestPartPayload.parse({
      ...payloadCommon(config, randomUUID(), new Date(payload.endedAt)),
      kind: 'manifest-part',
      job: { id: payload.job.id },
      resultRunId: payload.runId,
      part: n,
      parts: parts.length,
    });
    outbox.put(part, attach(n));
  }
  return file;
}
