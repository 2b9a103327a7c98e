import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { recordManifest, writeTree } from '../agent/restore/testing.ts';
import { runAgentCli } from '../agent/testing/cli.ts';
import { makeTestSite, type TestSite } from '../agent/testing/site.ts';
import { startSmtpServer, type TestSmtpServer } from '../agent/testing/smtp.ts';
import { main } from '../cli/main.ts';

let smtp: TestSmtpServer | undefined;
let site: TestSite | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
  site?.cleanup();
});

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) });
  return Object.assign(w, { text: () => chunks.join('') });
}

async function collector(...args: string[]) {
  const stdout = sink();
  const stderr = sink();
  const code = await main(['node', 'synecdoche', 'collector', ...args], {}, { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('a restore report from the agent to the collector', () => {
  it('travels as a signed email through a real SMTP server, is accepted, stored and shown in collector history', async () => {
    smtp = await startSmtpServer();
    site = makeTestSite(smtp.port, []);
    const source = join(site.dir, 'src');
    writeTree(source, { 'Invoices/2026/jan.txt': 'january\n', 'Invoices/2026/feb.txt': 'february\n', 'notes.txt': 'notes\n' });
    site.write({ jobs: [{ id: 'docs', name: 'Documents', plugin: 'copy', schedule: '0 2 * * *', options: { source, destination: join(site.dir, 'mirror') } }] });
    expect((await runAgentCli(['run-job', 'docs', '-c', site.configPath])).code).toBe(0);
    recordManifest(join(site.dir, 'state'), 'docs', source, new Date(Date.now() + 1000));
    const to = join(site.dir, 'restored');
    const r = await runAgentCli(['restore', 'docs', '-c', site.configPath, '--to', to, '--path', 'Invoices/2026']);
    expect(r.code, r.stderr).toBe(0);
    expect(smtp.messages).toHaveLength(2); // the backup's result, then the restore

    const maildir = join(site.dir, 'Maildir');
    for (const s of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, s), { recursive: true });
    smtp.messages.forEach((raw, i) => writeFileSync(join(maildir, 'new', `17650000${i}.M${i}.host`), raw));
    const config = join(site.dir, 'collector.yaml');
    writeFileSync(
      config,
      stringify({
        database: { path: 'data/synecdoche.db' },
        mailboxes: [{ name: 'local', type: 'maildir', path: 'Maildir' }],
        consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'UTC' },
        clients: [{ id: 'acme', name: 'Acme Ltd', timeZone: 'Europe/Berlin' }],
        sites: [{ id: 'site-a', client: 'acme', publicKeys: [site.publicLine] }],
      }),
    );
    const poll = await collector('poll', '-c', config);
    expect(poll.stdout).toBe(`maildir:${maildir}: 2 accepted, 0 quarantined, 0 duplicates\n`);

    const h = await collector('history', 'site-a/docs', '-c', config);
    expect(h.code, h.stderr).toBe(0);
    const lines = h.stdout.split('\n');
    const at = lines.indexOf('Restores and drills:');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^KIND\s+STARTED\s+STATUS\s+FILES\s+SIZE\s+MISMATCHES\s+NOTE$/);
    expect(lines[at + 2]).toMatch(new RegExp(`^RESTORE .* OK +2 +17 B +0 of 2 +backup of .*; into ${to}$`));

    const json = JSON.parse((await collector('history', 'site-a/docs', '-c', config, '--json')).stdout) as { restores: { kind: string; status: string; files: { restored: number }; checked: number }[]; runs: unknown[] };
    expect(json.runs).toHaveLength(1);
    expect(json.restores).toMatchObject([{ kind: 'restore', status: 'ok', files: { restored: 2 }, checked: 2 }]);
  });
});
