import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.ts';
import { readCommandMail } from '../../core/command/email.ts';
import type { SignedCommand } from '../../core/command/schema.ts';
import { describeError, isSynError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { parsePublicKeyLine } from '../../core/result/keys.ts';
import type { AgentConfig, JobConfig } from '../config.ts';
import { pidAlive, readLock } from '../lock.ts';
import type { Outbox, SendDeps } from '../outbox.ts';
import { checkCommand, type RefusalCode } from './check.ts';
import { commandMailboxName, type CommandMailbox } from './mailbox.ts';
import { buildCommandReceipt } from './receipt.ts';
import { SeenCommands } from './seen.ts';

/** What one pass over the command mailbox needs; each side effect is a seam. */
export interface CommandPollDeps {
  config: AgentConfig;
  log: Logger;
  clock: Clock;
  outbox: Outbox;
  /** How to send receipts and results; without it they wait in the outbox. */
  send?: SendDeps;
  openMailbox: () => Promise<CommandMailbox>;
  /** True when the job runs now (in this process or another). Default: its lock is held. */
  isRunning?: (jobId: string) => boolean;
  /** Carries out an accepted command (run the job, restore); its report names the command. */
  act: (command: SignedCommand, job: JobConfig) => Promise<void>;
}

/** What one pass did. `error` is set when the mailbox could not be read (the next pass retries). */
export interface CommandPollReport {
  mailbox: string;
  read: number;
  accepted: { id: string; action: string; jobId: string }[];
  refused: { id: string | null; code: RefusalCode; reason: string }[];
  error?: string;
}

/**
 * One pass over the command mailbox. Each message is judged (checkCommand); a refusal is answered
 * with a signed `refused` receipt; an accepted command is recorded as seen (durably, before
 * anything runs: at most once), answered `picked-up`, and carried out after the pass, one at a
 * time. Every read message is moved to the processed folder. A mailbox that cannot be reached is
 * logged and reported, never thrown: the agent keeps running and the next pass tries again.
 *
 * A command for a job that is running now is refused ("job is running"), not queued: a backup
 * can run for hours, past the command's expiry, and the consultant then sees why at once.
 */
export async function pollCommandMailbox(deps: CommandPollDeps): Promise<CommandPollReport> {
  const c = deps.config.commands;
  if (!c) throw new Error('pollCommandMailbox without commands: in the config');
  const { log, clock, config } = deps;
  const publicKey = parsePublicKeyLine(c.publicKey, 'commands.publicKey');
  const isRunning = deps.isRunning ?? ((jobId: string) => lockHeld(config.stateDir, jobId));
  const report: CommandPollReport = { mailbox: commandMailboxName(c), read: 0, accepted: [], refused: [] };
  const toDo: { command: SignedCommand; job: JobConfig }[] = [];
  let mailbox: CommandMailbox | undefined;
  try {
    mailbox = await deps.openMailbox();
    const messages = await mailbox.read();
    const seen = new SeenCommands(config.stateDir);
    for (const m of messages) {
      report.read++;
      const mail = await readCommandMail(m.raw);
      const now = clock.now();
      let verdict =
        'problem' in mail
          ? ({ ok: false, code: 'malformed', reason: mail.problem, ref: { id: null, action: 'unknown', jobId: null } } as const)
          : checkCommand(mail.text, { publicKey, siteId: config.site.id, jobIds: config.jobs.map((j) => j.id), now, skewMs: c.skewSeconds * 1000, seen: (id, nonce) => seen.has(id, nonce) });
      if (verdict.ok) {
        const cmd = verdict.command;
        // Seen from here on, whatever happens next: a copy of it never runs.
        seen.add(cmd.id, cmd.nonce, cmd.expiresAt, now, c.skewSeconds * 1000);
        if (isRunning(cmd.job.id)) verdict = { ok: false, code: 'job is running', reason: `job is running: job "${cmd.job.id}" is running now; ask again when it has finished`, ref: { id: cmd.id, action: cmd.action, jobId: cmd.job.id } };
        else {
          deps.outbox.put(buildCommandReceipt(config, now, { id: cmd.id, action: cmd.action, jobId: cmd.job.id }, 'picked-up', null));
          report.accepted.push({ id: cmd.id, action: cmd.action, jobId: cmd.job.id });
          toDo.push({ command: cmd, job: config.jobs.find((j) => j.id === cmd.job.id)! });
          log.info({ commandId: cmd.id, action: cmd.action, jobId: cmd.job.id, requestedBy: cmd.requestedBy }, 'command accepted');
        }
      }
      if (!verdict.ok) {
        report.refused.push({ id: verdict.ref.id, code: verdict.code, reason: verdict.reason });
        log.warn({ commandId: verdict.ref.id, code: verdict.code, reason: verdict.reason, uid: m.key }, 'command refused');
        // Without a command id there is nothing to answer; the log and the processed folder keep it.
        if (verdict.ref.id) deps.outbox.put(buildCommandReceipt(config, now, { ...verdict.ref, id: verdict.ref.id }, 'refused', verdict.reason));
      }
      try {
        await mailbox.processed(m.key);
      } catch (e) {
        log.warn({ uid: m.key, err: describeError(e) }, 'a command message could not be moved (the seen store refuses a second copy)');
      }
    }
  } catch (e) {
    report.error = describeError(e);
    log.warn({ mailbox: report.mailbox, err: report.error }, 'command mailbox unreachable; trying again at the next poll');
  } finally {
    await mailbox?.close().catch(() => undefined);
  }
  if (deps.send) await deps.outbox.flush(deps.send).catch((e: unknown) => log.warn({ err: describeError(e) }, 'receipts wait in the outbox'));
  for (const t of toDo) {
    try {
      await deps.act(t.command, t.job);
    } catch (e) {
      // The collector shows the command picked up until told otherwise: tell it.
      const running = isSynError(e, 'JOB_ALREADY_RUNNING');
      const reason = running ? `job is running: ${e.message}` : `failed: the command could not be carried out (${describeError(e)})`;
      log.error({ commandId: t.command.id, jobId: t.job.id, err: describeError(e) }, 'command could not be carried out');
      try {
        deps.outbox.put(buildCommandReceipt(config, clock.now(), { id: t.command.id, action: t.command.action, jobId: t.job.id }, 'refused', reason.slice(0, 2000)));
        if (deps.send) await deps.outbox.flush(deps.send);
      } catch (e2) {
        log.error({ commandId: t.command.id, err: describeError(e2) }, 'the refusal could not be recorded');
      }
    }
  }
  return report;
}

/** True when a live process on this machine (or any process elsewhere) holds the job's lock. */
function lockHeld(stateDir: string, jobId: string): boolean {
  const info = readLock(join(stateDir, 'locks', `${jobId}.lock`));
  if (!info) return false;
  return info.host !== hostname() || pidAlive(info.pid);
}

/** The report in lines for people: one per command, then the totals (or why the mailbox failed). */
export function commandPollLines(r: CommandPollReport): string[] {
  const lines = [
    ...r.accepted.map((a) => `command ${a.id}: ${a.action} ${a.jobId}: picked up and carried out`),
    ...r.refused.map((x) => `command ${x.id ?? '(no id)'}: refused: ${x.reason}`),
  ];
  if (r.error) lines.push(`command mailbox ${r.mailbox} could not be read: ${r.error} (the next poll tries again)`);
  else lines.push(`${r.mailbox}: ${r.read} message${r.read === 1 ? '' : 's'}, ${r.accepted.length} accepted, ${r.refused.length} refused`);
  return lines;
}
