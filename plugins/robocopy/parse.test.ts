import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import type { Counts } from '../../core/result/schema.ts';
import { compareWithFixtures, corpusSamples } from '../testing/corpus.ts';
import { decodeLog } from './decode.ts';
import { NO_SUMMARY, parseRobocopyLog } from './parse.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const fixtures = join(here, 'fixtures');
const read = (name: string) => readFileSync(join(fixtures, name));
const c = (examined: number, copied: number, skipped: number, failed: number, extra: number): Counts => ({ examined, copied, skipped, failed, extra });
const M = 1024 ** 2;
const G = 1024 ** 3;

/** What each corpus sample shows, read off the sample by hand (sizes rounded to whole bytes). */
const CORPUS: Record<string, { status: string; files: Counts; bytes: Counts; encoding: string }> = {
  'robocopy_01_en_extra_success.txt': { status: 'ok', encoding: 'utf8', files: c(4, 2, 2, 0, 1), bytes: c(13, 7, 6, 0, 3) },
  'robocopy_02_en_mir_multirun_success.log': {
    status: 'ok',
    encoding: 'utf8',
    files: c(19, 0, 19, 0, 0),
    bytes: c(Math.round(476.65 * M), 0, Math.round(476.65 * M), 0, 0),
  },
  'robocopy_04_fr_mojibake_success.txt': { status: 'ok', encoding: 'utf8', files: c(3, 2, 1, 0, 1), bytes: c(504, 0, 504, 0, Math.round(3.9 * 1024)) },
  'robocopy_06_tr_locale_dates_success.log': {
    status: 'ok',
    encoding: 'utf8',
    files: c(46108, 46108, 0, 0, 1),
    bytes: c(Math.round(1.678 * G), Math.round(1.678 * G), 0, 0, 0),
  },
  'robocopy_08_ru_cp866_error5_retry_failed.log': {
    status: 'failed',
    encoding: 'cp866',
    files: c(180, 22, 157, 1, 4),
    bytes: c(Math.round(33.97 * M), Math.round(2.67 * M), Math.round(31.3 * M), 538, Math.round(6.92 * M)),
  },
  'robocopy_09_ja_cp932_success.log': {
    status: 'ok',
    encoding: 'cp932',
    files: c(96789, 1, 96788, 0, 0),
    bytes: c(Math.round(5.862 * G), 0, Math.round(5.862 * G), 0, 0),
  },
};

function expectSample(bytes: Buffer, name: string): void {
  const want = CORPUS[name];
  expect(want, `expectations for ${name}`).toBeDefined();
  const out = parseRobocopyLog(bytes, null);
  expect({ status: out.status, files: out.files, bytes: out.bytes }).toEqual({ status: want!.status, files: want!.files, bytes: want!.bytes });
  expect(decodeLog(bytes).encoding).toBe(want!.encoding);
}

describe('robocopy parser on the corpus samples (copies in fixtures/)', () => {
  for (const name of Object.keys(CORPUS)) {
    it(`reads the totals and status of ${name}`, () => expectSample(read(name), name));
  }

  it('reports the Russian CP866 access-denied retries as one error with its path and attempts', () => {
    const out = parseRobocopyLog(read('robocopy_08_ru_cp866_error5_retry_failed.log'), null);
    const dated = out.errors.filter((e) => e.code === '0x00000005');
    expect(dated).toEqual([
      {
        code: '0x00000005',
        path: 'C:\\Users\\Ihor\\.gemini\\antigravity\\scratch\\fujimir-modern\\.gitignore',
        message: 'ОШИБКА 5 (0x00000005) Копирование файла: Отказано в доступе. (4 attempts)',
      },
    ]);
    expect(out.errors[0]!.message).toMatch(/1 file .* failed/);
  });

  it('keeps the tail of the Japanese log readable', () => {
    const out = parseRobocopyLog(read('robocopy_09_ja_cp932_success.log'), null);
    expect(out.logTail).toContain('ディレクトリ:      8385');
    expect(out.logTail).not.toMatch(/^\s*\d+%\s*$/m);
  });

  it('keeps only the last of the seven appended runs in the tail', () => {
    const out = parseRobocopyLog(read('robocopy_02_en_mir_multirun_success.log'), null);
    expect(out.logTail).toContain('Started : 22 January 2024 18:56:07');
    expect(out.logTail).not.toContain('18:56:01');
    expect(out.logTail.split('\n').length).toBeLessThanOrEqual(40);
  });
});

describe('robocopy fixtures against ../shared/corpus', () => {
  it('hold a byte-identical copy of, and expectations for, exactly the robocopy samples there', () => {
    const names = corpusSamples(/^robocopy_/);
    expect(names.length).toBeGreaterThan(0);
    expect(names).toEqual(Object.keys(CORPUS).sort());
    expect(compareWithFixtures(names, fixtures)).toEqual(Object.fromEntries(names.map((n) => [n, 'same'])));
  });
});

describe('robocopy parser on encodings', () => {
  it('reads a UTF-16LE /UNILOG log with a BOM', () => {
    const out = parseRobocopyLog(read('own_en_unilog_utf16le.log'), 1);
    expect(out).toMatchObject({ status: 'ok', files: c(4, 2, 2, 0, 1), bytes: c(13, 7, 6, 0, 3) });
  });

  it('reads a UTF-16LE log without a BOM, as appended to an existing /UNILOG+ file', () => {
    const bytes = read('own_en_unilog_utf16le.log').subarray(2);
    expect(decodeLog(bytes).encoding).toBe('utf16le');
    expect(parseRobocopyLog(bytes, null).files).toEqual(c(4, 2, 2, 0, 1));
  });

  it('reads German labels in CP850 with comma decimals and reports the FEHLER retries once', () => {
    const bytes = read('own_de_cp850_fehler32_failed.log');
    expect(decodeLog(bytes).encoding).toBe('cp850');
    const out = parseRobocopyLog(bytes, null);
    expect(out.status).toBe('failed');
    expect(out.files).toEqual(c(250, 3, 246, 1, 1));
    expect(out.bytes).toEqual(c(Math.round(1.23 * G), Math.round(12.5 * M), Math.round(1.21 * G), 2048, 1024));
    expect(out.errors.filter((e) => e.code)).toEqual([
      {
        code: '0x00000020',
        path: 'D:\\Daten\\Büro\\Postfach.pst',
        message: 'FEHLER 32 (0x00000020) Datei wird kopiert: Der Prozess kann nicht auf die Datei zugreifen, da sie von einem anderen Prozess verwendet wird. (3 attempts)',
      },
    ]);
    expect(out.logTail).toContain('Übersprungen');
  });

  it('tells the same German log in CP1252 from CP850', () => {
    const text = iconv.decode(read('own_de_cp850_fehler32_failed.log'), 'cp850');
    const bytes = iconv.encode(text, 'cp1252');
    expect(decodeLog(bytes).encoding).toBe('cp1252');
    expect(parseRobocopyLog(bytes, null).errors.find((e) => e.path)?.path).toBe('D:\\Daten\\Büro\\Postfach.pst');
  });

  it('reads French in the CP850 bytes robocopy wrote', () => {
    const bytes = read('own_fr_cp850_restored.log');
    const out = parseRobocopyLog(bytes, 3);
    expect(out).toMatchObject({ status: 'ok', files: c(3, 2, 1, 0, 1), bytes: c(504, 0, 504, 0, 3994) });
    expect(out.logTail).toContain('ÉCHEC');
  });

  it('uses a forced encoding instead of guessing', () => {
    const out = parseRobocopyLog(read('robocopy_08_ru_cp866_error5_retry_failed.log'), null, { encoding: 'cp1252' });
    expect(out.logTail).not.toContain('Каталогов');
    expect(out.files).toEqual(c(180, 22, 157, 1, 4));
  });

  it('rejects an encoding iconv-lite does not know as a misconfiguration', () => {
    expect(() => parseRobocopyLog(read('robocopy_01_en_extra_success.txt'), 0, { encoding: 'klingon' })).toThrow(
      expect.objectContaining({ code: 'PLUGIN_MISCONFIGURED' }),
    );
  });
});

describe('robocopy parser on runs and status', () => {
  it('counts only the last run of an appended log', () => {
    const out = parseRobocopyLog(read('own_en_appended_failed_then_ok.log'), null);
    expect(out).toMatchObject({ status: 'ok', errors: [], files: c(11, 2, 9, 0, 0), bytes: c(9426, 5330, 4096, 0, 0) });
  });

  it('reports failed when the last run was cut off before its summary, even though an earlier run finished', () => {
    const out = parseRobocopyLog(read('own_en_appended_last_truncated.log'), null);
    expect(out.status).toBe('failed');
    expect(out.files).toEqual(c(0, 0, 0, 0, 0));
    expect(out.errors).toEqual([{ message: NO_SUMMARY }]);
  });

  it('reports failed for text that is not a robocopy log', () => {
    expect(parseRobocopyLog(Buffer.from('Number of files: 12\nTotal file size: 1,024 bytes\n'), null).status).toBe('failed');
  });

  it('reports warning when robocopy found mismatches', () => {
    const out = parseRobocopyLog(read('own_en_mismatch_warning.log'), null);
    expect(out.status).toBe('warning');
    expect(out.bytes).toEqual(c(Math.round(1.5 * M), 0, Math.round(1.2 * M), 0, 0));
    expect(out.errors.map((e) => e.message)).toEqual(['robocopy summary: 2 files and 0 directories mismatched']);
  });

  it('reports failed with the invalid parameter for exit code 16', () => {
    const out = parseRobocopyLog(read('own_en_invalid_parameter_exit16.log'), 16);
    expect(out.status).toBe('failed');
    expect(out.exitCode).toBe(16);
    expect(out.errors.map((e) => e.message)).toEqual(['robocopy reported a fatal error and copied nothing (exit code 16)', 'ERROR: Invalid Parameter #3 : "/FOO"']);
  });

  it.each([
    [0, 'ok'],
    [1, 'ok'],
    [2, 'ok'],
    [3, 'ok'],
    [4, 'warning'],
    [7, 'warning'],
    [8, 'failed'],
    [9, 'failed'],
    [16, 'failed'],
    [-1, 'failed'],
    [32, 'failed'],
  ])('maps exit code %i to %s when the summary is clean', (code, status) => {
    expect(parseRobocopyLog(read('robocopy_01_en_extra_success.txt'), code).status).toBe(status);
  });

  it('reports failed when the exit code says ok but the summary counts a failed file', () => {
    const out = parseRobocopyLog(read('robocopy_08_ru_cp866_error5_retry_failed.log'), 1);
    expect(out.status).toBe('failed');
  });

  it('reports warning, not ok, for a good exit code with no summary to count', () => {
    const out = parseRobocopyLog(Buffer.from('robocopy ran with /NJS\r\n'), 1);
    expect(out.status).toBe('warning');
    expect(out.errors[0]!.message).toContain(NO_SUMMARY);
  });

  it('reads exact /BYTES numbers and unit numbers alike', () => {
    const row = (bytes: string) =>
      Buffer.from(`    Dirs :  1  0  1  0  0  0\n   Files :  2  1  1  0  0  0\n   Bytes :  ${bytes}\n`);
    expect(parseRobocopyLog(row('123456789012 1 2 0 0 0'), 1).bytes.examined).toBe(123456789012);
    expect(parseRobocopyLog(row('1.5 t 0 0 0 0 0'), 1).bytes.examined).toBe(1.5 * 1024 ** 4);
    expect(parseRobocopyLog(row('2,5 k 0 0 0 0 0'), 1).bytes.examined).toBe(2560);
  });
});
