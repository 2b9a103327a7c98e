import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { plugins } from '../plugins/index.ts';
import { agentConfigSchema } from './config.ts';

/**
 * Writes config/agent.schema.json from the zod schema (run: `npx tsx agent/write-schema.ts`).
 * Each plugin's options schema is attached with an if/then on `plugin`, so editors that read
 * JSON Schema can complete and check job options too.
 */
const toJson = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, any>;

const schema = toJson(agentConfigSchema((name) => plugins.get(name)!));
const job = schema.properties.jobs.items;
job.allOf = [...plugins.values()].map((p) => {
  const { $schema: _drop, ...options } = toJson(p.configSchema);
  return { if: { properties: { plugin: { const: p.name } }, required: ['plugin'] }, then: { properties: { options: { ...options, description: p.description } } } };
});
job.properties.plugin.enum = [...plugins.keys()];
schema.title = 'Synecdoche agent configuration';
schema.$id = 'https://synecdoche.invalid/schemas/agent.schema.json';

const out = new URL('../config/agent.schema.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(schema, null, 2)}\n`);
process.stdout.write(`wrote ${out.pathname}\n`);
