import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { tempDir } from '../ingest/testing.ts';

const fixtures = join(import.meta.dirname, '..', 'thirdparty');
const duplicatiFailed = join(fixtures, 'duplicati/fixtures/text-fatal-missing-remote-files-2.0.4.5.eml');
const tarFailed = join(fixtures, 'keywords/fixtures/cron-tar-failure-gnu-tar-1.34.eml');
const rsyncLog = join(fixtures, 'rsync-log/fixtures/log-file-no-stats-attached-3.5.eml');

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const chunks = { out: [] as string[], err: [] as string[] };
  const sink = (to: string[]) => new Writable({ write: (c, _e, cb) => (to.push(String(c)), cb()) });
  const code = await main(['node', 'synecdoche', 'collector', ...args], {}, { stdout: sink(chunks.out), stderr: sink(chunks.err) });
  return { code, stdout: chunks.out.join(''), stderr: chunks.err.join('') };
}

describe('collector rules test', () => {
  let dir: string, cleanup: () => void, config: string;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir('syn-rules-test-'));
    config = join(dir, 'collector.yaml');
    writeFileSync(
      config,
      stringify({
        consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'UTC' },
        clients: [{ id: 'acme', name: 'Acme Ltd', timeZone: 'Europe/Berlin' }],
        thirdParty: {
          rules: [
            { name: 'acme-veeam', from: 'veeam@acme.example', parser: 'duplicati', client: 'acme' },
            { name: 'acme-duplicati', from: '/@backup\\.example$/', subject: '^Duplicati \\w+ report for (?<job>.+)$', parser: 'duplicati', client: 'acme', site: 'acme-nas' },
            { name: 'acme-cron', from: 'root@files.acme.example', subject: '^Cron', parser: 'keywords', client: 'acme', site: 'acme-files', keywords: { success: ['exit 0'], failure: ['Exiting with failure status'] } },
          ],
        },
      }),
    );
  });
  afterEach(() => cleanup());

  it('says which rule matched, why the others did not, what the parser read and where the mail is filed', async () => {
    const r = await cli('rules', 'test', '-c', config, duplicatiFailed);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('  no    acme-veeam: sender duplicati@backup.example is not veeam@acme.example');
    expect(lines).toContain('  MATCH acme-duplicati: sender matches /@backup\\.example$/ and subject matches ^Duplicati \\w+ report for (?<job>.+)$');
    expect(lines).toContain('Parser duplicati (Duplicati) read:');
    expect(r.stdout).toMatch(/^ {4}status +failed$/m);
    expect(r.stdout).toMatch(/^ {4}summary +Backup failed: Found 17 files that are missing from the remote storage, please run repair$/m);
    expect(r.stdout).toMatch(/^ {4}error +Failed: Found 17 files/m);
    expect(lines).toContain('Filed under client acme, site acme-nas, job testing ("Testing"), marked unsigned (rule acme-duplicati).');
  });

  it('gives the keyword rule\'s verdict with the words it found', async () => {
    const r = await cli('rules', 'test', '-c', config, tarFailed);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {4}summary +failure word "Exiting with failure status" in the body: tar: Exiting with failure status due to previous errors$/m);
    expect(r.stdout).toContain('Filed under client acme, site acme-files, job cron-root-files-usr-local-bin-archive-share.sh');
  });

  it('exits 1 for a known tool no rule maps, printing a rule that would, and lists several files', async () => {
    const r = await cli('rules', 'test', '-c', config, rsyncLog, duplicatiFailed);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`== ${rsyncLog}`);
    expect(r.stdout).toContain('Not filed: the rsync notification from "root@files.acme.example" that no thirdParty rule maps.');
    expect(r.stdout).toContain('      parser: rsync-log\n      client: CLIENT');
    expect(r.stdout).toContain(`== ${duplicatiFailed}`);
  });

  it('prints the same as JSON with --json', async () => {
    const r = await cli('rules', 'test', '-c', config, '--json', duplicatiFailed);
    const [x] = JSON.parse(r.stdout);
    expect(x.trials.map((t: { matched: boolean }) => t.matched)).toEqual([false, true]);
    expect(x.outcome).toMatchObject({ outcome: 'third-party', parser: 'duplicati', mapping: { clientId: 'acme', siteId: 'acme-nas', jobId: 'testing' }, report: { status: 'failed' } });
  });

  it('fails with a usage error naming a file it cannot read', async () => {
    const r = await cli('rules', 'test', '-c', config, join(dir, 'nope.eml'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read .*nope\.eml/);
  });
});
