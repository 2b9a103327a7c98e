import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireJobLock } from '../../agent/lock.ts';
import type { TestSite } from '../../agent/testing/site.ts';
import { FakeClock } from '../../core/clock.ts';
import { encodeCommandEmail, readCommandMail } from '../../core/command/email.ts';
import { signCommand } from '../../core/command/sign.ts';
import { buildRaw } from '../../core/email/encode.ts';
import { generateSiteKeyPair } from '../../core/result/keys.ts';
import type { ListedCommand } from '../store/commands.ts';
import { startCommandLoop, type CommandLoop } from '../testing/command-loop.ts';

/**
 * Remote commands with real parts: `collector request` signs and sends through a real SMTP
 * server, the mail lands in the site's command mailbox in a real Dovecot, `agent commands` reads
 * it over IMAP and answers through SMTP into the collector's mailbox, which `collector poll`
 * reads. Hostile commands are refused, each refusal is reported, and `collector requests` shows it.
 */
let loop: CommandLoop;
let siteA: TestSite;
let siteB: TestSite;
const day = 86_400_000;

beforeAll(async () => {
  loop = await startCommandLoop();
  const docs = join(loop.work, 'docs');
  mkdirSync(docs);
  for (let i = 0; i < 4; i++) writeFileSync(join(docs, `f${i}.txt`), `file ${i}`);
  const job = (dst: string) => ({ id: 'docs', name: 'Documents', plugin: 'copy', options: { source: docs, destination: join(loop.work, dst) } });
  siteA = loop.site('site-a', [job('a-dst')]);
  siteB = loop.site('site-b', [job('b-dst')]);
  loop.writeCollectorConfig();
  // Each job runs once, so the collector knows it (a command names a job it has heard of).
  for (const s of [siteA, siteB]) expect((await loop.agent(s, ['run-job', 'docs'])).code).toBe(0);
  await loop.route();
  expect((await loop.collector(['poll'])).code).toBe(0);
});
afterAll(async () => {
  await loop?.stop();
});

async function requests(clock?: FakeClock): Promise<ListedCommand[]> {
  const r = await loop.collector(['requests', '--json'], clock);
  expect(r.code, r.out).toBe(0);
  return JSON.parse(r.out) as ListedCommand[];
}

async function request(args: string[], clock?: FakeClock): Promise<string> {
  const r = await loop.collector(['request', ...args, '--json'], clock);
  expect(r.code, r.out).toBe(0);
  return (JSON.parse(r.out) as { id: string }).id;
}

describe('remote commands by signed email', () => {
  it('refuses forged, expired, replayed, misaddressed and tampered commands, reports each, and runs the genuine one', async () => {
    const genuine = await request(['site-a', 'docs', 'run-now']);
    const [genuineMail] = loop.take();
    const expired = await request(['site-a', 'docs', 'run-now'], new FakeClock(new Date(Date.now() - 2 * day)));
    const misaddressed = await request(['site-b', 'docs', 'run-now']);
    const tamperedId = await request(['site-a', 'docs', 'run-now', '--by', 'client request 7']);
    const [expiredMail, misaddressedMail, toTamper] = loop.take();
    // Tampered: the JSON is edited after signing (a different requester), the signature kept.
    const original = await readCommandMail(toTamper!);
    const edited = { ...JSON.parse('text' in original ? original.text : '{}'), requestedBy: 'consultant' };
    const tampered = await buildRaw(encodeCommandEmail(edited, { from: 'pat@consultant.example', to: 'site-a@commands.example' }));
    // Forged: a well-formed command signed with a key the site does not hold.
    const forgedCommand = signCommand(
      { ...JSON.parse('text' in original ? original.text : '{}'), id: '0b5e1c3a-7d2f-4e8a-9c61-2f4b8d0e6a17', nonce: 'AAAAAAAAAAAAAAAAAAAAAAAA', signature: undefined },
      generateSiteKeyPair(),
    );
    const forged = await buildRaw(encodeCommandEmail(forgedCommand, { from: 'evil@example.net', to: 'site-a@commands.example' }));
    // Everything lands in site-a's command mailbox: the genuine command twice (a replay), and
    // site-b's command delivered to the wrong site.
    for (const raw of [genuineMail!, expiredMail!, misaddressedMail!, tampered, forged, genuineMail!]) await loop.dovecot.deliver(raw, { user: 'site-a' });

    const poll = await loop.agent(siteA, ['commands', '--json']);
    expect(poll.code, poll.stderr).toBe(0);
    const report = JSON.parse(poll.stdout) as { read: number; accepted: { id: string }[]; refused: { id: string; code: string }[] };
    expect(report.read).toBe(6);
    expect(report.accepted.map((a) => a.id)).toEqual([genuine]);
    expect(report.refused.map((r) => [r.id, r.code])).toEqual([
      [expired, 'expired'],
      [misaddressed, 'misaddressed'],
      [tamperedId, 'tampered'],
      [forgedCommand.id, 'forged'],
      [genuine, 'replayed'],
    ]);
    // Read messages left the inbox: a second poll finds nothing.
    expect(JSON.parse((await loop.agent(siteA, ['commands', '--json'])).stdout)).toMatchObject({ read: 0 });

    // Receipts (one picked-up, five refused) and the run's result go back to the collector.
    expect(await loop.route()).toEqual({ commands: 0, reports: 7 });
    expect((await loop.collector(['poll'])).code).toBe(0);
    const shown = await requests();
    const of = (id: string) => shown.find((c) => c.id === id)!;
    expect(of(genuine)).toMatchObject({ state: 'done', resultStatus: 'ok' });
    expect(of(genuine).receipts.map((r) => r.state)).toEqual(['picked-up', 'refused']);
    expect(of(genuine).receipts[1]!.reason).toMatch(/^replayed: /);
    expect(of(expired)).toMatchObject({ state: 'refused', reason: expect.stringMatching(/^expired: /) });
    expect(of(misaddressed)).toMatchObject({ siteId: 'site-b', state: 'refused', reason: expect.stringMatching(/^misaddressed: addressed to site "site-b", this is site "site-a"/) });
    expect(of(tamperedId)).toMatchObject({ state: 'refused', reason: expect.stringMatching(/^tampered: /) });
    expect(of(forgedCommand.id)).toMatchObject({ issued: false, state: 'refused', reason: expect.stringMatching(/^forged: /) });

    // The run the command started is the one the collector stored, and its result names the command.
    const history = await loop.collector(['history', 'site-a/docs', '--json']);
    const runs = (JSON.parse(history.out) as { runs: { runId: string }[] }).runs;
    expect(runs.map((r) => r.runId)).toContain(of(genuine).resultRunId);

    const table = await loop.collector(['requests']);
    expect(table.out).toMatch(new RegExp(`${genuine.slice(0, 8)} .* site-a/docs +run-now +done +run ${of(genuine).resultRunId} \\(ok\\); site-a refused a copy: replayed: `));
    expect(table.out).toMatch(/site-b\/docs +run-now +refused +misaddressed: /);
    expect(table.out).toContain('NOT SENT BY THIS COLLECTOR; forged: ');
  });

  it('refuses a command for a job that is running, with that reason', async () => {
    const id = await request(['site-a', 'docs', 'run-now']);
    await loop.route();
    const release = acquireJobLock(join(siteA.dir, 'state'), 'docs');
    let poll;
    try {
      poll = await loop.agent(siteA, ['commands']);
    } finally {
      release();
    }
    expect(poll.stdout).toContain(`command ${id}: refused: job is running: `);
    await loop.route();
    await loop.collector(['poll']);
    expect((await requests()).find((c) => c.id === id)).toMatchObject({ state: 'refused', reason: expect.stringMatching(/^job is running: /) });
  });

  it('shows a command no agent answered as expired once its expiry has passed', async () => {
    const id = await request(['site-b', 'docs', 'run-now']);
    loop.take(); // never delivered
    expect((await requests()).find((c) => c.id === id)).toMatchObject({ state: 'sent' });
    expect((await requests(new FakeClock(new Date(Date.now() + 2 * day)))).find((c) => c.id === id)).toMatchObject({ state: 'expired' });
  });

  it('keeps going when the command mailbox is unreachable, and says so (exit 6)', async () => {
    const cfg = siteB.configPath;
    const text = readFileSync(cfg, 'utf8');
    writeFileSync(cfg, text.replace(`port: ${loop.dovecot.imapPort}`, 'port: 1'));
    const poll = await loop.agent(siteB, ['commands']);
    writeFileSync(cfg, text);
    expect(poll.code).toBe(6);
    expect(poll.stdout).toMatch(/command mailbox .* could not be read: .*the next poll tries again/);
  });

  it('refuses to send a command for a site or job the collector does not know', async () => {
    expect((await loop.collector(['request', 'site-z', 'docs', 'run-now'])).out).toContain('no site "site-z" in the config');
    const r = await loop.collector(['request', 'site-a', 'payroll', 'run-now']);
    expect(r.code).toBe(2);
    expect(r.out).toContain('site "site-a" has not reported a job "payroll" (jobs heard of: docs)');
    expect((await loop.collector(['request', 'site-a', 'docs', 'restore'])).out).toContain('restore needs --to DIR');
  });
});
