import { Command, Option } from 'commander';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { CliContext } from '../cli/main.ts';
import { integerOption, timeOption } from '../cli/options.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { ERROR_CODES, EXIT_JOB_FAILED, SynError } from '../core/errors.ts';
import { ensureFolder } from '../core/folder.ts';
import { formatInZone } from '../core/time.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { smtpSender, smtpSignIn, type MailSender, type SmtpConfig, type SmtpSenderOptions } from '../core/mail/smtp.ts';
import { runProcess, type ProcessRunner } from '../core/process.ts';
import { loadPrivateKey, publicKeyLine } from '../core/result/keys.ts';
import type { ResultPayload } from '../core/result/schema.ts';
import { getPlugin } from '../plugins/index.ts';
import { loadAgentConfig, type AgentConfig, type PluginLookup } from './config.ts';
import { StopReason } from './execute.ts';
import { keygen } from './keygen.ts';
import { acquireJobLock } from './lock.ts';
import { flushLine, progressPrinter, runLine } from './messages.ts';
import { Outbox, type SendDeps } from './outbox.ts';
import { recordRun, runJob } from './runner.ts';
import { nextRuns } from './schedule.ts';
import { runService } from './run-service.ts';
import { readSubmission, type SubmitOptions } from './submit.ts';
import { reportLeftoverRestores, restoreJob } from './restore/index.ts';
import { confirmAtTerminal, restoreLine } from './restore/messages.ts';
import { jobFolders } from './restore/target.ts';

/** The seams of the agent commands; tests replace some (a test plugin, a fake clock). */
export interface AgentCliDeps {
  plugins: PluginLookup;
  clock: Clock;
  exec: ProcessRunner;
  /** `options` carry the clock and process seams, for an OAuth2 token command and its expiry. */
  sender: (cfg: SmtpConfig, env: NodeJS.ProcessEnv, options?: SmtpSenderOptions) => MailSender;
}

/** The production seams. */
export const agentCommandDefaults: AgentCliDeps = { plugins: getPlugin, clock: systemClock, exec: runProcess, sender: smtpSender };

/** The default config path: `agent.yaml` in the current folder (override with -c). */
export const DEFAULT_CONFIG = 'agent.yaml';

interface Common {
  config: string;
  logLevel?: string;
}

/** A loaded agent: config, outbox, how to send. Built once per command, before anything runs. */
interface Loaded {
  config: AgentConfig;
  log: Logger;
  outbox: Outbox;
  send: SendDeps;
}

/** `synecdoche agent ...`: keygen, run, run-job, submit, restore, drill, commands, flush, check. */
export function agentCommand(ctx: CliContext, deps: AgentCliDeps = agentCommandDefaults): Command {
  const out = (line: string) => ctx.stdout.write(`${line}\n`);
  const load = (o: Common, defaultLevel: string): Loaded => {
    const config = loadAgentConfig(o.config, ctx.env, deps.plugins);
    const keys = loadPrivateKey(config.keyFile, 'keyFile');
    const log = createLogger({ level: o.logLevel ?? defaultLevel, destination: ctx.stderr });
    // Both folders are checked (and made) before anything runs, so a wrong path is a config error now, not a failed run later.
    ensureFolder(config.stateDir, 'stateDir');
    const outbox = new Outbox(config.outbox, deps.clock, log);
    const send: SendDeps = { sender: deps.sender(config.smtp, ctx.env, { clock: deps.clock, runner: deps.exec }), keys, from: config.mail.from, to: config.mail.to };
    // A restore a dead agent left behind is reported (incomplete) at the next start of any command.
    reportLeftoverRestores({ config, outbox, clock: deps.clock, log });
    return { config, log, outbox, send };
  };
  const jobOf = (config: AgentConfig, id: string) => {
    const job = config.jobs.find((j) => j.id === id);
    if (!job) throw new SynError('NOT_FOUND', `no job "${id}" in ${config.configPath} (jobs: ${config.jobs.map((j) => j.id).join(', ')})`);
    return job;
  };
  const withCommon = (c: Command) =>
    c
      .addOption(new Option('-c, --config <file>', 'agent config file').default(DEFAULT_CONFIG))
      .addOption(new Option('--log-level <level>', 'log level of the JSON log on stderr').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']));

  const agent = new Command('agent').description('the site agent: run backup jobs and send signed result emails');

  agent
    .command('keygen')
    .description('make a site key pair; print the public key to register at the collector')
    .requiredOption('--site <id>', 'the site id')
    .option('--out <file>', 'where to write the private key', 'site.key')
    .option('--force', 'replace an existing key file')
    .action((o: { site: string; out: string; force?: boolean }) => {
      const r = keygen(o.site, o.out, o.force);
      out(`private key written to ${r.keyFile} (mode 0600; it never leaves this machine)`);
      out('register this public key at the collector:');
      out(r.registration);
      out('');
      out('collector config:');
      out(r.collectorSnippet);
    });

  withCommon(agent.command('run'))
    .description('the agent service: run jobs on their schedules, send heartbeats, retry the outbox, read the command mailbox (commands:)')
    .action(async (o: Common) => {
      const l = load(o, 'info');
      await runService({ ...l, plugins: deps.plugins, clock: deps.clock, exec: deps.exec, log: l.log, env: ctx.env });
    });

  withCommon(agent.command('run-job'))
    .description('run one job now; the exit code reflects its status (0 ok or warning, 1 failed, 3 the tool is not installed)')
    .argument('<job>', 'job id')
    .action(async (id: string, o: Common) => {
      const l = load(o, 'warn');
      const job = jobOf(l.config, id);
      const progress = ctx.stdout.isTTY ? progressPrinter(ctx.stdout) : undefined;
      // Ctrl-C or a service manager's SIGTERM stops the tool and still records a (failed) report.
      const stop = new AbortController();
      const onSignal = (sig: NodeJS.Signals) => stop.abort(new StopReason(`stopped: interrupted by ${sig}`));
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      const run = await runJob(job, { ...l, plugins: deps.plugins, clock: deps.clock, exec: deps.exec, progress }, stop.signal).finally(() => {
        process.removeListener('SIGINT', onSignal).removeListener('SIGTERM', onSignal);
        l.send.sender.close();
      });
      if (progress) ctx.stdout.write('\r\x1b[K');
      out(runLine(run.payload, run.file, run.flush));
      ctx.exitCode = runExitCode(run.payload);
    });

  withCommon(agent.command('submit'))
    .description('report a run of an existing script from its log (e.g. a robocopy job started by Task Scheduler)')
    .argument('<job>', 'job id')
    .option('--plugin <name>', "the parser to read the log with (default: the job's plugin)")
    .requiredOption('--log <file>', "the tool's log file")
    .option('--exit-code <n>', 'the exit code the tool returned (optional for robocopy, rsync and restic, whose logs tell the status)', integerOption('--exit-code'))
    .option('--started <time>', 'start time, ISO 8601 (default: the log file modification time)', timeOption('--started'))
    .option('--ended <time>', 'end time, ISO 8601 (default: the log file modification time)', timeOption('--ended'))
    .action((id: string, o: Common & SubmitOptions & { plugin?: string }) => {
      const l = load(o, 'warn');
      const job = jobOf(l.config, id);
      const plugin = deps.plugins(o.plugin ?? job.plugin);
      const run = readSubmission(job, plugin, o, l.config.site.timeZone);
      out(run.timesLine);
      const release = acquireJobLock(l.config.stateDir, job.id, deps.clock.now());
      let recorded;
      try {
        recorded = recordRun({ ...job, plugin: plugin.name }, run.outcome, { runId: randomUUID(), startedAt: run.startedAt, endedAt: run.endedAt }, { ...l, clock: deps.clock });
      } finally {
        release();
      }
      return l.outbox.flush(l.send).then((flush) => {
        l.send.sender.close();
        out(runLine(recorded.payload, recorded.file, flush));
        ctx.exitCode = recorded.payload.status === 'failed' ? EXIT_JOB_FAILED : 0;
      });
    });

  withCommon(agent.command('commands'))
    .description('read the command mailbox once now: carry out commands signed by the collector, refuse (and report) the rest (exit 6 when the mailbox cannot be read)')
    .option('--json', 'print JSON instead of lines')
    .action(async (o: Common & { json?: boolean }) => {
      const l = load(o, 'warn');
      const commands = l.config.commands;
      if (!commands) throw new SynError('CONFIG_INVALID', `${l.config.configPath}: commands: is not set (publicKey and mailbox), so there is no command mailbox to read`);
      const [{ pollCommandMailbox, commandPollLines }, { openCommandMailbox }, { commandActor }] = await Promise.all([import('./commands/poll.ts'), import('./commands/mailbox.ts'), import('./commands/act.ts')]);
      const runner = { ...l, plugins: deps.plugins, clock: deps.clock, exec: deps.exec };
      const report = await pollCommandMailbox({ ...runner, openMailbox: () => openCommandMailbox(commands, ctx.env, l.log), act: commandActor(runner) }).finally(() => l.send.sender.close());
      if (o.json) out(JSON.stringify(report, null, 2));
      else for (const line of commandPollLines(report)) out(line);
      if (report.error) ctx.exitCode = ERROR_CODES.MAILBOX_FAILED.exit;
    });

  withCommon(agent.command('restore'))
    .description(
      "restore a job's backup into a new or empty folder (never the source, unless --in-place), verify it against the backup-time hashes and send a signed restore report; exit 1 when it failed",
    )
    .argument('<job>', 'job id')
    .requiredOption('--to <dir>', 'the folder to restore into: new or empty (the source itself only with --in-place)')
    .option('--path <path>', 'a file or folder inside the backup, relative to its root; repeat for more (default: everything)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--at <run|date>', "which backup: a run id, or the newest at or before a time in the site's zone: yesterday, 2026-12-03, '2026-12-03 18:00' (default: the newest)")
    .option('--in-place', 'write over the source (needs --yes, or the job id typed at a terminal)')
    .option('--yes', 'confirm --in-place without asking')
    .option('--json', 'print the restore report (JSON) instead of the summary line')
    .action(async (id: string, o: Common & { to: string; path: string[]; at?: string; inPlace?: boolean; yes?: boolean; json?: boolean }) => {
      const l = load(o, 'warn');
      const job = jobOf(l.config, id);
      let confirmed = o.yes === true;
      if (o.inPlace && !confirmed && process.stdin.isTTY && ctx.stdout.isTTY) {
        confirmed = await confirmAtTerminal(process.stdin, ctx.stdout, job.id, jobFolders(job.options).sources.join(', ') || o.to);
      }
      const progress = ctx.stdout.isTTY && !o.json ? progressPrinter(ctx.stdout) : undefined;
      const stop = new AbortController();
      const onSignal = (sig: NodeJS.Signals) => stop.abort(new StopReason(`stopped: interrupted by ${sig}`));
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      const request = { to: o.to, paths: o.path, at: o.at ?? null, inPlace: o.inPlace === true, confirmed };
      const run = await restoreJob(job, request, { ...l, plugins: deps.plugins, clock: deps.clock, exec: deps.exec, progress }, stop.signal).finally(() => {
        process.removeListener('SIGINT', onSignal).removeListener('SIGTERM', onSignal);
        l.send.sender.close();
      });
      if (progress) ctx.stdout.write('\r\x1b[K');
      out(o.json ? JSON.stringify(run.payload, null, 2) : restoreLine(run.payload, run.file, run.flush));
      ctx.exitCode = run.payload.status === 'failed' ? EXIT_JOB_FAILED : 0;
    });

  withCommon(agent.command('drill'))
    .description("a restore drill now: restore a random, size-weighted sample of the job's newest backup into a temporary folder, compare it with the backup-time hashes (and the unchanged source), send a signed drill report; exit 1 when it failed")
    .argument('<job>', 'job id')
    .option('--json', 'print the drill report (JSON) instead of the summary line')
    .action(async (id: string, o: Common & { json?: boolean }) => {
      const l = load(o, 'warn');
      const job = jobOf(l.config, id);
      const { runDrill } = await import('./drill/index.ts');
      const { drillLine } = await import('./drill/messages.ts');
      const stop = new AbortController();
      const onSignal = (sig: NodeJS.Signals) => stop.abort(new StopReason(`stopped: interrupted by ${sig}`));
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      const run = await runDrill(job, { ...l, plugins: deps.plugins, clock: deps.clock, exec: deps.exec }, stop.signal).finally(() => {
        process.removeListener('SIGINT', onSignal).removeListener('SIGTERM', onSignal);
        l.send.sender.close();
      });
      out(o.json ? JSON.stringify(run.payload, null, 2) : drillLine(run.payload, run.file, run.flush));
      ctx.exitCode = run.payload.status === 'failed' ? EXIT_JOB_FAILED : 0;
    });

  withCommon(agent.command('flush'))
    .description('send what waits in the outbox (exit 5 when some could not be sent)')
    .action(async (o: Common) => {
      const l = load(o, 'warn');
      const r = await l.outbox.flush(l.send).finally(() => l.send.sender.close());
      out(flushLine(r));
      if (r.failures.length > 0) ctx.exitCode = 5;
    });

  withCommon(agent.command('check'))
    .description('validate the config and key, list jobs and their next runs, look for job problems (exit 2), try the SMTP sign-in, password or XOAUTH2 (exit 5 when it fails)')
    .action(async (o: Common) => {
      const l = load(o, 'warn');
      const { config } = l;
      const now = deps.clock.now();
      // People at the site read schedules in their own zone; the offset shows DST at a glance.
      const local = (d: Date) => formatInZone(d, config.site.timeZone);
      out(`config ${config.configPath}: valid`);
      out(`site ${config.site.id}${config.site.client ? ` (${config.site.client})` : ''}, time zone ${config.site.timeZone}`);
      out(`key ${config.keyFile}: public key ${publicKeyLine(l.send.keys.publicKey)} (must be registered at the collector)`);
      out(`outbox ${config.outbox}: ${l.outbox.pending().length} waiting`);
      let problems = 0;
      config.jobs.forEach((j, i) => {
        const when = j.schedule ? nextRuns(j.schedule, config.site.timeZone, now, 3).map(local).join(', ') : 'no schedule (run-job or submit only)';
        out(`job ${j.id} (${j.plugin}${j.external ? ', external' : ''}): ${j.schedule ?? '-'}; next: ${when}`);
        // An external job's tool runs elsewhere (Task Scheduler, cron); this agent only reads its logs.
        for (const p of j.external ? [] : (deps.plugins(j.plugin).check?.(j.options) ?? [])) {
          out(`  problem: jobs[${i}].${p.startsWith('plugin: ') ? '' : 'options.'}${p}`);
          problems++;
        }
      });
      out(`heartbeat ${config.heartbeat.schedule}; next: ${local(nextRuns(config.heartbeat.schedule, config.site.timeZone, now, 1)[0]!)}`);
      if (config.commands) out(`commands from ${(await import('./commands/mailbox.ts')).commandMailboxName(config.commands)}, read every ${config.commands.pollSeconds} s, signed by ${config.commands.publicKey}`);
      // A refused sign-in throws SMTP_FAILED naming the method, the user and the server's reply (exit 5).
      try {
        await l.send.sender.verify();
      } finally {
        l.send.sender.close();
      }
      out(`SMTP ${config.smtp.host}: ${smtpSignIn(config.smtp) ?? 'connection'} ok${config.smtp.user ? '' : ' (no sign-in configured)'}`);
      if (problems > 0) throw new SynError('PLUGIN_MISCONFIGURED', `${problems} problem${problems === 1 ? '' : 's'} with the jobs above (checked as user ${userName()}; the agent's service user must pass too)`);
    });

  return agent;
}

/**
 * The exit code of `run-job` for a run it recorded: 0 for ok or warning, 1 for failed, but 3
 * when it failed because the tool is not installed (README, "Exit codes"): a script can then tell
 * "install rsync" from "the backup failed". The report is sent either way.
 */
export function runExitCode(payload: Pick<ResultPayload, 'status' | 'errors'>): number {
  if (payload.status !== 'failed') return 0;
  return payload.errors.some((e) => e.code === 'PLUGIN_UNAVAILABLE') ? ERROR_CODES.PLUGIN_UNAVAILABLE.exit : EXIT_JOB_FAILED;
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
