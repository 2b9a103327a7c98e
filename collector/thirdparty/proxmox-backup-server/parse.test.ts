import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures, notification } from '../testing.ts';
import type { Notification } from '../types.ts';
import { parseBytes } from './gc.ts';
import { proxmoxBackupServerParser } from './parse.ts';

const here = dirname(fileURLToPath(import.meta.url));
let fixtures: Map<string, Notification>;
beforeAll(async () => {
  fixtures = await loadFixtures(here);
});
const fixture = (name: string) => fixtures.get(name)!;
const parse = (n: Notification) => proxmoxBackupServerParser.parse(n)!;

/** A fixture with its text part edited (and the HTML part dropped, so only the edit is read). */
function edited(name: string, change: (text: string) => string, subject?: string): Notification {
  const n = fixture(name);
  const text = change(n.text);
  expect(text).not.toBe(n.text);
  return { ...n, text, html: '', subject: subject ?? n.subject };
}

describe('garbage collection', () => {
  it('reads a successful GC as ok, with its statistics, the task start from the UPID and the server from the link', () => {
    const r = parse(fixture('gc-ok-email-notifications-rs.eml'));
    expect(r).toMatchObject({ tool: 'proxmox-backup-server', job: 'garbage-collection store1', host: 'pbs1.home.arpa', operation: 'garbage-collection', status: 'ok', errors: [], objects: [] });
    expect(r.startedAt).toEqual(new Date('2024-03-16T23:00:02Z'));
    expect(r.endedAt).toBeNull();
    // Original Data usage: 4.982 TiB (binary units)
    expect(r.bytes).toEqual({ examined: Math.round(4.982 * 1024 ** 4), copied: null, failed: null });
    expect(r.summary).toBe("Garbage collection on datastore 'store1' successful: removed 3.605 GiB in 1742 chunks, 1.145 GiB pending, on-disk 384.002 GiB of 4.982 TiB (deduplication factor 13.29)");
  });

  it('reads a failed GC as failed, with the error as the first error line', () => {
    const r = parse(fixture('gc-err-templates-3.2.eml'));
    expect(r).toMatchObject({ job: 'garbage-collection backup', host: 'backup.example.com', operation: 'garbage-collection', status: 'failed', startedAt: null });
    expect(r.errors).toEqual(['Garbage collection failed: Start GC failed - (already running/locked)']);
    expect(r.summary).toBe("Garbage collection on datastore 'backup' failed: Start GC failed - (already running/locked)");
  });

  it('reads a successful GC that left bad chunks behind as a warning', () => {
    const r = parse(edited('gc-ok-email-notifications-rs.eml', (t) => t.replace('Leftover bad chunks:  0', 'Leftover bad chunks:  3')));
    expect(r.status).toBe('warning');
    expect(r.errors).toEqual(['Leftover bad chunks: 3 (corrupt chunks still referenced by backups)']);
  });

  it('names the node from the UPID when the mail has no link', () => {
    const r = parse(edited('gc-ok-email-notifications-rs.eml', (t) => t.replace(/<https:[^>]+>/, '')));
    expect(r.host).toBe('pbs1');
  });
});

describe('verify', () => {
  it('reads a successful verify job as ok, named by its Job ID', () => {
    const r = parse(fixture('verify-ok-templates-3.2.eml'));
    expect(r).toMatchObject({ job: 'v-3c7f5a1e-2b9d', host: 'backup.example.com', operation: 'verify', status: 'ok', errors: [], objects: [] });
    expect(r.summary).toBe("Verify job v-3c7f5a1e-2b9d on datastore 'backup' successful");
  });

  it('lists every snapshot that failed verification as a failed object', () => {
    const r = parse(fixture('verify-err-email-notifications-rs.eml'));
    expect(r).toMatchObject({ job: 'v-91d2e0b4-6a7c', host: 'pbs1.home.arpa', status: 'failed' });
    expect(r.objects.map((o) => [o.name, o.status])).toEqual([
      ['vm/102/2024-03-23T22:00:03Z', 'failed'],
      ['ct/105/2024-03-23T22:04:11Z', 'failed'],
      ['ns/clients/vm/201/2024-03-22T01:30:00Z', 'failed'],
    ]);
    expect(r.errors[0]).toBe('Verification failed: vm/102/2024-03-23T22:00:03Z');
    expect(r.summary).toBe("Verify job v-91d2e0b4-6a7c on datastore 'store1' failed on 3 snapshots/groups: vm/102/2024-03-23T22:00:03Z, ct/105/2024-03-23T22:04:11Z, ns/clients/vm/201/2024-03-22T01:30:00Z");
  });

  it('splits failed snapshots that a handlebars version joined on one line', () => {
    const r = parse(edited('verify-err-email-notifications-rs.eml', (t) => t.replace(/\n\n\n {2}vm\/102(.*)\n {2}ct\/105(.*)\n {2}ns/, '\n\n  vm/102$1  ct/105$2  ns')));
    expect(r.objects.map((o) => o.name)).toEqual(['vm/102/2024-03-23T22:00:03Z', 'ct/105/2024-03-23T22:04:11Z', 'ns/clients/vm/201/2024-03-22T01:30:00Z']);
  });
});

describe('sync', () => {
  it('reads a successful pull from a remote as ok, naming the remote and its store in the summary', () => {
    const r = parse(fixture('sync-ok-remote-templates-3.2.eml'));
    expect(r).toMatchObject({ job: 's-8e41c7d2-0f3a', host: 'pbs-offsite.example.net', operation: 'sync', status: 'ok', errors: [] });
    expect(r.summary).toBe("Sync job s-8e41c7d2-0f3a on datastore 'offsite' (from remote 'pbs-main' datastore 'backup') successful");
  });

  it('reads a failed sync as failed, with the connection error', () => {
    const r = parse(fixture('sync-err-remote-email-notifications-rs.eml'));
    expect(r).toMatchObject({ job: 's-5b0a9f13-c2e8', host: 'pbs1.home.arpa', operation: 'sync', status: 'failed' });
    expect(r.errors).toEqual(['Sync failed: error trying to connect: error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed']);
  });

  it('reads a local sync (Local Source Store) and its subject', () => {
    const n = edited(
      'sync-ok-remote-templates-3.2.eml',
      (t) => t.replace(/Remote: +pbs-main\nRemote Store: +backup\n/, 'Local Source Store: backup\n'),
      "Sync local datastore 'backup' successful ",
    );
    expect(proxmoxBackupServerParser.recognises(n)).toBe(true);
    const r = parse(n);
    expect(r).toMatchObject({ operation: 'sync', status: 'ok' });
    expect(r.summary).toBe("Sync job s-8e41c7d2-0f3a on datastore 'offsite' (from local datastore 'backup') successful");
  });
});

describe('prune', () => {
  it('reads a failed prune job as failed, with the maintenance-mode error', () => {
    const r = parse(fixture('prune-err-templates-3.2.eml'));
    expect(r).toMatchObject({ job: 's-27fd94a0-11b6', operation: 'prune', status: 'failed' });
    expect(r.errors).toEqual(["Prune failed: datastore 'backup' is in offline maintenance mode: disk replacement"]);
  });

  it('reads "Pruning successful." as ok', () => {
    const r = parse(edited('prune-err-templates-3.2.eml', (t) => t.replace(/Pruning failed: .*/, 'Pruning successful.'), "Pruning datastore 'backup' successful "));
    expect(r).toMatchObject({ status: 'ok', errors: [], summary: "Prune job s-27fd94a0-11b6 on datastore 'backup' successful" });
  });
});

describe('tape backup', () => {
  it('reads a successful tape backup with its snapshots as objects, pool, duration and tapes', () => {
    const r = parse(fixture('tape-backup-ok-templates-3.2.eml'));
    expect(r).toMatchObject({ job: 'weekly-tape', host: 'backup.example.com', operation: 'tape-backup', status: 'ok', errors: [] });
    expect(r.objects).toHaveLength(5);
    expect(r.objects[3]).toEqual({ name: 'ns/clients/vm/201/2024-07-12T21:00:05Z', status: 'ok', detail: "written to tape pool 'weekly'", bytes: null, startedAt: null, endedAt: null });
    expect(r.summary).toBe("Tape backup job weekly-tape on datastore 'backup' successful: 5 snapshots to pool 'weekly' in 1h 12m 5s on WK0003L8, WK0004L8");
  });

  it('reads "Tape Backup failed:" as failed even though the snapshots written before are ok', () => {
    const r = parse(edited('tape-backup-ok-templates-3.2.eml', (t) => t.replace(/Duration: .*\n\n/, '').replace('Tape Backup successful.', 'Tape Backup failed: Tape backup finished with some errors. Please check the task log.')));
    expect(r.status).toBe('failed');
    expect(r.errors).toEqual(['Tape backup failed: Tape backup finished with some errors. Please check the task log.']);
    expect(r.summary).toBe("Tape backup job weekly-tape on datastore 'backup' failed: Tape backup finished with some errors. Please check the task log. (5 snapshots written before)");
  });

  it('names a tape backup without a job id after its operation and datastore', () => {
    const r = parse(edited('tape-backup-ok-templates-3.2.eml', (t) => t.replace(/^Job ID: .*\n/, ''), "Tape Backup datastore 'backup' successful "));
    expect(r).toMatchObject({ job: 'tape-backup backup', status: 'ok' });
  });
});

describe('what the verdict rests on', () => {
  it('reads the HTML part the same as the text part when the text part is missing', () => {
    for (const [f, n] of fixtures) {
      const fromHtml = parse({ ...n, text: '' });
      expect(fromHtml, f).toEqual(parse(n));
    }
  });

  it('reads a mail cut off before its verdict line as failed, keeping what the subject says', () => {
    const n = fixture('verify-ok-templates-3.2.eml');
    const r = parse({ ...n, text: n.text.slice(0, n.text.indexOf('Verification successful')), html: '' });
    expect(r).toMatchObject({ job: 'v-3c7f5a1e-2b9d', operation: 'verify', status: 'failed' });
    expect(r.summary).toBe("Verify job v-3c7f5a1e-2b9d on datastore 'backup': no result in the mail (cut off?)");
  });

  it('reads a subject that claims success over an empty body as failed, named from the subject', () => {
    const r = parse({ ...fixture('sync-ok-remote-templates-3.2.eml'), text: '', html: '' });
    expect(r).toMatchObject({ job: 'sync', operation: 'sync', status: 'failed', host: null });
    expect(r.summary).toBe("Sync (from remote 'pbs-main' datastore 'backup'): no result in the mail (cut off?)");
  });

  it('believes the body over a subject that claims success', () => {
    const n = edited('gc-ok-email-notifications-rs.eml', (t) => t.replace('Garbage collection successful.', 'Garbage collection failed: update atime failed for chunk/file "/mnt/datastore/store1/.chunks/1a2b" - EROFS: Read-only file system'));
    expect(n.subject).toMatch(/successful$/);
    const r = parse(n);
    expect(r.status).toBe('failed');
    expect(r.errors[0]).toMatch(/^Garbage collection failed: update atime failed/);
  });
});

describe('recognising', () => {
  it.each([
    "Verify Datastore 'store1' failed",
    "Garbage Collect Datastore 'store1' successful",
    "Pruning datastore 'store1' successful",
    "Sync remote 'a' datastore 'b' failed",
    "Sync local datastore 'b' successful ",
    "Tape Backup 'weekly' datastore 'store1' failed",
    "Tape Backup datastore 'store1' successful",
  ])('recognises the subject %s', (subject) => {
    expect(proxmoxBackupServerParser.recognises(notification({ subject }))).toBe(true);
  });

  it('recognises a job body by its PBS web-interface link, whatever the subject', () => {
    const n = fixture('prune-err-templates-3.2.eml');
    expect(proxmoxBackupServerParser.recognises({ ...n, subject: 'Fwd: backup' })).toBe(true);
  });

  it('does not claim Proxmox VE vzdump mails or PBS package-update mails', () => {
    const vzdump = notification({ subject: 'vzdump backup status (pve1.example.com): backup successful', text: 'VMID  NAME  STATUS\n100  web01  ok\n\nTotal running time: 5m 3s\n' });
    expect(proxmoxBackupServerParser.recognises(vzdump)).toBe(false);
    expect(proxmoxBackupServerParser.parse(vzdump)).toBeNull();
    const updates = notification({ subject: 'New software packages available (pbs1)', text: 'Proxmox Backup Server has the following updates available:\n  proxmox-backup-server: 3.2.3-1 -> 3.2.4-1\n\nTo upgrade visit the web interface:\n\n<https://pbs1.home.arpa:8007/#pbsServerAdministration:updates>\n' });
    expect(proxmoxBackupServerParser.recognises(updates)).toBe(false);
  });
});

describe('sizes', () => {
  it.each([
    ['3.605 GiB', Math.round(3.605 * 1024 ** 3)],
    ['512 B', 512],
    ['1 KiB', 1024],
    ['16,5 GB', 16.5e9],
    ['512MB', 512e6],
  ])('reads %s as %d bytes', (text, bytes) => {
    expect(parseBytes(text)).toBe(bytes);
  });
});
