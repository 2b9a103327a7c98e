import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures } from '../testing.ts';
import type { Notification } from '../types.ts';
import { robocopyLogParser } from './parse.ts';

const here = dirname(fileURLToPath(import.meta.url));
let fixtures: Map<string, Notification>;
beforeAll(async () => {
  fixtures = await loadFixtures(here);
});
const parse = (name: string) => robocopyLogParser.parse(fixtures.get(name)!)!;

describe('robocopy logs mailed by scripts', () => {
  it('reads an attached UTF-16 /UNILOG log as ok with the summary table\'s counts', () => {
    const r = parse('unilog-utf16le-attached.eml');
    expect(r).toMatchObject({ tool: 'robocopy-log', job: 'Robocopy Daten nach NAS', status: 'ok', errors: [] });
    expect(r.files).toEqual({ examined: 4, copied: 2, failed: 0 });
    expect(r.bytes).toEqual({ examined: 13, copied: 7, failed: null });
  });

  it('reads an attached CP850 German log with a failed file as failed, with robocopy\'s error line', () => {
    const r = parse('cp850-fehler32-failed-attached.eml');
    expect(r.status).toBe('failed');
    expect(r.files).toEqual({ examined: 250, copied: 3, failed: 1 });
    expect(r.errors[1]).toMatch(/^FEHLER 32 \(0x00000020\) Datei wird kopiert: Der Prozess kann nicht auf die Datei zugreifen/);
  });

  it('reads console output in the body', () => {
    expect(parse('extra-success-body.eml')).toMatchObject({ status: 'ok', files: { examined: 4, copied: 2, failed: 0 } });
  });

  it('reads a log whose last run was cut off before its summary as failed, whatever the earlier run said', () => {
    const r = parse('appended-last-truncated-body.eml');
    expect(r.status).toBe('failed');
    expect(r.errors[0]).toBe('no robocopy summary found (log truncated?)');
  });
});
