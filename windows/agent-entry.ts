// The Windows agent's entry point: the `agent` and `parse` command groups of cli/main.ts, and
// nothing of the collector (no better-sqlite3, IMAP, Puppeteer or Hono), so that esbuild can
// bundle it into one file that the installer's node.exe runs. It mirrors cli/main.ts's main():
// the same program name, version, exit-code table, error handling and exit codes. cli/main.ts
// itself is not bundled because its command groups are dynamic imports of every group, which
// esbuild would follow into the collector.
import { Command, CommanderError } from 'commander';
import { agentCommand } from '../agent/cli.ts';
import { exitCodeTable, reportError } from '../cli/exit.ts';
import type { CliContext } from '../cli/main.ts';
import { parseCommand } from '../cli/parse.ts';
import { VERSION } from '../core/version.ts';

function inheritExitOverride(c: Command): void {
  c.exitOverride().showHelpAfterError();
  for (const sub of c.commands) inheritExitOverride(sub);
}

export async function agentMain(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const ctx: CliContext = { env, stdout: process.stdout, stderr: process.stderr, exitCode: 0 };
  try {
    const program = new Command('synecdoche')
      .description('Synecdoche agent (Windows build): runs backup jobs and sends signed result emails.')
      .version(VERSION)
      .addHelpText('after', `\nExit codes:\n${exitCodeTable()}\n`)
      .showHelpAfterError()
      .exitOverride()
      .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });
    program.addCommand(agentCommand(ctx));
    program.addCommand(parseCommand(ctx));
    for (const c of program.commands) inheritExitOverride(c);
    await program.parseAsync(argv);
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    return reportError(e, ctx.stderr);
  }
}

// As bin/synecdoche.js: a reader that stops early is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await agentMain(process.argv, process.env);
