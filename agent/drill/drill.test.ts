import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { runProcess } from '../../core/process.ts';
import type { DrillPayload } from '../../core/result/schema.ts';
import { getPlugin } from '../../plugins/index.ts';
import { listManifests, saveManifest } from '../catalogue/local.ts';
import { randomUUID } from 'node:crypto';
import { acquireJobLock } from '../lock.ts';
import { recordManifest } from '../restore/testing.ts';
import { runJob } from '../runner.ts';
import { testDeps } from '../testing/deps.ts';
import { makeTestSite, type TestSite } from '../testing/site.ts';
import { NO_MANIFEST, runDrill, type DrillDeps } from './index.ts';
import { seededRandom } from './sample.ts';

let site: TestSite;
let src: string;
let scratch: string;
const FILES: Record<string, string> = {
  'a.txt': 'alpha\n',
  'docs/letter.doc': 'Dear Hugo,\n'.repeat(200),
  'docs/invoice-2026.pdf': 'PDF'.repeat(5000),
  'photos/big.jpg': 'J'.repeat(40_000),
  'empty.txt': '',
};

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'syn-drill-'));
  src = join(scratch, 'src');
  for (const [rel, content] of Object.entries(FILES)) {
    mkdirSync(join(src, rel, '..'), { recursive: true });
    writeFileSync(join(src, rel), content);
  }
});
afterEach(() => {
  site?.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

function deps(jobs: unknown[]): DrillDeps {
  site = makeTestSite(1, jobs);
  const d = testDeps(site.configPath, getPlugin, systemClock);
  return { ...d, send: undefined, random: seededRandom(7), tempDir: join(scratch, 'tmp') };
}
const tempLeft = () => readdirSync(join(scratch, 'tmp'));
const errorsOf = (p: DrillPayload) => p.errors.map((e) => `${e.path ?? ''}: ${e.message}`).join('\n');

describe('restore drills', () => {
  beforeEach(() => mkdirSync(join(scratch, 'tmp')));

  it('fails with a plain reason for a job that has no backup manifest yet', async () => {
    const d = deps([{ id: 'files', plugin: 'copy', options: { source: src, destination: join(scratch, 'dst') } }]);
    const run = await runDrill(d.config.jobs[0]!, d);
    expect(run.payload.kind).toBe('drill');
    expect(run.payload.status).toBe('failed');
    expect(run.payload.errors[0]!.message).toBe(NO_MANIFEST);
    expect(d.outbox.pending()).toHaveLength(1);
  });

  it('restores a sample of a copy backup into a temporary folder, proves it by hash and against the unchanged source, and removes the folder', async () => {
    const d = deps([{ id: 'files', plugin: 'copy', options: { source: src, destination: join(scratch, 'dst') }, drill: { schedule: '0 4 * * *', sample: 3 } }]);
    const job = d.config.jobs[0]!;
    expect((await runJob(job, d)).payload.status).toBe('ok');
    expect(listManifests(d.config.stateDir, job.id)).toHaveLength(1);
    const run = await runDrill(job, d);
    const p = run.payload;
    expect(p.status, errorsOf(p)).toBe('ok');
    expect(p.sample).toMatchObject({ files: 3, ofFiles: 5 });
    expect(p.paths).toHaveLength(3);
    expect(p.verification).toMatchObject({ checked: 3, mismatches: 0 });
    expect(p.sourceCompared).toEqual({ checked: 3, mismatches: 0 });
    expect(p.from.runId).toBe(listManifests(d.config.stateDir, job.id)[0]!.runId);
    expect(tempLeft()).toEqual([]);
  });

  it('catches a corrupted file in a real rsync backup by its backup-time hash and names it', async () => {
    const dst = join(scratch, 'dst');
    const d = deps([{ id: 'rs', plugin: 'rsync', options: { source: `${src}/`, destination: dst }, drill: { schedule: '0 4 * * *', sample: 100 } }]);
    const job = d.config.jobs[0]!;
    expect((await runJob(job, d)).payload.status).toBe('ok');
    recordManifest(d.config.stateDir, job.id, src, new Date(Date.now() + 1000)); // with hashes, as a verified backup records them
    expect((await runDrill(job, d)).payload.status).toBe('ok');
    // One byte flipped in the backup, size and mtime kept: only the content tells.
    flipByte(join(dst, 'docs/letter.doc'), 100);
    const p = (await runDrill(job, d)).payload;
    expect(p.status).toBe('failed');
    expect(p.verification!.mismatchedPaths, JSON.stringify(p.errors)).toEqual(['docs/letter.doc']);
    expect(errorsOf(p)).toMatch(/docs\/letter\.doc: restored content differs from the backup's/);
    expect(tempLeft()).toEqual([]);
  });

  it('catches it by the unchanged source when the backup recorded no hashes (rsync does not hash)', async () => {
    const dst = join(scratch, 'dst');
    const d = deps([{ id: 'rs', plugin: 'rsync', options: { source: `${src}/`, destination: dst }, drill: { schedule: '0 4 * * *', sample: 100 } }]);
    const job = d.config.jobs[0]!;
    await runJob(job, d);
    const entries = Object.keys(FILES).map((path) => {
      const st = statSync(join(src, path));
      return { path, size: st.size, mtimeMs: st.mtimeMs, sha256: null };
    });
    saveManifest(d.config.stateDir, job.id, randomUUID(), new Date(Date.now() + 1000), entries);
    const good = (await runDrill(job, d)).payload;
    expect(good.status, errorsOf(good)).toBe('ok');
    expect(good.sourceCompared).toEqual({ checked: 5, mismatches: 0 });
    flipByte(join(dst, 'docs/invoice-2026.pdf'), 7);
    const p = (await runDrill(job, d)).payload;
    expect(p.status).toBe('failed');
    expect(p.verification!.mismatchedPaths).toEqual(['docs/invoice-2026.pdf']);
    expect(p.sourceCompared).toEqual({ checked: 5, mismatches: 1 });
    expect(errorsOf(p)).toMatch(/docs\/invoice-2026\.pdf: restored content differs from the source/);
  });

  it('is only a warning when a file could be compared by size alone (no hash, source changed since)', async () => {
    const dst = join(scratch, 'dst');
    const d = deps([{ id: 'rs', plugin: 'rsync', options: { source: `${src}/`, destination: dst }, drill: { schedule: '0 4 * * *', sample: 1, maxBytes: 10 } }]);
    const job = d.config.jobs[0]!;
    await runJob(job, d);
    saveManifest(d.config.stateDir, job.id, randomUUID(), new Date(Date.now() + 1000), [{ path: 'a.txt', size: 6, mtimeMs: 0, sha256: null }]);
    const p = (await runDrill(job, d)).payload;
    expect(p.status).toBe('warning');
    expect(p.logTail).toMatch(/1 sampled file was compared by size only/);
  });

  it('drills a real restic repository', async () => {
    const repo = join(scratch, 'repo');
    const pw = join(scratch, 'pw');
    writeFileSync(pw, 'drill password\n');
    expect((await runProcess('restic', ['init'], { env: { ...process.env, RESTIC_REPOSITORY: repo, RESTIC_PASSWORD_FILE: pw } })).exitCode).toBe(0);
    const d = deps([{ id: 'rt', plugin: 'restic', options: { repository: repo, passwordFile: pw, paths: [src] }, drill: { schedule: '0 4 * * *', sample: 4 } }]);
    const job = d.config.jobs[0]!;
    const backup = (await runJob(job, d)).payload;
    expect(backup.status, JSON.stringify(backup.errors)).toBe('ok');
    if (listManifests(d.config.stateDir, job.id).length === 0) recordManifest(d.config.stateDir, job.id, src, new Date());
    const p = (await runDrill(job, d)).payload;
    expect(p.status, errorsOf(p)).toBe('ok');
    expect(p.verification).toMatchObject({ checked: 4, mismatches: 0 });
    expect(tempLeft()).toEqual([]);
  });

  it('fails naming the files when the backup lost them, and still removes the temporary folder', async () => {
    const dst = join(scratch, 'dst');
    const d = deps([{ id: 'rs', plugin: 'rsync', options: { source: `${src}/`, destination: dst }, drill: { schedule: '0 4 * * *', sample: 100 } }]);
    const job = d.config.jobs[0]!;
    await runJob(job, d);
    if (listManifests(d.config.stateDir, job.id).length === 0) recordManifest(d.config.stateDir, job.id, src, new Date());
    rmSync(join(dst, 'photos'), { recursive: true });
    const p = (await runDrill(job, d)).payload;
    expect(p.status).toBe('failed');
    expect(p.verification!.mismatchedPaths).toContain('photos/big.jpg');
    expect(errorsOf(p)).toMatch(/photos\/big\.jpg/);
    expect(tempLeft()).toEqual([]);
  });

  it('reports a source file that differs from its restored copy although its size and mtime are unchanged', async () => {
    const d = deps([{ id: 'files', plugin: 'copy', options: { source: src, destination: join(scratch, 'dst') }, drill: { schedule: '0 4 * * *', sample: 100 } }]);
    const job = d.config.jobs[0]!;
    await runJob(job, d);
    flipByte(join(src, 'photos/big.jpg'), 5); // bit rot at the source: the backup is right, the source is not
    const p = (await runDrill(job, d)).payload;
    expect(p.status).toBe('failed');
    expect(p.sourceCompared.mismatches).toBe(1);
    expect(errorsOf(p)).toMatch(/photos\/big\.jpg: restored content differs from the source/);
  });

  it('refuses to run while the job holds its lock, writing no report', async () => {
    const d = deps([{ id: 'files', plugin: 'copy', options: { source: src, destination: join(scratch, 'dst') } }]);
    const release = acquireJobLock(d.config.stateDir, 'files');
    try {
      await expect(runDrill(d.config.jobs[0]!, d)).rejects.toMatchObject({ code: 'JOB_ALREADY_RUNNING' });
    } finally {
      release();
    }
    expect(d.outbox.pending()).toHaveLength(0);
  });
});

/** Changes one byte of a file in place, keeping its size and mtime (what bit rot looks like). */
function flipByte(file: string, at: number): void {
  const { atime, mtime } = statSync(file);
  const fd = openSync(file, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0xff;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
  utimesSync(file, atime, mtime);
}
