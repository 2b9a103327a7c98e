import { formatBytes, formatDuration } from '../../../core/templates.ts';
import { windowIndex, type DayWindow } from './days.ts';
import type { HistoryRun } from './history.ts';
import type { Colours } from './theme.ts';

/**
 * The 14-day strip and the small bytes/duration chart of one job, as plain numbers and colours.
 * Email clients do not render inline SVG (Gmail, Outlook), so the templates draw both with table
 * cells: a strip cell is a coloured <td>, a chart bar a <div> of a given pixel height.
 */
export type DayStatus = 'ok' | 'warning' | 'failed' | 'none';

export interface StripCell {
  status: DayStatus;
  colour: string;
}

export interface ChartBar {
  /** Pixel height, 0 when there was no run that day. */
  h: number;
  /** Value in words for a tooltip/text, "" when none. */
  label: string;
}

export interface Chart {
  bytes: ChartBar[];
  duration: ChartBar[];
  /** "max 5.0 GB" / "max 3 min 2 s"; "" when there is no data. */
  bytesMax: string;
  durationMax: string;
  /** Shown instead of the charts when no run falls in the period ("no history yet"); null when there are bars. */
  note: string | null;
}

export interface JobDays {
  cells: StripCell[];
  /**
   * The same strip as runs of square glyphs of one colour ("■■■■" green, "■" red): a few text
   * spans instead of 14 table cells, for the compact list of a large digest, where thousands
   * of cell strips would make the PDF slow (Chromium paints each cell on its own).
   */
  runs: { colour: string; text: string }[];
  /** One character per day: + ok, ! warning, X failed, . none (the plain-text alternative). */
  text: string;
  chart: Chart;
}

/** Height of the tallest chart bar, px. */
export const CHART_HEIGHT = 24;
const RANK: Record<DayStatus, number> = { none: 0, ok: 1, warning: 2, failed: 3 };
const CHAR: Record<DayStatus, string> = { none: '.', ok: '+', warning: '!', failed: 'X' };

/**
 * Buckets a job's runs into the windows: a day's status is its worst run; the chart shows the
 * day's last run (bytes examined and duration), scaled to the largest of the period.
 */
export function jobDays(runs: readonly HistoryRun[] | undefined, windows: readonly DayWindow[], colours: Colours): JobDays {
  const n = windows.length;
  const status: DayStatus[] = new Array<DayStatus>(n).fill('none');
  const bytes: (number | null)[] = new Array<number | null>(n).fill(null);
  const dur: (number | null)[] = new Array<number | null>(n).fill(null);
  for (const r of runs ?? []) {
    const i = windowIndex(windows, r.startedAt);
    if (i < 0) continue;
    if (RANK[r.status] > RANK[status[i]!]) status[i] = r.status;
    // Runs come oldest first, so the last write of a day is its last run.
    bytes[i] = r.bytesExamined;
    dur[i] = Math.max(0, r.endedAt - r.startedAt);
  }
  const colourOf = (s: DayStatus) => (s === 'none' ? colours.none : colours[s]);
  const cells = status.map((s) => ({ status: s, colour: colourOf(s) }));
  const glyphs: JobDays['runs'] = [];
  for (const cell of cells) {
    const last = glyphs[glyphs.length - 1];
    if (last && last.colour === cell.colour) last.text += '\u25A0';
    else glyphs.push({ colour: cell.colour, text: '\u25A0' });
  }
  return {
    cells,
    runs: glyphs,
    text: status.map((s) => CHAR[s]).join(''),
    chart: {
      bytes: bars(bytes, formatBytes),
      duration: bars(dur, formatDuration),
      bytesMax: maxLabel(bytes, formatBytes),
      durationMax: maxLabel(dur, formatDuration),
      note: status.every((s) => s === 'none') ? `no runs in these ${n} days` : null,
    },
  };
}

function bars(values: readonly (number | null)[], fmt: (n: number) => string): ChartBar[] {
  const max = Math.max(0, ...values.map((v) => v ?? 0));
  return values.map((v) => {
    if (v === null) return { h: 0, label: '' };
    // A day with a run always shows at least 1 px, so "ran, copied nothing" differs from "no run".
    return { h: max === 0 ? 1 : Math.max(1, Math.round((v / max) * CHART_HEIGHT)), label: fmt(v) };
  });
}

function maxLabel(values: readonly (number | null)[], fmt: (n: number) => string): string {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? '' : `max ${fmt(Math.max(...present))}`;
}
