import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../core/paths.ts';

describe('the synecdoche program', () => {
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
