import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { decodePart, partSha256, type ManifestLine } from '../../core/result/manifest.ts';
import type { ManifestPartPayload, ResultPayload } from '../../core/result/schema.ts';
import { getPlugin } from '../../plugins/index.ts';
import { runJob } from '../runner.ts';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtp.ts';
import { testDeps } from '../testing/deps.ts';
import { makeTestSite, type TestSite } from '../testing/site.ts';
import { listManifests, loadManifest } from './local.ts';

let smtp: TestSmtpServer;
let site: TestSite;
beforeEach(async () => {
  smtp = await startSmtpServer();
});
afterEach(async () => {
  await smtp.close();
  site?.cleanup();
});

interface Mail {
  payload: ResultPayload | ManifestPartPayload;
  parts: Map<string, Buffer>;
}

async function mail(raw: Buffer): Promise<Mail> {
  const m = await simpleParser(raw);
  const json = m.attachments.find((a) => a.filename === 'synecdoche-result.json')!;
  const parts = new Map(m.attachments.filter((a) => a.filename?.startsWith('synecdoche-manifest-')).map((a) => [a.filename!, a.content]));
  return { payload: JSON.parse(json.content.toString('utf8')), parts };
}

/** Relative paths: the agent resolves them against the config's folder (the site folder). */
function copyJob() {
  return { id: 'docs', name: 'Documents', plugin: 'copy', options: { source: 'src', destination: 'dst', removeExtras: true, verify: 'copied' } };
}

function write(dir: string, rel: string, text: string) {
  mkdirSync(join(dir, 'src', rel, '..'), { recursive: true });
  writeFileSync(join(dir, 'src', rel), text);
}

describe('the file manifest of a copy job', () => {
  it('goes full on the first run, then as a delta of changed, added and removed files', async () => {
    site = makeTestSite(smtp.port, [copyJob()]);
    const dir = site.dir;
    write(dir, 'a.txt', 'alpha');
    write(dir, 'sub/b.txt', 'bravo');
    write(dir, 'sub/c.txt', 'charlie');
    const clock = new FakeClock('2026-12-01T01:00:00Z');
    const deps = testDeps(site.configPath, getPlugin, clock);

    await runJob(deps.config.jobs[0]!, deps);
    const first = await mail(smtp.messages[0]!);
    const p1 = first.payload as ResultPayload;
    expect(p1.manifest).toMatchObject({ mode: 'full', baseRunId: null, entries: 3 });
    const part1 = first.parts.get('synecdoche-manifest-1.ndjson.gz')!;
    expect(partSha256(part1)).toBe(p1.manifest!.parts[0]!.sha256);
    const lines = decodePart(part1);
    expect(lines.map((l) => l.path).sort()).toEqual(['a.txt', 'sub/b.txt', 'sub/c.txt']);
    // copied and verified this run: the hash is known
    expect(lines.every((l) => l.op === 'put' && /^[0-9a-f]{64}$/.test(l.sha256 ?? ''))).toBe(true);

    write(dir, 'sub/b.txt', 'bravo, changed');
    write(dir, 'd.txt', 'delta');
    rmSync(join(dir, 'src', 'sub', 'c.txt'));
    clock.advance(86_400_000);
    await runJob(deps.config.jobs[0]!, deps);
    const second = await mail(smtp.messages[1]!);
    const p2 = second.payload as ResultPayload;
    expect(p2.manifest).toMatchObject({ mode: 'delta', baseRunId: p1.runId, entries: 3 });
    const delta = decodePart(second.parts.get('synecdoche-manifest-1.ndjson.gz')!);
    const byPath = new Map(delta.map((l: ManifestLine) => [l.path, l]));
    expect(byPath.get('sub/b.txt')).toMatchObject({ op: 'put', size: 'bravo, changed'.length });
    expect(byPath.get('d.txt')).toMatchObject({ op: 'put', size: 5 });
    expect(byPath.get('sub/c.txt')).toEqual({ op: 'del', path: 'sub/c.txt' });
    // the agent keeps each run's manifest for restores
    expect(listManifests(deps.config.stateDir, 'docs').map((m) => m.runId)).toEqual([p1.runId, p2.runId]);
    expect(loadManifest(deps.config.stateDir, 'docs')!.entries.map((e) => e.path)).toEqual(['a.txt', 'd.txt', 'sub/b.txt']);
  });

  it('is sent in several parts, each in its own email, when it exceeds maxPartBytes, and a full one every fullEvery runs', async () => {
    site = makeTestSite(smtp.port, [copyJob()], { catalogue: { maxPartBytes: 4096, fullEvery: 2, keep: 1 } });
    for (let i = 0; i < 600; i++) write(site.dir, `folder-${i % 7}/file-${i}-${(i * 7919).toString(36)}.txt`, `content ${i}`);
    const deps = testDeps(site.configPath, getPlugin, new FakeClock('2026-12-01T01:00:00Z'));
    await runJob(deps.config.jobs[0]!, deps);
    const mails = await Promise.all(smtp.messages.map(mail));
    const result = mails[0]!.payload as ResultPayload;
    const n = result.manifest!.parts.length;
    expect(n).toBeGreaterThan(2);
    expect(mails).toHaveLength(n);
    const all: ManifestLine[] = [];
    for (let k = 1; k <= n; k++) {
      const m = mails.find((x) => x.parts.has(`synecdoche-manifest-${k}.ndjson.gz`))!;
      const part = m.parts.get(`synecdoche-manifest-${k}.ndjson.gz`)!;
      expect(part.length).toBeLessThanOrEqual(4096);
      expect(partSha256(part)).toBe(result.manifest!.parts[k - 1]!.sha256);
      if (k > 1) expect(m.payload).toMatchObject({ kind: 'manifest-part', resultRunId: result.runId, part: k, parts: n });
      all.push(...decodePart(part));
    }
    expect(new Set(all.map((l) => l.path)).size).toBe(600);
    expect(readdirSync(deps.config.outbox).filter((f) => !f.startsWith('.'))).toEqual([]);

    // fullEvery 2: the second run is a delta, the third full again; keep 1 leaves one local manifest
    await runJob(deps.config.jobs[0]!, deps);
    await runJob(deps.config.jobs[0]!, deps);
    const results = (await Promise.all(smtp.messages.map(mail))).map((m) => m.payload).filter((p): p is ResultPayload => p.kind === 'result');
    expect(results.map((r) => r.manifest!.mode)).toEqual(['full', 'delta', 'full']);
    expect(results[1]!.manifest!.entries).toBe(0);
    expect(listManifests(deps.config.stateDir, 'docs')).toHaveLength(1);
  });

  it('waits in the outbox with its parts while mail is down, and goes out whole later', async () => {
    site = makeTestSite(smtp.port, [copyJob()], { catalogue: { maxPartBytes: 4096 } });
    for (let i = 0; i < 400; i++) write(site.dir, `f/${i}-${(i * 104729).toString(36)}.txt`, `x${i}`);
    const deps = testDeps(site.configPath, getPlugin);
    const run = await runJob(deps.config.jobs[0]!, { ...deps, send: undefined });
    const n = run.payload.manifest!.parts.length;
    expect(n).toBeGreaterThan(1);
    const waiting = readdirSync(deps.config.outbox);
    expect(waiting.filter((f) => f.endsWith('.json'))).toHaveLength(n);
    expect(waiting.filter((f) => f.includes('~synecdoche-manifest-'))).toHaveLength(n);
    const flushed = await deps.outbox.flush(deps.send!);
    expect(flushed).toMatchObject({ sent: n, pending: 0 });
    expect(readdirSync(deps.config.outbox).filter((f) => !f.startsWith('.'))).toEqual([]);
    const mails = await Promise.all(smtp.messages.map(mail));
    expect(mails.flatMap((m) => [...m.parts.keys()]).sort()).toEqual(Array.from({ length: n }, (_, i) => `synecdoche-manifest-${i + 1}.ndjson.gz`).sort());
  });
});
