import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { FakeClock } from '../../core/clock.ts';
import { saveManifest } from '../catalogue/local.ts';
import type { RestorePayload } from '../../core/result/schema.ts';
import { acquireJobLock } from '../lock.ts';
import { runAgentCli } from '../testing/cli.ts';
import { makeTestSite, type TestSite } from '../testing/site.ts';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtp.ts';
import { INCOMPLETE_MARKER } from './target.ts';
import { readTree, recordManifest, verifiedPayload, writeTree } from './testing.ts';

let smtp: TestSmtpServer | undefined;
let site: TestSite | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
  site?.cleanup();
  site = undefined;
});

const FILES = { 'a.txt': 'alpha\n', 'b.txt': 'bravo\n', 'Invoices/2026/jan.txt': 'january invoice\n', 'Invoices/2026/feb.txt': 'february invoice\n', 'Invoices/2025/dec.txt': 'december\n' };

/** A site with a copy job `docs` (source and mirror in the site folder), backed up once at `at`, its manifest recorded. */
async function backedUp(clock: FakeClock, options: Record<string, unknown> = {}) {
  smtp = await startSmtpServer();
  const s = makeTestSite(smtp.port, []);
  site = s;
  const source = join(s.dir, 'src');
  const mirror = join(s.dir, 'mirror');
  writeTree(source, FILES);
  s.write({ jobs: [{ id: 'docs', name: 'Documents', plugin: 'copy', options: { source, destination: mirror, ...options } }, { id: 'script', plugin: 'command', options: { command: 'true' } }] });
  const stateDir = join(s.dir, 'state');
  const backup = async () => {
    const r = await runAgentCli(['run-job', 'docs', '-c', s.configPath], { clock });
    expect(r.code, r.stderr).toBe(0);
    // A minute after the run: the catalogue's own manifest of the run (if any) is the older one.
    return recordManifest(stateDir, 'docs', source, new Date(clock.now().getTime() + 60_000));
  };
  const first = await backup();
  return { s, source, mirror, stateDir, backup, first };
}

const restore = (s: TestSite, clock: FakeClock, ...args: string[]) => runAgentCli(['restore', 'docs', '-c', s.configPath, ...args], { clock });

async function lastRestoreReport(publicLine: string): Promise<RestorePayload> {
  const p = await verifiedPayload(smtp!.messages.at(-1)!, publicLine);
  if (p.kind !== 'restore') throw new Error(`the last email is a ${p.kind}, not a restore`);
  return p;
}

describe('agent restore of a copy job', () => {
  it('restores everything into a new folder with the mtimes, verifies every file by sha256, and sends a signed restore report', async () => {
    const clock = new FakeClock('2026-12-03T01:30:00Z');
    const { s, source, first } = await backedUp(clock);
    const to = join(s.dir, 'restored');
    const r = await restore(s, clock, '--to', to);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`restore docs: ok, 5 restored (54 B) into ${to}, 5 verified by sha256; report sent\n`);
    expect(readTree(to)).toEqual(FILES);
    expect(statSync(join(to, 'Invoices/2026/jan.txt')).mtimeMs).toBe(statSync(join(source, 'Invoices/2026/jan.txt')).mtimeMs);
    expect(existsSync(join(to, INCOMPLETE_MARKER))).toBe(false);
    expect(readdirSync(join(s.dir, 'state', 'restores'))).toEqual([]);
    const p = await lastRestoreReport(s.publicLine);
    expect(p).toMatchObject({
      status: 'ok',
      job: { id: 'docs', name: 'Documents', plugin: 'copy' },
      command: null,
      from: { runId: first },
      target: to,
      inPlace: false,
      paths: [],
      files: { restored: 5, failed: 0 },
      bytes: { restored: 54 },
      verification: { mode: 'all', algorithm: 'sha256', checked: 5, mismatches: 0, mismatchedPaths: [] },
      incomplete: false,
      sizeOnly: 0,
      errors: [],
    });
  });

  it('restores only the asked paths, a folder and a file, and --json prints the report', async () => {
    const clock = new FakeClock('2026-12-03T01:30:00Z');
    const { s } = await backedUp(clock);
    const to = join(s.dir, 'part');
    const r = await restore(s, clock, '--to', to, '--path', '/Invoices/2026/', '--path', 'b.txt', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(readTree(to)).toEqual({ 'b.txt': 'bravo\n', 'Invoices/2026/jan.txt': 'january invoice\n', 'Invoices/2026/feb.txt': 'february invoice\n' });
    const printed = JSON.parse(r.stdout) as RestorePayload;
    expect(printed).toMatchObject({ kind: 'restore', paths: ['Invoices/2026', 'b.txt'], files: { restored: 3, failed: 0 }, verification: { checked: 3, mismatches: 0 } });
  });

  it('reports the mismatch and fails when a file in the backup was changed after the backup, restoring the others', async () => {
    const clock = new FakeClock('2026-12-03T01:30:00Z');
    const { s, mirror } = await backedUp(clock);
    const tampered = join(mirror, 'a.txt');
    const st = statSync(tampered);
    writeFileSync(tampered, 'ALPHA\n'); // same size, same mtime: only the hash tells
    utimesSync(tampered, st.atime, st.mtime);
    const to = join(s.dir, 'restored');
    const r = await restore(s, clock, '--to', to);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('restore docs: failed (no copy in the backup has the hash recorded at backup time');
    expect(r.stdout).toContain('1 did NOT match the backup-time hash');
    expect(existsSync(join(to, 'a.txt'))).toBe(false); // damaged content is not passed off as the file
    expect(readTree(to)['b.txt']).toBe('bravo\n');
    const p = await lastRestoreReport(s.publicLine);
    expect(p).toMatchObject({ status: 'failed', files: { restored: 4, failed: 1 }, verification: { mismatches: 1, mismatchedPaths: ['a.txt'] } });
    expect(p.errors[0]).toMatchObject({ path: 'a.txt', code: 'HASH_MISMATCH' });
  });

  it('restores as of yesterday the content a file had then, and a file deleted since, from the kept versions', async () => {
    const clock = new FakeClock('2026-12-03T01:30:00Z');
    const { s, source, mirror } = await backedUp(clock, { keepVersions: { days: 30 }, removeExtras: true });
    writeTree(source, { 'a.txt': 'alpha, changed on the 3rd\n' }, new Date('2026-12-03T15:00:00Z'));
    rmSync(join(source, 'b.txt'));
    clock.set('2026-12-04T01:30:00Z');
    await (async () => {
      const r = await runAgentCli(['run-job', 'docs', '-c', s.configPath], { clock });
      expect(r.code, r.stderr).toBe(0);
    })();
    const second = recordManifest(join(s.dir, 'state'), 'docs', source, new Date('2026-12-04T01:31:00Z'));
    expect(readTree(mirror, ['.synecdoche-versions'])).toEqual(readTree(source)); // the mirror is the newest
    expect(readdirSync(join(mirror, '.synecdoche-versions'))).toEqual(['2026-12-04T01-30-00.000Z']);

    clock.set('2026-12-04T10:00:00Z'); // "yesterday" is the 3rd at the site (Europe/Berlin)
    const old = join(s.dir, 'as-of-yesterday');
    const r = await restore(s, clock, '--to', old, '--at', 'yesterday');
    expect(r.code, r.stderr).toBe(0);
    expect(readTree(old)).toEqual(FILES);
    const p = await lastRestoreReport(s.publicLine);
    expect(p).toMatchObject({ status: 'ok', from: { at: '2026-12-03T01:31:00.000Z' }, files: { restored: 5 }, verification: { checked: 5, mismatches: 0 } });

    const now = join(s.dir, 'newest');
    expect((await restore(s, clock, '--to', now)).code).toBe(0);
    const { 'b.txt': gone, ...kept } = FILES;
    expect(gone).toBeDefined();
    expect(readTree(now)).toEqual({ ...kept, 'a.txt': 'alpha, changed on the 3rd\n' });
    expect(await lastRestoreReport(s.publicLine)).toMatchObject({ from: { runId: second } });
  });

  it('says which file cannot be found when an older version was not kept (keepVersions off)', async () => {
    const clock = new FakeClock('2026-12-03T01:30:00Z');
    const { s, source } = await backedUp(clock, { removeExtras: true });
    writeTree(source, { 'a.txt': 'alpha, changed\n' }, new Date('2026-12-03T15:00:00Z'));
    clock.set('2026-12-04T01:30:00Z');
    expect((await runAgentCli(['run-job', 'docs', '-c', s.configPath], { clock })).code).toBe(0);
    const to = join(s.dir, 'old');
    const r = await restore(s, clock, '--to', to, '--at', '2026-12-03');
    expect(r.code).toBe(1);
    const p = await lastRestoreReport(s.publicLine);
    expect(p).toMatchObject({ status: 'failed', files: { restored: 4, failed: 1 } });
    expect(p.errors[0]!.path).toBe('a.txt');
    expect(p.errors[0]!.message).toMatch(/^not found in the backup: no copy of 6 bytes in the mirror or its kept versions/);
  });
});

describe('agent restore, other cases', () => {
  it('writes over the source with --in-place --yes, putting back a deleted file and the backed-up content of a changed one', async () => {
    const clock = new FakeClock('2026-12-03T01:30:00Z');
    const { s, source } = await backedUp(clock);
    rmSync(join(source, 'a.txt'));
    writeFileSync(join(source, 'b.txt'), 'bravo, overwritten by mistake\n');
    writeFileSync(join(source, 'new.txt'), 'made after the backup\n');
    const r = await restore(s, clock, '--to', source, '--in-place', '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(readTree(source)).toEqual({ ...FILES, 'new.txt': 'made after the backup\n' }); // what the backup never held is left alone
    expect(await lastRestoreReport(s.publicLine)).toMatchObject({ status: 'ok', inPlace: true, target: source, files: { restored: 5 } });
  });

  it('compares by size only, and says so, the files whose backup recorded no hash', async () => {
    const clock = new FakeClock('2026-12-03T01:30:00Z');
    const { s, source, stateDir } = await backedUp(clock);
    const entries = Object.keys(FILES).map((path) => {
      const st = statSync(join(source, path));
      return { path, size: st.size, mtimeMs: st.mtimeMs, sha256: null };
    });
    saveManifest(stateDir, 'docs', randomUUID(), new Date('2026-12-03T02:00:00Z'), entries);
    const to = join(s.dir, 'restored');
    const r = await restore(s, clock, '--to', to);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('0 verified by sha256, 5 by size only (the backup recorded no hash)');
    const p = await lastRestoreReport(s.publicLine);
    expect(p).toMatchObject({ status: 'ok', sizeOnly: 5, verification: { checked: 5, mismatches: 0 } });
    expect(p.logTail).toContain('5 files compared by size only: the backup recorded no hash for them');

    // Without a hash, a copy of the right size but another modification time is not taken for the file.
    utimesSync(join(s.dir, 'mirror', 'a.txt'), new Date('2026-12-02T00:00:00Z'), new Date('2026-12-02T00:00:00Z'));
    const again = await restore(s, clock, '--to', join(s.dir, 'again'));
    expect(again.code).toBe(1);
    const q = await lastRestoreReport(s.publicLine);
    expect(q).toMatchObject({ status: 'failed', files: { restored: 4, failed: 1 } });
    expect(q.errors[0]!.message).toMatch(/^not found in the backup: no copy of 6 bytes modified at 2026-11-30T12:00:00.000Z \(the backup recorded no hash to look for\)$/);
  });
});

describe('agent restore refuses, before writing anything', () => {
  const refusal = async (clock: FakeClock, s: TestSite, args: string[], job = 'docs') => {
    const sent = smtp!.messages.length;
    const r = await runAgentCli(['restore', job, '-c', s.configPath, ...args], { clock });
    expect(smtp!.messages.length).toBe(sent); // no report: nothing was done
    expect(readdirSync(join(s.dir, 'outbox')).filter((f) => f.endsWith('.json'))).toEqual([]);
    return r;
  };

  it('a target inside the source, the source itself without --in-place, and an in-place restore without --yes', async () => {
    const clock = new FakeClock('2026-12-03T01:30:00Z');
    const { s, source } = await backedUp(clock);
    const inside = await refusal(clock, s, ['--to', join(source, 'restored')]);
    expect([inside.code, inside.stderr]).toEqual([2, `synecdoche: --to ${join(source, 'restored')} is inside the job's source (${source}): restore into a folder outside it\n`]);
    expect(existsSync(join(source, 'restored'))).toBe(false);
    expect((await refusal(clock, s, ['--to', s.dir])).stderr).toContain(`contains the job's source`);
    expect((await refusal(clock, s, ['--to', source])).stderr).toContain(`is the job's source: restore into a new folder, or add --in-place`);
    const inPlace = await refusal(clock, s, ['--to', source, '--in-place']);
    expect([inPlace.code, inPlace.stderr]).toEqual([2, 'synecdoche: --in-place writes over the source of job "docs": confirm with --yes, or run it at a terminal and type the job id\n']);
    expect(readTree(source)).toEqual(FILES);
  });

  it('a target folder that is not empty', async () => {
    const clock = new FakeClock('2026-12-03T01:30:00Z');
    const { s } = await backedUp(clock);
    const to = join(s.dir, 'full');
    mkdirSync(to);
    writeFileSync(join(to, 'keep-me.txt'), 'mine');
    const r = await refusal(clock, s, ['--to', to]);
    expect([r.code, r.stderr]).toEqual([2, `synecdoche: --to ${to} is not empty: restore into an empty or new folder\n`]);
    expect(readdirSync(to)).toEqual(['keep-me.txt']);
  });

  it('a job whose plugin cannot restore, naming those that can', async () => {
    const clock = new FakeClock('2026-12-03T01:30:00Z');
    const { s } = await backedUp(clock);
    const r = await refusal(clock, s, ['--to', join(s.dir, 'x')], 'script');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^synecdoche: job "script" uses the command plugin, which cannot restore \(plugins that can: copy, /);
  });

  it('a job that is running (its lock is held), and an --at that names no kept backup', async () => {
    const clock = new FakeClock('2026-12-03T01:30:00Z');
    const { s, stateDir } = await backedUp(clock);
    const release = acquireJobLock(stateDir, 'docs');
    try {
      const r = await refusal(clock, s, ['--to', join(s.dir, 'x')]);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('job "docs" is already running');
    } finally {
      release();
    }
    const early = await refusal(clock, s, ['--to', join(s.dir, 'x'), '--at', '2026-11-01']);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain('job "docs" has no backup at or before 2026-11-01');
    expect((await refusal(clock, s, ['--to', join(s.dir, 'x'), '--at', 'last tuesday'])).stderr).toContain('--at "last tuesday": expected a run id, "yesterday"');
    expect(existsSync(join(s.dir, 'x'))).toBe(false);
  });
});
