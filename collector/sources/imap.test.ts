import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSynError } from '../../core/errors.ts';
import { startDovecot, type Dovecot } from '../testing/dovecot.ts';
import { plainEmail } from '../testing/messages.ts';
import { imapCredentials } from './imap-auth.ts';
import { ImapSource, packRange, type ImapSourceConfig } from './imap.ts';

const folders = { folder: 'INBOX', processedFolder: 'Synecdoche/Processed', quarantineFolder: 'Synecdoche/Quarantine' };

function configFor(d: Dovecot, over: Partial<ImapSourceConfig> = {}): ImapSourceConfig {
  return { host: d.host, port: d.imapPort, tls: 'none', rejectUnauthorized: true, user: d.user, ...folders, ...over };
}

async function folderUids(d: Dovecot, user: string, folder: string): Promise<number> {
  const out = await d.doveadm('mailbox', 'status', '-u', user, 'messages', folder);
  return Number(/messages=(\d+)/.exec(out)?.[1]);
}

async function expectMailboxFailed(p: Promise<unknown>, text: RegExp): Promise<void> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(isSynError(err, 'MAILBOX_FAILED'), `expected MAILBOX_FAILED, got ${String(err)}`).toBe(true);
  expect((err as Error).message).toMatch(text);
}

describe('ImapSource against a real Dovecot', () => {
  let d: Dovecot;
  beforeAll(async () => {
    d = await startDovecot({ users: [{ user: 'a', pass: 'pa' }, { user: 'b', pass: 'pb' }, { user: 'c', pass: 'pc' }] });
  });
  afterAll(async () => d?.stop());

  it('creates the processed and quarantine folders when missing, and opens them again when present', async () => {
    const src = new ImapSource(configFor(d, { user: 'a' }), { password: 'pa' });
    await src.open();
    await src.close();
    await src.open();
    await src.close();
    const list = await d.doveadm('mailbox', 'list', '-u', 'a');
    expect(list).toContain('Synecdoche.Processed');
    expect(list).toContain('Synecdoche.Quarantine');
  });

  it('returns messages oldest first in batches and moves them to the processed and quarantine folders', async () => {
    await d.deliver(Array.from({ length: 7 }, (_, i) => plainEmail(`msg ${i}`)), { user: 'b' });
    const src = new ImapSource(configFor(d, { user: 'b' }), { password: 'pb' });
    await src.open();
    const first = await src.fetchBatch(3);
    expect(first.map((m) => m.raw.toString())).toEqual([0, 1, 2].map((i) => expect.stringContaining(`Subject: msg ${i}`)));
    expect(first.every((m) => m.receivedAt instanceof Date)).toBe(true);
    const second = await src.fetchBatch(3);
    expect(second.map((m) => Number(m.id))).toEqual(first.map((m) => Number(m.id) + 3));
    await src.markProcessed([...first, ...second.slice(0, 1)].map((m) => m.id));
    await src.markQuarantined(second.slice(1).map((m) => m.id));
    // idempotent: moving again what is already gone is fine
    await src.markProcessed(first.map((m) => m.id));
    const last = await src.fetchBatch(3);
    expect(last.map((m) => m.raw.toString())).toEqual([expect.stringContaining('Subject: msg 6')]);
    expect(await src.fetchBatch(3)).toEqual([]);
    await src.markProcessed(last.map((m) => m.id));
    await src.close();
    expect(await folderUids(d, 'b', 'INBOX')).toBe(0);
    expect(await folderUids(d, 'b', 'Synecdoche.Processed')).toBe(5);
    expect(await folderUids(d, 'b', 'Synecdoche.Quarantine')).toBe(2);
    // a new session finds nothing left in the inbox
    await src.open();
    expect(await src.fetchBatch(10)).toEqual([]);
    await src.close();
  });

  it('wakes up from waitForNew soon after a message arrives, and times out when none does', async () => {
    const src = new ImapSource(configFor(d, { user: 'c' }), { password: 'pc' }, { autoIdleDelay: 200 });
    await src.open();
    expect(await src.fetchBatch(10)).toEqual([]);
    const t0 = Date.now();
    await src.waitForNew(300, new AbortController().signal);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    const t1 = Date.now();
    setTimeout(() => void d.deliver(plainEmail('wake up'), { user: 'c' }), 200);
    await src.waitForNew(10_000, new AbortController().signal);
    expect(Date.now() - t1).toBeLessThan(5_000);
    const got = await src.fetchBatch(10);
    expect(got.map((m) => m.raw.toString())).toEqual([expect.stringContaining('Subject: wake up')]);
    await src.close();
  });

  it('fails with MAILBOX_FAILED on a wrong password, and can open again with a right one', async () => {
    let pass = 'wrong';
    const src = new ImapSource(configFor(d, { user: 'a' }), async () => ({ password: pass }));
    await expectMailboxFailed(src.open(), /^imap:a@127\.0\.0\.1\/INBOX: password \(AUTHENTICATE PLAIN\) sign-in as a refused: Authentication failed\.$/);
    await expectMailboxFailed(src.fetchBatch(1), /not connected/);
    pass = 'pa';
    await src.open();
    expect(await src.fetchBatch(1)).toEqual([]);
    await src.close();
  });

  it('fails with MAILBOX_FAILED when the connection is kicked mid-session', async () => {
    const src = new ImapSource(configFor(d, { user: 'a' }), { password: 'pa' });
    await src.open();
    await d.doveadm('kick', 'a');
    await new Promise((r) => setTimeout(r, 300));
    await expectMailboxFailed(src.fetchBatch(5), /imap:a@/);
    await src.open();
    expect(await src.fetchBatch(5)).toEqual([]);
    await src.close();
  });

  it('reads again, after reopening, what an earlier session fetched but did not move', async () => {
    await d.deliver([plainEmail('left behind 1'), plainEmail('left behind 2')], { user: 'a' });
    const src = new ImapSource(configFor(d, { user: 'a' }), { password: 'pa' });
    await src.open();
    const first = await src.fetchBatch(10);
    expect(first).toHaveLength(2);
    expect(await src.fetchBatch(10)).toEqual([]);
    await src.open();
    expect((await src.fetchBatch(10)).map((m) => m.id)).toEqual(first.map((m) => m.id));
    await src.markProcessed(first.map((m) => m.id));
    await src.close();
  });

  it('fails with MAILBOX_FAILED when nothing listens on the port', async () => {
    const src = new ImapSource(configFor(d, { port: 1 }), { password: 'x' });
    await expectMailboxFailed(src.open(), /cannot connect/);
    await src.close();
  });

  it('never shows the password in its errors', async () => {
    const src = new ImapSource(configFor(d, { user: 'a' }), { password: 'hunter2-very-secret' });
    const err = await src.open().catch((e: Error) => e);
    expect(JSON.stringify({ m: (err as Error).message, s: (err as Error).stack })).not.toContain('hunter2');
  });
});

describe('ImapSource over STARTTLS', () => {
  it('reads a mailbox whose server has a self-signed certificate when verification is off, and refuses it when on', async () => {
    const d = await startDovecot({ tls: true });
    try {
      await d.deliver(plainEmail('over tls'));
      const strict = new ImapSource(configFor(d, { tls: 'starttls' }), { password: d.pass });
      await expectMailboxFailed(strict.open(), /cannot connect/);
      const src = new ImapSource(configFor(d, { tls: 'starttls', rejectUnauthorized: false }), { password: d.pass });
      await src.open();
      const got = await src.fetchBatch(5);
      expect(got.map((m) => m.raw.toString())).toEqual([expect.stringContaining('Subject: over tls')]);
      await src.close();
      // the plaintext mode really is plaintext: the session did not upgrade
      const plain = new ImapFlow({ host: d.host, port: d.imapPort, secure: false, doSTARTTLS: false, auth: { user: d.user, pass: d.pass }, logger: false });
      await plain.connect();
      expect(plain.secureConnection).toBe(false);
      await plain.logout();
    } finally {
      await d.stop();
    }
  });
});

describe('IMAP credentials', () => {
  it('reads an OAuth2 token from a file and from a command, and reports a failing command as MAILBOX_FAILED', async () => {
    const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'syn-token-'));
    writeFileSync(join(dir, 'token'), '\n  ya29.token-from-file \n');
    const command = (line: string) => imapCredentials({ name: 'm', auth: { oauth2: { tokenCommand: ['sh', '-c', line], refreshBeforeSeconds: 300 } } }, {});
    expect(await command('echo ya29.from-command')()).toEqual({ accessToken: 'ya29.from-command' });
    await expectMailboxFailed(command('echo expired >&2; exit 3')(), /^mailbox m: the OAuth2 token command "sh" exited 3: expired$/);
    await expectMailboxFailed(imapCredentials({ name: 'm', auth: { oauth2: { tokenFile: join(dir, 'missing') } } }, {})(), /^mailbox m: cannot read the OAuth2 token file .*missing: ENOENT$/);
    const provider = imapCredentials({ name: 'm', auth: { oauth2: { tokenFile: join(dir, 'token') } } }, {});
    expect(await provider()).toEqual({ accessToken: 'ya29.token-from-file' });
    const pw = imapCredentials({ name: 'm', auth: { password: { env: 'IMAP_PASS' } } }, { IMAP_PASS: 's3cret' });
    expect(await pw()).toEqual({ password: 's3cret' });
  });

  it('packs UIDs into the shortest sequence set', () => {
    expect(packRange([5, 1, 2, 3, 8, 10, 11, 12, 3])).toBe('1:3,5,8,10:12');
  });
});
