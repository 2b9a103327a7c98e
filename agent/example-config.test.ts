import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { main } from '../cli/main.ts';
import { getPlugin, plugins } from '../plugins/index.ts';
import { loadAgentConfig } from './config.ts';
import { agentJsonSchema } from './json-schema.ts';

const root = new URL('..', import.meta.url).pathname;

describe('config/agent.example.yaml', () => {
  it('is a valid config with every plugin it shows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'syn-example-'));
    try {
      copyFileSync(join(root, 'config/agent.example.yaml'), join(dir, 'agent.yaml'));
      writeFileSync(join(dir, 'smtp-password.txt'), 'secret\n');
      writeFileSync(join(dir, 'imap-password.txt'), 'secret\n');
      const cfg = loadAgentConfig(join(dir, 'agent.yaml'), {}, getPlugin);
      expect(cfg.jobs.map((j) => j.plugin).sort()).toEqual([...plugins.keys()].sort());
      expect(cfg.keyFile).toBe(join(dir, 'site.key'));
      expect(cfg.jobs.find((j) => j.plugin === 'restic')!.options).toMatchObject({ passwordFile: join(dir, 'restic-password.txt') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows every key of the schema, each under a comment', () => {
    const text = readFileSync(join(root, 'config/agent.example.yaml'), 'utf8');
    const lines = text.split('\n');
    const keys: string[] = [];
    const walk = (node: any, depth: number) => {
      for (const [k, v] of Object.entries<any>(node?.properties ?? {})) {
        keys.push(k);
        if (k !== 'options' && k !== 'password') walk(v.type === 'array' ? v.items : v, depth + 1);
      }
    };
    walk(agentJsonSchema(plugins), 0);
    for (const key of new Set(keys)) {
      const at = lines.findIndex((l) => new RegExp(`^\\s*(- )?#? ?${key}:`).test(l));
      expect(at, `key ${key} is not in the example`).toBeGreaterThan(0);
      expect(lines[at - 1], `key ${key} has no comment above it`).toMatch(/^\s*#/);
    }
  });
});

describe("config/agent.example.yaml's example jobs", () => {
  const lines = readFileSync(join(root, 'config/agent.example.yaml'), 'utf8').split('\n');
  for (const [name, plugin] of plugins) {
    it(`shows every option of the ${name} plugin in its job, each under a comment`, () => {
      const at = lines.findIndex((l) => l === `    plugin: ${name}`);
      expect(at, `no example job with plugin: ${name}`).toBeGreaterThan(0);
      const end = lines.findIndex((l, i) => i > at && /^  - id:/.test(l));
      const job = lines.slice(at, end === -1 ? undefined : end);
      const options = Object.keys((z.toJSONSchema(plugin.configSchema, { io: 'input', unrepresentable: 'any' }) as { properties: object }).properties);
      for (const key of options) {
        const i = job.findIndex((l) => new RegExp(`^      #? ?${key}:`).test(l));
        expect(i, `${name} option ${key} is not in the example job`).toBeGreaterThan(0);
        expect(job[i - 1], `${name} option ${key} has no comment above it`).toMatch(/^\s*#/);
      }
    });
  }
});

describe('config/agent.schema.json', () => {
  it('is the one generated from the zod schema (run `npx tsx agent/write-schema.ts` after a change)', () => {
    const committed = JSON.parse(readFileSync(join(root, 'config/agent.schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(agentJsonSchema(plugins))));
  });
});

describe('the synecdoche entry point', () => {
  it('exits 2 with the key named on stderr when agent.yaml is invalid, before running anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syn-main-'));
    try {
      writeFileSync(join(dir, 'agent.yaml'), readFileSync(join(root, 'config/agent.example.yaml'), 'utf8').replace('timeZone: Europe/Berlin', 'timeZone: Europe/Atlantis'));
      let err = '';
      const stderr = new Writable({ write: (c, _e, cb) => ((err += String(c)), cb()) });
      const code = await main(['node', 'synecdoche', 'agent', 'run-job', 'dump', '-c', join(dir, 'agent.yaml')], {}, { stderr, stdout: stderr });
      expect(code).toBe(2);
      expect(err).toMatch(/site\.timeZone: got "Europe\/Atlantis"; not a known IANA time zone/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
