import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSiteKeyPair } from '../../core/result/keys.ts';
import type { CommandPayload } from '../../core/command/schema.ts';
import { signCommand } from '../../core/command/sign.ts';
import { checkCommand, type CheckContext } from './check.ts';

const collectorKeys = generateSiteKeyPair();
const now = new Date('2026-12-04T12:00:00Z');

function cmd(over: Partial<CommandPayload> = {}): CommandPayload {
  return {
    format: 'synecdoche-command',
    version: 1,
    id: randomUUID(),
    site: { id: 'site-a' },
    job: { id: 'docs' },
    action: 'run-now',
    issuedAt: '2026-12-04T11:00:00.000Z',
    expiresAt: '2026-12-05T11:00:00.000Z',
    nonce: 'q83vEjRWeJq83vEjRWeJqw==',
    requestedBy: 'consultant',
    ...over,
  };
}

const ctx = (over: Partial<CheckContext> = {}): CheckContext => ({ publicKey: collectorKeys.publicKey, siteId: 'site-a', jobIds: ['docs'], now, skewMs: 300_000, seen: () => false, ...over });
const text = (c: CommandPayload, keys = collectorKeys) => JSON.stringify(signCommand(c, keys));

describe('checkCommand', () => {
  it('accepts a command signed by the collector key, for this site and job, within its validity', () => {
    expect(checkCommand(text(cmd()), ctx())).toMatchObject({ ok: true });
  });

  it('refuses a command signed by another key as forged, naming its id for the receipt', () => {
    const c = cmd();
    expect(checkCommand(text(c, generateSiteKeyPair()), ctx())).toMatchObject({ ok: false, code: 'forged', ref: { id: c.id, action: 'run-now', jobId: 'docs' } });
  });

  it('refuses a command edited after signing as tampered', () => {
    const signed = JSON.parse(text(cmd()));
    signed.job.id = 'payroll';
    expect(checkCommand(JSON.stringify(signed), ctx({ jobIds: ['docs', 'payroll'] }))).toMatchObject({ ok: false, code: 'tampered' });
  });

  it('refuses a command for another site as misaddressed', () => {
    expect(checkCommand(text(cmd({ site: { id: 'site-b' } })), ctx())).toMatchObject({ ok: false, code: 'misaddressed', reason: expect.stringContaining('"site-b"') });
  });

  it('refuses a command past its expiry, but allows the clock-skew allowance', () => {
    const c = cmd({ issuedAt: '2026-12-03T11:00:00.000Z', expiresAt: '2026-12-04T11:58:00.000Z' });
    expect(checkCommand(text(c), ctx())).toMatchObject({ ok: true });
    expect(checkCommand(text(c), ctx({ skewMs: 60_000 }))).toMatchObject({ ok: false, code: 'expired' });
  });

  it('refuses a command issued in the future of this clock beyond the allowance', () => {
    expect(checkCommand(text(cmd({ issuedAt: '2026-12-04T13:00:00.000Z' })), ctx())).toMatchObject({ ok: false, code: 'expired', reason: expect.stringContaining('in the future') });
  });

  it('refuses a job this site does not have', () => {
    expect(checkCommand(text(cmd({ job: { id: 'payroll' } })), ctx())).toMatchObject({ ok: false, code: 'unknown job' });
  });

  it('refuses a command whose id or nonce was seen before as replayed', () => {
    const c = cmd();
    expect(checkCommand(text(c), ctx({ seen: (id) => id === c.id }))).toMatchObject({ ok: false, code: 'replayed' });
    expect(checkCommand(text(cmd()), ctx({ seen: (_id, nonce) => nonce === c.nonce }))).toMatchObject({ ok: false, code: 'replayed' });
  });

  it('refuses what is not JSON as malformed, with no id to answer', () => {
    expect(checkCommand('{"id": ', ctx())).toMatchObject({ ok: false, code: 'malformed', ref: { id: null } });
  });
});
