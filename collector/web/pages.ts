import { readFileSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Clock } from '../../core/clock.ts';
import { SynError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { TemplateSet } from '../../core/templates.ts';
import { historyCommand, type ShownHistory } from '../commands/history.ts';
import { quarantineReleaseCommand } from '../commands/quarantine.ts';
import { collectorCommandDefaults, type CollectorCliDeps, type Loaded } from '../commands/common.ts';
import { toStatusParams, type CollectorConfig } from '../config.ts';
import { evaluateStatus } from '../status/engine.ts';
import { loadStatusFacts } from '../store/facts.ts';
import { buildClientSummary } from '../report/client/build.ts';
import { digestModelAt, statusAt } from '../report/digest/build.ts';
import { PX_PER_DAY } from '../report/digest/render.ts';
import { localTimeWords } from '../status/clock-words.ts';
import { statusToJson, type StatusJson } from '../status/format.ts';
import { provenanceNotes } from '../status/provenance.ts';
import type { Db } from '../store/db.ts';
import { deleteQuarantined, listQuarantined, rawOf } from '../store/messages.ts';
import { recordedArchiveHead } from '../store/archive-head.ts';
import { formatVerifyResult, verifyArchive } from '../report/archive.ts';
import { MANIFEST_NAME, readManifest } from '../report/manifest.ts';
import { formatBytes } from '../../core/units.ts';
import type { Session } from './accounts.ts';
import { drillKey, loadDrillStates } from '../report/drills.ts';
import { restoresOf } from '../store/restores.ts';
import { listCommands } from '../store/commands.ts';
import { note as commandNote, WORDS as COMMAND_STATE_WORDS } from '../commands/requests.ts';
import { pendingRequestsCommand } from '../requests/cli.ts';

/**
 * The dashboard's pages as HTML fragments (the layout wraps them). Each reads through the same
 * code as the CLI and the reports: the digest model for the overview, the client summary model
 * for a client, `collector history` for a job, the quarantine commands for releasing.
 */
export interface PageContext {
  db: Db;
  cfg: CollectorConfig;
  clock: Clock;
  templates: TemplateSet;
  log: Logger;
  env: NodeJS.ProcessEnv;
  cliDeps?: CollectorCliDeps | undefined;
}

const loaded = (ctx: PageContext, out: (l: string) => void = () => {}): Loaded => ({ cfg: ctx.cfg, db: ctx.db, log: ctx.log, clock: ctx.clock, out });

/** Every job's plugin (`copy`, `third-party/veeam` ...), for the tool filter. */
function pluginsOf(db: Db): Map<string, string> {
  const rows = db.prepare<[], { site_id: string; job_id: string; plugin: string | null }>('SELECT site_id, job_id, plugin FROM jobs').all();
  return new Map(rows.map((r) => [`${r.site_id}/${r.job_id}`, r.plugin ?? '']));
}

export interface OverviewFilter {
  client?: string | undefined;
  state?: string | undefined;
  tool?: string | undefined;
  q?: string | undefined;
}

/**
 * Results that every viewer shares (the overview's digest model, the status JSON), kept for up
 * to CACHE_MS and dropped as soon as another connection (the poller, a CLI) commits to the
 * database (SQLite's data_version) or the dashboard itself changes something (forget()).
 * Fifty people on the overview then cost one model, not fifty; a state can lag by 15 s at most.
 */
const CACHE_MS = 15_000;
const caches = new WeakMap<Db, Map<string, { at: number; version: number; value: unknown }>>();
function cached<T>(ctx: PageContext, key: string, make: () => T): T {
  let c = caches.get(ctx.db);
  if (!c) caches.set(ctx.db, (c = new Map()));
  const now = ctx.clock.now().getTime();
  const version = ctx.db.pragma('data_version', { simple: true }) as number;
  const hit = c.get(key);
  if (hit && hit.version === version && now - hit.at >= 0 && now - hit.at < CACHE_MS) return hit.value as T;
  const value = make();
  c.set(key, { at: now, version, value });
  return value;
}
/** Drops the shared results (after the dashboard changed the store itself, e.g. a release). */
export function forget(ctx: PageContext): void {
  caches.get(ctx.db)?.clear();
}

/** Above this many jobs, the unfiltered overview lists each client on one line (a click shows its jobs). */
export const OVERVIEW_MAX_JOB_ROWS = 300;

/**
 * The consultant's overview: the digest's model (attention first, every client, strips,
 * pipeline health), filtered. Rendered once per filter and shared (see cached): it is the same
 * for every consultant, and the layout around it carries each session's own token.
 */
export function overviewPage(ctx: PageContext, f: OverviewFilter): string {
  const key = `overview ${JSON.stringify([f.client ?? '', f.state ?? '', f.tool ?? '', f.q ?? ''])}`;
  return cached(ctx, key, () => renderOverview(ctx, f));
}

function renderOverview(ctx: PageContext, f: OverviewFilter): string {
  const now = ctx.clock.now();
  const model = cached(ctx, 'digest-model', () => digestModelAt(ctx.db, ctx.cfg, { now }));
  const plugins = cached(ctx, 'plugins', () => pluginsOf(ctx.db));
  const q = f.q?.trim().toLowerCase() ?? '';
  const tools = [...new Set([...plugins.values()].filter(Boolean))].sort();
  const clients = model.clients
    .filter((c) => !f.client || c.id === f.client)
    .map((c) => {
      const jobs = c.jobs
        .map((row) => ({ ...row, href: `/jobs/${encodeURIComponent(row.siteId)}/${encodeURIComponent(row.jobId)}`, plugin: plugins.get(`${row.siteId}/${row.jobId}`) ?? '' }))
        .filter((row) => !f.state || row.state.toLowerCase() === f.state.toLowerCase())
        .filter((row) => !f.tool || row.plugin === f.tool)
        .filter((row) => !q || `${c.name} ${row.siteId} ${row.jobName} ${row.jobId}`.toLowerCase().includes(q));
      return { ...c, jobs };
    })
    .filter((c) => c.jobs.length > 0 || (!f.state && !f.tool && !q));
  const shown = clients.reduce((n, c) => n + c.jobs.length, 0);
  // Thousands of rows help nobody and cost seconds: then each client is one line with its counts.
  const collapsed = shown > OVERVIEW_MAX_JOB_ROWS;
  return ctx.templates.render('web/overview.html.hbs', {
    ...model,
    attention: model.attention.slice(0, OVERVIEW_MAX_JOB_ROWS),
    attentionMore: Math.max(0, model.attention.length - OVERVIEW_MAX_JOB_ROWS),
    clients: collapsed ? clients.map((c) => ({ ...c, jobs: [], href: `/?client=${encodeURIComponent(c.id)}` })) : clients,
    collapsed,
    shown,
    stripWidth: model.days.length * PX_PER_DAY,
    filter: { client: f.client ?? '', state: f.state ?? '', tool: f.tool ?? '', q: f.q ?? '' },
    clientOptions: ctx.cfg.clients.map((c) => ({ id: c.id, name: c.name, selected: c.id === f.client })),
    stateOptions: ['failed', 'missing', 'late', 'warning', 'anomaly', 'new', 'ok'].map((s) => ({ value: s, selected: s === f.state?.toLowerCase() })),
    toolOptions: tools.map((t) => ({ value: t, selected: t === f.tool })),
  });
}

/** The status of every job now, shared between the job, site and email pages (see cached). */
function statusReport(ctx: PageContext): ReturnType<typeof statusAt> {
  return cached(ctx, 'status-report', () => statusAt(ctx.db, ctx.cfg, ctx.clock.now()));
}

/** A job the session may see, or null (another client's, or none): the caller answers 404 either way. */
function visibleJob(ctx: PageContext, siteId: string, jobId: string, s: Session) {
  const job = statusReport(ctx).jobs.find((j) => j.siteId === siteId && j.jobId === jobId);
  if (!job || (s.clientId !== null && job.clientId !== s.clientId)) return null;
  return job;
}

function shownHistory(ctx: PageContext, siteId: string, jobId: string, limit: number): ShownHistory | null {
  try {
    return historyCommand(loaded(ctx), `${siteId}/${jobId}`, { limit, json: false });
  } catch (e) {
    if (e instanceof SynError && e.code === 'NOT_FOUND') return null;
    throw e;
  }
}

/** A job: its state, then its runs with anomalies, errors, the run's log tail and the original email. */
export function jobPage(ctx: PageContext, siteId: string, jobId: string, s: Session): string | null {
  const job = visibleJob(ctx, siteId, jobId, s);
  if (!job) return null;
  const h = shownHistory(ctx, siteId, jobId, 60);
  if (!h) return null;
  const now = ctx.clock.now();
  const zone = ctx.cfg.consultant.timeZone;
  const tail = ctx.db.prepare<[string], { payload_json: string }>('SELECT payload_json FROM runs WHERE run_id = ?');
  const base = `/jobs/${encodeURIComponent(siteId)}/${encodeURIComponent(jobId)}`;
  // The original email is linked only when the collector kept its bytes.
  const kept = ctx.db.prepare<[string], { ok: number }>('SELECT 1 AS ok FROM messages WHERE run_id = ? AND raw_gz IS NOT NULL LIMIT 1');
  const keptById = ctx.db.prepare<[string], { ok: number }>('SELECT 1 AS ok FROM runs r JOIN messages m ON m.message_id = r.message_id WHERE r.run_id = ? AND m.raw_gz IS NOT NULL LIMIT 1');
  const runs = h.runs.map((r) => {
    let logTail: string | null = null;
    let verification: string | null = null;
    try {
      const p = JSON.parse(tail.get(r.runId)?.payload_json ?? '{}') as { logTail?: string | string[]; verification?: { mode?: string; checked?: number; mismatches?: number } | null; errors?: { message: string }[] };
      logTail = Array.isArray(p.logTail) ? p.logTail.join('\n') : p.logTail ?? null;
      if (p.verification) verification = `${p.verification.mode ?? 'verified'}: ${p.verification.checked ?? '?'} checked, ${p.verification.mismatches ?? 0} mismatches`;
    } catch {
      // a payload that is not JSON shows no tail
    }
    return {
      ...r,
      started: localTimeWords(r.startedAt, zone, now),
      statusLabel: r.status.toUpperCase(),
      anomalies: r.anomalies.map((a) => a.message),
      logTail,
      verification,
      email: kept.get(r.runId) !== undefined || keptById.get(r.runId) !== undefined ? `${base}/runs/${encodeURIComponent(r.runId)}/email` : null,
    };
  });
  // Issue 11: the job's restores and drills, and what its drills prove (the digest's drill state).
  const restores = restoresOf(ctx.db, siteId, jobId, { limit: JOB_RESTORE_ROWS }).map((r) => ({
    kind: r.kind,
    started: localTimeWords(r.startedAt, zone, now),
    status: r.status,
    statusLabel: r.status.toUpperCase(),
    files: r.files,
    mismatches: r.mismatches,
    checked: r.checked,
    incomplete: r.incomplete,
    target: r.target,
    from: r.fromAt ? localTimeWords(r.fromAt, zone, now) : 'the newest backup',
    firstError: r.firstError,
  }));
  const drill = loadDrillStates(ctx.db, ctx.cfg, [job], now).get(drillKey(siteId, jobId));
  const proven = drill?.words ? drill.words.charAt(0).toUpperCase() + drill.words.slice(1) : null;
  return ctx.templates.render('web/job.html.hbs', {
    job: { ...job, stateLabel: job.state.toUpperCase(), lastGood: job.lastGoodRun ? localTimeWords(job.lastGoodRun.endedAt, zone, now) : 'never', notes: provenanceNotes(job) },
    history: h,
    runs,
    restores,
    drill: proven ? { words: proven, proven: drill!.lastGood !== null, warning: drill!.warning } : null,
    clientName: ctx.cfg.clients.find((c) => c.id === job.clientId)?.name ?? job.clientId,
    isConsultant: s.clientId === null,
  });
}

/** The job page lists this many of the newest restores and drills. */
export const JOB_RESTORE_ROWS = 20;
/** The /requests page lists this many of the newest commands. */
export const REQUESTS_COMMAND_ROWS = 100;

/**
 * The consultant's requests: the client requests waiting for a decision and those refused or not
 * understood lately (as `collector requests --pending`), then the newest commands sent to agents
 * with their states (as `collector requests`). Read-only: each pending request shows the CLI
 * command that approves or declines it.
 */
export function requestsPage(ctx: PageContext): string {
  const now = ctx.clock.now();
  const zone = ctx.cfg.consultant.timeZone;
  const when = (t: Date | string) => localTimeWords(new Date(t), zone, now);
  const { pending, notQueued } = pendingRequestsCommand(loaded(ctx), { json: true });
  const commands = listCommands(ctx.db, now.getTime(), REQUESTS_COMMAND_ROWS).map((c) => ({
    id: c.id,
    shortId: c.id.slice(0, 8),
    issued: c.issuedAt ? when(c.issuedAt) : '-',
    job: `${c.siteId}/${c.jobId ?? '?'}`,
    action: c.action,
    state: c.state,
    stateLabel: COMMAND_STATE_WORDS[c.state],
    stateAt: when(c.stateAt),
    note: commandNote(c),
  }));
  return ctx.templates.render('web/requests.html.hbs', {
    pending: pending.map((r) => ({ ...r, received: when(r.receivedAt), who: `${r.client ?? r.clientId ?? 'no client'} (${r.from})`, job: `${r.siteId ?? '?'}/${r.jobId ?? '?'}` })),
    notQueued: notQueued.map((r) => ({ ...r, received: when(r.receivedAt), who: r.client ? `${r.client} (${r.from})` : `${r.from} (no client)` })),
    historyDays: ctx.cfg.requests.historyDays,
    commands,
    commandLimit: REQUESTS_COMMAND_ROWS,
  });
}

/** The original email of a run, if the session may see the job and the collector kept it. */
export function jobEmail(ctx: PageContext, siteId: string, jobId: string, runId: string, s: Session): Buffer | null {
  if (!visibleJob(ctx, siteId, jobId, s)) return null;
  const run = ctx.db.prepare<[string, string, string], { message_id: string | null }>('SELECT message_id FROM runs WHERE run_id = ? AND site_id = ? AND job_id = ?').get(runId, siteId, jobId);
  if (!run) return null;
  const msg =
    ctx.db.prepare<[string], { id: number }>('SELECT id FROM messages WHERE run_id = ? ORDER BY id DESC LIMIT 1').get(runId) ??
    (run.message_id ? ctx.db.prepare<[string], { id: number }>('SELECT id FROM messages WHERE message_id = ? ORDER BY id DESC LIMIT 1').get(run.message_id) : undefined);
  const gz = msg ? rawOf(ctx.db, msg.id) : null;
  return gz ? gunzipSync(gz) : null;
}

/** A client's own view: the client summary's model, in its plain words. */
export function clientPage(ctx: PageContext, clientId: string, extra: Record<string, unknown> = {}): string {
  const now = ctx.clock.now();
  const { model } = buildClientSummary(ctx.db, ctx.cfg, clientId, { now });
  // The 14-day strips come from the digest's rows of this client alone (the same days and colours).
  const digest = cached(ctx, 'digest-model', () => digestModelAt(ctx.db, ctx.cfg, { now }));
  const rows = digest.clients.find((c) => c.id === clientId)?.jobs ?? [];
  const jobs = model.jobs.map((j) => ({ ...j, days: rows.find((r) => r.siteId === j.where && r.jobName === j.name)?.days ?? null }));
  return ctx.templates.render('web/client.html.hbs', { ...model, jobs, stripWidth: digest.days.length * PX_PER_DAY, dayCount: digest.days.length, ...extra });
}

/** The quarantine, with a release form per message (CSRF token in the layout's data). */
export function quarantinePage(ctx: PageContext, s: Session, message: { ok: boolean; text: string } | null): string {
  const now = ctx.clock.now();
  const kept = ctx.db.prepare<[number], { ok: number }>('SELECT 1 AS ok FROM messages WHERE id = ? AND raw_gz IS NOT NULL');
  const list = listQuarantined(ctx.db).map((m) => ({ ...m, received: localTimeWords(m.receivedAt, ctx.cfg.consultant.timeZone, now), kept: kept.get(m.id) !== undefined }));
  return ctx.templates.render('web/quarantine.html.hbs', { list, message, csrf: s.csrf, canRelease: !s.readOnly });
}

/** Releases a held message as `collector quarantine release ID` does; the outcome as one line. */
export async function releaseMessage(ctx: PageContext, id: string): Promise<{ ok: boolean; text: string }> {
  const lines: string[] = [];
  try {
    await quarantineReleaseCommand(loaded(ctx, (l) => lines.push(l)), ctx.cliDeps ?? collectorCommandDefaults, ctx.env, id, {});
    forget(ctx);
    return { ok: true, text: lines.join(' ') || `message ${id} released` };
  } catch (e) {
    return { ok: false, text: (e as Error).message };
  }
}

/** `GET /api/v1/status`: the JSON of `collector status --json`. */
export function statusJson(ctx: PageContext): StatusJson {
  return statusToJson(evaluateStatus(loadStatusFacts(ctx.db, ctx.cfg), toStatusParams(ctx.cfg), ctx.clock.now()));
}

/** statusJsonText gzipped, shared between requests like it. */
export function statusJsonGzip(ctx: PageContext): Buffer {
  return cached(ctx, 'status-json-gzip', () => gzipSync(statusJsonText(ctx), { level: 6 }));
}

/** statusJson as the text the API sends, shared between requests (see cached). */
export function statusJsonText(ctx: PageContext): string {
  return cached(ctx, 'status-json', () => JSON.stringify(statusJson(ctx)));
}

/** `GET /api/v1/jobs/:site/:job/history`: the JSON of `collector history --json`. */
export function historyJson(ctx: PageContext, siteId: string, jobId: string, limit: number): ShownHistory | null {
  return shownHistory(ctx, siteId, jobId, Number.isInteger(limit) && limit > 0 ? Math.min(limit, 1000) : 50);
}

/** One held message, for the delete confirmation; null when none is held with that id. */
export function quarantinedMessage(ctx: PageContext, id: string): ReturnType<typeof listQuarantined>[number] | null {
  return /^\d+$/.test(id) ? listQuarantined(ctx.db).find((m) => m.id === Number(id)) ?? null : null;
}

/** The raw bytes of a held message, when the collector kept them. */
export function quarantinedRaw(ctx: PageContext, id: string): Buffer | null {
  const m = quarantinedMessage(ctx, id);
  const gz = m ? rawOf(ctx.db, m.id) : null;
  return gz ? gunzipSync(gz) : null;
}

/** Deletes a held message for good (after the confirmation page). */
export function deleteMessage(ctx: PageContext, id: string): { ok: boolean; text: string } {
  const ok = /^\d+$/.test(id) && deleteQuarantined(ctx.db, Number(id));
  forget(ctx);
  return ok ? { ok, text: `message ${id} deleted` } : { ok, text: `no message ${id} in the quarantine` };
}

/** A site: its agent (version, host, zone), heartbeat, clock drift, last report, and its jobs. */
export function sitePage(ctx: PageContext, siteId: string): string | null {
  const now = ctx.clock.now();
  const report = statusReport(ctx);
  const site = report.sites.find((x) => x.siteId === siteId);
  const jobs = report.jobs.filter((j) => j.siteId === siteId);
  if (!site && jobs.length === 0) return null;
  const agent = ctx.db.prepare<[string], { agent_host: string | null; agent_version: string | null; agent_time_zone: string | null; first_seen_at: number; last_seen_at: number }>('SELECT * FROM sites WHERE site_id = ?').get(siteId);
  const heartbeat = ctx.db.prepare<[string], { received_at: number; next_heartbeat_at: number | null }>('SELECT received_at, next_heartbeat_at FROM heartbeats WHERE site_id = ? ORDER BY received_at DESC LIMIT 1').get(siteId);
  const zone = ctx.cfg.consultant.timeZone;
  const words = (t: number | null | undefined) => (t ? localTimeWords(new Date(t), zone, now) : 'never');
  const clientId = site?.clientId ?? jobs[0]!.clientId;
  return ctx.templates.render('web/site.html.hbs', {
    siteId,
    clientName: ctx.cfg.clients.find((c) => c.id === clientId)?.name ?? clientId,
    agent: agent ? { host: agent.agent_host || '-', version: agent.agent_version || '-', zone: agent.agent_time_zone || '-', firstSeen: words(agent.first_seen_at), lastSeen: words(agent.last_seen_at) } : null,
    heartbeat: heartbeat ? { received: words(heartbeat.received_at), next: words(heartbeat.next_heartbeat_at) } : null,
    silent: site?.agentSilent ?? false,
    silentReason: site?.reason ?? null,
    drift: site?.clockDriftMinutes === null || site?.clockDriftMinutes === undefined ? 'not known' : `${site.clockDriftMinutes > 0 ? '+' : ''}${site.clockDriftMinutes} min`,
    jobs: jobs.map((j) => ({ ...j, stateLabel: j.state.toUpperCase(), href: `/jobs/${encodeURIComponent(j.siteId)}/${encodeURIComponent(j.jobId)}`, lastRun: j.lastRun ? localTimeWords(j.lastRun.startedAt, zone, now) : 'never', notes: provenanceNotes(j).join('; ') })),
  });
}

/** The report archive: every archived report, newest first, with the result of verify-archive. */
export function archivePage(ctx: PageContext): string {
  const folder = ctx.cfg.archive.folder;
  const entries = readManifest(join(folder, MANIFEST_NAME)).flatMap((l) => (l.entry ? [l.entry] : [])).reverse();
  const head = recordedArchiveHead(ctx.db, folder);
  const result = verifyArchive(folder, head ? { expectedHead: { seq: head.seq, entryHash: head.entryHash, source: 'the database' } } : {});
  return ctx.templates.render('web/archive.html.hbs', {
    entries: entries.map((e) => ({ ...e, href: `/archive/${e.seq}`, sizeText: formatBytes(e.size) })),
    ok: result.ok,
    verify: formatVerifyResult(result),
  });
}

/** An archived file by its manifest number, or null (unknown, or a path that leaves the archive). */
export function archivedFile(ctx: PageContext, seq: string): { bytes: Buffer; name: string; type: string } | null {
  const folder = resolve(ctx.cfg.archive.folder);
  const entry = readManifest(join(folder, MANIFEST_NAME)).find((l) => l.entry && String(l.entry.seq) === seq)?.entry;
  if (!entry) return null;
  const file = resolve(folder, entry.path);
  if (!file.startsWith(folder + sep)) return null;
  try {
    const bytes = readFileSync(file);
    return { bytes, name: basename(file), type: file.endsWith('.pdf') ? 'application/pdf' : file.endsWith('.html') ? 'text/html; charset=utf-8' : 'application/octet-stream' };
  } catch {
    return null;
  }
}
