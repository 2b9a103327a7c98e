// The agent's resident memory while idle in `agent run` (target: at most 80 MB). Starts the real
// CLI (bin/synecdoche.js, as a service manager would) with two jobs scheduled once a year, waits
// for its start-up heartbeat to reach a real SMTP server, lets it settle, and samples VmRSS.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startSmtpServer } from '../agent/testing/smtp.ts';
import { generateSiteKeyPair, privateKeyPem } from '../core/result/keys.ts';
import { buildDist } from './build.ts';

const LIMIT_MB = 80;
// The flags of config/synecdoche-agent.service: a small young generation keeps an idle service lean.
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=1').split(' ').filter(Boolean);

export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<Record<string, number | string>> {
  buildDist(opts.log); // a service runs the compiled tree (bin/synecdoche.js picks dist/ when it is fresh)
  const dir = mkdtempSync(join(tmpdir(), 'syn-bench-agent-'));
  const smtp = await startSmtpServer();
  const keys = generateSiteKeyPair();
  writeFileSync(join(dir, 'site.key'), privateKeyPem(keys.privateKey), { mode: 0o600 });
  writeFileSync(
    join(dir, 'agent.yaml'),
    stringify({
      site: { id: 'bench-site', timeZone: 'UTC' },
      keyFile: 'site.key',
      smtp: { host: '127.0.0.1', port: smtp.port, tls: 'none' },
      mail: { from: 'agent@bench.example', to: 'backups@bench.example' },
      outbox: 'outbox',
      stateDir: 'state',
      jobs: [
        { id: 'docs', plugin: 'copy', options: { source: dir, destination: join(dir, 'dst') }, schedule: '0 3 1 1 *' },
        { id: 'sync', plugin: 'rsync', options: { source: `${dir}/`, destination: join(dir, 'dst2') }, schedule: '0 4 1 1 *' },
      ],
    }),
  );
  const child = spawn(process.execPath, [...NODE_FLAGS, 'bin/synecdoche.js', 'agent', 'run', '-c', join(dir, 'agent.yaml'), '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await smtp.waitFor(1, 30_000); // the start-up heartbeat
    const settle = opts.quick ? 3 : 10;
    const samples: number[] = [];
    for (let i = 0; i < settle; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      samples.push(rssMb(child.pid!));
    }
    const peak = Math.max(...samples);
    const last = samples[samples.length - 1]!;
    opts.log(`agent run idle RSS after ${settle} s: ${last.toFixed(1)} MB (peak while idle ${peak.toFixed(1)} MB), limit ${LIMIT_MB} MB: ${(last / LIMIT_MB * 100).toFixed(0)}% of the limit`);
    return { idleRssMb: Number(last.toFixed(1)), peakIdleRssMb: Number(peak.toFixed(1)), limitMb: LIMIT_MB };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await smtp.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}
