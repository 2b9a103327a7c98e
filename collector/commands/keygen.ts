import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SynError } from '../../core/errors.ts';
import { generateSiteKeyPair, privateKeyPem, publicKeyLine, writeNewKeyFile } from '../../core/result/keys.ts';

/**
 * `collector keygen [--out FILE]`: the collector's own Ed25519 key pair, which signs commands to
 * agents. The private key stays with the collector (mode 0600, never overwritten: every site
 * would have to be given the new public key); sites hold only the public key line.
 */
export function collectorKeygen(out: string): { keyFile: string; publicLine: string; lines: string[] } {
  const keyFile = resolve(out);
  if (existsSync(keyFile)) throw new SynError('USAGE', `${keyFile} already exists; not overwriting the command key (every site holds its public key). Remove it first to make a new one.`);
  const keys = generateSiteKeyPair();
  writeNewKeyFile(keyFile, privateKeyPem(keys.privateKey));
  const publicLine = publicKeyLine(keys.publicKey);
  const lines = [
    `command key written to ${keyFile} (mode 0600; it never leaves the collector)`,
    'collector config:',
    `  commands:\n    keyFile: ${keyFile}`,
    'every site that takes commands holds this public key (agent config):',
    `  commands:\n    publicKey: "${publicLine}"`,
    publicLine,
  ];
  return { keyFile, publicLine, lines };
}
