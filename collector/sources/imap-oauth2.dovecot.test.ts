import { Command, CommanderError } from 'commander';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CliContext } from '../../cli/main.ts';
import { reportError } from '../../cli/exit.ts';
import { FakeClock } from '../../core/clock.ts';
import { isSynError } from '../../core/errors.ts';
import { tokenScript } from '../../core/testing/oauth2.ts';
import { collectorCommand } from '../cli.ts';
import { collectorCommandDefaults } from '../commands/common.ts';
import { startDovecot, type Dovecot } from '../testing/dovecot.ts';
import { startIntrospection, type IntrospectionServer } from '../testing/introspection.ts';
import { plainEmail } from '../testing/messages.ts';
import { imapCredentials } from './imap-auth.ts';
import { ImapSource, type ImapSourceConfig } from './imap.ts';

/**
 * The collector signs in to a real Dovecot whose `oauth2` passdb asks a local introspection
 * endpoint about each token, as Microsoft 365 and Gmail check theirs: the XOAUTH2 and
 * OAUTHBEARER exchanges themselves are tested, not only the reading of the token.
 */
const USER = 'collector';
/** Tokens the identity provider considers valid now; a test revokes or issues them. */
const valid = new Set<string>();
let idp: IntrospectionServer;
let dir: string;

beforeAll(async () => {
  idp = await startIntrospection((t) => (valid.has(t) ? USER : undefined));
});
afterAll(async () => idp?.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'syn-imap-oauth2-'));
  valid.clear();
  idp.asked.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const folders = { folder: 'INBOX', processedFolder: 'Synecdoche/Processed', quarantineFolder: 'Synecdoche/Quarantine' };
const configFor = (d: Dovecot): ImapSourceConfig => ({ host: d.host, port: d.imapPort, tls: 'none', rejectUnauthorized: true, user: USER, ...folders });

async function mailboxFailure(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(isSynError(err, 'MAILBOX_FAILED'), `expected MAILBOX_FAILED, got ${String(err)}`).toBe(true);
  return (err as Error).message;
}

describe('an IMAP mailbox signed in with an OAuth2 token (Dovecot oauth2 passdb, both mechanisms offered)', () => {
  let d: Dovecot;
  beforeAll(async () => {
    d = await startDovecot({ users: [{ user: USER, pass: 'delivery-only' }], oauth2: { introspectionUrl: idp.url } });
  });
  afterAll(async () => d?.stop());

  it('reads the mailbox with a token the identity provider approves (OAUTHBEARER, as imapflow prefers it)', async () => {
    await d.deliver(plainEmail('via oauth'));
    writeFileSync(join(dir, 'token.txt'), 'ya29.valid-token\n');
    valid.add('ya29.valid-token');
    const src = new ImapSource(configFor(d), imapCredentials({ name: 'm365', auth: { oauth2: { tokenFile: join(dir, 'token.txt') } } }, {}));
    await src.open();
    try {
      const batch = await src.fetchBatch(10);
      expect(batch.map((m) => m.raw.toString())).toEqual([expect.stringContaining('Subject: via oauth')]);
    } finally {
      await src.close();
    }
    expect(idp.asked).toEqual(['ya29.valid-token']);
    expect(await d.doveadm('log', 'errors')).not.toContain('oauth2');
  });

  it('fails with MAILBOX_FAILED naming OAUTHBEARER, the user and the reason for a revoked token, never the token', async () => {
    writeFileSync(join(dir, 'token.txt'), 'ya29.revoked-token\n');
    const src = new ImapSource(configFor(d), imapCredentials({ name: 'm365', auth: { oauth2: { tokenFile: join(dir, 'token.txt') } } }, {}));
    const message = await mailboxFailure(src.open());
    expect(message).toBe(`imap:${USER}@127.0.0.1/INBOX: OAUTHBEARER sign-in as ${USER} refused: Authentication failed. (invalid_token) (the token source gave the same token again)`);
    expect(message).not.toContain('revoked-token');
    // The file was read again for a retry, gave the same token, so there was no second sign-in to refuse.
    expect(idp.asked).toEqual(['ya29.revoked-token']);
  });

  it('runs the token command again and reads the mailbox when the cached token was revoked meanwhile', async () => {
    const helper = tokenScript(dir, 'json', 3600);
    const clock = new FakeClock('2026-11-23T07:00:00Z');
    const src = new ImapSource(configFor(d), imapCredentials({ name: 'm365', auth: { oauth2: { tokenCommand: helper.argv, refreshBeforeSeconds: 300 } } }, {}, undefined, clock));
    valid.add('tok-1');
    await src.open();
    await src.close();
    valid.delete('tok-1'); // revoked at the provider before it expired
    valid.add('tok-2');
    await src.open();
    await src.close();
    expect(idp.asked).toEqual(['tok-1', 'tok-1', 'tok-2']);
    expect(helper.runs()).toBe(2);
  });
});

describe('an IMAP mailbox on a server that offers only XOAUTH2 (as Gmail)', () => {
  let d: Dovecot;
  beforeAll(async () => {
    d = await startDovecot({ users: [{ user: USER, pass: 'delivery-only' }], oauth2: { introspectionUrl: idp.url, mechanisms: ['xoauth2'] } });
  });
  afterAll(async () => d?.stop());

  it('signs in with XOAUTH2 and names it when the token is refused', async () => {
    const good = new ImapSource(configFor(d), { accessToken: 'ya29.good' });
    valid.add('ya29.good');
    await good.open();
    await good.close();
    const bad = new ImapSource(configFor(d), { accessToken: 'ya29.bad' });
    expect(await mailboxFailure(bad.open())).toMatch(new RegExp(`^imap:${USER}@127\\.0\\.0\\.1/INBOX: XOAUTH2 sign-in as ${USER} refused: Authentication failed\\.`));
    expect(idp.asked).toEqual(['ya29.good', 'ya29.bad']);
  });
});

describe('collector poll of an OAuth2 mailbox', () => {
  let d: Dovecot;
  beforeAll(async () => {
    d = await startDovecot({ users: [{ user: USER, pass: 'delivery-only' }], oauth2: { introspectionUrl: idp.url } });
  });
  afterAll(async () => d?.stop());

  async function poll(tokenCommand: string[]): Promise<{ code: number; out: string }> {
    const cfg = join(dir, 'collector.yaml');
    writeFileSync(
      cfg,
      stringify({
        database: { path: join(dir, 'collector.db') },
        archive: { folder: join(dir, 'reports') },
        mailboxes: [{ name: 'm365', type: 'imap', host: d.host, port: d.imapPort, tls: 'none', user: USER, auth: { oauth2: { tokenCommand } } }],
        consultant: { name: 'Pat', email: 'pat@consultant.example', timeZone: 'Europe/Berlin' },
      }),
    );
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const ctx: CliContext = { env: {}, stdout: out, stderr: out, exitCode: 0 };
    const program = new Command('synecdoche').exitOverride();
    program.addCommand(collectorCommand(ctx, { ...collectorCommandDefaults, clock: new FakeClock('2026-11-23T07:00:00Z') }));
    for (const c of program.commands) for (const sub of [c, ...c.commands]) sub.exitOverride();
    let code = 0;
    try {
      await program.parseAsync(['node', 'synecdoche', 'collector', 'poll', '-c', cfg, '--log-level', 'silent']);
      code = ctx.exitCode;
    } catch (e) {
      code = e instanceof CommanderError ? e.exitCode : reportError(e, out);
    }
    return { code, out: Buffer.concat(chunks).toString('utf8') };
  }

  it('reads the mailbox with the token its command prints, and fails with MAILBOX_FAILED naming the method for a wrong one', async () => {
    await d.deliver(plainEmail('not a report'));
    valid.add('tok-1');
    const ok = await poll(tokenScript(dir, 'bare').argv);
    expect(ok.out).toMatch(new RegExp(`^imap:${USER}@127\\.0\\.0\\.1/INBOX: .*quarantined`, 'm'));
    expect(ok.code, ok.out).toBe(0);

    valid.clear();
    const wrong = await poll(tokenScript(join(dir), 'same').argv);
    expect(wrong.code).toBe(6);
    expect(wrong.out).toContain(`imap:${USER}@127.0.0.1/INBOX: FAILED: imap:${USER}@127.0.0.1/INBOX: OAUTHBEARER sign-in as ${USER} refused: Authentication failed. (invalid_token) (the token source gave the same token again)\n`);
    expect(wrong.out).toMatch(/synecdoche: 1 of 1 mailboxes could not be read: m365/);
    expect(wrong.out).not.toContain('always-the-same-token');
  });
});
