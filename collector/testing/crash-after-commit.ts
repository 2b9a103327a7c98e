import { FakeClock } from '../../core/clock.ts';
import { collectorConfigFrom } from '../config.ts';
import { ingestBatch } from '../ingest/batch.ts';
import { ingestContext } from '../ingest/classify.ts';
import { ImapSource, type ImapSourceConfig } from '../sources/imap.ts';
import { openStore } from '../store/db.ts';

/**
 * A collector that dies between the database commit and the mailbox move: reads one batch,
 * commits it, then exits at once (as a kill would), leaving the messages in the inbox.
 * argv[2]: JSON { config (raw collector config), dir, imap (ImapSourceConfig), password, batch }.
 */
const arg = JSON.parse(process.argv[2]!) as { config: unknown; dir: string; imap: ImapSourceConfig; password: string; batch: number };
const cfg = collectorConfigFrom(arg.config, arg.dir);
const db = openStore(cfg.database.path);
const source = new ImapSource(arg.imap, { password: arg.password });
await source.open();
const batch = await source.fetchBatch(arg.batch);
const out = await ingestBatch(db, batch, ingestContext(cfg, { source: source.name, clock: new FakeClock('2026-11-23T09:00:00Z') }));
process.stdout.write(`${JSON.stringify({ committed: batch.length, accepted: out.accepted.length })}\n`);
process.exit(137);
