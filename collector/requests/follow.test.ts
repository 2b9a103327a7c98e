import { describe, expect, it } from 'vitest';
import { getRequest, insertRequest, linkCommand, decideRequest } from '../store/client-requests.ts';
import { insertCommand } from '../store/commands.ts';
import { openStore, type Db } from '../store/db.ts';
import { followRequests } from './follow.ts';

const T = Date.parse('2026-12-04T09:00:00Z');

function approvedRequest(db: Db, commandId: string): number {
  const id = insertRequest(db, { clientId: 'acme', from: 'anna@acme.example', via: 'email', receivedAt: T, messageId: null, action: 'backup', siteId: 'office-fs', jobId: 'documents', args: {}, rawLine: 'BACKUP documents NOW', state: 'pending', note: null });
  decideRequest(db, id, { state: 'approved', at: T, by: 'pat', note: null });
  insertCommand(db, { id: commandId, siteId: 'office-fs', jobId: 'documents', action: 'run-now', args: undefined, issuedAt: T, expiresAt: T + 86_400_000, requestedBy: `client request ${id}`, messageId: `<${commandId}@x>` });
  linkCommand(db, id, commandId);
  return id;
}

describe('following an approved request to its outcome', () => {
  it('fails the request with the agent\'s reason when the agent refused the command', () => {
    const db = openStore(':memory:');
    const id = approvedRequest(db, '00000000-0000-4000-8000-000000000001');
    db.prepare("UPDATE commands SET state = 'refused', reason = 'job is running: the nightly backup is still copying' WHERE id = ?").run('00000000-0000-4000-8000-000000000001');
    expect(followRequests(db, new Date(T + 60_000))).toBe(1);
    expect(getRequest(db, id)).toMatchObject({ state: 'failed', note: 'the office computer could not do it: job is running: the nightly backup is still copying' });
  });

  it('fails the request once its command expired without any agent picking it up, and not before', () => {
    const db = openStore(':memory:');
    const id = approvedRequest(db, '00000000-0000-4000-8000-000000000002');
    expect(followRequests(db, new Date(T + 3_600_000))).toBe(0);
    expect(getRequest(db, id)!.state).toBe('approved');
    expect(followRequests(db, new Date(T + 86_400_001))).toBe(1);
    expect(getRequest(db, id)).toMatchObject({ state: 'failed', note: expect.stringMatching(/did not pick it up in time/) });
  });
});
