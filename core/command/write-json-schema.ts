// Writes core/command/command.schema.json from the zod schema (npx tsx core/command/write-json-schema.ts).
// Committed so that other tools can validate commands without TypeScript; a test checks it is up to date.
import { writeFileSync } from 'node:fs';
import { commandJsonSchema } from './json-schema.ts';

const target = new URL('./command.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(commandJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
