import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { loadYamlConfig, SecretRef, validateConfig } from '../core/config.ts';
import { OAuth2Config } from '../core/mail/oauth2.ts';
import { SmtpConfig } from '../core/mail/smtp.ts';
import { AlertsConfig, ALERTS_DEFAULTS } from './alerts/config.ts';
import { isValidTimeZone } from '../core/time.ts';
import { checkPublicKeyLine } from '../core/result/keys.ts';
import { isRegexText } from './ingest/third-party.ts';
import { thirdPartyParsers } from './thirdparty/index.ts';
import { WebConfig } from './web/config.ts';
import { nextRunAfter } from './status/schedule.ts';
import type { StatusParams } from './status/types.ts';
import { RECENT_RUNS } from './store/summary.ts';
import { ClientRequestsConfig, CLIENT_REQUESTS_DEFAULTS } from './requests/config.ts';

/**
 * The collector's configuration (`collector.yaml`). Every key is documented in
 * `config/collector.example.yaml`. Parsed once at start; relative paths are resolved against the
 * config file's folder so that the service does not depend on its working directory.
 */

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", 1 to 64 characters, starting with a letter or digit');
const timeZone = z.string().refine(isValidTimeZone, 'a known IANA time zone, e.g. "Europe/Berlin" or "UTC"');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time "HH:MM", e.g. "07:30"');
const email = z.string().regex(/^[^\s@]+@[^\s@]+$/, 'an email address');
const positive = z.number().positive();
/** Day of the month the monthly compliance report is sent (1-28: every month has it), or off. */
const MONTHLY_DAY = 'a day of the month from 1 to 28, or "off"';
const monthlyDay = z.union([z.number().int(MONTHLY_DAY).min(1, MONTHLY_DAY).max(28, MONTHLY_DAY), z.literal('off')], { message: MONTHLY_DAY });
const publicKey = z.string().superRefine((line, ctx) => {
  try {
    checkPublicKeyLine(line);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message.replace(/^public key: /, '') });
  }
});

/** Largest medianWindow and sameSizeRuns: the store keeps RECENT_RUNS runs per job for the engine. */
const MAX_WINDOW = RECENT_RUNS - 4;

/** One IMAP mailbox (Microsoft 365, Gmail, Dovecot ...). The IMAP source takes exactly this. */
export const ImapMailboxConfig = z
  .object({
    name: z.string().min(1),
    type: z.literal('imap'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional().describe('default 993 for implicit TLS, else 143'),
    tls: z.enum(['implicit', 'starttls', 'none']).default('implicit'),
    rejectUnauthorized: z.boolean().default(true),
    user: z.string().min(1),
    auth: z.union([z.object({ password: SecretRef }).strict(), z.object({ oauth2: OAuth2Config.describe('sign in with OAUTHBEARER or XOAUTH2 and an access token (Microsoft 365, Gmail)') }).strict()]),
    folder: z.string().min(1).default('INBOX'),
    processedFolder: z.string().min(1).default('Synecdoche/Processed'),
    quarantineFolder: z.string().min(1).default('Synecdoche/Quarantine'),
    batchSize: z.number().int().min(1).max(10_000).default(250), // 500 held ~10 MB more in imapflow at the same speed (bench/collector.ts)
    idle: z.boolean().default(true),
    pollSeconds: z.number().int().min(5).default(300),
  })
  .strict();
export type ImapMailboxConfig = z.infer<typeof ImapMailboxConfig>;

/** A local Maildir (the embedded default of the demo). */
export const MaildirMailboxConfig = z
  .object({
    name: z.string().min(1),
    type: z.literal('maildir'),
    path: z.string().min(1),
    processedFolder: z.string().min(1).optional().describe('default: the ".Processed" sub-maildir of path'),
    quarantineFolder: z.string().min(1).optional().describe('default: the ".Quarantine" sub-maildir of path'),
    batchSize: z.number().int().min(1).max(10_000).default(500),
    pollSeconds: z.number().int().min(1).default(60),
  })
  .strict();
export type MaildirMailboxConfig = z.infer<typeof MaildirMailboxConfig>;

export const MailboxConfig = z.discriminatedUnion('type', [ImapMailboxConfig, MaildirMailboxConfig]);
export type MailboxConfig = z.infer<typeof MailboxConfig>;

const Client = z
  .object({
    id,
    name: z.string().min(1),
    contacts: z.array(email).default([]),
    timeZone,
    summaryTime: hhmm.default('07:30'),
    showPaths: z.boolean().default(false),
    monthlyReportDay: monthlyDay.optional().describe('day of the month (1-28) the client gets the report of the previous month, at summaryTime, or "off"; default consultant.monthlyReportDay'),
  })
  .strict();

const Site = z
  .object({
    id,
    client: id,
    publicKeys: z.array(publicKey).min(1),
    heartbeatExpected: z.boolean().default(true),
    commandAddress: email.optional().describe('the mailbox this site reads commands from; default commands.to'),
  })
  .strict();

/** Signed commands to agents (`collector request`, `collector keygen`). */
const CommandsConfig = z
  .object({
    keyFile: z.string().min(1).describe('the collector command key (PEM) made by `synecdoche collector keygen`; sites hold its public key'),
    from: email.optional().describe('sender address of command emails; default consultant.email'),
    to: email.optional().describe('command mailbox of sites without their own commandAddress'),
    expiryHours: positive.max(24 * 30).default(24).describe('how long a command stays valid; an agent refuses it after that'),
  })
  .strict();

const cron = z.string().min(1).superRefine((c, ctx) => {
  try {
    nextRunAfter(c, 'UTC', new Date(0));
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message.replace(/^schedule "[^"]*" is /, '') });
  }
});

/** When a third-party job should mail (they announce no next run, unlike agents). */
const Expected = z
  .object({
    cron: cron.describe('cron expression of the job\'s runs, e.g. "0 22 * * *"'),
    timeZone,
    graceMinutes: positive.optional().describe('how long after the due time the mail may arrive before the job is late; default grace.lateAfterMinutes'),
  })
  .strict();

const combine = z.enum(['last', 'worst']).describe('several results a day: the last decides, or the worst');

const ThirdPartyRule = z
  .object({
    name: z.string().min(1).max(100).optional().describe('shown by `collector rules test` and kept with the jobs it maps; default "rule N"'),
    from: z.string().min(1).describe('sender address, or /regex/ matched against it'),
    subject: z.string().min(1).optional().describe('regex matched against the subject; named groups job and host name the job and site'),
    parser: z.string().min(1),
    client: id.optional().describe('the client; default: the plus address the mail was sent to (backups+CLIENT@...)'),
    site: id.optional().describe('the site; default: the (?<host>) group, else the host the parser read'),
    job: id.optional().describe('the job id; default: the (?<job>) group, else the job name the parser read'),
    keywords: z
      .object({
        success: z.array(z.string().trim().min(1)).min(1).describe('words or phrases that mean the backup worked'),
        failure: z.array(z.string().trim().min(1)).default([]).describe('words or phrases that mean it failed; they beat success words'),
      })
      .strict()
      .optional()
      .describe('for parser: keywords, the words looked for in the subject and the bodies'),
    schedule: Expected.optional(),
    combine: combine.default('last'),
  })
  .strict();

/** Per-job settings of third-party jobs, beside those of their rule. */
const ThirdPartyJob = z.object({ site: id, job: id, schedule: Expected.optional(), combine: combine.optional() }).strict();

export const CollectorConfig = z
  .object({
    database: z.object({ path: z.string().min(1).default('./synecdoche.db') }).strict().default({ path: './synecdoche.db' }),
    archive: z.object({ folder: z.string().min(1).default('./reports') }).strict().default({ folder: './reports' }),
    mailboxes: z.array(MailboxConfig).default([]),
    clients: z.array(Client).default([]),
    sites: z.array(Site).default([]),
    consultant: z
      .object({
        name: z.string().min(1),
        email,
        timeZone,
        digestTime: hhmm.default('07:00'),
        monthlyReportDay: monthlyDay.optional().describe('day of the month (1-28) `collector run` sends the monthly report of the previous month: all clients to the consultant at digestTime, and each client\'s own to its contacts; absent or "off": none'),
      })
      .strict(),
    smtp: SmtpConfig.optional(),
    alerts: AlertsConfig.default(ALERTS_DEFAULTS),
    pdf: z
      .object({ browser: z.string().min(1).optional().describe('Chromium, Chrome or Edge to print PDFs with; default: found in the usual places') })
      .strict()
      .default({}),
    grace: z
      .object({
        lateAfterMinutes: positive.default(60),
        missingAfterMinutes: positive.default(240),
        heartbeatGraceMinutes: positive.default(120),
        blindAfterMinutes: positive.default(120),
      })
      .strict()
      .default({ lateAfterMinutes: 60, missingAfterMinutes: 240, heartbeatGraceMinutes: 120, blindAfterMinutes: 120 }),
    anomalies: z
      .object({
        dropFraction: z.number().gt(0).lt(1).default(0.5),
        sameSizeRuns: z.number().int().min(2).max(MAX_WINDOW).default(3),
        // The store keeps the newest RECENT_RUNS runs of each job; the engine needs a few beyond the window.
        medianWindow: z.number().int().min(1).max(MAX_WINDOW).default(14),
      })
      .strict()
      .default({ dropFraction: 0.5, sameSizeRuns: 3, medianWindow: 14 }),
    limits: z
      .object({
        maxMessageBytes: z.number().int().positive().default(10 * 1024 * 1024),
        maxAttachmentBytes: z.number().int().positive().default(1024 * 1024),
      })
      .strict()
      .default({ maxMessageBytes: 10 * 1024 * 1024, maxAttachmentBytes: 1024 * 1024 }),
    retention: z
      .object({ rawDays: z.number().int().positive().default(400), runsDays: z.number().int().positive().default(730) })
      .strict()
      .default({ rawDays: 400, runsDays: 730 }),
    drills: z
      .object({
        warnAfterDays: z.number().int().positive().max(3650).default(14).describe('a job whose last good restore drill is older than this, or whose newest drill failed, is a warning in the digest'),
        neverDrilled: z
          .enum(['drilled-sites', 'all', 'ignore'])
          .default('drilled-sites')
          .describe('when an agent job that can restore but was never drilled becomes a warning (once known for warnAfterDays): drilled-sites: at sites where some job has had drills; all: everywhere; ignore: never'),
      })
      .strict()
      .default({ warnAfterDays: 14, neverDrilled: 'drilled-sites' })
      .describe('restore drills (agent job option drill:): when "not proven restorable" becomes a warning'),
    templates: z.string().min(1).optional().describe('folder of template overrides'),
    web: WebConfig.optional().describe('the web dashboard (collector serve; also inside collector run when set)'),
    commands: CommandsConfig.optional().describe('signed commands to agents (collector request); needs smtp:'),
    requests: ClientRequestsConfig.default(CLIENT_REQUESTS_DEFAULTS).describe('client requests: backups and restores a client asks for by replying to their summary (README, "Client requests")'),
    thirdParty: z
      .object({ rules: z.array(ThirdPartyRule).default([]), jobs: z.array(ThirdPartyJob).default([]) })
      .strict()
      .default({ rules: [], jobs: [] }),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const clientIds = new Set<string>();
    cfg.clients.forEach((c, i) => {
      if (clientIds.has(c.id)) ctx.addIssue({ code: 'custom', path: ['clients', i, 'id'], message: `duplicate client id "${c.id}"` });
      clientIds.add(c.id);
    });
    const siteIds = new Set<string>();
    cfg.sites.forEach((s, i) => {
      if (siteIds.has(s.id)) ctx.addIssue({ code: 'custom', path: ['sites', i, 'id'], message: `duplicate site id "${s.id}"` });
      siteIds.add(s.id);
      if (!clientIds.has(s.client)) {
        ctx.addIssue({ code: 'custom', path: ['sites', i, 'client'], message: `no client with this id (known: ${[...clientIds].join(', ') || 'none'})` });
      }
    });
    // A misspelt id in a maintenance window would silently keep alerting. Third-party sites count
    // as known; a rule that takes its site from the mail (no site:) can name any, so then any goes.
    const knownSites = new Set([...siteIds, ...cfg.thirdParty.jobs.map((j) => j.site), ...cfg.thirdParty.rules.flatMap((r) => (r.site ? [r.site] : []))]);
    const anySite = cfg.thirdParty.rules.some((r) => r.site === undefined);
    cfg.alerts.maintenance.forEach((w, i) => {
      if (w.client !== undefined && !clientIds.has(w.client)) {
        ctx.addIssue({ code: 'custom', path: ['alerts', 'maintenance', i, 'client'], message: `no client with this id (known: ${[...clientIds].join(', ') || 'none'})` });
      }
      if (w.site !== undefined && !anySite && !knownSites.has(w.site)) {
        ctx.addIssue({ code: 'custom', path: ['alerts', 'maintenance', i, 'site'], message: `no site with this id (known: ${[...knownSites].join(', ') || 'none'})` });
      }
    });
    const names = new Set<string>();
    cfg.mailboxes.forEach((m, i) => {
      if (names.has(m.name)) ctx.addIssue({ code: 'custom', path: ['mailboxes', i, 'name'], message: `duplicate mailbox name "${m.name}"` });
      names.add(m.name);
    });
    const ruleNames = new Set<string>();
    cfg.thirdParty.rules.forEach((r, i) => {
      if (!thirdPartyParsers.has(r.parser)) {
        ctx.addIssue({ code: 'custom', path: ['thirdParty', 'rules', i, 'parser'], message: `no such parser (this collector has: ${[...thirdPartyParsers.keys()].join(', ') || 'none yet'})` });
      }
      const generic = thirdPartyParsers.get(r.parser)?.generic === true;
      if (generic && !r.keywords) {
        ctx.addIssue({ code: 'custom', path: ['thirdParty', 'rules', i, 'keywords'], message: `parser "${r.parser}" needs keywords: { success: [...], failure: [...] } (the words that decide the status)` });
      }
      if (!generic && r.keywords && thirdPartyParsers.has(r.parser)) {
        ctx.addIssue({ code: 'custom', path: ['thirdParty', 'rules', i, 'keywords'], message: `only the keywords parser reads keywords; parser "${r.parser}" reads its own format` });
      }
      if (r.client !== undefined && !clientIds.has(r.client)) {
        ctx.addIssue({ code: 'custom', path: ['thirdParty', 'rules', i, 'client'], message: `no client with this id (known: ${[...clientIds].join(', ') || 'none'})` });
      }
      if (r.name !== undefined) {
        if (ruleNames.has(r.name)) ctx.addIssue({ code: 'custom', path: ['thirdParty', 'rules', i, 'name'], message: `duplicate rule name "${r.name}"` });
        ruleNames.add(r.name);
      }
      for (const key of ['from', 'subject'] as const) {
        const v = r[key];
        if (v === undefined || (key === 'from' && !isRegexText(v))) continue;
        try {
          new RegExp(key === 'from' ? v.slice(1, -1) : v, 'i');
        } catch (e) {
          ctx.addIssue({ code: 'custom', path: ['thirdParty', 'rules', i, key], message: `not a valid regular expression: ${(e as Error).message}` });
        }
      }
    });
  });
export type CollectorConfig = z.infer<typeof CollectorConfig>;

/** Reads, validates and resolves `collector.yaml`; a mistake is CONFIG_INVALID (exit 2). */
export function loadCollectorConfig(path: string): CollectorConfig {
  return resolvePaths(loadYamlConfig(path, CollectorConfig), dirname(resolve(path)));
}

/** Validates an in-memory config (tests, the demo); relative paths resolve against `baseDir`. */
export function collectorConfigFrom(raw: unknown, baseDir: string, source = 'collector config'): CollectorConfig {
  return resolvePaths(validateConfig(raw, CollectorConfig, source), baseDir);
}

function resolvePaths(cfg: CollectorConfig, base: string): CollectorConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  return {
    ...cfg,
    database: { path: cfg.database.path === ':memory:' ? ':memory:' : abs(cfg.database.path) },
    archive: { folder: abs(cfg.archive.folder) },
    templates: cfg.templates === undefined ? undefined : abs(cfg.templates),
    ...(cfg.commands ? { commands: { ...cfg.commands, keyFile: abs(cfg.commands.keyFile) } } : {}),
    web: cfg.web && { ...cfg.web, tls: cfg.web.tls && { cert: abs(cfg.web.tls.cert), key: abs(cfg.web.tls.key) }, apiToken: cfg.web.apiToken && absSecret(cfg.web.apiToken, abs) },
    smtp: cfg.smtp && { ...cfg.smtp, ...(cfg.smtp.password && { password: absSecret(cfg.smtp.password, abs) }), ...(cfg.smtp.oauth2 && { oauth2: absToken(cfg.smtp.oauth2, abs) }) },
    mailboxes: cfg.mailboxes.map((m) => {
      if (m.type === 'imap') {
        const a = m.auth;
        const auth = 'password' in a ? { password: absSecret(a.password, abs) } : { oauth2: absToken(a.oauth2, abs) };
        return { ...m, auth };
      }
      return {
        ...m,
        path: abs(m.path),
        processedFolder: m.processedFolder === undefined ? undefined : abs(m.processedFolder),
        quarantineFolder: m.quarantineFolder === undefined ? undefined : abs(m.quarantineFolder),
      };
    }),
  };
}

function absSecret(ref: SecretRef, abs: (p: string) => string): SecretRef {
  return ref.file === undefined ? ref : { file: abs(ref.file) };
}

function absToken(source: OAuth2Config, abs: (p: string) => string): OAuth2Config {
  return 'tokenFile' in source ? { tokenFile: abs(source.tokenFile) } : source;
}

/** The JSON Schema of collector.yaml (for editors), generated from the zod schema; config/collector.schema.json. */
export function collectorJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(CollectorConfig, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $schema: schema.$schema, $id: 'https://synecdoche.invalid/schemas/collector.schema.json', title: 'Synecdoche collector configuration', ...schema };
}

/** The status engine's tunables from `grace:` and `anomalies:`. */
export function toStatusParams(cfg: CollectorConfig): StatusParams {
  return { ...cfg.grace, ...cfg.anomalies };
}
