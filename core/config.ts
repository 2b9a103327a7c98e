import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { SynError } from './errors.ts';

/**
 * Loads a YAML config file and validates it with a zod schema. Every problem is reported with
 * the key path, the value found and what was expected, and raised as one CONFIG_INVALID error
 * (exit code 2) before the program does anything else.
 */
export function loadYamlConfig<S extends z.ZodType>(path: string, schema: S): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SynError('CONFIG_INVALID', `cannot read config file ${path}`, { cause: e });
  }
  return parseYamlConfig(text, schema, path);
}

/** Like loadYamlConfig, from text already read; `source` names the file in messages. */
export function parseYamlConfig<S extends z.ZodType>(text: string, schema: S, source: string): z.infer<S> {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new SynError('CONFIG_INVALID', `${source}: YAML syntax error: ${first.message.split('\n')[0]}`);
  }
  const raw: unknown = doc.toJS();
  return validateConfig(raw ?? {}, schema, source);
}

/**
 * Validates an already-parsed config object; used by tests and the demo. `docs` is where a
 * reader finds the keys (named in the message for an unknown key): the example configs by default.
 */
export function validateConfig<S extends z.ZodType>(raw: unknown, schema: S, source: string, docs = 'config/*.example.yaml'): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => describeIssue(issue, raw, schema, docs));
  throw new SynError('CONFIG_INVALID', `${source}: invalid configuration:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown, schema: z.ZodType, docs: string): string {
  const key = issue.path.length ? formatPath(issue.path) : '(top level)';
  const value = valueAt(root, issue.path);
  const shown = value === undefined ? 'missing' : `${redactIfSecret(issue.path, value)}`;
  let expected = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const known = keysAt(schema, issue.path);
    const one = known ? `expected one of: ${known.join(', ')}; ` : '';
    return `${key}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (${one}check the spelling against ${docs})`;
  }
  if (issue.code === 'invalid_type' && value === undefined) expected = `a value is required (${issue.expected})`;
  return `${key}: ${value === undefined ? '' : `got ${shown}; `}${expected}`;
}

/**
 * The keys the object schema at `path` accepts, or undefined where the schema is not a plain
 * object there (unions, records): only read to word an error, so it follows just the wrappers
 * a config schema uses.
 */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let cur: z.core.$ZodType | undefined = schema;
  for (let i = 0; cur; ) {
    const def = cur._zod.def as unknown as Record<string, unknown> & { type: string };
    if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'readonly' || def.type === 'prefault') {
      cur = def.innerType as z.core.$ZodType;
    } else if (def.type === 'pipe') {
      cur = def.in as z.core.$ZodType;
    } else if (i === path.length) {
      return def.type === 'object' ? Object.keys(def.shape as object) : undefined;
    } else if (def.type === 'object') {
      cur = (def.shape as Record<PropertyKey, z.core.$ZodType>)[path[i++]!];
    } else if (def.type === 'array' && typeof path[i] === 'number') {
      cur = def.element as z.core.$ZodType;
      i++;
    } else {
      return undefined;
    }
  }
  return undefined;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

function redactIfSecret(path: readonly PropertyKey[], value: unknown): string {
  const last = String(path[path.length - 1] ?? '').toLowerCase();
  if (/pass|secret|token/.test(last) && !/file|env|command/.test(last)) return '"(hidden)"';
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * A secret given either from a file or from an environment variable, never inline, so that a
 * config file can be shared and logged safely.
 */
export const SecretRef = z
  .object({
    file: z.string().min(1).optional().describe('path of a file whose first line is the secret'),
    env: z.string().min(1).optional().describe('name of an environment variable holding the secret'),
  })
  .strict()
  .refine((s) => (s.file === undefined) !== (s.env === undefined), 'give exactly one of "file" or "env"');
export type SecretRef = z.infer<typeof SecretRef>;

/** Resolves a SecretRef once at start; `env` is the process environment captured by the CLI. */
export function resolveSecret(ref: SecretRef, key: string, env: NodeJS.ProcessEnv): string {
  if (ref.file !== undefined) {
    try {
      return readFileSync(ref.file, 'utf8').split(/\r?\n/)[0]!;
    } catch (e) {
      throw new SynError('CONFIG_INVALID', `${key}.file: cannot read secret file "${ref.file}"`, { cause: e });
    }
  }
  const v = env[ref.env!];
  if (v === undefined || v === '') throw new SynError('CONFIG_INVALID', `${key}.env: environment variable "${ref.env}" is not set (expected the secret in it)`);
  return v;
}
