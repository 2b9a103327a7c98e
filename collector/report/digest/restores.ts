import { formatBytes } from '../../../core/templates.ts';
import type { RestoreRow } from '../../store/restores.ts';
import type { Theme } from './theme.ts';

/** One restore as the digest's "Restores" section shows it: plain strings, nothing left to compute. */
export interface RestoreLine {
  when: string;
  where: string;
  state: string;
  colour: string;
  files: string;
  /** "verified: 12 files match the backup" or "3 files did NOT match the backup". */
  check: string;
  incomplete: boolean;
  note: string;
}

/**
 * The restores of the period, oldest first: status, files, mismatches, incomplete. Drills have
 * their own place (last proven restorable); this section is about restores someone asked for.
 */
export function restoreLines(
  rows: readonly RestoreRow[],
  o: { clientOfSite: (siteId: string) => string; when: (d: Date) => string; colours: Theme['colours'] },
): RestoreLine[] {
  return rows
    .filter((r) => r.kind === 'restore')
    .map((r) => ({
      when: o.when(r.startedAt),
      where: `${o.clientOfSite(r.siteId)} / ${r.siteId} / ${r.jobName}`,
      state: r.incomplete ? 'INCOMPLETE' : r.status.toUpperCase(),
      colour: r.status === 'ok' ? o.colours.ok : r.status === 'warning' ? o.colours.warning : o.colours.failed,
      files: `${r.files.restored} file${r.files.restored === 1 ? '' : 's'} restored (${formatBytes(r.bytesRestored)})${r.files.failed ? `, ${r.files.failed} failed` : ''}`,
      check: r.mismatches > 0 ? `${r.mismatches} did NOT match the backup` : r.checked > 0 ? `all ${r.checked} checked match the backup` : 'not verified',
      incomplete: r.incomplete,
      note: [r.fromAt ? `backup of ${o.when(r.fromAt)}` : 'newest backup', `into ${r.target}`, r.status !== 'ok' && r.firstError ? r.firstError : ''].filter(Boolean).join('; '),
    }));
}
