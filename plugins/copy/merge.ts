import { DIR, planDir, type CompareRules, type DirPlan, type Listing } from './plan.ts';

/**
 * Pairs the listings of the two walks by folder as they stream in and hands a DirPlan per source
 * folder to `sink`, so that copying starts long before the walks end.
 *
 * A source folder is planned once the destination's listing of it has arrived, or at once when
 * the parent's plan showed it missing at the destination. Destination folders that are extra
 * have their contents counted as extras as their listings arrive. Under a source folder that
 * could not be listed nothing at the destination is touched or counted.
 */
export class ListingMerger {
  private readonly waitingSrc = new Map<string, Listing>();
  private readonly waitingDst = new Map<string, Listing>();
  private readonly absent = new Set<string>();
  private readonly extraDirs = new Set<string>();
  private readonly untouchable = new Set<string>();

  constructor(
    private readonly rules: CompareRules,
    private readonly sink: (plan: DirPlan, unreadable?: { rel: string; message: string; code?: string }) => void,
  ) {}

  addSource(l: Listing): void {
    const d = this.waitingDst.get(l.rel);
    if (d) {
      this.waitingDst.delete(l.rel);
      this.plan(l, d);
    } else if (this.absent.has(l.rel)) this.plan(l, null);
    else this.waitingSrc.set(l.rel, l);
  }

  addDestination(l: Listing): void {
    if (this.extraDirs.has(l.rel)) return this.countExtra(l);
    if (this.untouchable.has(l.rel)) return this.markUntouchable(l);
    const s = this.waitingSrc.get(l.rel);
    if (s) {
      this.waitingSrc.delete(l.rel);
      this.plan(s, l);
    } else this.waitingDst.set(l.rel, l);
  }

  /** Plans what is still waiting once both walks are complete (a destination folder that could not be listed). */
  finish(): void {
    for (const s of [...this.waitingSrc.values()]) {
      this.waitingSrc.delete(s.rel);
      this.plan(s, null);
    }
  }

  private plan(s: Listing, d: Listing | null): void {
    if (s.error !== undefined) {
      if (d) this.markUntouchable(d);
      else this.untouchable.add(s.rel);
      this.sink(planDir({ ...s, names: [], meta: [], errors: [] }, null, this.rules), { rel: s.rel, message: s.error, code: s.code });
      return;
    }
    const p = planDir(s, d && d.error === undefined ? d : null, this.rules);
    this.sink(p); // first: it creates the folders that the plans below copy into
    for (const rel of p.extraDirs) this.claimExtra(rel);
    for (const rel of p.absentDirs) {
      this.absent.add(rel);
      const waiting = this.waitingSrc.get(rel);
      if (waiting) {
        this.waitingSrc.delete(rel);
        this.plan(waiting, null);
      }
    }
  }

  private claimExtra(rel: string): void {
    this.extraDirs.add(rel);
    const waiting = this.waitingDst.get(rel);
    if (waiting) this.countExtra(waiting);
  }

  /** Everything in an extra folder is extra; it goes with the folder, so nothing is removed here. */
  private countExtra(l: Listing): void {
    this.waitingDst.delete(l.rel);
    const p = planDir({ rel: l.rel, names: [], meta: [], errors: [] }, l, this.rules);
    p.removals = [];
    this.sink(p);
    for (const rel of p.extraDirs) this.claimExtra(rel);
  }

  private markUntouchable(l: Listing): void {
    this.waitingDst.delete(l.rel);
    for (let i = 0; i < l.names.length; i++) {
      if (l.meta[3 * i] !== DIR) continue;
      const rel = l.rel === '' ? l.names[i]! : `${l.rel}/${l.names[i]!}`;
      const waiting = this.waitingDst.get(rel);
      if (waiting) this.markUntouchable(waiting);
      else this.untouchable.add(rel);
    }
  }
}
