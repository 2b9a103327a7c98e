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

  withCommon(
    collector
      .command('find-file')
      .description('which backups hold a file, and how old the newest backup of it is (a full path, a substring, or a glob with * and ?)')
      .argument('<pattern>', 'e.g. /home/hugo/letter.doc, letter.doc or "*.xlsx"'),
    { json: true },
  )
    .option('--site <id>', 'only this site')
    .option('--job <id>', 'only this job')
    .option('--history', 'every backed-up version of each file')
    .option('--limit <n>', 'most files shown', integerOption('--limit'), 100)
    .action((pattern: string, o: CommonOptions & { site?: string; job?: string; history?: boolean; limit: number }) =>
      withLoaded(ctx, deps, o, async (l) => void (await import('./commands/find-file.ts')).findFileCommand(l, pattern, o), { mapped: true }),
    );

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

  withCommon(collector.command('keygen').description("make the collector's command key pair; print the public key every site that takes commands must hold"))
    .option('--out <file>', 'where to write the private key', 'collector-command.key')
    .action(async (o: CommonOptions & { out: string }) => {
      const { collectorKeygen } = await import('./commands/keygen.ts');
      for (const line of collectorKeygen(o.out).lines) ctx.stdout.write(`${line}\n`);
    });
  // "request SITE JOB ACTION" sends a command; the default subcommand leaves room for
  // "request approve ID" and the like beside it.
  const request = collector.command('request').description('a signed command to an agent, by email: "request SITE JOB run-now" or "request SITE JOB restore --to DIR"');
  withCommon(request.command('send', { isDefault: true }).description('send a signed run-now or restore command to a site\'s agent').argument('<site>').argument('<job>').argument('<action>', 'run-now or restore'), { json: true })
    .option('--to <dir>', 'restore: the new folder at the site to restore into')
    .option('--path <path>', 'restore: a path inside the backup (repeat for several; default everything)', (v: string, acc: string[] = []) => [...acc, v])
    .option('--at <date|run>', 'restore: the backup of a run id, or the newest at or before a day (YYYY-MM-DD, yesterday) or ISO time; default the newest')
    .option('--by <who>', 'who asked, shown by "collector requests"', 'consultant')
    .action((site: string, job: string, action: string, o: CommonOptions & { to?: string; path?: string[]; at?: string; by?: string }) =>
      withLoaded(ctx, deps, o, async (l) => void (await (await import('./commands/request.ts')).requestCommand(l, ctx.env, site, job, action, o))),
    );
  withCommon(request.command('approve').description("approve a client's request: sends the signed command to the site's agent; a restore goes into a new folder (--to, else requests.restoreFolder)").argument('<id>', 'the request id shown by "collector requests --pending"'), { json: true })
    .option('--to <dir>', 'restore: the new folder at the site to restore into (never the backed-up folder)')
    .option('--by <who>', 'who decided (default: the user running the command)')
    .action((id: string, o: CommonOptions & { to?: string; by?: string }) =>
      withLoaded(ctx, deps, o, async (l) => void (await (await import('./requests/cli-wiring.ts')).approveWired(l, ctx.env, id, o))),
    );
  withCommon(request.command('decline').description("decline a client's request; the client is told, with the reason").argument('<id>', 'the request id shown by "collector requests --pending"'), { json: true })
    .option('--reason <text>', 'why, in words the client reads')
    .option('--by <who>', 'who decided (default: the user running the command)')
    .action((id: string, o: CommonOptions & { reason?: string; by?: string }) => withLoaded(ctx, deps, o, async (l) => void (await import('./requests/cli.ts')).declineCommand(l, id, o)));
  withCommon(collector.command('requests').description('every command sent to an agent, newest first: sent, picked up, done, expired, or refused with the reason; --pending: the queue of client requests'), { json: true })
    .option('--pending', "client requests waiting for approval (who asked, when, what, how often before), and those refused or not understood")
    .action((o: CommonOptions & { pending?: boolean }) =>
      withLoaded(ctx, deps, o, async (l) => void (o.pending ? (await import('./requests/cli.ts')).pendingRequestsCommand(l, o) : (await import('./commands/requests.ts')).requestsCommand(l, o))),
    );

  return collector;
}
