import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.ts';
import { decodeEmail } from '../core/email/decode.ts';
import { silentLogger } from '../core/log.ts';
import { smtpSender } from '../core/mail/smtp.ts';
import { generateSiteKeyPair, parsePublicKeyLine, publicKeyLine } from '../core/result/keys.ts';
import { sampleResult } from '../core/result/testing.ts';
import { tokenScript } from '../core/testing/oauth2.ts';
import { Outbox, type SendDeps } from './outbox.ts';
import { runAgentCli } from './testing/cli.ts';
import { makeTestSite, type TestSite } from './testing/site.ts';
import { startSmtpServer, type TestSmtpServer } from './testing/smtp.ts';

const USER = 'backups@acme.example';
const job = { id: 'nightly', plugin: 'command', options: { command: 'true' } };
let dir: string;
let smtp: TestSmtpServer | undefined;
let site: TestSite | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'syn-xoauth2-'));
});
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
  site?.cleanup();
  site = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A server that, like Microsoft 365 and Gmail, takes XOAUTH2 and nothing else; it accepts `good` tokens. */
async function xoauth2Server(good: (token: string) => boolean, refusal: 'challenge' | 'reject' = 'challenge') {
  smtp = await startSmtpServer({ oauth2: { user: USER, accept: good, refusal } });
  return smtp;
}

/** A site whose agent.yaml signs in with `oauth2` (a tokenFile or tokenCommand) or, for contrast, `password`. */
function siteWith(port: number, auth: Record<string, unknown>) {
  site = makeTestSite(port, [job]);
  site.write({ smtp: { host: '127.0.0.1', port, tls: 'none', timeoutSeconds: 5, user: USER, ...auth } });
  return site;
}

const outboxFiles = (s: TestSite) => readdirSync(join(s.dir, 'outbox')).filter((n) => n.endsWith('.json'));

describe('an agent signing in with an OAuth2 token (XOAUTH2)', () => {
  it('sends its signed report through a server that accepts only XOAUTH2, the token read from a file', async () => {
    const server = await xoauth2Server((t) => t === 'ya29.good-token');
    const s = siteWith(server.port, { oauth2: { tokenFile: 'm365-token.txt' } });
    writeFileSync(join(s.dir, 'm365-token.txt'), 'ya29.good-token\n');
    const r = await runAgentCli(['run-job', 'nightly', '-c', s.configPath]);
    expect(r.stdout).toMatch(/^job nightly: ok, .*report sent$/m);
    expect(r.code).toBe(0);
    expect(server.tokensSeen).toEqual(['ya29.good-token']);
    const d = await decodeEmail(server.messages[0]!, { keysFor: () => [parsePublicKeyLine(s.publicLine)] });
    expect(d.outcome).toBe('verified');
    expect(outboxFiles(s)).toEqual([]);
  });

  it('keeps the report in the outbox and says the XOAUTH2 sign-in was rejected when the token is wrong; sends it once the token is right', async () => {
    const server = await xoauth2Server((t) => t === 'ya29.good-token', 'reject');
    const s = siteWith(server.port, { oauth2: { tokenFile: 'm365-token.txt' } });
    writeFileSync(join(s.dir, 'm365-token.txt'), 'ya29.stale-token\n');
    const r = await runAgentCli(['run-job', 'nightly', '-c', s.configPath]);
    expect(r.stdout).toMatch(
      new RegExp(`^job nightly: ok, .*report kept in outbox: SMTP refused it \\(SMTP 127\\.0\\.0\\.1:${server.port}: XOAUTH2 sign-in as ${USER} rejected: 535 5\\.7\\.3 Authentication unsuccessful \\(the token file .*m365-token\\.txt gave the same token again\\)\\)`, 'm'),
    );
    expect(r.stdout + r.stderr).not.toContain('stale-token');
    expect(server.messages).toHaveLength(0);
    expect(outboxFiles(s)).toHaveLength(1);
    writeFileSync(join(s.dir, 'm365-token.txt'), 'ya29.good-token\n');
    const flush = await runAgentCli(['flush', '-c', s.configPath]);
    expect([flush.code, flush.stdout]).toEqual([0, 'sent 1 report\n']);
    expect(server.messages).toHaveLength(1);
    expect(outboxFiles(s)).toEqual([]);
  });

  for (const refusal of ['challenge', 'reject'] as const) {
    it(`runs the token command again and sends when the server refuses the cached token (${refusal === 'challenge' ? "Gmail's 334 challenge" : "Microsoft's plain 535"})`, async () => {
      const helper = tokenScript(dir, 'json', 3600);
      const server = await xoauth2Server((t) => t === 'tok-2', refusal); // tok-1 was revoked meanwhile
      const s = siteWith(server.port, { oauth2: { tokenCommand: helper.argv } });
      const r = await runAgentCli(['run-job', 'nightly', '-c', s.configPath]);
      expect(r.stdout).toMatch(/report sent$/m);
      expect(server.tokensSeen).toEqual(['tok-1', 'tok-2']);
      expect(helper.runs()).toBe(2);
    });

    it(`gives up after one fresh token that is refused too, and says so (${refusal})`, async () => {
      const helper = tokenScript(dir, 'same');
      const server = await xoauth2Server(() => false, refusal);
      const s = siteWith(server.port, { oauth2: { tokenCommand: helper.argv } });
      const run = await runAgentCli(['run-job', 'nightly', '-c', s.configPath]);
      const why = refusal === 'challenge' ? 'Error: Username and Password not accepted \\(also with a fresh token\\)' : '5\\.7\\.3 Authentication unsuccessful \\(the token command .* gave the same token again\\)';
      expect(run.stdout).toMatch(new RegExp(`SMTP refused it \\(SMTP 127\\.0\\.0\\.1:${server.port}: XOAUTH2 sign-in as ${USER} rejected: 535 ${why}\\)`));
      expect(run.stdout).not.toContain('always-the-same-token');
      // One renewal and no more, never a loop of attempts that could lock the account. After a
      // challenge nodemailer offers the renewed token itself; after a plain 535 the same token is not offered again.
      expect(server.tokensSeen).toHaveLength(refusal === 'challenge' ? 2 : 1);
      expect(helper.runs()).toBe(2);
      expect(outboxFiles(s)).toHaveLength(1);
    });
  }

  it('signs in once, not once per report, when a flush of several waiting reports meets a refused token', async () => {
    const server = await xoauth2Server(() => false, 'reject');
    writeFileSync(join(dir, 'token.txt'), 'ya29.refused\n');
    const box = new Outbox(join(dir, 'outbox'), new FakeClock('2026-11-23T02:00:00Z'), silentLogger);
    for (let i = 0; i < 3; i++) box.put(sampleResult());
    const sender = smtpSender({ host: '127.0.0.1', port: server.port, tls: 'none', rejectUnauthorized: true, timeoutSeconds: 5, user: USER, oauth2: { tokenFile: join(dir, 'token.txt') } }, {});
    const r = await box.flush({ sender, keys: generateSiteKeyPair(), from: USER, to: 'backups@collector.example' });
    expect([r.sent, r.pending, r.failures.length]).toEqual([0, 3, 1]);
    expect(r.stoppedBy).toMatch(/XOAUTH2 sign-in as backups@acme\.example rejected: 535 /);
    expect(server.tokensSeen).toEqual(['ya29.refused']);
  });

  it('reuses a command token until shortly before it expires, then signs in with a new one (the agent service keeps one sender)', async () => {
    const helper = tokenScript(dir, 'json', 3600);
    let current = 'tok-1';
    const server = await xoauth2Server((t) => t === current);
    const clock = new FakeClock('2026-11-23T02:00:00Z');
    const keys = generateSiteKeyPair();
    const box = new Outbox(join(dir, 'outbox'), clock, silentLogger);
    const send: SendDeps = {
      sender: smtpSender({ host: '127.0.0.1', port: server.port, tls: 'none', rejectUnauthorized: true, timeoutSeconds: 5, user: USER, oauth2: { tokenCommand: helper.argv, refreshBeforeSeconds: 300 } }, {}, { clock }),
      keys,
      from: USER,
      to: 'backups@collector.example',
    };
    box.put(sampleResult());
    expect((await box.flush(send)).sent).toBe(1);
    clock.advance(50 * 60_000);
    box.put(sampleResult());
    expect((await box.flush(send)).sent).toBe(1);
    expect(helper.runs()).toBe(1);
    // 56 minutes after the token was issued: within 5 minutes of its expiry the provider has
    // revoked nothing yet, but the agent fetches a new token before the old one can fail.
    clock.advance(6 * 60_000);
    current = 'tok-2';
    box.put(sampleResult());
    expect((await box.flush(send)).sent).toBe(1);
    expect(server.tokensSeen).toEqual(['tok-1', 'tok-1', 'tok-2']);
    expect(helper.runs()).toBe(2);
    for (const raw of server.messages) {
      expect((await decodeEmail(raw, { keysFor: () => [parsePublicKeyLine(publicKeyLine(keys.publicKey))] })).outcome).toBe('verified');
    }
  });
});

describe('agent check with an OAuth2 sign-in', () => {
  it('reports a working XOAUTH2 sign-in', async () => {
    const helper = tokenScript(dir, 'bare');
    const server = await xoauth2Server((t) => t === 'tok-1');
    const s = siteWith(server.port, { oauth2: { tokenCommand: helper.argv } });
    const r = await runAgentCli(['check', '-c', s.configPath]);
    expect(r.stdout).toContain(`SMTP 127.0.0.1: XOAUTH2 sign-in as ${USER} ok\n`);
    expect(r.code).toBe(0);
  });

  it('names the method, the user and the server reply when the token is refused, without the token', async () => {
    const server = await xoauth2Server(() => false, 'reject');
    const s = siteWith(server.port, { oauth2: { tokenFile: 'token.txt' } });
    writeFileSync(join(s.dir, 'token.txt'), 'ya29.wrong-token\n');
    const r = await runAgentCli(['check', '-c', s.configPath]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(new RegExp(`^synecdoche: SMTP 127\\.0\\.0\\.1:${server.port}: XOAUTH2 sign-in as ${USER} rejected: 535 5\\.7\\.3 Authentication unsuccessful`));
    expect(r.stdout + r.stderr).not.toContain('wrong-token');
  });

  it('says the token command failed, and why, before any sign-in', async () => {
    const helper = tokenScript(dir, 'fail');
    const server = await xoauth2Server(() => true);
    const s = siteWith(server.port, { oauth2: { tokenCommand: helper.argv } });
    const r = await runAgentCli(['check', '-c', s.configPath]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`smtp.oauth2: the OAuth2 token command "${process.execPath}" exited 3: AADSTS700082: the refresh token has expired`);
    expect(server.tokensSeen).toEqual([]);
  });

  it('says a password sign-in was refused by a server that takes only XOAUTH2', async () => {
    const server = await xoauth2Server(() => true);
    const s = siteWith(server.port, { password: { file: 'smtp.pw' } });
    writeFileSync(join(s.dir, 'smtp.pw'), 'hunter2\n');
    const r = await runAgentCli(['check', '-c', s.configPath]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^synecdoche: SMTP 127\.0\.0\.1:\d+: PLAIN sign-in as backups@acme\.example rejected: 504 Error: Unrecognized authentication type\n/);
    expect(r.stderr).not.toContain('hunter2');
  });
});
