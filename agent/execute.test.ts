import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { createLogger } from '../core/log.ts';
import { runProcess } from '../core/process.ts';
import { getPlugin } from '../plugins/index.ts';
import type { JobConfig } from './config.ts';
import { executePlugin } from './execute.ts';

describe('executePlugin', () => {
  it('logs each line of a run with its job and run id once (no duplicate JSON keys)', async () => {
    const lines: string[] = [];
    const log = createLogger({ destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
    for (const [plugin, options] of [
      ['command', { command: process.execPath, args: ['-e', 'console.log("hello")'] }],
      ['rsync', { source: '/nonexistent-src/', destination: '/nonexistent-dst/' }],
    ] as const) {
      const job = { id: `j-${plugin}`, name: plugin, plugin, options: getPlugin(plugin).configSchema.parse(options) } as unknown as JobConfig;
      await executePlugin(job, 'run-1', { plugins: getPlugin, clock: systemClock, log, exec: runProcess });
    }
    const starts = lines.filter((l) => l.includes('"msg":"starting'));
    expect(starts.length).toBe(2);
    for (const line of lines) {
      expect(line.match(/"jobId":/g)?.length ?? 0, line).toBeLessThanOrEqual(1);
      expect(line.match(/"runId":/g)?.length ?? 0, line).toBeLessThanOrEqual(1);
    }
  });
});
