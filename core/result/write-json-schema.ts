// Writes core/result/result.schema.json from the zod schemas (npm run schema). The file is
// committed so that other tools can validate reports without running TypeScript; a test checks
// that it is up to date.
import { writeFileSync } from 'node:fs';
import { resultJsonSchema } from './json-schema.ts';

const target = new URL('./result.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(resultJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
