import type { CollectorConfig } from '../config.ts';
import type { Db } from './db.ts';
import { pruneRestores } from './restores.ts';
import { pruneCatalogue } from './catalogue-apply.ts';

function catalogueCounts(r: { versionsDeleted: number; filesDeleted: number }) {
  return { catalogueVersionsDeleted: r.versionsDeleted, catalogueFilesDeleted: r.filesDeleted };
}

const DAY = 86_400_000;

export interface PruneResult {
  rawCleared: number;
  runsDeleted: number;
  heartbeatsDeleted: number;
  /** Restore and drill reports (issue 11), which follow the runs' retention. */
  restoresDeleted: number;
  /** File catalogue (issue 11): versions no backup has held since the horizon, and files left without any. */
  catalogueVersionsDeleted: number;
  catalogueFilesDeleted: number;
  /** Commands and their receipts (issue 11) settled before the horizon; a pending one stays. */
  commandsDeleted: number;
  /** Client requests decided or refused before the horizon; pending and approved ones stay. */
  clientRequestsDeleted: number;
}

/**
 * Applies `retention:`: drops the raw bytes of accepted, released and third-party messages after
 * `rawDays` (the message row, its hash and disposition stay, so a late duplicate is still
 * recognised), and runs, heartbeats, restores and drills after `runsDays`. Quarantined messages keep their bytes
 * until released: they are the evidence. Job summaries are left alone (they hold only the newest
 * runs, which the consultant still wants to see however old). The file catalogue follows
 * `runsDays` too: a version no backup has held for longer goes, and a file left with none.
 */
export function pruneStore(db: Db, cfg: Pick<CollectorConfig, 'retention'>, now: Date): PruneResult {
  const t = now.getTime();
  return db.transaction(() => ({
    rawCleared: db
      .prepare(`UPDATE messages SET raw_gz = NULL WHERE raw_gz IS NOT NULL AND disposition IN ('accepted', 'released', 'third-party') AND ingested_at < ?`)
      .run(t - cfg.retention.rawDays * DAY).changes,
    runsDeleted: db.prepare('DELETE FROM runs WHERE started_at < ?').run(t - cfg.retention.runsDays * DAY).changes,
    heartbeatsDeleted: db
      .prepare('DELETE FROM heartbeats WHERE sent_at < ? AND run_id NOT IN (SELECT run_id FROM heartbeats h WHERE h.site_id = heartbeats.site_id ORDER BY sent_at DESC LIMIT 1)')
      .run(t - cfg.retention.runsDays * DAY).changes,
    restoresDeleted: pruneRestores(db, t - cfg.retention.runsDays * DAY),
    ...catalogueCounts(pruneCatalogue(db, t - cfg.retention.runsDays * DAY)),
    ...pruneCommands(db, t - cfg.retention.runsDays * DAY),
  })).immediate();
}

/**
 * Commands follow the runs' retention once settled (done, refused, or expired), with their
 * receipts; client requests once no longer waiting for the consultant or their command.
 */
function pruneCommands(db: Db, horizon: number): { commandsDeleted: number; clientRequestsDeleted: number } {
  const settled = `(state IN ('done', 'refused') OR (expires_at IS NOT NULL AND expires_at < ?)) AND state_at < ?`;
  db.prepare(`DELETE FROM command_receipts WHERE sent_at < ? AND command_id IN (SELECT id FROM commands WHERE ${settled})`).run(horizon, horizon, horizon);
  const commandsDeleted = db.prepare(`DELETE FROM commands WHERE ${settled}`).run(horizon, horizon).changes;
  db.prepare('DELETE FROM command_receipts WHERE sent_at < ? AND command_id NOT IN (SELECT id FROM commands)').run(horizon);
  const clientRequestsDeleted = db
    .prepare(`DELETE FROM client_requests WHERE state IN ('declined', 'refused', 'done', 'failed') AND received_at < ? AND COALESCE(decided_at, received_at) < ?`)
    .run(horizon, horizon).changes;
  return { commandsDeleted, clientRequestsDeleted };
}
