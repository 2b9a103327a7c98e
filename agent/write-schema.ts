import { writeFileSync } from 'node:fs';
import { plugins } from '../plugins/index.ts';
import { agentJsonSchema } from './json-schema.ts';

/** Writes config/agent.schema.json (run: `npx tsx agent/write-schema.ts`); a test checks it is current. */
const out = new URL('../config/agent.schema.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(agentJsonSchema(plugins), null, 2)}\n`);
process.stdout.write(`wrote ${out.pathname}\n`);
