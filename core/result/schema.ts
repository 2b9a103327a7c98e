import { z } from 'zod';

/**
 * The result-email contract, version 1. This file is the source of truth: the JSON Schema in
 * `core/result/result.schema.json` is generated from it (`npm run schema`) and
 * `docs/result-format.md` documents every field. Adding an optional field keeps the version;
 * removing or changing the meaning of one bumps it.
 */
export const FORMAT_NAME = 'synecdoche-result';
export const FORMAT_VERSION = 1;
/** Versions this code can read. */
export const SUPPORTED_VERSIONS: readonly number[] = [1];

const isoTime = z.iso.datetime({ offset: true }).describe('ISO 8601 time with offset, e.g. 2026-11-23T02:30:00.000Z');
const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", 1 to 64 characters, starting with a letter or digit');
const count = z.number().int().nonnegative();

/** The three outcomes a run can report. Anything a plugin cannot classify is `failed`. */
export const RunStatus = z.enum(['ok', 'warning', 'failed']);
export type RunStatus = z.infer<typeof RunStatus>;

export const Counts = z
  .object({
    examined: count.describe('items looked at in the source'),
    copied: count.describe('items transferred (new or changed)'),
    skipped: count.describe('items left alone because they were unchanged or excluded'),
    failed: count.describe('items that could not be transferred'),
    extra: count.describe('items at the destination that are not in the source (removed when mirroring)'),
  })
  .strict();
export type Counts = z.infer<typeof Counts>;

export const Verification = z
  .object({
    mode: z.enum(['none', 'copied', 'all']).describe('which files were re-read and hashed after the copy'),
    algorithm: z.string().describe('hash algorithm, e.g. sha256'),
    checked: count,
    mismatches: count,
    mismatchedPaths: z.array(z.string()).max(100).describe('up to 100 paths that did not verify'),
  })
  .strict();
export type Verification = z.infer<typeof Verification>;

export const RunError = z
  .object({
    message: z.string().max(2000),
    path: z.string().max(1000).optional(),
    code: z.string().max(100).optional(),
  })
  .strict();
export type RunError = z.infer<typeof RunError>;

/**
 * Issue 11. The command (collector -> agent) a report answers: `run-now` results, restores and
 * command receipts carry its id so that `collector requests` can follow it.
 */
export const CommandRef = z.object({ id: z.uuid().describe('the id of the signed command this report answers') }).strict();
export type CommandRef = z.infer<typeof CommandRef>;

/**
 * Issue 11 (file catalogue). A result's manifest of the backed-up files: NDJSON lines
 * (docs/result-format.md), gzip-compressed, split into parts of bounded size. Each part travels
 * as an attachment whose SHA-256 is listed here, inside the signed payload, so a part needs no
 * signature of its own. Part 1 rides with the result email; further parts in emails of kind
 * `manifest-part`.
 */
export const ManifestRef = z
  .object({
    mode: z.enum(['full', 'delta']).describe('full: every file; delta: changes against the manifest of baseRunId'),
    baseRunId: z.uuid().nullable().describe('the run whose manifest a delta applies to; null for full'),
    entries: count.describe('lines in all parts together'),
    parts: z
      .array(z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: count }).strict())
      .min(1)
      .max(10_000),
  })
  .strict();
export type ManifestRef = z.infer<typeof ManifestRef>;

const Site = z.object({ id, client: z.string().max(200).optional() }).strict();
const Agent = z
  .object({
    host: z.string().max(255),
    version: z.string().max(50),
    timeZone: z.string().max(64).describe('IANA zone of the agent, e.g. Europe/Berlin'),
  })
  .strict();

const common = {
  format: z.literal(FORMAT_NAME),
  version: z.literal(FORMAT_VERSION),
  site: Site,
  agent: Agent,
  runId: z.uuid().describe('unique id of this run (or heartbeat)'),
  sentAt: isoTime.describe('when the agent signed and handed the email to SMTP'),
};

export const ResultPayload = z
  .object({
    ...common,
    kind: z.literal('result'),
    job: z
      .object({
        id,
        name: z.string().max(200),
        plugin: z.string().max(64),
        schedule: z.string().max(100).nullable().describe('cron expression, or null for a run not on a schedule'),
        nextRunAt: isoTime.nullable().describe('next scheduled start; null when the job has no schedule'),
      })
      .strict(),
    sequence: z.number().int().positive().describe('per-job counter, +1 per report; gaps mean lost reports'),
    startedAt: isoTime,
    endedAt: isoTime,
    status: RunStatus,
    exitCode: z.number().int().nullable().describe('exit code of the tool, null when none (e.g. the copy plugin)'),
    files: Counts,
    bytes: Counts,
    verification: Verification.nullable(),
    errors: z.array(RunError).max(200),
    logTail: z.string().max(20_000).describe('the last lines of the tool output'),
    manifest: ManifestRef.optional().describe('the files this run backed up (issue 11); absent when the plugin cannot list them'),
    command: CommandRef.optional().describe('present when a signed run-now command started this run'),
  })
  .strict();
export type ResultPayload = z.infer<typeof ResultPayload>;

export const HeartbeatPayload = z
  .object({
    ...common,
    kind: z.literal('heartbeat'),
    startedAt: isoTime.describe('when the agent process started'),
    nextHeartbeatAt: isoTime.describe('when the next heartbeat is due'),
    jobs: z
      .array(z.object({ id, nextRunAt: isoTime.nullable() }).strict())
      .max(1000)
      .describe('every configured job and its next run'),
    outboxPending: count.describe('reports waiting in the outbox'),
  })
  .strict();
export type HeartbeatPayload = z.infer<typeof HeartbeatPayload>;

export const Signature = z
  .object({
    alg: z.literal('Ed25519'),
    keyId: z.string().max(100).describe('ed25519:<first 16 hex digits of SHA-256 of the raw public key>'),
    value: z.string().max(200).describe('base64 of the 64-byte signature'),
  })
  .strict();
export type Signature = z.infer<typeof Signature>;


const JobRef = z.object({ id, name: z.string().max(200), plugin: z.string().max(64) }).strict();

/** What a restore (or a drill) put back and how it compared with the backup's hashes. */
const RestoreFacts = {
  job: JobRef,
  command: CommandRef.nullable().describe('the command that asked for it; null when run by hand or on schedule'),
  startedAt: isoTime,
  endedAt: isoTime,
  status: RunStatus,
  /** Which backup was restored: a run id the agent knows, or the newest backup at or before a time. */
  from: z
    .object({ runId: z.uuid().nullable(), at: isoTime.nullable().describe('the backup time restored from') })
    .strict(),
  target: z.string().max(1000).describe('the folder written to'),
  inPlace: z.boolean().describe('true when the restore wrote over the source'),
  paths: z.array(z.string().max(1000)).max(100).describe('the paths asked for; [] for everything'),
  files: z.object({ restored: count, failed: count }).strict(),
  bytes: z.object({ restored: count }).strict(),
  verification: Verification.nullable(),
  /** True when the restore did not finish (stopped, killed, failed half-way): the target is marked incomplete. */
  incomplete: z.boolean(),
  errors: z.array(RunError).max(200),
  logTail: z.string().max(20_000),
};

export const RestorePayload = z
  .object({
    ...common,
    kind: z.literal('restore'),
    ...RestoreFacts,
    sizeOnly: count.describe('restored files whose backup-time hash was not known (sha256 null in the manifest): compared by size only'),
  })
  .strict();
export type RestorePayload = z.infer<typeof RestorePayload>;

/** A restore drill: a sample restored into a temporary folder and compared with backup-time hashes. */
export const DrillPayload = z
  .object({
    ...common,
    kind: z.literal('drill'),
    ...RestoreFacts,
    sample: z
      .object({ files: count, bytes: count, ofFiles: count.describe('files in the backup sampled from'), ofBytes: count })
      .strict(),
    sourceCompared: z
      .object({ checked: count, mismatches: count })
      .strict()
      .describe('sampled files unchanged at the source since the backup, compared with it too'),
  })
  .strict();
export type DrillPayload = z.infer<typeof DrillPayload>;

/** The agent's receipt of a command: picked up (it will act) or refused, with the reason. */
export const CommandReceiptPayload = z
  .object({
    ...common,
    kind: z.literal('command-receipt'),
    command: CommandRef,
    action: z.string().max(64),
    jobId: id.nullable(),
    state: z.enum(['picked-up', 'refused']),
    reason: z.string().max(2000).nullable(),
  })
  .strict();
export type CommandReceiptPayload = z.infer<typeof CommandReceiptPayload>;

/** A further part of a result's manifest (ManifestRef.parts[part - 1]), attached to this email. */
export const ManifestPartPayload = z
  .object({
    ...common,
    kind: z.literal('manifest-part'),
    job: z.object({ id }).strict(),
    resultRunId: z.uuid().describe('the result whose manifest this part belongs to'),
    part: z.number().int().positive(),
    parts: z.number().int().positive(),
  })
  .strict();
export type ManifestPartPayload = z.infer<typeof ManifestPartPayload>;

export const Payload = z.discriminatedUnion('kind', [ResultPayload, HeartbeatPayload, RestorePayload, DrillPayload, CommandReceiptPayload, ManifestPartPayload]);
export type Payload = z.infer<typeof Payload>;

/** What travels in `synecdoche-result.json`: a payload plus its signature. */
export const SignedResult = z.union([
  ResultPayload.extend({ signature: Signature }),
  HeartbeatPayload.extend({ signature: Signature }),
  RestorePayload.extend({ signature: Signature }),
  DrillPayload.extend({ signature: Signature }),
  CommandReceiptPayload.extend({ signature: Signature }),
  ManifestPartPayload.extend({ signature: Signature }),
]);
export type SignedPayload = Payload & { signature: Signature };
