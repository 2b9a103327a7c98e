import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { SynError } from '../errors.ts';

/**
 * Site keys. The private key stays at the site as a PKCS#8 PEM file (mode 0600). The public key
 * travels as one line, `ed25519:<base64 of the 32 raw bytes>`, which the collector config holds.
 */
export interface SiteKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A fresh Ed25519 key pair. */
export function generateSiteKeyPair(): SiteKeyPair {
  return generateKeyPairSync('ed25519');
}

/** The PEM text to store in the private key file. */
export function privateKeyPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** The one-line public key, `ed25519:<base64>`. */
export function publicKeyLine(key: KeyObject): string {
  const der = key.export({ format: 'der', type: 'spki' });
  return `ed25519:${der.subarray(SPKI_ED25519_PREFIX.length).toString('base64')}`;
}

/** Parses `ed25519:<base64>` into a public KeyObject; throws KEY_INVALID naming `where`. */
export function parsePublicKeyLine(line: string, where = 'public key'): KeyObject {
  const raw = Buffer.from(checkPublicKeyLine(line, where), 'base64');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

/**
 * The base64 part of a public key line, or KEY_INVALID. Any 44 such characters are 32 bytes,
 * which is all an Ed25519 public key is, so this is the whole check (without the ~0.15 ms of
 * createPublicKey: a config with 300 sites is checked by every command).
 */
export function checkPublicKeyLine(line: string, where = 'public key'): string {
  const m = /^ed25519:([A-Za-z0-9+/]{43}=)$/.exec(line.trim());
  if (!m) throw new SynError('KEY_INVALID', `${where}: "${line}" is not a public key (expected "ed25519:" and 44 base64 characters, as printed by "synecdoche agent keygen")`);
  return m[1]!;
}

/** `ed25519:` + first 16 hex digits of SHA-256 over the raw public key: names the key in a signature. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ format: 'der', type: 'spki' });
  const raw = der.subarray(SPKI_ED25519_PREFIX.length);
  return `ed25519:${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
}

/**
 * Reads a site private key file; a missing or wrong file is a KEY_INVALID error. `key` names the
 * config key that gave the path (`keyFile`), so the message points at the line to fix.
 */
export function loadPrivateKey(path: string, key?: string): SiteKeyPair {
  const where = key ? `${key}: ` : '';
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SynError('KEY_INVALID', `${where}cannot read the site key file ${path} (create one with "synecdoche agent keygen")`, { cause: e });
  }
  try {
    const privateKey = createPrivateKey(pem);
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`key type is ${privateKey.asymmetricKeyType}, expected ed25519`);
    return { privateKey, publicKey: createPublicKey(privateKey) };
  } catch (e) {
    throw new SynError('KEY_INVALID', `${where}${path} does not hold an Ed25519 private key in PEM form`, { cause: e });
  }
}

/**
 * Writes a new private key file, mode 0600, and flushes it to disk; fails (USAGE) rather than
 * replace a file that appeared meanwhile. Callers say first why an existing key is kept.
 */
export function writeNewKeyFile(keyFile: string, pem: string): void {
  let fd: number;
  try {
    fd = openSync(keyFile, 'wx', 0o600);
  } catch (e) {
    throw new SynError('USAGE', `cannot create ${keyFile}`, { cause: e });
  }
  try {
    writeSync(fd, pem);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
