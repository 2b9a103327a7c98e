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
 * Prints one JSON line: messages, seconds, CPU seconds (all threads), peak RSS and the poll summary.
 */
const arg = JSON.parse(process.argv[2]!) as { config: unknown; dir: string; batchSize: number; imap?: { cfg: ImapSourceConfig; password: string }; maildir?: string };
const cfg = collectorConfigFrom(arg.config, arg.dir);
const db = openStore(cfg.database.path);
const source: MailSource = arg.imap ? new ImapSource(arg.imap.cfg, { password: arg.imap.password }) : new MaildirSource({ path: arg.maildir! });
const ctx = ingestContext(cfg, { source: source.name });
// What the resident memory was made of when it peaked (sampled every 20 ms).
let atPeak = process.memoryUsage();
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  if (m.rss > atPeak.rss) atPeak = m;
  if (process.env.TRACE_MEM) process.stderr.write(`${Math.round(m.rss / 2 ** 20)} ${Math.round(m.heapTotal / 2 ** 20)} ${Math.round(m.heapUsed / 2 ** 20)} ${Math.round(m.arrayBuffers / 2 ** 20)}\n`);
}, 20);
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const summary = await pollSource(db, source, ctx, silentLogger, { mailbox: 'bench', batchSize: arg.batchSize });
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
clearInterval(sampler);
const mb = (n: number) => Math.round(n / 2 ** 20);
db.close();
const messages = summary.accepted + summary.quarantined + summary.duplicates + summary.thirdParty;
process.stdout.write(`${JSON.stringify({ messages, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024, cpuSeconds: (cpu.user + cpu.system) / 1e6, atPeakMB: { rss: mb(atPeak.rss), heapTotal: mb(atPeak.heapTotal), heapUsed: mb(atPeak.heapUsed), external: mb(atPeak.external), arrayBuffers: mb(atPeak.arrayBuffers) }, summary })}\n`);
