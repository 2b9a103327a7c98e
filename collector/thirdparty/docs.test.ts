import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { collectorConfigFrom } from '../config.ts';
import { thirdPartyParsers } from './index.ts';

/** Every parser has its page in docs/third-party/, and every rule a page shows is one the config accepts. */
const docs = join(import.meta.dirname, '../../docs/third-party');

describe.each([...thirdPartyParsers.keys()])('docs/third-party/%s.md', (name) => {
  it('exists and shows at least one rule for this parser that the config accepts', () => {
    const file = join(docs, `${name}.md`);
    expect(existsSync(file)).toBe(true);
    const blocks = [...readFileSync(file, 'utf8').matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => /^thirdParty:/m.test(b));
    expect(blocks.length).toBeGreaterThan(0);
    let rulesForThis = 0;
    for (const b of blocks) {
      const doc = parse(b) as { thirdParty: { rules?: { client?: string; parser: string }[] } };
      const rules = doc.thirdParty.rules ?? [];
      rulesForThis += rules.filter((r) => r.parser === name).length;
      const clients = [...new Set(rules.map((r) => r.client).filter((c): c is string => !!c))];
      const cfg = { consultant: { name: 'P', email: 'p@example.com', timeZone: 'UTC' }, clients: clients.map((id) => ({ id, name: id, timeZone: 'UTC' })), ...doc };
      expect(() => collectorConfigFrom(cfg, '/tmp', `docs/third-party/${name}.md`)).not.toThrow();
    }
    expect(rulesForThis).toBeGreaterThan(0);
  });
});
