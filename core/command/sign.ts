import { sign as edSign, type KeyObject } from 'node:crypto';
import { keyIdOf, type SiteKeyPair } from '../result/keys.ts';
import { signedBytes, verifySignature } from '../result/sign.ts';
import type { CommandPayload, SignedCommand } from './schema.ts';

/**
 * Signs a command with the collector's key: the same canonical bytes (RFC 8785 JSON without
 * `signature`) and Ed25519 as a result, so one verifier serves both.
 */
export function signCommand(command: CommandPayload, keys: SiteKeyPair): SignedCommand {
  const value = edSign(null, signedBytes(command), keys.privateKey).toString('base64');
  return { ...command, signature: { alg: 'Ed25519', keyId: keyIdOf(keys.publicKey), value } };
}

/**
 * How a signature stands against the collector key a site holds: `valid`, `other-key` (signed,
 * or claiming to be signed, by a key this site does not hold: forged) or `bad` (names this key
 * but does not verify: the JSON was changed after signing, or the signature was).
 */
export function checkCommandSignature(command: Record<string, unknown>, publicKey: KeyObject): 'valid' | 'other-key' | 'bad' {
  const keyId = (command.signature as { keyId?: unknown } | undefined)?.keyId;
  if (keyId !== keyIdOf(publicKey)) return 'other-key';
  return verifySignature(command, publicKey) ? 'valid' : 'bad';
}
