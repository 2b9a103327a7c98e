import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resultJsonSchema } from './json-schema.ts';

describe('committed JSON Schema', () => {
  it('matches the zod schema it is generated from (run npm run schema when this fails)', () => {
    const committed = JSON.parse(readFileSync(new URL('./result.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(resultJsonSchema())));
  });

  it('requires the signature and every contract field of a result', () => {
    const schema = resultJsonSchema() as { anyOf: { required: string[] }[] };
    const result = schema.anyOf.find((s) => s.required.includes('job'))!;
    for (const key of ['format', 'version', 'site', 'agent', 'job', 'runId', 'sequence', 'startedAt', 'endedAt', 'status', 'exitCode', 'files', 'bytes', 'verification', 'errors', 'logTail', 'sentAt', 'signature']) {
      expect(result.required).toContain(key);
    }
  });
});
