import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareWithFixtures, corpusSamples } from '../testing/corpus.ts';
import { rsyncPlugin } from './index.ts';
import { countItemized, parseRsyncNumber, parseRsyncOutput, parseRsyncStats } from './parse.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, 'fixtures');

interface Expected {
  file: string;
  exitCode: number;
  status: 'ok' | 'warning' | 'failed';
  dialect: string | null;
  files: { examined: number; copied: number; skipped: number; failed: number; extra: number };
  bytes: { examined: number; copied: number };
  error?: string;
}

/** Every rsync sample of the shared corpus, and what a consultant should read from it. */
const SAMPLES: Expected[] = [
  {
    file: 'rsync_01_v3_stats_dryrun_verbose_success.txt',
    exitCode: 0,
    // A dry run: the counts are what rsync would have copied, and nothing was written.
    status: 'warning',
    dialect: 'rsync3',
    files: { examined: 6846, copied: 6846, skipped: 0, failed: 0, extra: 0 },
    bytes: { examined: 24_788_299, copied: 24_788_299 },
    error: 'dry run: rsync only listed what it would copy; nothing was written',
  },
  {
    file: 'rsync_02_v2.6.9_macos_stats_success.txt',
    exitCode: 0,
    status: 'ok',
    dialect: 'rsync2',
    files: { examined: 7192, copied: 6846, skipped: 346, failed: 0, extra: 0 },
    bytes: { examined: 24_788_299, copied: 24_788_299 },
  },
  {
    file: 'rsync_03_openrsync_stats_success.txt',
    exitCode: 0,
    status: 'ok',
    dialect: 'openrsync',
    files: { examined: 3661, copied: 3301, skipped: 360, failed: 0, extra: 0 },
    bytes: { examined: 27_747_677, copied: 27_747_677 },
  },
  {
    file: 'rsync_06_v3.0.9_stats_linkstat_code23_failed_readme.txt',
    exitCode: 23,
    status: 'failed',
    dialect: 'rsync2',
    files: { examined: 0, copied: 0, skipped: 0, failed: 1, extra: 0 },
    bytes: { examined: 0, copied: 0 },
    error: 'link_stat "/backup/source" failed',
  },
  {
    file: 'rsync_07_v2.6.9_unknown_option_code1_failed.log',
    exitCode: 1,
    status: 'failed',
    dialect: null,
    files: { examined: 0, copied: 0, skipped: 0, failed: 0, extra: 0 },
    bytes: { examined: 0, copied: 0 },
    error: '--info=progress2: unknown option',
  },
];

function check(text: string, exitCode: number | null, s: Expected): void {
  const out = parseRsyncOutput(text, exitCode, {});
  expect(out.status).toBe(s.status);
  // A log read alone carries its exit code only in an "rsync error ... (code N)" line.
  expect(out.exitCode).toBe(exitCode ?? (s.status === 'failed' ? s.exitCode : null));
  expect(out.files).toEqual(s.files);
  expect(out.bytes).toMatchObject(s.bytes);
  expect(parseRsyncStats(text)?.dialect ?? null).toBe(s.dialect);
  if (s.error) expect(out.errors.map((e) => e.message).join('\n')).toContain(s.error);
  if (s.status === 'ok') expect(out.errors).toEqual([]);
  expect(out.logTail.length).toBeGreaterThan(0);
}

describe('rsync parser on the corpus samples (project fixtures)', () => {
  for (const s of SAMPLES) {
    const text = fs.readFileSync(path.join(fixtures, s.file), 'utf8');
    it(`reads ${s.file} as ${s.status} with the given exit code`, () => check(text, s.exitCode, s));
    it(`reads ${s.file} as ${s.status} from the log alone`, () => check(text, null, s));
  }
});

describe('rsync fixtures against ../shared/corpus', () => {
  it('hold a byte-identical copy of, and expectations for, exactly the rsync samples there', () => {
    const names = corpusSamples(/^rsync_\d+_/);
    expect(names.length).toBeGreaterThan(0);
    expect(names).toEqual(SAMPLES.map((s) => s.file).sort());
    expect(compareWithFixtures(names, fixtures)).toEqual(Object.fromEntries(names.map((n) => [n, 'same'])));
  });
});

describe('rsync parser on a real local run made here (rsync 3.x with --itemize-changes)', () => {
  const text = fs.readFileSync(path.join(fixtures, 'rsync_3_local_run.txt'), 'utf8');
  it('counts the three new files and the one deleted extra', () => {
    const out = rsyncPlugin.parse(Buffer.from(text), 0);
    expect(out.status).toBe('ok');
    expect(out.files).toEqual({ examined: 3, copied: 3, skipped: 0, failed: 0, extra: 1 });
    expect(out.bytes.examined).toBe(17);
  });
  it('counts itemised lines the same as the stats say', () => {
    expect(countItemized(text)).toEqual({ transferred: 3, deleted: 1 });
  });
});

describe('rsync parser details', () => {
  it('reads thousands separators of either kind and human-readable units', () => {
    expect(parseRsyncNumber('1,234,567 bytes')).toBe(1_234_567);
    expect(parseRsyncNumber(' 1.234.567 bytes')).toBe(1_234_567);
    expect(parseRsyncNumber('1.50K bytes')).toBe(1536);
    expect(parseRsyncNumber('bytes')).toBeUndefined();
  });

  it('reads a German-locale rsync 3 stats block', () => {
    const s = parseRsyncStats('Number of files: 1.234 (reg: 1.000, dir: 234)\nNumber of deleted files: 5 (reg: 4, dir: 1)\nNumber of regular files transferred: 12\nTotal file size: 9.876.543 bytes\n');
    expect(s).toMatchObject({ dialect: 'rsync3', entries: 1234, regularFiles: 1000, deleted: 4, transferred: 12, totalSize: 9_876_543 });
  });

  it('fills copied and extra from itemised lines when there is no stats block', () => {
    const out = parseRsyncOutput('>f+++++++++ a\n>f.st...... b\n<f.st...... c\ncd+++++++++ d/\n*deleting   e\n*deleting   f/\n', 0);
    expect(out.files).toMatchObject({ copied: 3, extra: 1 });
    expect(out.status).toBe('ok');
  });

  it('reports a vanished file (code 24) as a warning by default and as failed when configured', () => {
    const log = 'Number of files: 3 (reg: 2, dir: 1)\nNumber of regular files transferred: 1\nfile has vanished: "/src/x"\nrsync warning: some files vanished before they could be transferred (code 24) at main.c(1338) [sender=3.2.7]\n';
    expect(parseRsyncOutput(log, 24).status).toBe('warning');
    expect(parseRsyncOutput(log, null).status).toBe('warning');
    expect(parseRsyncOutput(log, 24, { partialTransferStatus: 'failed' }).status).toBe('failed');
    expect(parseRsyncOutput(log, 24).files.failed).toBe(1);
  });

  it('reports every other documented or unknown exit code as failed, naming its meaning', () => {
    for (const [code, meaning] of [[1, 'syntax or usage error'], [12, 'protocol data stream'], [30, 'timeout'], [99, 'undocumented']] as const) {
      const out = parseRsyncOutput('Number of files: 1\n', code);
      expect(out.status).toBe('failed');
      expect(out.errors[0]!.message).toContain(meaning);
    }
  });

  it('reports a dry run log as a warning even when rsync failed nothing, and keeps a failure failed', () => {
    const dry = 'Number of files: 2 (reg: 1, dir: 1)\nNumber of regular files transferred: 1\n\nsent 70 bytes  received 19 bytes  178.00 bytes/sec\ntotal size is 3  speedup is 0.03 (DRY RUN)\n';
    expect(parseRsyncOutput(dry, 0).status).toBe('warning');
    expect(parseRsyncOutput(dry, null).errors[0]!.message).toMatch(/^dry run: /);
    expect(parseRsyncOutput(dry.replace(' (DRY RUN)', ''), 0).status).toBe('ok');
    expect(parseRsyncOutput(dry.replace(' (DRY RUN)', ''), 0, { dryRun: true }).status).toBe('warning');
    const failed = parseRsyncOutput(dry, 12);
    expect(failed.status).toBe('failed');
    expect(failed.errors.map((e) => e.message)).toEqual([expect.stringContaining('protocol data stream'), expect.stringMatching(/^dry run: /)]);
  });

  it('reports a log with neither stats, a closing summary nor an exit code as failed', () => {
    const out = parseRsyncOutput('sending incremental file list\n', null);
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toBe('no rsync statistics or closing summary found (log cut off?)');
  });
});

/**
 * Logs of real rsync 3.5.0 runs on this project's build machine (2026-12-04), as scripts mail
 * them: `rsync -a --log-file=run.log src/ dst/` (no --stats), the same with a missing second
 * source (exit 23), `rsync -a -i --stats` (Number of files with reg/dir/link), and a log file
 * that two runs appended to, the second with `--delete --stats`.
 */
describe('logs written without --stats, and --log-file logs', () => {
  const read = (f: string) => fs.readFileSync(path.join(fixtures, f), 'utf8');

  it('reads a --log-file log without --stats as ok from its closing summary, counting the itemised files', () => {
    const out = parseRsyncOutput(read('rsync_3.5_log_file_no_stats_success.log'), null);
    expect(out.status).toBe('ok');
    expect(out.errors).toEqual([]);
    expect(out.files).toMatchObject({ examined: 4, copied: 4, failed: 0, extra: 0 });
    expect(out.bytes.examined).toBe(200032);
  });

  it('takes a log cut off before its closing summary as failed', () => {
    const text = read('rsync_3.5_log_file_no_stats_success.log');
    const out = parseRsyncOutput(text.slice(0, text.indexOf('sent ')), null);
    expect(out.status).toBe('failed');
  });

  it('reads the exit code and the complaint of a --log-file log that ended in code 23', () => {
    const out = parseRsyncOutput(read('rsync_3.5_log_file_missing_source_code23.log'), null);
    expect(out.exitCode).toBe(23);
    expect(out.status).toBe('warning');
    expect(out.errors.map((e) => e.message)).toEqual([
      'rsync exited with code 23 (partial transfer due to error)',
      'rsync: [sender] change_dir "/tmp/rs/nonexist-src" failed: No such file or directory (2)',
      'rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) [sender=3.5.0]',
    ]);
    expect(out.files.copied).toBe(4);
  });

  it('counts regular files, not folders and links, when --stats breaks them down (reg, dir, link)', () => {
    const out = parseRsyncOutput(read('rsync_3.5_itemize_stats_reg_dir_link_success.txt'), null);
    expect(out.status).toBe('ok');
    expect(out.files).toMatchObject({ examined: 4, copied: 1, skipped: 3 });
    expect(out.bytes).toMatchObject({ examined: 200033, copied: 8 });
  });

  it('reads only the last run of a log file that several runs appended to', () => {
    const out = parseRsyncOutput(read('rsync_3.5_log_file_two_runs_stats_delete.log'), null);
    expect(out.status).toBe('ok');
    expect(out.files).toMatchObject({ examined: 3, copied: 1, extra: 1 });
    expect(out.bytes).toMatchObject({ examined: 200025, copied: 6 });
  });
});
