import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAgentCli } from '../testing/cli.ts';
import { makeTestSite, type TestSite } from '../testing/site.ts';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtp.ts';

let smtp: TestSmtpServer;
let site: TestSite;
let scratch: string;
afterEach(async () => {
  await smtp?.close();
  site?.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

async function setup() {
  scratch = mkdtempSync(join(tmpdir(), 'syn-drill-cli-'));
  const src = join(scratch, 'src');
  mkdirSync(src);
  for (let i = 0; i < 10; i++) writeFileSync(join(src, `f${i}.txt`), `file ${i}\n`);
  smtp = await startSmtpServer();
  site = makeTestSite(smtp.port, [{ id: 'docs', plugin: 'copy', options: { source: src, destination: join(scratch, 'dst') } }]);
}

describe('agent drill', () => {
  it('says a job without a backup yet cannot be drilled, sends the failed report and exits 1', async () => {
    await setup();
    const r = await runAgentCli(['drill', 'docs', '-c', site.configPath]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('drill of job docs: failed (no backup manifest yet: run the job first), report sent\n');
    expect(smtp.messages).toHaveLength(1);
  });

  it('drills the newest backup with the default sample and prints the report as JSON', async () => {
    await setup();
    expect((await runAgentCli(['run-job', 'docs', '-c', site.configPath])).code).toBe(0);
    const r = await runAgentCli(['drill', 'docs', '-c', site.configPath, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p).toMatchObject({ kind: 'drill', status: 'ok', sample: { files: 10, ofFiles: 10 }, verification: { checked: 10, mismatches: 0 }, sourceCompared: { checked: 10, mismatches: 0 } });
    expect(smtp.messages).toHaveLength(2);
  });

  it('names the known jobs for an unknown one', async () => {
    await setup();
    const r = await runAgentCli(['drill', 'nope', '-c', site.configPath]);
    expect(r.code).toBe(2); // NOT_FOUND is a usage error (cli/exit.ts)
    expect(r.stderr).toMatch(/no job "nope" .*jobs: docs/);
  });
});
