import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures, notification } from '../testing.ts';
import type { Notification } from '../types.ts';
import { keywordsParser, phrasePattern } from './parse.ts';

const here = dirname(fileURLToPath(import.meta.url));
let fixtures: Map<string, Notification>;
beforeAll(async () => {
  fixtures = await loadFixtures(here);
});
const fixture = (name: string) => fixtures.get(name)!;

const tarWords = { success: ['exit 0'], failure: ['Exiting with failure status', 'Cannot stat'] };
const borgWords = { success: ['Archive fingerprint'], failure: ['error', 'Failed to create'] };

describe('keyword rules', () => {
  it('reads a failed tar run as failed from its failure words, with the lines that say so', () => {
    const r = keywordsParser.parse(fixture('cron-tar-failure-gnu-tar-1.34.eml'), { keywords: tarWords })!;
    expect(r.status).toBe('failed');
    expect(r.job).toBe('Cron <root@files> /usr/local/bin/archive-share.sh');
    expect(r.errors).toEqual(['tar: Exiting with failure status due to previous errors', 'tar: /srv/nonexistent-share: Cannot stat: No such file or directory']);
    expect(r.summary).toBe('failure word "Exiting with failure status" in the body: tar: Exiting with failure status due to previous errors');
  });

  it('reads the good tar run as ok from its success word', () => {
    const r = keywordsParser.parse(fixture('cron-tar-success-gnu-tar-1.34.eml'), { keywords: tarWords })!;
    expect(r).toMatchObject({ status: 'ok', errors: [], summary: 'success word "exit 0" in the body' });
  });

  it('lets a failure word beat a success word in the same mail', () => {
    const n = fixture('cron-tar-failure-gnu-tar-1.34.eml');
    const r = keywordsParser.parse({ ...n, text: n.text + '\nexit 0\n' }, { keywords: tarWords })!;
    expect(r.status).toBe('failed');
  });

  it('reads borg statistics as ok, and a borg mail with neither word as failed, never silently ok', () => {
    const n = fixture('cron-borg-create-stats-1.2.eml');
    expect(keywordsParser.parse(n, { keywords: borgWords })!.status).toBe('ok');
    const cut = { ...n, text: n.text.slice(0, n.text.indexOf('Repository:')) };
    const r = keywordsParser.parse(cut, { keywords: borgWords })!;
    expect(r).toMatchObject({ status: 'failed', errors: ['no success word found'], summary: 'no success word found (looked for "Archive fingerprint")' });
  });

  it('ignores case and matches a phrase broken over lines', () => {
    const n = fixture('cron-borg-create-stats-1.2.eml');
    const r = keywordsParser.parse(n, { keywords: { success: ['ARCHIVE\nNAME'], failure: [] } })!;
    expect(r.status).toBe('ok');
    const broken = notification({ text: 'the backup\r\n   completed   normally' });
    expect(keywordsParser.parse(broken, { keywords: { success: ['backup completed'], failure: [] } })!.status).toBe('ok');
  });

  it('matches whole words only: "success" is not found in "unsuccessful"', () => {
    const n = notification({ subject: 'Backup unsuccessful', text: 'see log' });
    const r = keywordsParser.parse(n, { keywords: { success: ['success'], failure: [] } })!;
    expect(r.status).toBe('failed');
    expect(phrasePattern('success').test('Backup: Success!')).toBe(true);
    expect(phrasePattern('a.b').test('axb')).toBe(false);
  });

  it('looks in the subject, the HTML body and text attachments too', () => {
    const words = { success: ['completed'], failure: ['failed'] };
    expect(keywordsParser.parse(notification({ subject: 'Job completed' }), { keywords: words })!.summary).toBe('success word "completed" in the subject');
    const html = notification({ subject: 'Job completed', html: '<p>Volume <b>D:</b> backup <span>failed</span></p>' });
    const r = keywordsParser.parse(html, { keywords: words })!;
    expect(r.status).toBe('failed');
    expect(r.summary).toMatch(/^failure word "failed" in the HTML body/);
    const att = notification({ subject: 'nightly', attachments: [{ filename: 'backup.log', contentType: 'application/octet-stream', content: Buffer.from('step 3 failed: disk full\n') }] });
    expect(keywordsParser.parse(att, { keywords: words })!.errors).toEqual(['step 3 failed: disk full']);
  });

  it('reads nothing without the rule\'s words, and recognises no mail by itself', () => {
    expect(keywordsParser.parse(fixture('cron-tar-success-gnu-tar-1.34.eml'))).toBeNull();
    expect(keywordsParser.recognises()).toBe(false);
  });
});
