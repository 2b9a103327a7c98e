import { SynError } from '../core/errors.ts';

/**
 * Commander argument parsers that name their option in the error, so that a script's author
 * reads `--exit-code: "abc" is not an integer` instead of a bare complaint about "abc".
 */
export function integerOption(flag: string): (v: string) => number {
  return (v) => {
    if (!/^-?\d+$/.test(v)) throw new SynError('USAGE', `${flag}: "${v}" is not an integer`);
    return Number(v);
  };
}

/** A time in ISO 8601 with a date, e.g. 2026-11-23T02:30:00+01:00; named like integerOption. */
export function timeOption(flag: string): (v: string) => Date {
  return (v) => {
    const d = new Date(v);
    if (Number.isNaN(d.getTime()) || !/^\d{4}-\d\d-\d\d/.test(v)) throw new SynError('USAGE', `${flag}: "${v}" is not an ISO 8601 time (e.g. 2026-11-23T02:30:00+01:00)`);
    return d;
  };
}
