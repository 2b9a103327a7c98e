import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../core/paths.ts';

describe('the synecdoche program', () => {
  it('starts by name through its shebang line, which carries its V8 flag', () => {
    const bin = join(PROJECT_ROOT, 'bin/synecdoche.js');
    // the kernel reads the first line: env -S splits "node --max-semi-space-size=4"
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8', env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
  }, 30_000);

  it('ends quietly with its own exit code when the reader of its output goes away (| head)', async () => {
    const bin = join(PROJECT_ROOT, 'bin/synecdoche.js');
    const log = join(PROJECT_ROOT, 'plugins/robocopy/fixtures', 'own_en_appended_failed_then_ok.log');
    const child = spawn(process.execPath, [bin, 'parse', 'robocopy', log], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // like `head` that has read enough: every write now fails with EPIPE
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  }, 30_000);
});
