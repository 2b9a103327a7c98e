import { describe, expect, it } from 'vitest';
import { ListingMerger } from './merge.ts';
import { isUnchanged, planDir, type DirPlan, type Listing } from './plan.ts';

type E = [name: string, kind: number, size?: number, mtime?: number];
function listing(rel: string, entries: E[], extra: Partial<Listing> = {}): Listing {
  return { rel, names: entries.map((e) => e[0]), meta: entries.flatMap((e) => [e[1], e[2] ?? 0, e[3] ?? 1_000_000]), errors: [], ...extra };
}
const rules = { preserveTimes: true, mtimeToleranceMs: 0 };

describe('copy plan of one folder', () => {
  it('treats a file as changed when its size or mtime differs', () => {
    expect(isUnchanged(5, 1000, 5, 1000.0004, rules)).toBe(true);
    expect(isUnchanged(5, 1000, 6, 1000, rules)).toBe(false);
    expect(isUnchanged(5, 1000, 5, 1002, rules)).toBe(false);
    expect(isUnchanged(5, 1000, 5, 1002, { preserveTimes: true, mtimeToleranceMs: 2000 })).toBe(true);
  });

  it('treats a newer destination of the same size as unchanged when times are not preserved', () => {
    const r = { preserveTimes: false, mtimeToleranceMs: 0 };
    expect(isUnchanged(5, 1000, 5, 9000, r)).toBe(true);
    expect(isUnchanged(5, 9000, 5, 1000, r)).toBe(false);
  });

  it('copies new and changed files, skips unchanged ones and counts destination-only files as extra', () => {
    const p = planDir(listing('d', [['new', 0, 3], ['same', 0, 4], ['changed', 0, 5]]), listing('d', [['same', 0, 4], ['changed', 0, 5, 7], ['old', 0, 9]]), rules);
    expect(p.copies).toEqual([{ rel: 'd/new', size: 3 }, { rel: 'd/changed', size: 5 }]);
    expect(p.unchanged).toEqual([{ rel: 'd/same', size: 4 }]);
    expect(p.extras).toEqual([{ rel: 'd/old', size: 9 }]);
    expect(p.removals).toEqual(['d/old']);
  });

  it('replaces a destination file where the source has a folder', () => {
    const p = planDir(listing('', [['a', 1]]), listing('', [['a', 0, 4]]), rules);
    expect(p).toMatchObject({ removals: ['a'], mkdirs: ['a'], absentDirs: ['a'], extras: [{ rel: 'a', size: 4 }] });
  });

  it('never counts as extra a name the source could not stat', () => {
    const p = planDir(listing('', [], { errors: [{ name: 'locked', message: 'cannot stat: EIO' }] }), listing('', [['locked', 0, 1]]), rules);
    expect(p.extras).toEqual([]);
    expect(p.failed).toEqual([{ rel: 'locked', message: 'cannot stat: EIO' }]);
  });
});

describe('pairing the two walks', () => {
  function merge(feed: (m: ListingMerger) => void): { plans: DirPlan[]; unreadable: string[] } {
    const plans: DirPlan[] = [];
    const unreadable: string[] = [];
    const m = new ListingMerger(rules, (p, u) => {
      plans.push(p);
      if (u) unreadable.push(u.rel);
    });
    feed(m);
    m.finish();
    return { plans, unreadable };
  }
  const all = (plans: DirPlan[], key: 'extras' | 'removals' | 'copies'): unknown[] => plans.flatMap((p) => p[key]);

  it('removes an extra folder once and counts the files inside it, whichever walk is ahead', () => {
    const dst = [listing('', [['a', 0, 1], ['old', 1]]), listing('old', [['x', 0, 2], ['y', 1]]), listing('old/y', [['z', 0, 3]])];
    for (const order of ['dst-first', 'src-first']) {
      const { plans } = merge((m) => {
        if (order === 'dst-first') dst.forEach((l) => m.addDestination(l));
        m.addSource(listing('', [['a', 0, 1]]));
        if (order === 'src-first') dst.forEach((l) => m.addDestination(l));
      });
      expect(all(plans, 'removals')).toEqual(['old']);
      expect(all(plans, 'extras')).toEqual([{ rel: 'old/x', size: 2 }, { rel: 'old/y/z', size: 3 }]);
    }
  });

  it('plans a folder missing at the destination once its parent is planned, after the parent', () => {
    const { plans } = merge((m) => {
      m.addSource(listing('', [['n', 1]]));
      m.addSource(listing('n', [['f', 0, 5]]));
      m.addDestination(listing('', []));
    });
    expect(plans.map((p) => [p.mkdirs, p.copies])).toEqual([
      [['n'], []],
      [[], [{ rel: 'n/f', size: 5 }]],
    ]);
  });

  it('touches nothing at the destination under a source folder it could not list', () => {
    const { plans, unreadable } = merge((m) => {
      m.addSource(listing('', [['locked', 1]]));
      m.addSource(listing('locked', [], { error: 'cannot list folder: EACCES' }));
      m.addDestination(listing('', [['locked', 1]]));
      m.addDestination(listing('locked', [['x', 0, 1], ['sub', 1]]));
      m.addDestination(listing('locked/sub', [['y', 0, 1]]));
    });
    expect(unreadable).toEqual(['locked']);
    expect(all(plans, 'extras')).toEqual([]);
    expect(all(plans, 'removals')).toEqual([]);
  });
});
