import { z } from 'zod';
import type { BackupPlugin } from '../plugins/types.ts';
import { agentConfigSchema } from './config.ts';

const toJson = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, any>;

/**
 * The JSON Schema of agent.yaml, generated from the zod schema. Each plugin's options schema is
 * attached with an if/then on `plugin`, so editors that read JSON Schema check job options too.
 * Checks the zod schema cannot express in JSON (time zones, cron syntax) happen at load.
 */
export function agentJsonSchema(plugins: ReadonlyMap<string, BackupPlugin<any>>): Record<string, unknown> {
  const schema = toJson(agentConfigSchema((name) => plugins.get(name)!));
  const job = schema.properties.jobs.items;
  job.properties.plugin.enum = [...plugins.keys()];
  job.allOf = [...plugins.values()].map((p) => {
    const { $schema: _drop, ...options } = toJson(p.configSchema);
    return { if: { properties: { plugin: { const: p.name } }, required: ['plugin'] }, then: { properties: { options: { ...options, description: p.description } } } };
  });
  return { $schema: schema.$schema, $id: 'https://synecdoche.invalid/schemas/agent.schema.json', title: 'Synecdoche agent configuration', ...schema };
}
