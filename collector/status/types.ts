import type { RunStatus } from '../../core/result/schema.ts';

/**
 * The status engine's input and output. The store turns its tables into these facts
 * (collector/store/facts.ts); the engine (collector/status/engine.ts) is a pure function of
 * facts, parameters and the time `now`; the CLI, the digest and alerts read its output.
 */

/**
 * One stored run as the engine reads it: times in ms since the epoch (UTC). The store hands the
 * engine tens of thousands of these per `collector status`; as Date objects their times were
 * most of its allocations and of the garbage collector's copying.
 */
export interface RunRecord {
  runId: string;
  sequence: number;
  startedAt: number;
  endedAt: number;
  receivedAt: number;
  /** When the agent says it sent the email (for clock-drift checks). */
  sentAt: number;
  status: RunStatus;
  filesExamined: number;
  filesCopied: number;
  filesFailed: number;
  bytesExamined: number;
  bytesCopied: number;
  verificationMismatches: number;
  /** First error message, one line, or null. */
  firstError: string | null;
}

/** A run as the engine reports it (JobStatus.lastRun and lastGoodRun): a RunRecord with Date times. */
export interface RunFacts extends Omit<RunRecord, 'startedAt' | 'endedAt' | 'receivedAt' | 'sentAt'> {
  startedAt: Date;
  endedAt: Date;
  receivedAt: Date;
  /** When the agent says it sent the email (for clock-drift checks). */
  sentAt: Date;
}

/** Everything known about one job. */
export interface JobFacts {
  clientId: string;
  siteId: string;
  jobId: string;
  jobName: string;
  plugin: string | null;
  /** Cron schedule the agent announced, or null. */
  schedule: string | null;
  /** Most recent runs, newest first (the store gives up to 30). Empty: never reported. */
  recentRuns: RunRecord[];
  /** Last run with status ok or warning, even if older than recentRuns. */
  lastGoodRun: RunRecord | null;
  /** nextRunAt announced by the latest result or heartbeat; null when none. */
  announcedNextRunAt: Date | null;
  /** When the collector first heard of the job (result or heartbeat listing it). */
  firstSeenAt: Date;
  /** Reports that never arrived, from gaps in sequence numbers (total over the job's life). */
  missingSequences: number;
  /** 'agent': signed reports; 'third-party': another tool's unsigned notifications, accepted by a rule. */
  source: JobSource;
  /** How announcedNextRunAt was known: announced by the agent, from a configured schedule, or learned (a guess). */
  dueFrom: DueFrom;
  /** A per-job grace before late (third-party schedules); null: grace.lateAfterMinutes. */
  lateAfterMinutes: number | null;
}

export type JobSource = 'agent' | 'third-party';
export type DueFrom = 'announced' | 'schedule' | 'learned' | null;

export interface SiteFacts {
  siteId: string;
  clientId: string;
  /** Whether the site is expected to send daily heartbeats (config). */
  heartbeatExpected: boolean;
  lastHeartbeatAt: Date | null;
  /** nextHeartbeatAt the last heartbeat announced. */
  nextHeartbeatAt: Date | null;
  /** Last time anything signed arrived from the site. */
  lastSeenAt: Date | null;
  /** Time zone the agent reported. */
  agentTimeZone: string | null;
}

export interface MailboxFacts {
  name: string;
  lastGoodPollAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
}

export interface StatusFacts {
  jobs: JobFacts[];
  sites: SiteFacts[];
  mailboxes: MailboxFacts[];
  /** Messages quarantined and not released, for the digest's attention list. */
  quarantinedCount: number;
  /** Notifications of known tools that no rule maps (collector unmapped); optional for facts built in tests. */
  unmappedCount?: number;
}

/** Tunables of the engine, from the collector config (`grace:` and `anomalies:`). */
export interface StatusParams {
  /** A job is `late` once its announced next run plus this grace has passed without a report. */
  lateAfterMinutes: number;
  /** ...and `missing` once this much more time has passed. */
  missingAfterMinutes: number;
  /** A site is "agent silent" when its next heartbeat is overdue by this much. */
  heartbeatGraceMinutes: number;
  /** A mailbox whose last good poll is older than this is "monitoring blind". */
  blindAfterMinutes: number;
  /** Anomaly: bytes or file count down by more than this fraction from the median of recent runs. */
  dropFraction: number;
  /** Anomaly: exactly the same bytes examined for this many successful runs in a row. */
  sameSizeRuns: number;
  /** How many recent runs form the median. */
  medianWindow: number;
}

export type JobState = 'ok' | 'warning' | 'failed' | 'late' | 'missing' | 'never-reported';

export interface Anomaly {
  kind: 'zero-files' | 'size-drop' | 'count-drop' | 'same-size' | 'verification-mismatch';
  message: string;
}

export interface JobStatus {
  clientId: string;
  siteId: string;
  jobId: string;
  jobName: string;
  state: JobState;
  /** Plain one-line reason for the state. */
  reason: string;
  /** Since when the job is in a bad state (first bad run or when it became late). */
  since: Date | null;
  lastRun: RunFacts | null;
  lastGoodRun: RunFacts | null;
  /** Age of the last good run in ms at `now`, or null. */
  lastGoodAgeMs: number | null;
  nextDueAt: Date | null;
  anomalies: Anomaly[];
  missingSequences: number;
  /** 'third-party' results are unsigned: shown as such everywhere. */
  source: JobSource;
  /** How nextDueAt is known ('learned' is a guess from the history, and is said to be one). */
  dueFrom: DueFrom;
}

export interface SiteStatus {
  siteId: string;
  clientId: string;
  agentSilent: boolean;
  reason: string | null;
  /**
   * When a silent agent's heartbeat was due (its announced nextHeartbeatAt, else a day after the
   * last contact); null when the agent is not silent or was never heard from at all. Alerts count
   * their grace from it.
   */
  heartbeatDueAt: Date | null;
  lastSeenAt: Date | null;
  /** Minutes the agent's clock is off from the collector's (median of recent sentAt vs receivedAt), when known. */
  clockDriftMinutes: number | null;
}

export interface MailboxStatus {
  name: string;
  blind: boolean;
  lastGoodPollAt: Date | null;
  lastError: string | null;
}

export interface StatusReport {
  generatedAt: Date;
  jobs: JobStatus[];
  sites: SiteStatus[];
  mailboxes: MailboxStatus[];
  /** True when any mailbox is blind: the report cannot be trusted to be complete. */
  monitoringBlind: boolean;
  quarantinedCount: number;
  /** Notifications of known tools that no rule maps (collector unmapped). */
  unmappedCount?: number;
}
