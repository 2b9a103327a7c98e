import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { generateSiteKeyPair, privateKeyPem, publicKeyLine } from '../../core/result/keys.ts';

/** A temporary site folder with a key and an agent.yaml, for tests. */
export interface TestSite {
  dir: string;
  configPath: string;
  publicLine: string;
  /** Rewrites agent.yaml with changes merged over the base config. */
  write(over?: Record<string, unknown>): string;
  cleanup(): void;
}

/** Makes a site folder: key file `site.key`, outbox, state, and a config sending to `smtpPort`. */
export function makeTestSite(smtpPort: number, jobs: unknown[], over: Record<string, unknown> = {}): TestSite {
  const dir = mkdtempSync(join(tmpdir(), 'syn-agent-'));
  const keys = generateSiteKeyPair();
  writeFileSync(join(dir, 'site.key'), privateKeyPem(keys.privateKey), { mode: 0o600 });
  const configPath = join(dir, 'agent.yaml');
  const base = {
    site: { id: 'site-a', client: 'Acme Ltd', timeZone: 'Europe/Berlin' },
    keyFile: 'site.key',
    smtp: { host: '127.0.0.1', port: smtpPort, tls: 'none', timeoutSeconds: 5 },
    mail: { from: 'agent@site-a.example', to: 'backups@collector.example' },
    outbox: 'outbox',
    stateDir: 'state',
    retry: { initialSeconds: 1, maxSeconds: 4 },
    jobs,
  };
  const write = (o: Record<string, unknown> = over) => {
    writeFileSync(configPath, stringify({ ...base, ...o }));
    return configPath;
  };
  write();
  return { dir, configPath, publicLine: publicKeyLine(keys.publicKey), write, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
