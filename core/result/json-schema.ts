import { z } from 'zod';
import { FORMAT_VERSION, SignedResult } from './schema.ts';

/** The JSON Schema (draft 2020-12) of `synecdoche-result.json`, generated from the zod schema. */
export function resultJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(SignedResult, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  return {
    $id: `https://synecdoche.dev/schema/result-v${FORMAT_VERSION}.json`,
    title: `Synecdoche result email attachment, format version ${FORMAT_VERSION}`,
    description: 'A signed backup run result or agent heartbeat. See docs/result-format.md.',
    ...schema,
  };
}
