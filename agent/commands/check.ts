import type { KeyObject } from 'node:crypto';
import { SignedCommand } from '../../core/command/schema.ts';
import { checkCommandSignature } from '../../core/command/sign.ts';

/**
 * Why an agent refuses a command. Each receipt's `reason` starts with one of these words and a
 * colon ("expired: ..."), so the collector and people read the same reason.
 */
export type RefusalCode = 'malformed' | 'forged' | 'tampered' | 'misaddressed' | 'unknown job' | 'expired' | 'replayed' | 'job is running' | 'failed';

/** What the agent knows when it judges a command. */
export interface CheckContext {
  publicKey: KeyObject;
  siteId: string;
  jobIds: readonly string[];
  now: Date;
  /** Clock-skew allowance between the collector and this machine. */
  skewMs: number;
  /** True when this command id or nonce was acted on before. */
  seen: (id: string, nonce: string) => boolean;
}

export type Verdict =
  | { ok: true; command: SignedCommand }
  | { ok: false; code: RefusalCode; reason: string; ref: { id: string | null; action: string; jobId: string | null } };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const JOB = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Judges one command attachment. The signature is checked before any field is believed; then
 * the address, the job, the validity window and replay. Pure: the caller records what it acts on.
 */
export function checkCommand(text: string, ctx: CheckContext): Verdict {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return refuse('malformed', `the attachment is not JSON (${(e as Error).message})`, {});
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return refuse('malformed', 'the attachment is not a JSON object', {});
  const obj = raw as Record<string, unknown>;
  const sig = checkCommandSignature(obj, ctx.publicKey);
  if (sig === 'other-key') return refuse('forged', 'not signed by the collector key this site holds', obj);
  if (sig === 'bad') return refuse('tampered', 'the signature does not verify: the command was changed after it was signed', obj);
  const parsed = SignedCommand.safeParse(obj);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return refuse('malformed', `signed but not a valid command (${issue.path.join('.') || '(root)'}: ${issue.message})`, obj);
  }
  const c = parsed.data;
  if (c.site.id !== ctx.siteId) return refuse('misaddressed', `addressed to site "${c.site.id}", this is site "${ctx.siteId}"`, obj);
  const now = ctx.now.getTime();
  if (now > Date.parse(c.expiresAt) + ctx.skewMs) return refuse('expired', `it expired at ${c.expiresAt}`, obj);
  if (Date.parse(c.issuedAt) > now + ctx.skewMs) return refuse('expired', `it is issued at ${c.issuedAt}, in the future of this clock (${ctx.now.toISOString()})`, obj);
  if (!ctx.jobIds.includes(c.job.id)) return refuse('unknown job', `site "${ctx.siteId}" has no job "${c.job.id}" (jobs: ${ctx.jobIds.join(', ')})`, obj);
  if (ctx.seen(c.id, c.nonce)) return refuse('replayed', `command ${c.id} (or its nonce) was received before`, obj);
  return { ok: true, command: c as SignedCommand };
}

/** A refusal names the command as far as its (possibly untrusted) fields allow, for the receipt. */
function refuse(code: RefusalCode, detail: string, obj: Record<string, unknown>): Verdict {
  const id = typeof obj.id === 'string' && UUID.test(obj.id) ? obj.id : null;
  const action = typeof obj.action === 'string' ? obj.action.slice(0, 64) : 'unknown';
  const jobId = (obj.job as { id?: unknown } | undefined)?.id;
  return { ok: false, code, reason: `${code}: ${detail}`.slice(0, 2000), ref: { id, action, jobId: typeof jobId === 'string' && JOB.test(jobId) ? jobId : null } };
}
