import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { SynError } from '../core/errors.ts';
import { getPlugin, plugins } from '../plugins/index.ts';
import type { CliContext } from './main.ts';
import { integerOption } from './options.ts';

/** `synecdoche parse PLUGIN FILE`: the normalised result of a tool's log, as JSON. */
export function parseCommand(ctx: CliContext): Command {
  return new Command('parse')
    .description(`print the normalised result of a backup tool's log as JSON (plugins with a parser: ${[...plugins.values()].filter((p) => p.parse).map((p) => p.name).join(', ')})`)
    .argument('<plugin>', 'plugin name, e.g. robocopy or rsync')
    .argument('<file>', 'the log file ("-" for standard input)')
    .option('--exit-code <n>', 'the exit code the tool returned, when known', integerOption('--exit-code'))
    .action((pluginName: string, file: string, opts: { exitCode?: number }) => {
      const plugin = getPlugin(pluginName);
      if (!plugin.parse) throw new SynError('USAGE', `plugin "${pluginName}" has no log parser`);
      let bytes: Buffer;
      try {
        bytes = file === '-' ? readFileSync(0) : readFileSync(file);
      } catch (e) {
        throw new SynError('NOT_FOUND', `cannot read ${file}`, { cause: e });
      }
      const outcome = plugin.parse(bytes, opts.exitCode ?? null);
      ctx.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
    });
}
