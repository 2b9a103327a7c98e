import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { collectorConfigFrom } from '../config.ts';
import { ImapSource } from '../sources/imap.ts';
import { openStore } from '../store/db.ts';
import { startDovecot, type Dovecot } from '../testing/dovecot.ts';
import { hostileCorpus, type HostileCorpus } from '../testing/hostile-corpus.ts';
import { ingestContext } from './classify.ts';
import { pollSource } from './poll.ts';

describe('the hostile corpus through a real Dovecot', () => {
  let d: Dovecot;
  let dir: string;
  let corpus: HostileCorpus;
  beforeAll(async () => {
    [d, corpus] = await Promise.all([startDovecot(), hostileCorpus({ seed: 20261123, valid: 50 })]);
    dir = mkdtempSync(join(tmpdir(), 'syn-hostile-'));
  });
  afterAll(async () => {
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('quarantines every one of 300+ malformed and hostile messages with a reason and ingests every valid one exactly once', async () => {
    const bad = corpus.messages.filter((m) => m.expect === 'quarantine');
    const good = corpus.messages.filter((m) => m.expect === 'accept');
    expect(bad.length).toBeGreaterThanOrEqual(300);
    expect(good.length).toBeGreaterThanOrEqual(50);
    // APPEND in order: UID n is corpus message n-1, so every row can be checked against its expectation.
    await d.deliver(corpus.messages.map((m) => m.raw));

    const cfg = collectorConfigFrom(
      {
        database: { path: join(dir, 'hostile.db') },
        consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'Europe/London' },
        clients: [{ id: 'acme', name: 'Acme Ltd', timeZone: 'Europe/Berlin' }],
        sites: corpus.sites.map((s) => ({ id: s.id, client: 'acme', publicKeys: [s.publicKey] })),
        limits: corpus.limits,
      },
      dir,
    );
    const db = openStore(cfg.database.path);
    const ctx = ingestContext(cfg, { source: 'imap:hostile', clock: new FakeClock('2026-11-23T09:00:00Z') });
    const source = new ImapSource({ host: d.host, port: d.imapPort, tls: 'none', rejectUnauthorized: true, user: d.user, folder: 'INBOX', processedFolder: 'Synecdoche/Processed', quarantineFolder: 'Synecdoche/Quarantine' }, { password: d.pass });
    const summary = await pollSource(db, source, ctx, silentLogger, { mailbox: 'hostile', batchSize: 50 });

    const rows = db.prepare('SELECT source_id, disposition, reason, run_id FROM messages').all() as { source_id: string; disposition: string; reason: string | null; run_id: string | null }[];
    expect(rows).toHaveLength(corpus.messages.length);
    const wrong: string[] = [];
    for (const row of rows) {
      const m = corpus.messages[Number(row.source_id) - 1]!;
      const got = row.disposition === 'accepted' ? 'accept' : row.disposition === 'quarantined' ? 'quarantine' : row.disposition;
      if (got !== m.expect) wrong.push(`${m.name}: expected ${m.expect}, got ${row.disposition} ${row.reason ?? ''}`);
      else if (got === 'quarantine' && !row.reason) wrong.push(`${m.name}: quarantined without a reason`);
      else if (got === 'quarantine' && m.reasons && !m.reasons.includes(row.reason!)) wrong.push(`${m.name}: reason ${row.reason}, expected one of ${m.reasons.join(', ')}`);
    }
    expect(wrong).toEqual([]);
    expect(summary).toMatchObject({ accepted: good.length, quarantined: bad.length, duplicates: 0, thirdParty: 0 });
    const runs = (db.prepare('SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM heartbeats) AS n').get() as { n: number }).n;
    expect(runs).toBe(good.length);
    expect(new Set(rows.filter((r) => r.disposition === 'accepted').map((r) => r.run_id)).size).toBe(good.length);
    // script in text fields is stored as sent: escaping is the output's job
    const client = db.prepare(`SELECT count(*) AS n FROM messages WHERE disposition = 'accepted' AND subject LIKE '%<script>%'`).get() as { n: number };
    expect(client.n).toBeGreaterThan(0);

    const status = async (folder: string) => Number(/messages=(\d+)/.exec(await d.doveadm('mailbox', 'status', '-u', d.user, 'messages', folder))?.[1]);
    expect(await status('INBOX')).toBe(0);
    expect(await status('Synecdoche.Processed')).toBe(good.length);
    expect(await status('Synecdoche.Quarantine')).toBe(bad.length);
    db.close();
  });
});
