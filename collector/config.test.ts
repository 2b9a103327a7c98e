import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSiteKeyPair, publicKeyLine } from '../core/result/keys.ts';
import { collectorConfigFrom, loadCollectorConfig, toStatusParams } from './config.ts';

const key = publicKeyLine(generateSiteKeyPair().publicKey);
const base = () => ({
  consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'Europe/London' },
  clients: [{ id: 'acme', name: 'Acme Ltd', timeZone: 'Europe/Berlin' }],
  sites: [{ id: 'site-a', client: 'acme', publicKeys: [key] }],
});

function fails(raw: unknown): string {
  try {
    collectorConfigFrom(raw, '/etc/syn');
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('config was accepted');
}

describe('collector config', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('fills defaults and resolves paths against the config folder', () => {
    const cfg = collectorConfigFrom({ ...base(), mailboxes: [{ name: 'm', type: 'maildir', path: 'mail' }, { name: 'i', type: 'imap', host: 'h', user: 'u', auth: { password: { file: 'pw' } } }] }, '/etc/syn');
    expect(cfg.database.path).toBe('/etc/syn/synecdoche.db');
    expect(cfg.archive.folder).toBe('/etc/syn/reports');
    expect(cfg.mailboxes[0]).toMatchObject({ path: '/etc/syn/mail', batchSize: 500 });
    expect(cfg.mailboxes[1]).toMatchObject({ folder: 'INBOX', processedFolder: 'Synecdoche/Processed', idle: true, pollSeconds: 300, tls: 'implicit', auth: { password: { file: '/etc/syn/pw' } } });
    expect(cfg.clients[0]!.summaryTime).toBe('07:30');
    expect(cfg.sites[0]!.heartbeatExpected).toBe(true);
    expect(toStatusParams(cfg)).toEqual({ lateAfterMinutes: 60, missingAfterMinutes: 240, heartbeatGraceMinutes: 120, blindAfterMinutes: 120, dropFraction: 0.5, sameSizeRuns: 3, medianWindow: 14 });
  });

  it('names the key when a site references an unknown client', () => {
    expect(fails({ ...base(), sites: [{ id: 's', client: 'nobody', publicKeys: [key] }] })).toMatch(/sites\[0\]\.client: got "nobody"; no client with this id/);
  });

  it('names the key when a public key is malformed', () => {
    expect(fails({ ...base(), sites: [{ id: 's', client: 'acme', publicKeys: ['ed25519:short'] }] })).toMatch(/sites\[0\]\.publicKeys\[0\]: got "ed25519:short"/);
  });

  it('names the key when a time zone is unknown', () => {
    expect(fails({ ...base(), consultant: { name: 'P', email: 'p@x.org', timeZone: 'Mars/Olympus' } })).toMatch(/consultant\.timeZone: got "Mars\/Olympus"; a known IANA time zone/);
  });

  it('rejects unknown keys, bad third-party regexes and unknown parsers', () => {
    expect(fails({ ...base(), databse: {} })).toMatch(/unknown key "databse"/);
    const bad = fails({ ...base(), thirdParty: { rules: [{ from: '/(/', parser: 'arcserve' }] } });
    expect(bad).toMatch(/thirdParty\.rules\[0\]\.from: .*not a valid regular expression/);
    expect(bad).toMatch(/thirdParty\.rules\[0\]\.parser: got "arcserve"; no such parser/);
  });

  it('asks a keyword rule for its words, and refuses words on a parser that reads its own format', () => {
    const missing = fails({ ...base(), thirdParty: { rules: [{ from: 'root@x.org', parser: 'keywords', client: 'acme' }] } });
    expect(missing).toMatch(/thirdParty\.rules\[0\]\.keywords: .*parser "keywords" needs keywords/);
    const stray = fails({ ...base(), thirdParty: { rules: [{ from: 'root@x.org', parser: 'duplicati', client: 'acme', keywords: { success: ['ok'] } }] } });
    expect(stray).toMatch(/thirdParty\.rules\[0\]\.keywords: .*only the keywords parser reads keywords/);
    const empty = fails({ ...base(), thirdParty: { rules: [{ from: 'root@x.org', parser: 'keywords', client: 'acme', keywords: { success: [] } }] } });
    expect(empty).toMatch(/thirdParty\.rules\[0\]\.keywords\.success/);
  });

  it('loads a YAML file and fails with CONFIG_INVALID on a bad one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'syn-cfg-'));
    dirs.push(dir);
    const good = join(dir, 'c.yaml');
    writeFileSync(good, `consultant: {name: Pat, email: pat@example.com, timeZone: UTC}\ndatabase: {path: data/x.db}\n`);
    expect(loadCollectorConfig(good).database.path).toBe(join(dir, 'data/x.db'));
    writeFileSync(good, `consultant: {name: Pat, email: pat@example.com, timeZone: UTC}\ngrace: {lateAfterMinutes: -1}\n`);
    expect(() => loadCollectorConfig(good)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/grace\.lateAfterMinutes: got -1/) }));
  });
});
