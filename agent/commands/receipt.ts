import { randomUUID } from 'node:crypto';
import { CommandReceiptPayload } from '../../core/result/schema.ts';
import type { AgentConfig } from '../config.ts';
import { payloadCommon } from '../payload.ts';

/** The signed answer to a command: picked up (the agent will act) or refused with the reason. */
export function buildCommandReceipt(
  config: AgentConfig,
  now: Date,
  ref: { id: string; action: string; jobId: string | null },
  state: 'picked-up' | 'refused',
  reason: string | null,
): CommandReceiptPayload {
  return CommandReceiptPayload.parse({
    ...payloadCommon(config, randomUUID(), now),
    kind: 'command-receipt',
    command: { id: ref.id },
    action: ref.action,
    jobId: ref.jobId,
    state,
    reason,
  });
}
