import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareWithFixtures, corpusSamples } from '../testing/corpus.ts';
import { resticPlugin } from './index.ts';
import { parseResticOutput, parseResticSize, parseResticText } from './parse.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (f: string) => fs.readFileSync(path.join(here, 'fixtures', f));
const DOCS_SAMPLE = 'restic_01_backup_verbose_text_summary_docs.txt';

describe('restic parser on real restic 0.14 --json output made here', () => {
  it('reads a first backup as ok with every file new', () => {
    const out = resticPlugin.parse(fixture('restic_0.14_json_first_run.txt'), 0);
    expect(out.status).toBe('ok');
    expect(out.files).toEqual({ examined: 4, copied: 4, skipped: 0, failed: 0, extra: 0 });
    expect(out.bytes).toMatchObject({ examined: 20, copied: 2107 });
    expect(out.errors).toEqual([]);
    expect(out.logTail).not.toContain('"message_type":"status"');
  });

  it('reports a warning naming the path when restic skipped a missing path but exited 0', () => {
    const out = resticPlugin.parse(fixture('restic_0.14_json_missing_path_exit0.txt'), 0);
    expect(out.status).toBe('warning');
    expect(out.files).toEqual({ examined: 4, copied: 1, skipped: 3, failed: 1, extra: 0 });
    expect(out.errors).toEqual([{ message: 'missing does not exist, skipping', path: 'missing' }]);
  });

  it('reports failed with restic\'s own message for a wrong password', () => {
    const out = resticPlugin.parse(fixture('restic_0.14_json_wrong_password_exit1.txt'), 1);
    expect(out.status).toBe('failed');
    expect(out.errors.map((e) => e.message)).toEqual(['restic exited with code 1: Fatal: wrong password or no key found']);
  });

  it("puts restic's Fatal line into the first error even after a prefix, and says it once", () => {
    const out = parseResticOutput('Resolving password failed: Fatal: /etc/restic.pw does not exist\n', 1);
    expect(out.status).toBe('failed');
    expect(out.errors).toEqual([{ message: 'restic exited with code 1: Resolving password failed: Fatal: /etc/restic.pw does not exist', code: '1' }]);
  });

  it("keeps restic's Fatal line when there is no exit code", () => {
    const out = parseResticOutput('/nonexist does not exist, skipping\nFatal: all target directories/files do not exist\n', null);
    expect(out.errors.map((e) => e.message)).toEqual(['restic failed: Fatal: all target directories/files do not exist', '/nonexist does not exist, skipping']);
  });

  it('reports failed from the log alone when there is no summary', () => {
    expect(resticPlugin.parse(fixture('restic_0.14_json_wrong_password_exit1.txt'), null).status).toBe('failed');
  });
});

describe('restic parser on the text summary of the restic docs (corpus sample)', () => {
  const check = (text: string) => {
    const out = parseResticOutput(text, null);
    expect(out.status).toBe('ok');
    expect(out.files).toEqual({ examined: 5307, copied: 5307, skipped: 0, failed: 0, extra: 0 });
    expect(out.bytes.examined).toBe(Math.round(1.72 * 1024 ** 3));
    expect(out.bytes.copied).toBe(Math.round(1.2 * 1024 ** 3));
    expect(parseResticText(text)).toMatchObject({ dirsNew: 1867, snapshotId: '40dc1520' });
  };
  it('reads the project copy', () => check(fixture(DOCS_SAMPLE).toString('utf8')));
  it('is a byte-identical copy of the only restic sample of ../shared/corpus', () => {
    const names = corpusSamples(/^restic_/);
    expect(names).toEqual([DOCS_SAMPLE]);
    expect(compareWithFixtures(names, path.join(here, 'fixtures'))).toEqual({ [DOCS_SAMPLE]: 'same' });
  });
});

describe('restic exit codes and error messages', () => {
  const summary = '{"message_type":"summary","files_new":1,"files_changed":0,"files_unmodified":9,"total_files_processed":10,"total_bytes_processed":100,"data_added":10,"snapshot_id":"abc"}';
  const error = '{"message_type":"error","error":{"message":"open /src/secret: permission denied"},"during":"archival","item":"/src/secret"}';

  it('reports exit code 3 (unreadable files) as a warning that names the file', () => {
    const out = parseResticOutput(`${error}\n${summary}\n`, 3);
    expect(out.status).toBe('warning');
    expect(out.files.failed).toBe(1);
    expect(out.errors[1]).toEqual({ message: 'restic error during archival on /src/secret: open /src/secret: permission denied', path: '/src/secret' });
  });

  it('reports failed for exit code 1 or an undocumented code even with a summary', () => {
    expect(parseResticOutput(summary, 1).status).toBe('failed');
    expect(parseResticOutput(summary, 130).errors[0]!.message).toContain('undocumented');
  });

  it('reports failed when restic exited 0 without a summary', () => {
    expect(parseResticOutput('{"message_type":"status","percent_done":1}\n', 0).status).toBe('failed');
  });

  it('reads sizes in binary units', () => {
    expect(parseResticSize('1.200 GiB (1.103 GiB stored)')).toBe(Math.round(1.2 * 1024 ** 3));
    expect(parseResticSize('512 B')).toBe(512);
    expect(parseResticSize('none')).toBeUndefined();
  });
});
