import { sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical.ts';
import { keyIdOf } from './keys.ts';
import type { Payload, Signature, SignedPayload } from './schema.ts';

/** The exact bytes a signature covers: canonical JSON of the payload without `signature`. */
export function signedBytes(payload: object): Buffer {
  const { signature: _omit, ...rest } = payload as Record<string, unknown>;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

/** Signs a payload with the site's private key. */
export function signPayload<P extends Payload>(payload: P, privateKey: KeyObject, publicKey: KeyObject): P & { signature: Signature } {
  const value = edSign(null, signedBytes(payload), privateKey).toString('base64');
  return { ...payload, signature: { alg: 'Ed25519', keyId: keyIdOf(publicKey), value } };
}

/** True when `signed.signature` is a valid Ed25519 signature by `publicKey` over the payload. */
export function verifySignature(signed: SignedPayload | Record<string, unknown>, publicKey: KeyObject): boolean {
  const sig = (signed as { signature?: { value?: unknown } }).signature;
  if (!sig || typeof sig.value !== 'string') return false;
  const bytes = Buffer.from(sig.value, 'base64');
  if (bytes.length !== 64) return false;
  try {
    return edVerify(null, signedBytes(signed), publicKey, bytes);
  } catch {
    return false;
  }
}
