import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRsyncOutput } from '../../../plugins/rsync/parse.ts';
import { loadFixtures, notification } from '../testing.ts';
import type { Notification } from '../types.ts';
import { rsyncLogParser } from './parse.ts';

const here = dirname(fileURLToPath(import.meta.url));
let fixtures: Map<string, Notification>;
beforeAll(async () => {
  fixtures = await loadFixtures(here);
});
const parse = (name: string) => rsyncLogParser.parse(fixtures.get(name)!)!;

describe('rsync logs mailed by scripts', () => {
  it('reads an attached --log-file log without --stats as ok, not failed for lack of a summary it never had', () => {
    const r = parse('log-file-no-stats-attached-3.5.eml');
    expect(r).toMatchObject({ tool: 'rsync-log', job: 'rsync nightly: files -> nas', status: 'ok', errors: [] });
    expect(r.files).toEqual({ examined: 4, copied: 4, failed: 0 });
    expect(r.summary).toBe('rsync log (attachment rsync-nightly.log) ok: 4 of 4 files copied (200 KB in all)');
  });

  it('reads a --stats body that counts regular files, folders and links apart, counting regular files', () => {
    const r = parse('itemize-stats-reg-dir-link-body-3.5.eml');
    expect(r.status).toBe('ok');
    expect(r.files).toEqual({ examined: 4, copied: 1, failed: 0 });
    expect(r.bytes).toEqual({ examined: 200033, copied: 8, failed: null });
  });

  it('reads a partial transfer (code 23) as a warning with rsync\'s own complaint', () => {
    const r = parse('log-file-code23-body-3.5.eml');
    expect(r.status).toBe('warning');
    expect(r.errors[1]).toBe('rsync: [sender] change_dir "/tmp/rs/nonexist-src" failed: No such file or directory (2)');
  });

  it('reads a refused command line (code 1) as failed, saying why', () => {
    const r = parse('unknown-option-code1-body-2.6.9.eml');
    expect(r.status).toBe('failed');
    expect(r.summary).toBe('rsync log (body) failed: rsync exited with code 1 (syntax or usage error)');
  });

  it('reads exactly what the rsync plugin reads from the same log (one parser, not two)', () => {
    const n = fixtures.get('log-file-code23-body-3.5.eml')!;
    const o = parseRsyncOutput(n.text, null);
    expect(rsyncLogParser.parse(n)).toMatchObject({ status: o.status, files: { examined: o.files.examined, copied: o.files.copied, failed: o.files.failed } });
  });

  it('reads a mail from the script that holds no rsync log as failed, and an empty mail as unreadable', () => {
    const r = rsyncLogParser.parse(notification({ subject: 'rsync nightly', text: '/usr/local/bin/sync.sh: line 3: rsync: command not found\n' }))!;
    expect(r).toMatchObject({ status: 'failed', errors: ['no rsync log found in the mail (neither attached nor in the body)'] });
    expect(rsyncLogParser.parse(notification({ subject: 'rsync nightly' }))).toBeNull();
  });
});
