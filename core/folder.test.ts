import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSynError } from './errors.ts';
import { ensureFolder } from './folder.ts';
import { PROJECT_ROOT } from './paths.ts';
import { callUnprivileged } from './testing/unprivileged.ts';

const dir = mkdtempSync(join(tmpdir(), 'syn-folder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problem(path: string, key = 'outbox'): { code: string; message: string } {
  try {
    ensureFolder(path, key);
  } catch (e) {
    if (!isSynError(e)) throw e;
    return { code: e.code, message: e.message };
  }
  throw new Error(`expected ${path} to be refused`);
}

describe('ensureFolder', () => {
  it('creates a missing folder and its missing parents', () => {
    const p = join(dir, 'a', 'b', 'c');
    ensureFolder(p, 'outbox');
    expect(statSync(p).isDirectory()).toBe(true);
    ensureFolder(p, 'outbox');
  });

  it('says that a file is not a folder, naming the key and the path', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expect(problem(file)).toEqual({ code: 'CONFIG_INVALID', message: `outbox: ${file} is a file, expected a folder` });
  });

  it('names the file that stands where a parent folder should be', () => {
    const file = join(dir, 'parent-file');
    writeFileSync(file, 'x');
    expect(problem(join(file, 'locks'), 'stateDir').message).toBe(`stateDir: cannot create the folder ${file}/locks: ${file} is a file, not a folder`);
  });

  it('uses the error code it is given', () => {
    const file = join(dir, 'demo-file');
    writeFileSync(file, 'x');
    expect(() => ensureFolder(file, '--dir', 'USAGE')).toThrow(expect.objectContaining({ code: 'USAGE', message: `--dir: ${file} is a file, expected a folder` }));
  });

  it.runIf(process.platform === 'linux')('gives up at once under /proc instead of spinning in a recursive mkdir', () => {
    const started = Date.now();
    expect(problem('/proc/synecdoche-test/outbox').message).toMatch(/^outbox: cannot create the folder \/proc\/synecdoche-test\/outbox \(at \/proc\/synecdoche-test\): .*ENOENT/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  // Run by an ordinary user (as root the call drops to nobody: root writes through any mode).
  it.runIf(process.platform !== 'win32')('refuses a folder this user cannot write into', () => {
    chmodSync(dir, 0o755);
    const ro = join(dir, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const folder = join(PROJECT_ROOT, 'core/folder.ts');
    try {
      expect(callUnprivileged(folder, 'ensureFolder', [ro, 'outbox'])).toMatchObject({ thrown: expect.stringMatching(/^outbox: the folder .* is not writable by this user/) });
      expect(callUnprivileged(folder, 'ensureFolder', [join(ro, 'sub'), 'outbox'])).toMatchObject({
        thrown: expect.stringMatching(/^outbox: cannot create the folder .*\/sub: permission denied \(EACCES\)/),
      });
    } finally {
      chmodSync(ro, 0o700);
    }
  });
});
