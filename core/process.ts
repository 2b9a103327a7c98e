import { spawn } from 'node:child_process';

/** What a finished process left behind. */
export interface ProcessResult {
  /** Exit code, or null when the process was killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** All of stdout (up to `maxOutputBytes`, the end kept). */
  stdout: Buffer;
  /** All of stderr (up to `maxOutputBytes`, the end kept). */
  stderr: Buffer;
  /** True when the output was longer than kept. */
  truncated: boolean;
}

export interface ProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Called with each chunk of stdout as it arrives (progress). */
  onStdout?: (chunk: Buffer) => void;
  maxOutputBytes?: number;
}

/**
 * The process seam: plugins run tools only through a ProcessRunner, so tests can replace it
 * for faults a real tool cannot be made to produce. A tool that cannot be started rejects with
 * the spawn error (ENOENT for "not installed"); an abort kills the process tree's leader.
 */
export type ProcessRunner = (command: string, args: readonly string[], options?: ProcessOptions) => Promise<ProcessResult>;

/** The real ProcessRunner over child_process.spawn. */
export const runProcess: ProcessRunner = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    const max = options.maxOutputBytes ?? 4 * 1024 * 1024;
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, signal: options.signal, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const out = new TailBuffer(max);
    const err = new TailBuffer(max);
    child.stdout.on('data', (c: Buffer) => {
      out.push(c);
      options.onStdout?.(c);
    });
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let spawnError: Error | undefined;
    child.on('error', (e) => {
      spawnError = e;
    });
    child.on('close', (code, signal) => {
      if (spawnError && code === null && signal === null) return reject(spawnError);
      if (spawnError && (spawnError as NodeJS.ErrnoException).code === 'ENOENT') return reject(spawnError);
      resolve({ exitCode: code, signal, stdout: out.value(), stderr: err.value(), truncated: out.truncated || err.truncated });
    });
  });

/** Keeps the last `max` bytes of a stream. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(c: Buffer): void {
    this.chunks.push(c);
    this.size += c.length;
    while (this.size > this.max && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
      this.truncated = true;
    }
  }
  value(): Buffer {
    const b = Buffer.concat(this.chunks);
    return b.length > this.max ? ((this.truncated = true), b.subarray(b.length - this.max)) : b;
  }
}

/** The last `lines` lines of a text, for the result's `logTail`. */
export function tailLines(text: string, lines = 40, maxChars = 8000): string {
  const all = text.replace(/\r\n?/g, '\n').trimEnd().split('\n');
  const tail = all.slice(-lines).join('\n');
  return tail.length > maxChars ? tail.slice(tail.length - maxChars) : tail;
}
