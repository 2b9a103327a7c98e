import type { ForeignMail } from '../../core/email/lean.ts';
import type { MessageFacts } from '../../core/email/decode.ts';

/** Headers the collector puts on what it sends: digests and client summaries, and alerts. */
export const OWN_HEADERS = ['X-Synecdoche-Report', 'X-Synecdoche-Alert'] as const;

export type OwnOutcome =
  | { outcome: 'own'; header: string }
  | { outcome: 'not-own' }
  /** Carries one of our headers but does not come from our sender address: not trusted as ours. */
  | { outcome: 'impostor'; detail: string };

/**
 * Recognises the collector's own outgoing mail (digest, client summary, alert) when it lands in a
 * watched mailbox, for instance because the consultant's address is also the one the agents
 * report to. It is ours when it carries one of OWN_HEADERS and comes from `ownAddress` (the
 * consultant's address, from which everything is sent). Pure; decides nothing about results:
 * a message that claims to be a Synecdoche result is judged by its signature before this.
 */
export function recogniseOwn(mail: Pick<ForeignMail, 'headers'>, facts: MessageFacts, ownAddress: string): OwnOutcome {
  for (const name of OWN_HEADERS) {
    const value = mail.headers.get(name.toLowerCase());
    if (value === undefined) continue;
    const header = `${name}: ${String(value).slice(0, 200)}`;
    if (facts.from !== null && facts.from.toLowerCase() === ownAddress.toLowerCase()) return { outcome: 'own', header };
    return { outcome: 'impostor', detail: `carries ${header} but comes from ${JSON.stringify(facts.from)}, not from ${ownAddress}, which sends this collector's reports and alerts` };
  }
  return { outcome: 'not-own' };
}
