/**
 * Canonical JSON (RFC 8785, JCS): object keys sorted by UTF-16 code units, no whitespace,
 * numbers and strings as ECMAScript serialises them. The signature covers these bytes, so
 * any implementation in another language that follows RFC 8785 can verify a report.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonical JSON cannot hold NaN or Infinity');
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  // One string built in one pass (the collector canonicalises every report it verifies).
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i] === undefined ? null : value[i]);
    return `${out}]`;
  }
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    // The default sort compares strings by UTF-16 code units, as RFC 8785 asks.
    const keys = Object.keys(obj).sort();
    let out = '{';
    for (const k of keys) {
      const v = obj[k];
      if (v === undefined) continue;
      out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${canonicalJson(v)}`;
    }
    return `${out}}`;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}
