import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { runProcess } from '../../core/process.ts';
import type { PluginContext } from '../types.ts';
import { copyPlugin, CopyOptions } from './index.ts';
import { stampTime, versionStamp, VERSIONS_DIR } from './versions.ts';

let dir: string;
let src: string;
let dst: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syn-versions-'));
  src = path.join(dir, 'src');
  dst = path.join(dir, 'dst');
  write('a.txt', 'first a\n');
  write('sub/b.txt', 'first b\n');
  write('c.txt', 'c stays\n');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(rel: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
  fs.writeFileSync(path.join(src, rel), content);
}
const read = (...p: string[]) => fs.readFileSync(path.join(...p), 'utf8');
const ctx = (clock: FakeClock): PluginContext => ({ jobId: 'docs', runId: 'r', signal: new AbortController().signal, log: silentLogger, exec: runProcess, clock });
const options = (days = 30) => CopyOptions.parse({ source: src, destination: dst, removeExtras: true, keepVersions: { days } });

describe('copy keepVersions', () => {
  it("keeps what a run replaces or removes under the run's stamp, and leaves that folder out of the counts and of removeExtras", async () => {
    const clock = new FakeClock('2026-12-03T01:30:00Z');
    expect((await copyPlugin.run(options(), ctx(clock))).status).toBe('ok');
    write('a.txt', 'second a, longer\n');
    fs.rmSync(path.join(src, 'sub'), { recursive: true });
    clock.set('2026-12-04T01:30:00Z');
    const second = await copyPlugin.run(options(), ctx(clock));
    expect(second).toMatchObject({ status: 'ok', files: { examined: 2, copied: 1, extra: 1 } });
    const kept = path.join(dst, VERSIONS_DIR, '2026-12-04T01-30-00.000Z');
    expect(read(kept, 'a.txt')).toBe('first a\n');
    expect(read(kept, 'sub', 'b.txt')).toBe('first b\n');
    expect(read(dst, 'a.txt')).toBe('second a, longer\n');
    expect(fs.existsSync(path.join(dst, 'sub'))).toBe(false);

    clock.set('2026-12-05T01:30:00Z');
    const third = await copyPlugin.run(options(), ctx(clock));
    expect(third).toMatchObject({ status: 'ok', files: { examined: 2, copied: 0, skipped: 2, extra: 0 } });
    expect(fs.readdirSync(path.join(dst, VERSIONS_DIR))).toEqual(['2026-12-04T01-30-00.000Z']);
  });

  it('prunes the version folders older than keepVersions.days at the end of a run', async () => {
    const clock = new FakeClock('2026-12-01T01:30:00Z');
    await copyPlugin.run(options(3), ctx(clock));
    for (const at of ['02T01:30', '03T01:30', '04T01:30', '05T01:31']) {
      write('a.txt', `a on ${at}\n`);
      clock.set(`2026-12-${at}:00Z`);
      expect((await copyPlugin.run(options(3), ctx(clock))).status).toBe('ok');
    }
    // On the 5th at 01:31, the folder of the 2nd is a minute more than 3 days old: gone.
    expect(fs.readdirSync(path.join(dst, VERSIONS_DIR)).sort()).toEqual(['2026-12-03T01-30-00.000Z', '2026-12-04T01-30-00.000Z', '2026-12-05T01-31-00.000Z']);
    expect(read(dst, VERSIONS_DIR, '2026-12-03T01-30-00.000Z', 'a.txt')).toBe('a on 02T01:30\n');
  });

  it('names its folders by a stamp that reads back as the same time and has no ":" (not allowed on Windows)', () => {
    const at = new Date('2026-12-04T20:58:07.123Z');
    expect(versionStamp(at)).toBe('2026-12-04T20-58-07.123Z');
    expect(stampTime(versionStamp(at))).toEqual(at);
    expect(stampTime('notes')).toBeNull();
  });
});
