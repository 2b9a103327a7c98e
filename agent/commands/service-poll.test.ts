import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { encodeCommandEmail } from '../../core/command/email.ts';
import { signCommand } from '../../core/command/sign.ts';
import { decodeEmail } from '../../core/email/decode.ts';
import { buildRaw } from '../../core/email/encode.ts';
import { generateSiteKeyPair, parsePublicKeyLine, publicKeyLine } from '../../core/result/keys.ts';
import type { SignedPayload } from '../../core/result/schema.ts';
import { AgentService } from '../service.ts';
import type { Scheduler } from '../schedule.ts';
import { testDeps } from '../testing/deps.ts';
import { fakeLookup } from '../testing/plugins.ts';
import { makeTestSite, type TestSite } from '../testing/site.ts';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtp.ts';

let smtp: TestSmtpServer | undefined;
let site: TestSite | undefined;
let service: AgentService | undefined;
afterEach(async () => {
  await service?.stop();
  service = undefined;
  await smtp?.close();
  site?.cleanup();
});

const collectorKeys = generateSiteKeyPair();
const never: Scheduler = () => ({ cancel: () => undefined });

/** A site whose `agent run` reads commands from a real Maildir in its folder. */
async function serviceWith(maildir: (dir: string) => string) {
  smtp = await startSmtpServer();
  site = makeTestSite(smtp.port, [{ id: 'docs', plugin: 'fake', options: { copied: 3 } }]);
  const box = maildir(site.dir);
  site.write({ commands: { publicKey: publicKeyLine(collectorKeys.publicKey), mailbox: { maildir: box }, pollSeconds: 10 } });
  const deps = testDeps(site.configPath, fakeLookup(), systemClock);
  service = new AgentService({ ...deps, send: deps.send!, scheduler: never });
  return { box, service, deps };
}

function maildirAt(dir: string): string {
  const box = join(dir, 'commands');
  for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(box, sub), { recursive: true });
  return box;
}

async function payloads(): Promise<SignedPayload[]> {
  const key = parsePublicKeyLine(site!.publicLine);
  return Promise.all(
    smtp!.messages.map(async (raw) => {
      const d = await decodeEmail(raw, { keysFor: () => [key] });
      if (d.outcome !== 'verified') throw new Error(d.outcome);
      return d.payload;
    }),
  );
}

describe('agent run and the command mailbox', () => {
  it('reads the mailbox at start, runs a signed run-now command, and its result names the command', async () => {
    const { box, service } = await serviceWith(maildirAt);
    const now = Date.now();
    const command = signCommand(
      { format: 'synecdoche-command', version: 1, id: randomUUID(), site: { id: 'site-a' }, job: { id: 'docs' }, action: 'run-now', issuedAt: new Date(now).toISOString(), expiresAt: new Date(now + 3_600_000).toISOString(), nonce: 'q83vEjRWeJq83vEjRWeJqw==', requestedBy: 'consultant' },
      collectorKeys,
    );
    writeFileSync(join(box, 'new', '1.command'), await buildRaw(encodeCommandEmail(command, { from: 'pat@consultant.example', to: 'commands@site-a.example' })));
    await service.start();
    await service.pollCommands(); // the poll started by start(), awaited
    await smtp!.waitFor(3);
    const sent = await payloads();
    expect(sent.map((p) => p.kind)).toEqual(['heartbeat', 'command-receipt', 'result']);
    expect(sent[1]).toMatchObject({ kind: 'command-receipt', state: 'picked-up', command: { id: command.id }, jobId: 'docs' });
    expect(sent[2]).toMatchObject({ kind: 'result', status: 'ok', command: { id: command.id }, files: { copied: 3 } });
    expect(readdirSync(join(box, 'new'))).toEqual([]);
    expect(readdirSync(join(box, '.Processed', 'cur'))).toEqual(['1.command']);
  });

  it('keeps running when the command mailbox is missing, and logs it instead of stopping', async () => {
    const { service, deps } = await serviceWith((dir) => join(dir, 'no-such-maildir'));
    await service.start();
    const report = await service.pollCommands();
    expect(report).toMatchObject({ read: 0, error: expect.stringContaining('cannot read the Maildir') });
    await service.fire(deps.config.jobs[0]!);
    await smtp!.waitFor(2);
    expect((await payloads()).map((p) => p.kind)).toEqual(['heartbeat', 'result']);
  });
});
