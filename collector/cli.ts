import { Command } from 'commander';
import type { CliContext } from '../cli/main.ts';
import { integerOption } from '../cli/options.ts';
import { collectorCommandDefaults, withCommon, withLoaded, type CollectorCliDeps, type CommonOptions } from './commands/common.ts';

// Each command's module loads when that command runs, so that `collector poll` does not load the
// digest scheduler, the status engine and the rest (start-up time and resident memory).
const pollCommands = () => import('./commands/poll.ts');
const quarantineCommands = () => import('./commands/quarantine.ts');
const unmappedCommands = () => import('./commands/unmapped.ts');
const webCommands = () => import('./commands/web.ts');

/** A signal that aborts on SIGTERM or SIGINT (or on the tests' stopSignal); dispose() unhooks it. */
function stopOnSignals(deps: CollectorCliDeps): { signal: AbortSignal; dispose(): void } {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  if (deps.stopSignal) deps.stopSignal.addEventListener('abort', onSignal, { once: true });
  else {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return {
    signal: stop.signal,
    dispose() {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}

/** `synecdoche collector ...`: poll, run, import, status, history, unmapped, rules test, quarantine. */
export function collectorCommand(ctx: CliContext, deps: CollectorCliDeps = collectorCommandDefaults): Command {
  const collector = new Command('collector').description('the collector: read the mailboxes, store the reports, tell the truth about every job');

  withCommon(collector.command('poll').description('one pass over every mailbox'), { json: true }).action((o: CommonOptions) =>
    withLoaded(ctx, deps, o, async (l) => void (await (await pollCommands()).pollCommand(l, deps, ctx.env, o))),
  );

  withCommon(collector.command('run').description('the collector service: IDLE or polling, reconnecting after failures; stops on SIGTERM or SIGINT')).action(
    (o: CommonOptions) =>
      withLoaded(
        ctx,
        deps,
        o,
        async (l) => {
          const [{ startCollectorServices }, { runCollector }] = await Promise.all([import('./schedule/service.ts'), import('./commands/run.ts')]);
          // Digests, client summaries and alerts ride along with the mailbox loop; the dashboard too when web: is set.
          const services = startCollectorServices(l, ctx.env);
          const web = l.cfg.web ? await (await import('./web/server.ts')).startWebServer({ db: l.db, cfg: l.cfg, clock: l.clock, log: l.log, env: ctx.env, cliDeps: deps }) : null;
          if (web) l.log.info({ url: web.url }, 'dashboard serving');
          const stop = stopOnSignals(deps);
          try {
            await runCollector(
              l,
              {
                ...deps,
                onAfterPoll: async (x) => {
                  await services.onAfterPoll();
                  await deps.onAfterPoll?.(x);
                },
              },
              ctx.env,
              stop.signal,
            );
          } finally {
            await web?.close();
            await services.stop();
            stop.dispose();
          }
        },
        { defaultLevel: 'info' },
      ),
  );

  withCommon(collector.command('import').description('ingest single .eml files (they stay where they are; each arrived when its topmost Received header says)').argument('<files...>', '.eml files'), { json: true }).action(
    (files: string[], o: CommonOptions) => withLoaded(ctx, deps, o, async (l) => void (await (await pollCommands()).importCommand(l, files, o))),
  );

  withCommon(collector.command('status').description('one line per job: state, last run, last good run and its age, next due'), { json: true })
    .option('--client <id>', "only this client's sites and jobs")
    .action((o: CommonOptions & { client?: string }) => withLoaded(ctx, deps, o, async (l) => void (await import('./commands/status.ts')).statusCommand(l, o), { mapped: true }));

  withCommon(collector.command('history').description("a job's runs, newest first").argument('<site/job>', 'e.g. office-fs/nightly'), { json: true })
    .option('--limit <n>', 'how many runs', integerOption('--limit'), 50)
    .action((target: string, o: CommonOptions & { limit: number }) => withLoaded(ctx, deps, o, async (l) => void (await import('./commands/history.ts')).historyCommand(l, target, o), { mapped: true }));

  withCommon(collector.command('unmapped').description('notifications of known tools that no thirdParty rule maps, each with a suggested rule'), { json: true }).action((o: CommonOptions) =>
    withLoaded(ctx, deps, o, async (l) => void (await unmappedCommands()).unmappedCommand(l, o)),
  );
  withCommon(collector.command('serve').description('the web dashboard (web: in the config; default http://127.0.0.1:8470/) until stopped'))
    .option('--port <n>', 'port to listen on (over web.port; 0 picks a free one)', integerOption('--port'))
    .option('--host <address>', 'address to listen on (over web.host)')
    .action((o: CommonOptions & { port?: number; host?: string }) =>
      withLoaded(ctx, deps, o, async (l) => {
        const stop = stopOnSignals(deps);
        try {
          await (await webCommands()).serveCommand(l, deps, ctx.env, o, stop.signal);
        } finally {
          stop.dispose();
        }
      }, { defaultLevel: 'info' }),
    );
  const user = collector.command('user').description('dashboard accounts: add, list, remove');
  withCommon(user.command('add').description('add an account or set its password (asked for, never taken from the command line)').argument('<name>'))
    .option('--client <id>', 'the account sees only this client')
    .option('--read-only', 'the account cannot release or delete anything')
    .action((name: string, o: CommonOptions & { client?: string; readOnly?: boolean }) =>
      withLoaded(ctx, deps, o, async (l) => (await webCommands()).userAddCommand(l, name, o, { stdin: deps.stdin ?? process.stdin, stderr: ctx.stderr })),
    );
  withCommon(user.command('list').description('every account')).action((o: CommonOptions) => withLoaded(ctx, deps, o, async (l) => (await webCommands()).userListCommand(l)));
  withCommon(user.command('remove').description('remove an account and end its sessions').argument('<name>')).action((name: string, o: CommonOptions) =>
    withLoaded(ctx, deps, o, async (l) => (await webCommands()).userRemoveCommand(l, name)),
  );
  const link = collector.command('link').description("read-only dashboard links for a client's office: add, list, revoke");
  withCommon(link.command('add').description("a link to one client's view (no password; revocable)").argument('<client>'))
    .option('--base <url>', 'the dashboard address as the client reaches it (default from web:)')
    .action((client: string, o: CommonOptions & { base?: string }) => withLoaded(ctx, deps, o, async (l) => (await webCommands()).linkAddCommand(l, client, o)));
  withCommon(link.command('list').description('every link (tokens are not shown: only their hashes are kept)')).action((o: CommonOptions) => withLoaded(ctx, deps, o, async (l) => (await webCommands()).linkListCommand(l)));
  withCommon(link.command('revoke').description('stop a link from working').argument('<id>')).action((id: string, o: CommonOptions) =>
    withLoaded(ctx, deps, o, async (l) => (await webCommands()).linkRevokeCommand(l, id)),
  );
  const rules = collector.command('rules').description('check thirdParty rules against real mails');
  withCommon(rules.command('test').description('which rule matches each mail, which parser reads it, what it read, and where it would be filed (exit 1 if any is not filed)').argument('<files...>', '.eml files'), { json: true }).action(
    async (files: string[], o: CommonOptions) => {
      const [{ loadCollectorConfig }, { rulesTestCommand }] = await Promise.all([import('./config.ts'), import('./commands/rules-test.ts')]);
      ctx.exitCode = await rulesTestCommand(loadCollectorConfig(o.config), files, o, (line) => ctx.stdout.write(`${line}\n`));
    },
  );
  // "quarantine" alone lists; "quarantine release ID" releases. The parent has no options of its own,
  // so that -c and --json reach whichever subcommand runs.
  const quarantine = collector.command('quarantine').description('messages held with their reason; "release ID" after fixing the cause');
  withCommon(quarantine.command('list', { isDefault: true }).description('every held message with its reason'), { json: true }).action((o: CommonOptions) =>
    withLoaded(ctx, deps, o, async (l) => void (await quarantineCommands()).quarantineListCommand(l, o)),
  );
  withCommon(quarantine.command('release').description('decode a held message again with the current config and ingest it if it now verifies').argument('<id>'), {
    json: true,
  }).action((id: string, o: CommonOptions) => withLoaded(ctx, deps, o, async (l) => void (await (await quarantineCommands()).quarantineReleaseCommand(l, deps, ctx.env, id, o))));

  return collector;
}
