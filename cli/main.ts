import { Command, CommanderError } from 'commander';
import { agentCommand } from '../agent/cli.ts';
import { collectorCommand } from '../collector/cli.ts';
import { demoCommand } from './demo.ts';
import { exitCodeTable, reportError } from './exit.ts';
import { parseCommand } from './parse.ts';
import { VERSION } from '../core/version.ts';

/** What every command gets: the environment captured once at start, and the output streams. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  /** Set by a command that wants a specific exit code (e.g. run-job's job status). */
  exitCode: number;
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('synecdoche')
    .description('Backup-status monitoring: site agents send signed result emails, the collector reads them and reports.')
    .version(VERSION)
    .addHelpText('after', `\nExit codes:\n${exitCodeTable()}\n`)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });
  program.addCommand(demoCommand(ctx));
  program.addCommand(agentCommand(ctx));
  program.addCommand(collectorCommand(ctx));
  program.addCommand(parseCommand(ctx));
  for (const c of program.commands) inheritExitOverride(c);
  return program;
}

function inheritExitOverride(c: Command): void {
  c.exitOverride().showHelpAfterError();
  for (const sub of c.commands) inheritExitOverride(sub);
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv, io: Partial<Pick<CliContext, 'stdout' | 'stderr'>> = {}): Promise<number> {
  const ctx: CliContext = { env, stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr, exitCode: 0 };
  try {
    await buildProgram(ctx).parseAsync(argv);
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    return reportError(e, ctx.stderr);
  }
}
