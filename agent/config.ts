import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { loadYamlConfig, resolveSecret, SecretRef, validateConfig } from '../core/config.ts';
import { checkPublicKeyLine } from '../core/result/keys.ts';
import { SynError } from '../core/errors.ts';
import { EmailAddress, EmailAddresses } from '../core/mail/address.ts';
import { SmtpConfig } from '../core/mail/smtp.ts';
import { isValidTimeZone, systemTimeZone } from '../core/time.ts';
import type { BackupPlugin } from '../plugins/types.ts';
import { resolvePathOptions } from '../plugins/paths.ts';
import { cronError } from './schedule.ts';
import { SizeOption } from './drill/size.ts';

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

/** Where remote commands arrive (issue 11): an IMAP folder, or a local Maildir. */
const CommandMailbox = z.union([
  z
    .object({
      imap: z
        .object({
          host: z.string().min(1),
          port: z.number().int().min(1).max(65535).optional().describe('default 993 for tls "implicit", else 143'),
          tls: z.enum(['implicit', 'starttls', 'none']).default('implicit'),
          rejectUnauthorized: z.boolean().default(true).describe('false accepts a self-signed server certificate'),
          user: z.string().min(1),
          password: SecretRef.describe('the mailbox password: { file: PATH } or { env: NAME }'),
          folder: z.string().min(1).default('INBOX'),
        })
        .strict(),
    })
    .strict(),
  z.object({ maildir: z.string().min(1).describe('path of a Maildir (new/, cur/, tmp/) the commands are delivered into') }).strict(),
]);

const CommandsConfig = z
  .object({
    publicKey: z.string().superRefine((line, ctx) => {
      try {
        checkPublicKeyLine(line, 'commands.publicKey');
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message.replace(/^commands.publicKey: /, '').replace('synecdoche agent keygen', 'synecdoche collector keygen') });
      }
    }).describe('the collector\'s command key, "ed25519:..." as printed by `synecdoche collector keygen`; only commands it signed are obeyed'),
    mailbox: CommandMailbox,
    pollSeconds: z.number().int().min(10).default(300).describe('how often `agent run` reads the command mailbox'),
    processedFolder: z.string().min(1).optional().describe('where read commands are moved: an IMAP folder (default "Synecdoche/Processed") or a Maildir path (default the ".Processed" sub-maildir)'),
    skewSeconds: z.number().int().min(0).max(3600).default(300).describe('clock difference tolerated between collector and site when checking issuedAt and expiresAt'),
  })
  .strict();

/** Defaults of `catalogue:` (the file manifest sent with each result). */
export const CATALOGUE_DEFAULTS = { enabled: true, maxPartBytes: 2 * 1024 * 1024, fullEvery: 7, keep: 90 } as const;

const CatalogueConfig = z
  .object({
    enabled: z.boolean().default(CATALOGUE_DEFAULTS.enabled).describe('send each run\'s file manifest to the collector (the agent keeps its own copy for restores either way)'),
    maxPartBytes: z
      .number()
      .int()
      .min(4096)
      .max(8 * 1024 * 1024)
      .default(CATALOGUE_DEFAULTS.maxPartBytes)
      .describe('largest gzip part of a manifest, bytes; a larger manifest goes as several parts, in further emails (keep it under the collector\'s limits.maxMessageBytes / 1.4)'),
    fullEvery: z.number().int().min(1).max(1000).default(CATALOGUE_DEFAULTS.fullEvery).describe('send the full manifest every this many runs (else a delta against the previous run), so a lost email heals'),
    keep: z.number().int().min(1).max(100_000).default(CATALOGUE_DEFAULTS.keep).describe('manifests kept per job in stateDir (restores "as of" a run need that run\'s manifest)'),
  })
  .strict();

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
      drill: z
        .object({
          schedule: Cron.describe('when `agent run` restores a sample into a temporary folder and checks it (never while the job itself runs)'),
          sample: z.number().int().min(1).max(100).default(20).describe('how many files to restore, picked at random, larger files more likely'),
          maxBytes: SizeOption.default(100_000_000).describe('at most this much in all (bytes, or e.g. "100 MB", "2 GiB"); default 100 MB'),
        })
        .strict()
        .optional()
        .describe('a restore drill: proves that the backup can be restored (issue 11)'),
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
      catalogue: CatalogueConfig.default(CATALOGUE_DEFAULTS).describe('the file manifest each result carries for the collector\'s catalogue (issue 11; `collector find-file`)'),
      commands: CommandsConfig.optional().describe('remote commands (run-now, restore) signed by the collector, read from a mailbox; absent: none are read'),
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
  const commands = cfg.commands && finishCommands(cfg.commands, abs, env);
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
    ...(commands ? { commands } : {}),
  };
}

/** Command mailbox paths made absolute; its password checked at start (fail fast). */
function finishCommands(c: NonNullable<Parsed['commands']>, abs: (p: string) => string, env: NodeJS.ProcessEnv): NonNullable<Parsed['commands']> {
  if ('maildir' in c.mailbox) return { ...c, mailbox: { maildir: abs(c.mailbox.maildir) }, ...(c.processedFolder ? { processedFolder: abs(c.processedFolder) } : {}) };
  const imap = c.mailbox.imap;
  const password = imap.password.file ? { file: abs(imap.password.file) } : imap.password;
  resolveSecret(password, 'commands.mailbox.imap.password', env);
  return { ...c, mailbox: { imap: { ...imap, password } } };
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
