import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { startDovecot, type Dovecot } from '../testing/dovecot.ts';
import { signedResult, testSite } from '../testing/messages.ts';

const known = testSite('site-a');
const late = testSite('site-b');

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) });
  return Object.assign(w, { text: () => chunks.join('') });
}

describe('collector quarantine release against a real Dovecot', () => {
  let d: Dovecot;
  let dir: string;
  let config: string;
  const env = () => ({ IMAP_PASSWORD: d.pass });
  const cli = async (...args: string[]) => {
    const stdout = sink();
    const stderr = sink();
    const code = await main(['node', 'synecdoche', 'collector', ...args, '-c', config, '--log-level', 'silent'], env(), { stdout, stderr });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  };
  const writeConfig = (sites: (typeof known)[]) =>
    writeFileSync(config, stringify({
      database: { path: join(dir, 'collector.db') },
      mailboxes: [{ name: 'backups', type: 'imap', host: d.host, port: d.imapPort, tls: 'none', user: d.user, auth: { password: { env: 'IMAP_PASSWORD' } } }],
      consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'UTC' },
      clients: [{ id: 'acme', name: 'Acme Ltd', timeZone: 'Europe/Berlin' }],
      sites: sites.map((s) => ({ id: s.id, client: 'acme', publicKeys: [s.publicKey], heartbeatExpected: false })),
    }));
  const count = async (folder: string) => Number(/messages=(\d+)/.exec(await d.doveadm('mailbox', 'status', '-u', d.user, 'messages', folder))?.[1]);

  beforeAll(async () => {
    d = await startDovecot();
    dir = mkdtempSync(join(tmpdir(), 'syn-release-'));
    config = join(dir, 'collector.yaml');
  });
  afterAll(async () => {
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves a released message from the quarantine folder to the processed folder, and says so when it is gone', async () => {
    writeConfig([known]);
    await d.deliver([await signedResult(known, 'nightly', 1), await signedResult(late, 'nightly', 1), await signedResult(late, 'weekly', 1)]);
    const poll = await cli('poll');
    expect(poll.stdout).toContain('1 accepted, 2 quarantined (unknown-site x2)');
    expect([await count('INBOX'), await count('Synecdoche.Processed'), await count('Synecdoche.Quarantine')]).toEqual([0, 1, 2]);

    writeConfig([known, late]);
    const released = await cli('quarantine', 'release', '2');
    expect(released.code, released.stderr).toBe(0);
    expect(released.stdout).toMatch(/^message 2 released: run \S+ of site site-b stored\nmailbox imap:\S+: moved from the quarantine folder to the processed folder\n$/);
    expect([await count('Synecdoche.Processed'), await count('Synecdoche.Quarantine')]).toEqual([2, 1]);

    // Someone deleted the other one from the quarantine folder by hand: the release still counts.
    await d.doveadm('expunge', '-u', d.user, 'mailbox', 'Synecdoche.Quarantine', 'all');
    const gone = await cli('quarantine', 'release', '3');
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.stdout).toContain('the message is no longer in the quarantine folder (moved or deleted by someone); nothing to move');
    expect((await cli('quarantine')).stdout).toBe('The quarantine is empty.\n');

    // The inbox is read as before afterwards.
    await d.deliver(await signedResult(late, 'nightly', 2));
    expect((await cli('poll')).stdout).toContain('1 accepted, 0 quarantined');
  });
});
