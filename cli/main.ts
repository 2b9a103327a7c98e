import { Command, CommanderError } from 'commander';
import { VERSION } from '../core/version.ts';
import { exitCodeTable, reportError } from './exit.ts';

/** What every command gets: the environment captured once at start, and the output streams. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  /** Set by a command that wants a specific exit code (e.g. run-job's job status). */
  exitCode: number;
}

type CommandFactory = (ctx: CliContext) => Command;

/**
 * The command groups, loaded on demand: `agent run` must not load the collector's database,
 * IMAP and browser libraries (the agent's idle memory is a budget), and a group that fails to
 * load must not break the others. Listed explicitly, in help order.
 */
const GROUPS: Record<string, () => Promise<CommandFactory>> = {
  demo: async () => (await import('./demo.ts')).demoCommand,
  agent: async () => (await import('../agent/cli.ts')).agentCommand,
  collector: async () => (await import('../collector/cli.ts')).collectorCommand,
  report: async () => (await import('../collector/report/cli.ts')).reportCommand,
  parse: async () => (await import('./parse.ts')).parseCommand,
};

export async function buildProgram(ctx: CliContext, only?: string): Promise<Command> {
  const program = new Command('synecdoche')
    .description('Backup-status monitoring: site agents send signed result emails, the collector reads them and reports.')
    .version(VERSION)
    .addHelpText('after', `\nExit codes:\n${exitCodeTable()}\n`)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });
  const names = only !== undefined && GROUPS[only] ? [only] : Object.keys(GROUPS);
  for (const name of names) program.addCommand((await GROUPS[name]!())(ctx));
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
    const first = argv.slice(2).find((a) => !a.startsWith('-'));
    await (await buildProgram(ctx, first)).parseAsync(argv);
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    return reportError(e, ctx.stderr);
  }
}
