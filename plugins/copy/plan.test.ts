import { describe, expect, it } from 'vitest';
import { isUnchanged, makePlan } from './plan.ts';
import type { Entry, ScanResult } from './scan.ts';

const file = (size: number, mtimeMs = 1_000_000): Entry => ({ kind: 'file', size, mtimeMs });
const dir: Entry = { kind: 'dir', size: 0, mtimeMs: 0 };
function scan(entries: Record<string, Entry>, unreadableDirs: string[] = []): ScanResult {
  return { entries: new Map(Object.entries(entries)), errors: [], unreadableDirs, excludedFiles: 0 };
}
const rules = { preserveTimes: true, mtimeToleranceMs: 0 };

describe('copy plan', () => {
  it('treats a file as changed when its size or mtime differs', () => {
    expect(isUnchanged(file(5), file(5), rules)).toBe(true);
    expect(isUnchanged(file(5), file(6), rules)).toBe(false);
    expect(isUnchanged(file(5, 1000), file(5, 1002), rules)).toBe(false);
    expect(isUnchanged(file(5, 1000), file(5, 1002), { preserveTimes: true, mtimeToleranceMs: 2000 })).toBe(true);
  });

  it('treats a newer destination of the same size as unchanged when times are not preserved', () => {
    const r = { preserveTimes: false, mtimeToleranceMs: 0 };
    expect(isUnchanged(file(5, 1000), file(5, 9000), r)).toBe(true);
    expect(isUnchanged(file(5, 9000), file(5, 1000), r)).toBe(false);
  });

  it('removes an extra folder once and counts the files inside it', () => {
    const plan = makePlan(scan({ a: file(1) }), scan({ a: file(1), old: dir, 'old/x': file(2), 'old/y': dir, 'old/y/z': file(3) }), rules);
    expect(plan.extras).toEqual(['old/x', 'old/y/z']);
    expect(plan.removals).toEqual(['old']);
  });

  it('never counts as extra what lies under a source folder it could not list', () => {
    const plan = makePlan(scan({ locked: dir }, ['locked']), scan({ locked: dir, 'locked/x': file(2), stray: file(1) }), rules);
    expect(plan.extras).toEqual(['stray']);
  });

  it('replaces a destination file where the source has a folder', () => {
    const plan = makePlan(scan({ a: dir, 'a/b': file(1) }), scan({ a: file(4) }), rules);
    expect(plan.mkdirs).toEqual(['a']);
    expect(plan.removals).toEqual(['a']);
    expect(plan.copies).toEqual([{ rel: 'a/b', size: 1 }]);
  });
});
