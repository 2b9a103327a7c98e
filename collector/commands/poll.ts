import { describeError, SynError } from '../../core/errors.ts';
import { ingestContext } from '../ingest/classify.ts';
import { describeSummary, pollSource, type PollSummary } from '../ingest/poll.ts';
import { FileSource } from '../sources/files.ts';
import { printJson, type CollectorCliDeps, type Loaded } from './common.ts';

/**
 * `collector poll`: one pass over every mailbox. A mailbox that fails does not stop the others;
 * the command then exits MAILBOX_FAILED (6) after all were tried.
 */
export async function pollCommand(l: Loaded, deps: CollectorCliDeps, env: NodeJS.ProcessEnv, o: { json?: boolean } = {}): Promise<PollSummary[]> {
  if (l.cfg.mailboxes.length === 0) throw new SynError('CONFIG_INVALID', 'no mailboxes are configured (see "mailboxes:" in config/collector.example.yaml)');
  const summaries: PollSummary[] = [];
  const failed: string[] = [];
  const rows: ({ source: string } & (PollSummary | { mailbox: string; error: string }))[] = [];
  for (const m of l.cfg.mailboxes) {
    let name = m.name;
    try {
      const source = await deps.sourceFor(m, env, l.log);
      name = source.name;
      const ctx = ingestContext(l.cfg, { source: m.name, clock: l.clock, log: l.log });
      const s = await pollSource(l.db, source, ctx, l.log, { mailbox: m.name, batchSize: m.batchSize, onBatch: o.json ? undefined : progressLine(l, source.name) });
      l.live?.(null);
      summaries.push(s);
      rows.push({ source: source.name, ...s });
      if (!o.json) l.out(`${source.name}: ${describeSummary(s)}`);
    } catch (e) {
      l.live?.(null);
      if (e instanceof SynError && e.code === 'STORE_FAILED') throw e;
      failed.push(m.name);
      rows.push({ source: name, mailbox: m.name, error: describeError(e) });
      if (!o.json) l.out(`${name}: FAILED: ${describeError(e)}`);
    }
  }
  if (o.json) printJson(l, rows);
  await tellClients(l, env);
  if (failed.length > 0) throw new SynError('MAILBOX_FAILED', `${failed.length} of ${l.cfg.mailboxes.length} mailboxes could not be read: ${failed.join(', ')}`);
  return summaries;
}

/** Client requests after a pass: outcomes of their commands, then notices to the clients (collector/requests). */
async function tellClients(l: Loaded, env: NodeJS.ProcessEnv): Promise<void> {
  const [{ clientRequestsPass }, { smtpSender }] = await Promise.all([import('../requests/pass.ts'), import('../../core/mail/smtp.ts')]);
  const sender = l.cfg.smtp ? smtpSender(l.cfg.smtp, env) : undefined;
  try {
    await clientRequestsPass(l.db, l.cfg, sender, l.clock.now(), l.log);
  } finally {
    sender?.close();
  }
}

/** `collector import FILE.eml ...`: ingest single files; they stay where they are. */
export async function importCommand(l: Loaded, files: readonly string[], o: { json?: boolean } = {}): Promise<PollSummary> {
  const ctx = ingestContext(l.cfg, { source: 'import', clock: l.clock, log: l.log });
  const source = new FileSource(files);
  const s = await pollSource(l.db, source, ctx, l.log, { mailbox: null, batchSize: 200, onBatch: o.json ? undefined : progressLine(l, 'import') }).finally(() => l.live?.(null));
  if (o.json) {
    printJson(l, s);
    return s;
  }
  l.out(`import: ${describeSummary(s)}`);
  if (s.quarantined > 0) l.out('see "synecdoche collector quarantine" for the reasons');
  return s;
}

/** How often the progress line may change: a few times a second reads well and costs nothing. */
const PROGRESS_INTERVAL_MS = 250;

/**
 * The progress of a long pass on the terminal ("imap:...: 12,500 read so far, 1,980/s"), at most
 * every PROGRESS_INTERVAL_MS, starting with the first batch; nothing when stdout is not a
 * terminal (cron, pipes) or with --json.
 */
function progressLine(l: Loaded, name: string): ((s: Readonly<PollSummary>) => void) | undefined {
  const live = l.live;
  if (!live) return undefined;
  const start = performance.now();
  let last = -Infinity;
  return (s) => {
    const now = performance.now();
    if (now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    const read = s.accepted + s.duplicates + s.thirdParty + s.ownReports + s.quarantined;
    const rate = now - start >= 1000 ? `, ${Math.round((read * 1000) / (now - start)).toLocaleString('en-US')}/s` : '';
    live(`${name}: ${read.toLocaleString('en-US')} read so far (${s.accepted.toLocaleString('en-US')} accepted, ${s.quarantined.toLocaleString('en-US')} quarantined)${rate}`);
  };
}
