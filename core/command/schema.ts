import { z } from 'zod';
import { Signature } from '../result/schema.ts';

/**
 * The command contract (collector -> agent), version 1: what `collector request` sends and an
 * agent acts on. This file is the source of truth: `core/command/command.schema.json` is
 * generated from it (`npx tsx core/command/write-json-schema.ts`) and `docs/command-format.md`
 * documents every field. The collector signs it with its own Ed25519 key over the same
 * canonical JSON as results (core/result/canonical.ts); sites hold only the public key.
 */
export const COMMAND_FORMAT = 'synecdoche-command';
export const COMMAND_VERSION = 1;
/** File name of the signed JSON attachment of a command email; the agent looks for exactly this name. */
export const COMMAND_ATTACHMENT = 'synecdoche-command.json';

const isoTime = z.iso.datetime({ offset: true }).describe('ISO 8601 time with offset, e.g. 2026-11-23T02:30:00.000Z');
const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", 1 to 64 characters, starting with a letter or digit');

/** What a command asks for. */
export const CommandAction = z.enum(['run-now', 'restore']);
export type CommandAction = z.infer<typeof CommandAction>;

/** The arguments of a `restore`: where to, which paths, from which backup. */
export const RestoreArgs = z
  .object({
    to: z.string().min(1).max(1000).describe('the folder at the site to restore into (a new folder, never the source)'),
    paths: z.array(z.string().min(1).max(1000)).max(100).describe('paths inside the backup to restore; [] for everything'),
    at: z
      .union([isoTime, z.uuid()])
      .nullable()
      .describe('the newest backup at or before this time, or the backup of this run id; null for the newest'),
  })
  .strict();
export type RestoreArgs = z.infer<typeof RestoreArgs>;

const fields = {
  format: z.literal(COMMAND_FORMAT),
  version: z.literal(COMMAND_VERSION),
  id: z.uuid().describe('unique id of this command; receipts and results name it'),
  site: z.object({ id }).strict().describe('the site that must act; any other site refuses it as misaddressed'),
  job: z.object({ id }).strict().describe('the job of that site'),
  action: CommandAction,
  restore: RestoreArgs.optional().describe('present exactly when action is restore'),
  issuedAt: isoTime.describe('when the collector signed it'),
  expiresAt: isoTime.describe('after this time (plus a small clock-skew allowance) the agent refuses it'),
  nonce: z
    .string()
    .regex(/^[A-Za-z0-9+/]{22,}={0,2}$/, 'base64 of at least 16 random bytes')
    .max(200)
    .describe('base64 of 16 or more random bytes; with the id, what makes a replay recognisable'),
  requestedBy: z.string().min(1).max(200).describe('who asked, in words: "consultant", "client request 12"'),
};

/** The signed fields' rules beyond their shapes. */
function consistent(c: { action: CommandAction; restore?: RestoreArgs; issuedAt: string; expiresAt: string }, ctx: z.RefinementCtx): void {
  if (c.action === 'restore' && !c.restore) ctx.addIssue({ code: 'custom', path: ['restore'], message: 'a restore command needs restore: { to, paths, at }' });
  if (c.action !== 'restore' && c.restore) ctx.addIssue({ code: 'custom', path: ['restore'], message: `a ${c.action} command takes no restore arguments` });
  if (Date.parse(c.expiresAt) <= Date.parse(c.issuedAt)) ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be after issuedAt' });
}

const CommandObject = z.object(fields).strict();

/** A command before it is signed. */
export const CommandPayload = CommandObject.superRefine(consistent);
export type CommandPayload = z.infer<typeof CommandObject>;

/** What travels in `synecdoche-command.json`: a command plus the collector's signature. */
export const SignedCommand = CommandObject.extend({ signature: Signature }).strict().superRefine(consistent);
export type SignedCommand = CommandPayload & { signature: Signature };
