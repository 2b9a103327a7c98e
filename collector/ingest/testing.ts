import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRaw, encodeResultEmail } from '../../core/email/encode.ts';
import { generateSiteKeyPair, publicKeyLine, type SiteKeyPair } from '../../core/result/keys.ts';
import type { Payload } from '../../core/result/schema.ts';
import { collectorConfigFrom, type CollectorConfig } from '../config.ts';

/**
 * Helpers for collector tests and benchmarks: sites with fresh keys, a config naming them, and
 * signed raw emails. Not used by the collector itself.
 */
export interface TestSite {
  id: string;
  keys: SiteKeyPair;
}

export function testSites(...ids: string[]): TestSite[] {
  return ids.map((id) => ({ id, keys: generateSiteKeyPair() }));
}

/** A valid collector config registering `sites` under one client, with extra keys merged in. */
export function testConfig(dir: string, sites: readonly TestSite[], extra: Record<string, unknown> = {}): CollectorConfig {
  return collectorConfigFrom(
    {
      database: { path: join(dir, 'synecdoche.db') },
      consultant: { name: 'Pat Consultant', email: 'pat@example.com', timeZone: 'Europe/London' },
      clients: [{ id: 'acme', name: 'Acme Ltd', timeZone: 'Europe/Berlin', contacts: ['office@acme.example'] }],
      sites: sites.map((s) => ({ id: s.id, client: 'acme', publicKeys: [publicKeyLine(s.keys.publicKey)] })),
      ...extra,
    },
    dir,
  );
}

/** The raw bytes of a signed report email from `site`. */
export async function signedRaw(payload: Payload, site: TestSite | SiteKeyPair): Promise<Buffer> {
  const keys = 'keys' in site ? site.keys : site;
  const { message } = encodeResultEmail(payload, { from: 'agent@site.example', to: 'backups@example.com', ...keys });
  return buildRaw(message);
}

/** A temp dir removed by the returned cleanup function. */
export function tempDir(prefix = 'syn-collector-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
