import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { loadYamlConfig, resolveSecret, validateConfig } from '../core/config.ts';
import { SynError } from '../core/errors.ts';
import { EmailAddress, EmailAddresses } from '../core/mail/address.ts';
import { SmtpConfig } from '../core/mail/smtp.ts';
import { isValidTimeZone, systemTimeZone } from '../core/time.ts';
import type { BackupPlugin } from '../plugins/types.ts';
import { resolvePathOptions } from '../plugins/paths.ts';
import { cronError } from './schedule.ts';

/** How the agent finds a plugin by name (plugins/index.ts `getPlugin` in production; tests pass their own). */
export type PluginLookup = (name: string) => BackupPlugin<any>;

const Id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected letters, digits, ".", "_" or "-", 1 to 64 characters, starting with a letter or digit');

const Cron = z
  .string()
  .superRefine((v, ctx) => {
    const err = cronError(v);
    if (err) ctx.addIssue({ code: 'custom', message: `not a valid cron expression (${err}); expected 5 fields "minute hour day month weekday" or 6 with seconds first, e.g. "30 2 * * *"` });
  })
  .describe('cron expression, evaluated in site.timeZone');

const TimeZone = z.string().refine(isValidTimeZone, 'not a known IANA time zone (expected e.g. "Europe/Berlin" or "UTC")');

/**
 * The agent config schema. Each job's `options` are validated by its plugin's own schema, so
 * the lookup is a parameter: errors then read `jobs[2].options.source: ...`.
 */
export function agentConfigSchema(lookup: PluginLookup) {
  const Job = z
    .object({
      id: Id.describe('stable job id: reports and sequence numbers are keyed by it'),
      name: z.string().min(1).max(200).optional().describe('human name shown in emails; default: the id'),
      plugin: z.string().min(1).describe('plugin name: copy, rsync, robocopy, restic, command'),
      options: z.unknown().optional().describe("the plugin's options"),
      schedule: Cron.optional().describe('when `agent run` starts the job; omit for jobs run only by run-job or submit'),
      external: z.boolean().default(false).describe('true: something else (Task Scheduler, cron) starts the job and reports it with `agent submit`; `schedule` then only announces when the next report is due'),
      timeoutMinutes: z.number().positive().optional().describe('abort the run after this many minutes (reported as failed)'),
    })
    .strict()
    .transform((job, ctx) => {
      let plugin: BackupPlugin<any>;
      try {
        plugin = lookup(job.plugin);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['plugin'], message: (e as Error).message });
        return z.NEVER;
      }
      const parsed = plugin.configSchema.safeParse(job.options ?? {});
      if (!parsed.success) {
        for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ['options', ...issue.path] } as never);
        return z.NEVER;
      }
      return { ...job, name: job.name ?? job.id, options: parsed.data as unknown };
    });

  return z
    .object({
      site: z
        .object({
          id: Id.describe('site id, as registered at the collector'),
          client: z.string().min(1).max(200).optional().describe('client name shown in emails'),
          timeZone: TimeZone.optional().describe('IANA zone for schedules; default: the machine zone'),
        })
        .strict(),
      keyFile: z.string().min(1).describe('the site private key (PEM) made by `synecdoche agent keygen`'),
      smtp: SmtpConfig,
      mail: z
        .object({
          from: EmailAddress.describe('sender address of reports'),
          to: EmailAddresses.describe('the collector mailbox (one address or a list)'),
        })
        .strict(),
      outbox: z.string().min(1).describe('folder of reports waiting to be sent'),
      stateDir: z.string().min(1).describe('folder of sequence numbers and job locks'),
      heartbeat: z.object({ schedule: Cron.default('0 8 * * *') }).strict().default({ schedule: '0 8 * * *' }),
      retry: z
        .object({
          initialSeconds: z.number().positive().default(30).describe('first wait before resending after an SMTP failure'),
          maxSeconds: z.number().positive().default(3600).describe('the wait doubles up to this'),
        })
        .strict()
        .default({ initialSeconds: 30, maxSeconds: 3600 }),
      jobs: z.array(Job).min(1, 'expected at least one job'),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      const seen = new Map<string, number>();
      cfg.jobs.forEach((job, i) => {
        if (!job || typeof job !== 'object') return;
        const first = seen.get(job.id);
        if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['jobs', i, 'id'], message: `duplicate job id (also jobs[${first}].id)` });
        else seen.set(job.id, i);
      });
    });
}

type Parsed = z.infer<ReturnType<typeof agentConfigSchema>>;
export type JobConfig = Parsed['jobs'][number];

/** The validated agent config, paths made absolute, the time zone filled in. */
export type AgentConfig = Omit<Parsed, 'site'> & { site: Parsed['site'] & { timeZone: string }; configPath: string };

/** Loads and validates an agent config file; throws CONFIG_INVALID naming key and value. */
export function loadAgentConfig(path: string, env: NodeJS.ProcessEnv, lookup: PluginLookup): AgentConfig {
  const raw = loadYamlConfig(path, agentConfigSchema(lookup));
  return finishConfig(raw, resolve(path), env, lookup);
}

/** Validates an already-parsed config object (tests, the demo); `path` anchors relative paths. */
export function agentConfigFrom(raw: unknown, path: string, env: NodeJS.ProcessEnv, lookup: PluginLookup): AgentConfig {
  return finishConfig(validateConfig(raw, agentConfigSchema(lookup), path), resolve(path), env, lookup);
}

function finishConfig(cfg: Parsed, configPath: string, env: NodeJS.ProcessEnv, lookup: PluginLookup): AgentConfig {
  const base = dirname(configPath);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const oauth2 = cfg.smtp.oauth2 && 'tokenFile' in cfg.smtp.oauth2 ? { oauth2: { tokenFile: abs(cfg.smtp.oauth2.tokenFile) } } : {};
  const smtp = { ...(cfg.smtp.password?.file ? { ...cfg.smtp, password: { ...cfg.smtp.password, file: abs(cfg.smtp.password.file) } } : cfg.smtp), ...oauth2 };
  // Fail fast: a missing password file or variable is a config error at start, not at 3 a.m.
  if (smtp.password) resolveSecret(smtp.password, 'smtp.password', env);
  const jobs = cfg.jobs.map((job) => ({ ...job, options: resolvePathOptions(lookup(job.plugin), job.options, base) }));
  const unset = jobs.flatMap((job, i) => unsetVariables(lookup(job.plugin), job.options, env).map((p) => `jobs[${i}].options.${p}`));
  if (unset.length > 0) throw new SynError('CONFIG_INVALID', `${configPath}: invalid configuration:\n${unset.map((l) => `  - ${l}`).join('\n')}`);
  return {
    ...cfg,
    jobs,
    configPath,
    site: { ...cfg.site, timeZone: cfg.site.timeZone ?? systemTimeZone() },
    keyFile: abs(cfg.keyFile),
    outbox: abs(cfg.outbox),
    stateDir: abs(cfg.stateDir),
    smtp,
  };
}

/** The plugin's `envOptions` whose variable is not set or empty, as "passwordEnv: ..." lines. */
function unsetVariables(plugin: BackupPlugin<any>, options: unknown, env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const [key, holds] of Object.entries<string | undefined>(plugin.envOptions ?? {})) {
    const name = (options as Record<string, unknown> | undefined)?.[key];
    if (typeof name === 'string' && !env[name]) out.push(`${key}: environment variable "${name}" is not set or empty (expected ${holds ?? 'a value'} in it)`);
  }
  return out;
}
