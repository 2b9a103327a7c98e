import { Command, CommanderError } from 'commander';
import { PassThrough } from 'node:stream';
import type { CliContext } from '../../cli/main.ts';
import { reportError } from '../../cli/exit.ts';
import { agentCommand, agentCommandDefaults, type AgentCliDeps } from '../cli.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function capture(): PassThrough & { text(): string } {
  const s = new PassThrough();
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  return Object.assign(s, { text: () => Buffer.concat(chunks).toString('utf8') });
}

/**
 * Runs `synecdoche agent ARGS` in-process the way cli/main.ts does (same error-to-exit-code
 * path, cli/exit.ts), with the agent's seams replaceable (a test plugin, a fake clock).
 */
export async function runAgentCli(args: string[], deps?: Partial<AgentCliDeps>, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const stdout = capture();
  const stderr = capture();
  const ctx: CliContext = { env, stdout, stderr, exitCode: 0 };
  const program = new Command('synecdoche').exitOverride().configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
  program.addCommand(agentCommand(ctx, { ...agentCommandDefaults, ...deps }));
  for (const c of program.commands) for (const s of [c, ...c.commands]) s.exitOverride();
  let code: number;
  try {
    await program.parseAsync(['node', 'synecdoche', 'agent', ...args]);
    code = ctx.exitCode;
  } catch (e) {
    code = e instanceof CommanderError ? (e.exitCode === 0 ? 0 : 2) : reportError(e, stderr);
  }
  await new Promise((r) => setImmediate(r));
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
