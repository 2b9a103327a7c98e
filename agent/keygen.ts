import { chmodSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SynError } from '../core/errors.ts';
import { generateSiteKeyPair, privateKeyPem, publicKeyLine, writeNewKeyFile } from '../core/result/keys.ts';
import { writeFileAtomic } from './atomic.ts';

/** What keygen made: where the private key is, and what to register at the collector. */
export interface KeygenResult {
  keyFile: string;
  publicLine: string;
  /** `site ID ed25519:...`: the line to hand to whoever runs the collector. */
  registration: string;
  /** A YAML block for the collector config's `sites:` list. */
  collectorSnippet: string;
}

/**
 * Makes a site key pair. The private key is written with mode 0600 (owner only; on Windows
 * restrict the file's ACL instead) and an existing key file is never overwritten unless
 * `force`: replacing a registered key would make every later report fail verification.
 */
export function keygen(siteId: string, out: string, force = false): KeygenResult {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(siteId)) {
    throw new SynError('USAGE', `--site: "${siteId}" is not a valid site id (letters, digits, ".", "_" or "-", 1 to 64 characters)`);
  }
  const keyFile = resolve(out);
  const keys = generateSiteKeyPair();
  const pem = privateKeyPem(keys.privateKey);
  if (force) {
    writeFileAtomic(keyFile, pem, 0o600);
  } else {
    if (existsSync(keyFile)) throw new SynError('USAGE', `${keyFile} already exists; not overwriting a site key (use --force to replace it, then register the new public key)`);
    writeNewKeyFile(keyFile, pem);
  }
  chmodSync(keyFile, 0o600); // a umask cannot loosen 0600, but a replaced file's old mode might
  const publicLine = publicKeyLine(keys.publicKey);
  return {
    keyFile,
    publicLine,
    registration: `site ${siteId} ${publicLine}`,
    collectorSnippet: ['sites:', `  - id: ${siteId}`, '    client: CLIENT-ID   # the id of this client in the collector config', '    publicKeys:', `      - ${publicLine}`].join('\n'),
  };
}
