import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../../core/errors.ts';
import type { MailboxConfig } from '../config.ts';
import { ingestContext } from '../ingest/classify.ts';
import { describeSummary, drainSource, openSource } from '../ingest/poll.ts';
import { pruneStore } from '../store/retention.ts';
import type { CollectorCliDeps, Loaded } from './common.ts';

/** Backoff after a mailbox failure: 1 s doubling up to 5 minutes. */
export const BACKOFF_MIN_MS = 1_000;
export const BACKOFF_MAX_MS = 300_000;

/**
 * `collector run`: the service. Every mailbox has its own loop: open, drain, then wait for new
 * mail with IMAP IDLE when the source offers it (and `idle` is on), else `pollSeconds`; after a
 * failure (recorded, so status says "monitoring blind") reconnect with exponential backoff.
 * `onAfterPoll` runs after every pass (the digest scheduler's hook). Resolves once `signal`
 * aborts and every loop has closed its source.
 */
export async function runCollector(l: Loaded, deps: CollectorCliDeps, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<void> {
  l.log.info({ mailboxes: l.cfg.mailboxes.map((m) => m.name) }, 'collector started');
  await Promise.all([maintenanceLoop(l, signal), ...l.cfg.mailboxes.map((m) => mailboxLoop(l, deps, env, m, signal))]);
  l.log.info('collector stopped');
}

async function mailboxLoop(l: Loaded, deps: CollectorCliDeps, env: NodeJS.ProcessEnv, m: MailboxConfig, signal: AbortSignal): Promise<void> {
  // This loop's own lines name the mailbox; the source and the poll add it to theirs, so they
  // get the unbound logger (pino repeats a key bound twice).
  const log = l.log.child({ mailbox: m.name });
  const ctx = ingestContext(l.cfg, { source: m.name, clock: l.clock, log });
  const opts = { mailbox: m.name, batchSize: m.batchSize, signal };
  const useIdle = m.type === 'imap' ? m.idle : false;
  const backoffMin = deps.backoffMinMs ?? BACKOFF_MIN_MS;
  let backoff = backoffMin;
  let source;
  try {
    source = await deps.sourceFor(m, env, l.log);
  } catch (e) {
    log.error({ err: describeError(e) }, 'mailbox cannot be set up; it stays blind until the config is fixed');
    return;
  }
  let open = false;
  while (!signal.aborted) {
    try {
      if (!open) {
        await openSource(l.db, source, ctx, l.log, opts);
        open = true;
      }
      const s = await drainSource(l.db, source, ctx, l.log, opts);
      if (s.accepted + s.quarantined + s.duplicates + s.thirdParty + s.ownReports > 0) log.info({ summary: describeSummary(s) }, 'mailbox polled');
      backoff = backoffMin;
      if (deps.onAfterPoll) await deps.onAfterPoll(l);
      if (signal.aborted) break;
      if (useIdle && source.waitForNew) await source.waitForNew(m.pollSeconds * 1000, signal);
      else await pause(m.pollSeconds * 1000, signal);
    } catch (e) {
      if (signal.aborted) break;
      log.warn({ err: describeError(e), retryInMs: backoff }, 'mailbox failed; reconnecting after a pause');
      open = false;
      await source.close();
      await pause(backoff, signal);
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    }
  }
  await source.close();
}

/** Applies `retention:` at start and then once a day. */
async function maintenanceLoop(l: Loaded, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const r = pruneStore(l.db, l.cfg, l.clock.now());
      if (r.rawCleared + r.runsDeleted + r.heartbeatsDeleted + r.restoresDeleted + r.commandsDeleted + r.clientRequestsDeleted > 0) l.log.info(r, 'old history pruned');
    } catch (e) {
      l.log.error({ err: describeError(e) }, 'pruning old history failed');
    }
    await pause(24 * 60 * 60 * 1000, signal);
  }
}

/** Sleeps `ms`, or less when `signal` aborts; never throws. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // aborted: the loop checks the signal
  }
}
