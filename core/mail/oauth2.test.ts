import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.ts';
import { isSynError } from '../errors.ts';
import { tokenScript } from '../testing/oauth2.ts';
import { AccessTokenSource, OAuth2Config, parseTokenOutput } from './oauth2.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'syn-oauth2-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const command = (argv: string[], refreshBeforeSeconds?: number) => OAuth2Config.parse({ tokenCommand: argv, refreshBeforeSeconds });

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; permanent: boolean }> {
  try {
    await p;
  } catch (e) {
    if (!isSynError(e)) throw e;
    return { code: e.code, message: e.message, permanent: e.permanent };
  }
  throw new Error('expected a failure');
}

describe('parseTokenOutput', () => {
  const now = new Date('2026-11-23T10:00:00Z');
  it('takes the first non-empty line of plain output as the token', () => {
    expect(parseTokenOutput('\n  ya29.a0Af-token_1  \nsecond line\n', now)).toEqual({ token: 'ya29.a0Af-token_1' });
  });
  it('reads access_token and expires_in of a JSON token response', () => {
    expect(parseTokenOutput('{"token_type":"Bearer","access_token":"eyJ0.x.y","expires_in":3599}', now)).toEqual({ token: 'eyJ0.x.y', expiresAt: new Date('2026-11-23T10:59:59Z') });
  });
  it("reads accessToken and expires_on (epoch seconds) as Azure's CLI prints them", () => {
    expect(parseTokenOutput('{"accessToken":"eyJ0.a.b","expires_on":1795442400}', now)).toEqual({ token: 'eyJ0.a.b', expiresAt: new Date(1795442400 * 1000) });
  });
  it('says what is wrong with output that holds no token, without repeating it', () => {
    expect(parseTokenOutput('', now)).toBe('gave no token (empty output)');
    expect(parseTokenOutput('{"error":"invalid_grant","error_description":"secret-ish detail"}', now)).toBe('printed JSON without an "access_token" string');
    expect(parseTokenOutput('{"access_token": ', now)).toBe('printed text that starts like JSON but is not valid JSON');
    expect(parseTokenOutput('Please sign in at https://microsoft.com/devicelogin', now)).toMatch(/not a token/);
  });
});

describe('AccessTokenSource', () => {
  it('keeps a command token with expires_in until refreshBeforeSeconds before it expires, then runs the command again', async () => {
    const helper = tokenScript(dir, 'json', 3600);
    const clock = new FakeClock('2026-11-23T10:00:00Z');
    const tokens = new AccessTokenSource(command(helper.argv, 300), { code: 'SMTP_FAILED', where: 'smtp.oauth2', clock });
    expect((await tokens.get()).token).toBe('tok-1');
    clock.advance(54 * 60_000);
    expect((await tokens.get()).token).toBe('tok-1');
    expect(helper.runs()).toBe(1);
    clock.advance(2 * 60_000); // 56 minutes: inside the 5-minute margin before expiry
    expect(await tokens.get()).toEqual({ token: 'tok-2', expiresAt: new Date('2026-11-23T11:56:00Z') });
    expect(helper.runs()).toBe(2);
  });

  it('runs the command again when asked to renew a token the server refused, even a fresh one', async () => {
    const helper = tokenScript(dir, 'json');
    const tokens = new AccessTokenSource(command(helper.argv), { code: 'SMTP_FAILED', where: 'smtp.oauth2', clock: new FakeClock('2026-11-23T10:00:00Z') });
    expect((await tokens.get()).token).toBe('tok-1');
    expect((await tokens.get(true)).token).toBe('tok-2');
    expect((await tokens.get()).token).toBe('tok-2');
    expect(helper.runs()).toBe(2);
  });

  it('runs a command that prints a bare token at every sign-in, as it tells no expiry', async () => {
    const helper = tokenScript(dir, 'bare');
    const tokens = new AccessTokenSource(command(helper.argv), { code: 'MAILBOX_FAILED', where: 'mailbox m' });
    expect([(await tokens.get()).token, (await tokens.get()).token]).toEqual(['tok-1', 'tok-2']);
  });

  it('runs the command once for two sign-ins at the same moment', async () => {
    const helper = tokenScript(dir, 'json');
    const tokens = new AccessTokenSource(command(helper.argv), { code: 'SMTP_FAILED', where: 'smtp.oauth2' });
    const [a, b] = await Promise.all([tokens.get(), tokens.get()]);
    expect([a.token, b.token, helper.runs()]).toEqual(['tok-1', 'tok-1', 1]);
  });

  it('reads a token file again at every sign-in, so a token another tool refreshed is used at once', async () => {
    const file = join(dir, 'token.txt');
    writeFileSync(file, 'first-token\n');
    const tokens = new AccessTokenSource({ tokenFile: file }, { code: 'MAILBOX_FAILED', where: 'mailbox m' });
    expect((await tokens.get()).token).toBe('first-token');
    writeFileSync(file, '{"access_token":"second-token","expires_in":3600}');
    expect((await tokens.get()).token).toBe('second-token');
  });

  it("fails with its side's error code, the helper's own explanation, and never the output", async () => {
    const helper = tokenScript(dir, 'fail');
    expect(await failure(new AccessTokenSource(command(helper.argv), { code: 'SMTP_FAILED', where: 'smtp.oauth2' }).get())).toEqual({
      code: 'SMTP_FAILED',
      message: `smtp.oauth2: the OAuth2 token command "${process.execPath}" exited 3: AADSTS700082: the refresh token has expired`,
      permanent: false,
    });
    expect(await failure(new AccessTokenSource(command(['/nonexistent/get-token']), { code: 'MAILBOX_FAILED', where: 'mailbox m' }).get())).toMatchObject({
      code: 'MAILBOX_FAILED',
      message: 'mailbox m: cannot start the OAuth2 token command "/nonexistent/get-token": ENOENT',
    });
    expect(await failure(new AccessTokenSource({ tokenFile: join(dir, 'missing') }, { code: 'MAILBOX_FAILED', where: 'mailbox m' }).get())).toMatchObject({
      message: `mailbox m: cannot read the OAuth2 token file ${join(dir, 'missing')}: ENOENT`,
    });
    const secretish = join(dir, 'bad.txt');
    writeFileSync(secretish, '{"refresh_token":"rt-should-not-show"}');
    const bad = await failure(new AccessTokenSource({ tokenFile: secretish }, { code: 'SMTP_FAILED', where: 'smtp.oauth2' }).get());
    expect(bad.message).toBe(`smtp.oauth2: the OAuth2 token file ${secretish} printed JSON without an "access_token" string`);
  });
});
