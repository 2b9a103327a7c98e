import { writeFileSync } from 'node:fs';
import { collectorJsonSchema } from './config.ts';

/** Writes config/collector.schema.json (run: `npx tsx collector/write-schema.ts`); a test checks it is current. */
const out = new URL('../config/collector.schema.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(collectorJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${out.pathname}\n`);
