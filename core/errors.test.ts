import { describe, expect, it } from 'vitest';
import { describeError, SynError } from './errors.ts';

describe('describeError', () => {
  it('follows causes and says each message once', () => {
    const net = new Error('connect ECONNREFUSED 127.0.0.1:25');
    const e = new SynError('SMTP_FAILED', 'SMTP 127.0.0.1:25: connect ECONNREFUSED 127.0.0.1:25', { cause: net });
    expect(describeError(e)).toBe('SMTP 127.0.0.1:25: connect ECONNREFUSED 127.0.0.1:25');
  });
  it('adds a cause that the wrapper did not repeat', () => {
    const e = new SynError('CONFIG_INVALID', 'cannot read config file a.yaml', { cause: new Error('ENOENT: no such file') });
    expect(describeError(e)).toBe('cannot read config file a.yaml: ENOENT: no such file');
    expect(e.exitCode).toBe(2);
  });
});
