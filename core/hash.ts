import { createHash } from 'node:crypto';

/** SHA-256 as lowercase hex: how messages are identified in the store and files in the archive. */
export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
