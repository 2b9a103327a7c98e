import { collectorConfigFrom } from '../config.ts';
import { silentLogger } from '../../core/log.ts';
import { ingestContext } from '../ingest/classify.ts';
import { pollSource } from '../ingest/poll.ts';
import { ImapSource, type ImapSourceConfig } from '../sources/imap.ts';
import { MaildirSource } from '../sources/maildir.ts';
import type { MailSource } from '../sources/types.ts';
import { openStore } from '../store/db.ts';

/**
 * One `pollSource` pass in a process of its own, for the benchmark: its peak resident memory is
 * then the collector's alone. argv[2]: JSON { config, dir, batchSize, imap?: {cfg, password}, maildir?: path }.
 * Prints one JSON line: messages, seconds, peak RSS and the poll summary.
 */
const arg = JSON.parse(process.argv[2]!) as { config: unknown; dir: string; batchSize: number; imap?: { cfg: ImapSourceConfig; password: string }; maildir?: string };
const cfg = collectorConfigFrom(arg.config, arg.dir);
const db = openStore(cfg.database.path);
const source: MailSource = arg.imap ? new ImapSource(arg.imap.cfg, { password: arg.imap.password }) : new MaildirSource({ path: arg.maildir! });
const ctx = ingestContext(cfg, { source: source.name });
const t0 = process.hrtime.bigint();
const summary = await pollSource(db, source, ctx, silentLogger, { mailbox: 'bench', batchSize: arg.batchSize });
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
db.close();
const messages = summary.accepted + summary.quarantined + summary.duplicates + summary.thirdParty;
process.stdout.write(`${JSON.stringify({ messages, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024, heapUsedMB: process.memoryUsage().heapUsed / 2 ** 20, summary })}\n`);
