import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSiteKeyPair } from '../result/keys.ts';
import { buildRaw } from '../email/encode.ts';
import { encodeCommandEmail, readCommandMail } from './email.ts';
import { commandJsonSchema } from './json-schema.ts';
import { CommandPayload, SignedCommand, type CommandPayload as Command } from './schema.ts';
import { checkCommandSignature, signCommand } from './sign.ts';

function command(over: Partial<Command> = {}): Command {
  return {
    format: 'synecdoche-command',
    version: 1,
    id: randomUUID(),
    site: { id: 'site-a' },
    job: { id: 'docs' },
    action: 'run-now',
    issuedAt: '2026-12-04T10:00:00.000Z',
    expiresAt: '2026-12-05T10:00:00.000Z',
    nonce: 'q83vEjRWeJq83vEjRWeJqw==',
    requestedBy: 'consultant',
    ...over,
  };
}

describe('the command contract', () => {
  it('matches its committed JSON Schema (npx tsx core/command/write-json-schema.ts when this fails)', () => {
    const committed = JSON.parse(readFileSync(new URL('./command.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(commandJsonSchema())));
  });

  it('requires restore arguments for a restore and refuses them for run-now', () => {
    expect(CommandPayload.safeParse(command({ action: 'restore' })).success).toBe(false);
    expect(CommandPayload.safeParse(command({ restore: { to: '/r', paths: [], at: null } })).success).toBe(false);
    expect(CommandPayload.safeParse(command({ action: 'restore', restore: { to: '/r', paths: ['a'], at: '2026-12-03T23:59:59.999Z' } })).success).toBe(true);
  });

  it('refuses a short nonce, unknown fields and an expiry before the issue time', () => {
    expect(CommandPayload.safeParse(command({ nonce: 'c2hvcnQ=' })).success).toBe(false);
    expect(CommandPayload.safeParse({ ...command(), extra: 1 }).success).toBe(false);
    expect(CommandPayload.safeParse(command({ expiresAt: '2026-12-04T09:00:00.000Z' })).success).toBe(false);
  });

  it('verifies a signed command by the signing key only, and notices any edit after signing', () => {
    const keys = generateSiteKeyPair();
    const signed = signCommand(command(), keys);
    expect(SignedCommand.safeParse(signed).success).toBe(true);
    expect(checkCommandSignature(signed, keys.publicKey)).toBe('valid');
    expect(checkCommandSignature(signed, generateSiteKeyPair().publicKey)).toBe('other-key');
    expect(checkCommandSignature({ ...signed, job: { id: 'payroll' } }, keys.publicKey)).toBe('bad');
  });

  it('travels as a readable email whose attachment is read back byte for byte', async () => {
    const signed = signCommand(command({ action: 'restore', restore: { to: '/restore/x', paths: ['Invoices'], at: null } }), generateSiteKeyPair());
    const message = encodeCommandEmail(signed, { from: 'pat@consultant.example', to: 'commands@site-a.example' });
    expect(message.subject).toBe('[SYNECDOCHE COMMAND] restore site-a / docs - requested by consultant');
    const mail = await readCommandMail(await buildRaw(message));
    expect('text' in mail && JSON.parse(mail.text)).toEqual(signed);
  });

  it('says why a mail without the attachment cannot be read', async () => {
    const mail = await readCommandMail(Buffer.from('Subject: hello\r\n\r\nno attachment\r\n'));
    expect(mail).toMatchObject({ problem: expect.stringContaining('0 synecdoche-command.json attachments'), subject: 'hello' });
  });
});
