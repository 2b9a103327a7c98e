import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Clock } from '../../core/clock.ts';
import { encodeCommandEmail } from '../../core/command/email.ts';
import { COMMAND_FORMAT, COMMAND_VERSION, CommandPayload, type CommandAction, type RestoreArgs, type SignedCommand } from '../../core/command/schema.ts';
import { signCommand } from '../../core/command/sign.ts';
import { SynError } from '../../core/errors.ts';
import type { MailSender } from '../../core/mail/smtp.ts';
import { loadPrivateKey, type SiteKeyPair } from '../../core/result/keys.ts';
import type { CollectorConfig } from '../config.ts';
import { deleteCommand, insertCommand } from '../store/commands.ts';
import type { Db } from '../store/db.ts';
import { jobsOfSite } from '../store/history.ts';

/** What issuing a command works with; the sender is the collector's SMTP (the digest's transport). */
export interface IssueDeps {
  db: Db;
  cfg: CollectorConfig;
  clock: Clock;
  sender: MailSender;
  /** The collector command key; default read from commands.keyFile. */
  keys?: SiteKeyPair;
}

/** One command to send: which site and job, what to do, and who asked (in words). */
export interface IssueRequest {
  siteId: string;
  jobId: string;
  action: CommandAction;
  /** Required for `restore`: the target folder at the site, the paths ([] for all), the backup (time or run id, null for newest). */
  restore?: RestoreArgs;
  /** Who asked: "consultant", "client request 12". Shown by `collector requests` and in the email. */
  requestedBy: string;
}

export interface Issued {
  command: SignedCommand;
  /** The command mailbox it was sent to. */
  to: string;
  messageId: string;
}

/**
 * Signs a command with the collector's key, records it (state `sent`) and mails it to the site's
 * command mailbox over the collector's SMTP. Checks first, before anything is written or sent:
 * `commands:` and `smtp:` are configured, the site is in `sites:`, the job has reported to this
 * collector, the site has a command address, the arguments fit the command format. Throws
 * SynError (CONFIG_INVALID, NOT_FOUND, USAGE, KEY_INVALID; SMTP_FAILED when the server does not
 * take it, in which case nothing stays recorded). `collector request` and the approval of a
 * client's request both come here.
 */
export async function issueCommand(deps: IssueDeps, req: IssueRequest): Promise<Issued> {
  const { cfg, db, clock } = deps;
  const commands = cfg.commands;
  if (!commands) throw new SynError('CONFIG_INVALID', 'commands: is not set in the collector config (make a key with "synecdoche collector keygen" and set commands.keyFile)');
  const siteIndex = cfg.sites.findIndex((s) => s.id === req.siteId);
  if (siteIndex < 0) throw new SynError('NOT_FOUND', `no site "${req.siteId}" in the config (sites: ${cfg.sites.map((s) => s.id).join(', ') || 'none'})`);
  const jobs = jobsOfSite(db, req.siteId);
  if (!jobs.includes(req.jobId)) throw new SynError('NOT_FOUND', `site "${req.siteId}" has not reported a job "${req.jobId}" (jobs heard of: ${jobs.join(', ') || 'none'})`);
  const to = cfg.sites[siteIndex]!.commandAddress ?? commands.to;
  if (!to) throw new SynError('CONFIG_INVALID', `site "${req.siteId}" has no command mailbox: set sites[${siteIndex}].commandAddress or commands.to`);
  const keys = deps.keys ?? loadCommandKey(commands.keyFile);
  const now = clock.now();
  const draft = {
    format: COMMAND_FORMAT,
    version: COMMAND_VERSION,
    id: randomUUID(),
    site: { id: req.siteId },
    job: { id: req.jobId },
    action: req.action,
    ...(req.restore ? { restore: req.restore } : {}),
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + commands.expiryHours * 3_600_000).toISOString(),
    nonce: randomBytes(18).toString('base64'),
    requestedBy: req.requestedBy,
  };
  const parsed = CommandPayload.safeParse(draft);
  if (!parsed.success) {
    throw new SynError('USAGE', `the command does not fit the command format: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const command = signCommand(parsed.data, keys);
  const message = encodeCommandEmail(command, { from: commands.from ?? cfg.consultant.email, to });
  const messageId = String(message.messageId);
  // Recorded before it leaves (a receipt may come back fast); forgotten again if the server refuses it.
  insertCommand(db, { id: command.id, siteId: req.siteId, jobId: req.jobId, action: req.action, args: req.restore, issuedAt: now.getTime(), expiresAt: Date.parse(command.expiresAt), requestedBy: req.requestedBy, messageId });
  try {
    await deps.sender.send(message);
  } catch (e) {
    deleteCommand(db, command.id);
    throw e;
  }
  return { command, to, messageId };
}

/** Reads the collector command key, pointing at `collector keygen` when it is missing. */
export function loadCommandKey(keyFile: string): SiteKeyPair {
  if (!existsSync(keyFile)) throw new SynError('KEY_INVALID', `commands.keyFile: ${keyFile} does not exist (make it with "synecdoche collector keygen --out ${keyFile}")`);
  return loadPrivateKey(keyFile, 'commands.keyFile');
}
