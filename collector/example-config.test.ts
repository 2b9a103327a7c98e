import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectorJsonSchema, loadCollectorConfig } from './config.ts';
import { tempDir } from './ingest/testing.ts';

const root = new URL('..', import.meta.url).pathname;
const example = join(root, 'config/collector.example.yaml');

describe('config/collector.example.yaml', () => {
  it('is a valid config', () => {
    const { dir, cleanup } = tempDir();
    try {
      copyFileSync(example, join(dir, 'collector.yaml'));
      const cfg = loadCollectorConfig(join(dir, 'collector.yaml'));
      expect(cfg.mailboxes.map((m) => m.type)).toEqual(['imap', 'maildir']);
      expect(cfg.sites[0]!.client).toBe('acme');
    } finally {
      cleanup();
    }
  });

  it('shows every key of the schema, each under a comment', () => {
    const lines = readFileSync(example, 'utf8').split('\n');
    const keys = new Set<string>();
    const walk = (node: any) => {
      if (!node || typeof node !== 'object') return;
      for (const [k, v] of Object.entries<any>(node.properties ?? {})) {
        keys.add(k);
        walk(v.type === 'array' ? v.items : v);
      }
      for (const alt of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) walk(alt);
    };
    walk(collectorJsonSchema());
    expect(keys.size).toBeGreaterThan(50);
    for (const key of keys) {
      const at = lines.findIndex((l) => new RegExp(`^\\s*#?\\s*(- )?${key}:`).test(l));
      expect(at, `key ${key} is not in the example`).toBeGreaterThan(0);
      expect(lines[at - 1], `key ${key} has no comment above it`).toMatch(/^\s*#/);
    }
  });
});

describe('config/collector.schema.json', () => {
  it('is the one generated from the zod schema (run `npx tsx collector/write-schema.ts` after a change)', () => {
    const committed = JSON.parse(readFileSync(join(root, 'config/collector.schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(collectorJsonSchema())));
  });
});
