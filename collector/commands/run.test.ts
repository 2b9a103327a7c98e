import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { SynError } from '../../core/errors.ts';
import { createLogger, silentLogger } from '../../core/log.ts';
import { sampleResult } from '../../core/result/testing.ts';
import type { CollectorConfig } from '../config.ts';
import { signedRaw, tempDir, testConfig, testSites } from '../ingest/testing.ts';
import { MaildirSource } from '../sources/maildir.ts';
import { openStore, type Db } from '../store/db.ts';
import { collectorCommandDefaults, type Loaded } from './common.ts';
import { runCollector } from './run.ts';

const [siteA] = testSites('site-a');

/** A Maildir behind an IMAP-like face: fails to open `failures` times, and offers waitForNew. */
class FlakySource extends MaildirSource {
  opens = 0;
  waits: number[] = [];
  constructor(path: string, private failures: number, private onWait: () => void) {
    super({ path });
  }
  override async open(): Promise<void> {
    this.opens++;
    if (this.failures-- > 0) throw new SynError('MAILBOX_FAILED', 'connection refused', { permanent: false });
    await super.open();
  }
  async waitForNew(timeoutMs: number, signal: AbortSignal): Promise<void> {
    this.waits.push(timeoutMs);
    this.onWait();
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  }
}

describe('collector run', () => {
  let dir: string, cleanup: () => void, db: Db, cfg: CollectorConfig, maildir: string;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    maildir = join(dir, 'Maildir');
    for (const s of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, s), { recursive: true });
    cfg = testConfig(dir, [siteA!], {
      mailboxes: [{ name: 'm365', type: 'imap', host: 'imap.invalid', user: 'u', auth: { password: { env: 'PW' } }, pollSeconds: 120 }],
    });
    db = openStore(cfg.database.path);
  });
  afterEach(() => {
    db.close();
    cleanup();
  });

  it('reconnects after failures with backoff, records them, then reads and waits with IDLE until stopped', async () => {
    writeFileSync(join(maildir, 'new', '1.eml'), await signedRaw(sampleResult({ siteId: 'site-a' }), siteA!));
    const stop = new AbortController();
    const errorsSeen: (string | null)[] = [];
    const source = new FlakySource(maildir, 2, () => stop.abort());
    const loaded: Loaded = { cfg, db, log: silentLogger, clock: new FakeClock('2026-11-23T09:00:00Z'), out: () => {} };
    let afterPoll = 0;
    const started = Date.now();
    await runCollector(
      loaded,
      {
        ...collectorCommandDefaults,
        sourceFor: () => source,
        backoffMinMs: 20,
        onAfterPoll: async () => {
          afterPoll++;
          errorsSeen.push((db.prepare('SELECT last_error FROM mailbox_polls').get() as { last_error: string | null }).last_error);
        },
      },
      {},
      stop.signal,
    );
    expect(source.opens).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(60); // 20 ms, then 40 ms
    expect(afterPoll).toBe(1);
    expect(errorsSeen).toEqual([null]); // the good poll cleared the recorded failure
    expect(source.waits).toEqual([120_000]);
    expect(db.prepare('SELECT count(*) AS n FROM runs').get()).toEqual({ n: 1 });
  });

  it('names the mailbox once in each log line', async () => {
    writeFileSync(join(maildir, 'new', '1.eml'), await signedRaw(sampleResult({ siteId: 'site-a' }), siteA!));
    const stop = new AbortController();
    const source = new FlakySource(maildir, 1, () => stop.abort());
    const lines: string[] = [];
    const destination = new Writable({ write: (c, _e, cb) => (lines.push(...String(c).split('\n').filter(Boolean)), cb()) });
    const loaded: Loaded = { cfg, db, log: createLogger({ level: 'debug', destination }), clock: new FakeClock('2026-11-23T09:00:00Z'), out: () => {} };
    await runCollector(loaded, { ...collectorCommandDefaults, sourceFor: () => source, backoffMinMs: 5 }, {}, stop.signal);
    const aboutMailbox = lines.filter((l) => l.includes('"mailbox":'));
    expect(aboutMailbox.map((l) => JSON.parse(l).msg)).toEqual(expect.arrayContaining(['mailbox poll failed', 'batch ingested', 'mailbox polled']));
    for (const l of aboutMailbox) expect(l.match(/"mailbox":/g), l).toHaveLength(1);
  });

  it('shows the mailbox as failing while it cannot be reached', async () => {
    const stop = new AbortController();
    const source = new FlakySource(maildir, 1000, () => {});
    const loaded: Loaded = { cfg, db, log: silentLogger, clock: new FakeClock('2026-11-23T09:00:00Z'), out: () => {} };
    const running = runCollector(loaded, { ...collectorCommandDefaults, sourceFor: () => source, backoffMinMs: 5 }, {}, stop.signal);
    while (source.opens < 3) await new Promise((r) => setTimeout(r, 5));
    expect(db.prepare('SELECT mailbox, last_good_at, last_error FROM mailbox_polls').get()).toEqual({ mailbox: 'm365', last_good_at: null, last_error: 'connection refused' });
    stop.abort();
    await running;
  });
});
