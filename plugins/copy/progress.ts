import type { Clock } from '../../core/clock.ts';
import type { Progress } from '../types.ts';

/** How often progress may be shown: ten times a second is smooth and costs nothing. */
export const PROGRESS_INTERVAL_MS = 100;

/**
 * Throttles progress reports to one per PROGRESS_INTERVAL_MS, whatever the phase (phases overlap:
 * copying starts while the walks go on), except that a forced report (the end of a phase) always
 * goes out, so a display ends on the true figures. Without a callback it does nothing.
 */
export class ProgressThrottle {
  private last = -Infinity;
  private lastKey = '';

  constructor(
    private readonly clock: Clock,
    private readonly report?: (p: Progress) => void,
  ) {}

  update(phase: Progress['phase'], done: number, total?: number, bytes?: number, force = false): void {
    if (!this.report) return;
    const now = this.clock.now().getTime();
    if (!force && now - this.last < PROGRESS_INTERVAL_MS) return;
    const key = `${phase}/${done}/${total}`;
    if (key === this.lastKey) return; // a forced end report the display already shows
    this.last = now;
    this.lastKey = key;
    const p: Progress = { phase, done };
    if (total !== undefined) p.total = total;
    if (bytes !== undefined) p.bytes = bytes;
    this.report(p);
  }
}
