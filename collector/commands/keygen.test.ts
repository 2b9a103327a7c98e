import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePublicKeyLine } from '../../core/result/keys.ts';
import { tempDir } from '../ingest/testing.ts';
import { loadCommandKey } from './issue.ts';
import { collectorKeygen } from './keygen.ts';

describe('collector keygen', () => {
  it('writes a private key only the owner can read and prints the public key line sites hold', () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = collectorKeygen(join(dir, 'command.key'));
      expect(statSync(r.keyFile).mode & 0o777).toBe(0o600);
      expect(r.lines.at(-1)).toBe(r.publicLine);
      expect(r.lines.join('\n')).toContain(`publicKey: "${r.publicLine}"`);
      // The key file is what issueCommand signs with, and the line is its public half.
      const keys = loadCommandKey(r.keyFile);
      expect(parsePublicKeyLine(r.publicLine).equals(keys.publicKey)).toBe(true);
      expect(readFileSync(r.keyFile, 'utf8')).toContain('PRIVATE KEY');
    } finally {
      cleanup();
    }
  });

  it('never overwrites an existing key, since every site holds its public half', () => {
    const { dir, cleanup } = tempDir();
    try {
      const first = collectorKeygen(join(dir, 'command.key'));
      expect(() => collectorKeygen(join(dir, 'command.key'))).toThrow(/already exists; not overwriting/);
      expect(loadCommandKey(first.keyFile).publicKey.equals(parsePublicKeyLine(first.publicLine))).toBe(true);
    } finally {
      cleanup();
    }
  });

  it('names collector keygen when the configured key file is missing', () => {
    expect(() => loadCommandKey('/nonexistent/command.key')).toThrow('commands.keyFile: /nonexistent/command.key does not exist (make it with "synecdoche collector keygen --out /nonexistent/command.key")');
  });
});
