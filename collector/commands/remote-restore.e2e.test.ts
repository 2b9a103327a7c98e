import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTree, recordManifest, verifiedPayload, writeTree } from '../../agent/restore/testing.ts';
import { INCOMPLETE_MARKER } from '../../agent/restore/target.ts';
import type { TestSite } from '../../agent/testing/site.ts';
import { FakeClock } from '../../core/clock.ts';
import type { ListedCommand } from '../store/commands.ts';
import { startCommandLoop, type CommandLoop } from '../testing/command-loop.ts';

/**
 * Issue 11's "done when", tried as a new user would: from the collector, a consultant requests
 * a restore of one folder of a site's copy job as of the day before; the agent, reached only
 * through its command mailbox (a real Dovecot, over IMAP), restores it into a new folder,
 * verifies it against the backup-time hashes and reports back by signed email; `collector
 * requests` shows the command done.
 */
let loop: CommandLoop;
let site: TestSite;
let source: string;
const YESTERDAY = { 'Invoices/2026/jan.txt': 'january invoice\n', 'Invoices/2026/feb.txt': 'february invoice\n' };

beforeAll(async () => {
  loop = await startCommandLoop();
  source = join(loop.work, 'documents');
  writeTree(source, { ...YESTERDAY, 'Invoices/2025/dec.txt': 'december\n', 'letter.txt': 'dear hugo\n' });
  site = loop.site('site-a', [{ id: 'docs', name: 'Documents', plugin: 'copy', options: { source, destination: join(loop.work, 'mirror'), keepVersions: { days: 30 }, removeExtras: true } }]);
  loop.writeCollectorConfig();
});
afterAll(async () => {
  await loop?.stop();
});

async function backupAt(iso: string): Promise<void> {
  const r = await loop.agent(site, ['run-job', 'docs'], new FakeClock(iso));
  expect(r.code, r.stdout + r.stderr).toBe(0);
  recordManifest(join(site.dir, 'state'), 'docs', source, new Date(Date.parse(iso) + 60_000));
}

describe('a restore requested at the collector, carried out by the agent through its mailbox', () => {
  it('restores one folder as of the day before into a new folder, verifies it, and the collector shows the command done', async () => {
    // The nightly backups of 3 and 4 December; on the 3rd, after the first, an invoice changed.
    await backupAt('2026-12-03T01:30:00Z');
    writeTree(source, { 'Invoices/2026/jan.txt': 'january invoice, corrected on the 3rd\n' }, new Date('2026-12-03T15:00:00Z'));
    await backupAt('2026-12-04T01:30:00Z');
    await loop.route();
    const morning = new FakeClock('2026-12-04T09:00:00Z');
    const polled = await loop.collector(['poll'], morning);
    expect(polled.code, polled.out).toBe(0);

    // The consultant asks for Invoices/2026 as it was yesterday, into a new folder at the site.
    const target = join(site.dir, 'restored-invoices');
    const asked = await loop.collector(['request', 'site-a', 'docs', 'restore', '--to', target, '--path', 'Invoices/2026', '--at', 'yesterday'], morning);
    expect(asked.code, asked.out).toBe(0);
    const id = /^command ([0-9a-f-]{36}) sent to site-a@commands\.example: restore site-a\/docs into /.exec(asked.out)?.[1];
    expect(id, asked.out).toBeDefined();
    expect(asked.out).toContain('as of 2026-12-03T22:59:59.999Z'); // the end of the 3rd in Berlin
    expect(await loop.route()).toEqual({ commands: 1, reports: 0 });

    // The agent polls its command mailbox (as `agent run` does every pollSeconds).
    const poll = await loop.agent(site, ['commands'], new FakeClock('2026-12-04T09:05:00Z'));
    expect(poll.code, poll.stdout + poll.stderr).toBe(0);
    expect(poll.stdout).toContain(`command ${id}: restore docs: picked up and carried out`);
    expect(readTree(target)).toEqual(YESTERDAY);
    expect(existsSync(join(target, INCOMPLETE_MARKER))).toBe(false);

    // Its receipt and its signed restore report reach the collector's mailbox; the report says
    // what was restored from which backup and that every file matched its backup-time hash.
    const sent = loop.take();
    const report = await verifiedPayload(sent.at(-1)!, site.publicLine);
    expect(report).toMatchObject({
      kind: 'restore',
      status: 'ok',
      command: { id },
      target,
      inPlace: false,
      paths: ['Invoices/2026'],
      from: { at: '2026-12-03T01:31:00.000Z' },
      files: { restored: 2, failed: 0 },
      verification: { algorithm: 'sha256', checked: 2, mismatches: 0 },
      incomplete: false,
    });
    expect(await loop.route(sent)).toEqual({ commands: 0, reports: 2 });
    const later = new FakeClock('2026-12-04T09:10:00Z');
    expect((await loop.collector(['poll'], later)).code).toBe(0);
    const listed = JSON.parse((await loop.collector(['requests', '--json'], later)).out) as ListedCommand[];
    const cmd = listed.find((c) => c.id === id)!;
    expect(cmd).toMatchObject({ siteId: 'site-a', jobId: 'docs', action: 'restore', state: 'done', resultStatus: 'ok', requestedBy: 'consultant', args: { to: target, paths: ['Invoices/2026'], at: '2026-12-03T22:59:59.999Z' } });
    expect(cmd.receipts.map((r) => r.state)).toEqual(['picked-up']);
    const table = await loop.collector(['requests'], later);
    expect(table.out).toMatch(new RegExp(`${id!.slice(0, 8)} .* site-a/docs +restore +done +run ${cmd.resultRunId} \\(ok\\); by consultant`));
  });
});
