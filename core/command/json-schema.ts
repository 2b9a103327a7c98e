import { z } from 'zod';
import { COMMAND_VERSION, SignedCommand } from './schema.ts';

/** The JSON Schema (draft 2020-12) of `synecdoche-command.json`, generated from the zod schema. */
export function commandJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(SignedCommand, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  return {
    $id: `https://synecdoche.dev/schema/command-v${COMMAND_VERSION}.json`,
    title: `Synecdoche command email attachment, format version ${COMMAND_VERSION}`,
    description: 'A signed command from the collector to one site agent (run-now, restore). See docs/command-format.md.',
    ...schema,
  };
}
