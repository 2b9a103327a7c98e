import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from './main.ts';
import { integerOption, timeOption } from './options.ts';

describe('option parsers', () => {
  it('name the option in the error', () => {
    expect(() => integerOption('--exit-code')('abc')).toThrow('--exit-code: "abc" is not an integer');
    expect(() => timeOption('--started')('yesterday')).toThrow('--started: "yesterday" is not an ISO 8601 time');
    expect(integerOption('--exit-code')('-3')).toBe(-3);
    expect(timeOption('--started')('2026-11-23T02:30:00+01:00').toISOString()).toBe('2026-11-23T01:30:00.000Z');
  });

  it('name --exit-code of synecdoche parse at the command line', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const code = await main(['node', 'synecdoche', 'parse', 'rsync', '-', '--exit-code', '2x'], {}, { stdout: out, stderr: out });
    expect([code, text]).toEqual([2, 'synecdoche: --exit-code: "2x" is not an integer\n']);
  });
});
