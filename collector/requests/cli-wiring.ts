import { SynError } from '../../core/errors.ts';
import { smtpSender } from '../../core/mail/smtp.ts';
import { issueCommand } from '../commands/issue.ts';
import type { Loaded } from '../commands/common.ts';
import type { ClientRequest } from '../store/client-requests.ts';
import { approveCommand } from './cli.ts';
import type { IssueCommand } from './decide.ts';

/** The approval's command goes out through issueCommand (collector/commands/issue.ts) over the collector's SMTP. */
export function issuerFor(l: Pick<Loaded, 'db' | 'cfg' | 'clock'>, sender: Parameters<typeof issueCommand>[0]['sender']): IssueCommand {
  return async (c) => ({ id: (await issueCommand({ db: l.db, cfg: l.cfg, clock: l.clock, sender }, c)).command.id });
}

/** `collector request approve ID`: approveCommand with the real issuer. */
export async function approveWired(l: Loaded, env: NodeJS.ProcessEnv, id: string, o: { to?: string; by?: string; json?: boolean }): Promise<ClientRequest> {
  if (!l.cfg.smtp) throw new SynError('CONFIG_INVALID', 'smtp: is not set in the collector config: the approved command is sent by email');
  const sender = smtpSender(l.cfg.smtp, env);
  try {
    return await approveCommand(l, id, o, issuerFor(l, sender));
  } finally {
    sender.close();
  }
}
