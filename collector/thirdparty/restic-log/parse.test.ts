import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures } from '../testing.ts';
import type { Notification } from '../types.ts';
import { resticLogParser } from './parse.ts';

const here = dirname(fileURLToPath(import.meta.url));
let fixtures: Map<string, Notification>;
beforeAll(async () => {
  fixtures = await loadFixtures(here);
});
const parse = (name: string) => resticLogParser.parse(fixtures.get(name)!)!;

describe('restic logs mailed by scripts', () => {
  it('reads a text run that saved a snapshot as ok, with restic\'s counts', () => {
    const r = parse('text-first-run-0.14.eml');
    expect(r).toMatchObject({ tool: 'restic-log', job: 'restic backup files', status: 'ok', errors: [] });
    expect(r.files).toEqual({ examined: 2, copied: 2, failed: 0 });
    expect(r.bytes.examined).toBe(14);
  });

  it('reads a path restic skipped as a warning even though restic exited 0', () => {
    const r = parse('text-missing-path-exit0-0.14.eml');
    expect(r.status).toBe('warning');
    expect(r.errors).toEqual(['/tmp/rt/missing does not exist, skipping']);
  });

  it('reads a run with no repository as failed, with restic\'s Fatal line', () => {
    const r = parse('text-no-repository-exit1-0.14.eml');
    expect(r.status).toBe('failed');
    expect(r.errors[0]).toBe('restic failed: Fatal: unable to open config file: stat /tmp/rt/nonrepo/config: no such file or directory');
  });

  it('reads attached --json output', () => {
    expect(parse('json-first-run-attached-0.14.eml')).toMatchObject({ status: 'ok', files: { examined: 4, copied: 4, failed: 0 } });
  });
});
