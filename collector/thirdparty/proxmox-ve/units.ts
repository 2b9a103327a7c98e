/**
 * vzdump's sizes. The notification system (PVE 8.1+) renders them with proxmox-human-byte in IEC
 * units (`430.758 MiB`, `0 B`); the legacy mail (PVE.VZDump `format_size`) divides by 1024 but
 * writes `KB`, `MB`, `GB`, `TB` (`1.20GB`). Both are binary, so every unit here is a power of
 * 1024. A comma decimal (`16,5 GB`) is read too, for mails a relay or a person retyped.
 */

const POWER: Record<string, number> = { b: 0, k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 };

/** Bytes as an integer, or null when the text is not a size. */
export function parseBytes(text: string | null | undefined): number | null {
  if (!text) return null;
  const m = /^\s*(\d+(?:[.,]\d+)?)\s*([kmgtpe]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) return null;
  const [, num = '', unit = ''] = m;
  const power = POWER[unit.toLowerCase() || 'b'];
  if (power === undefined) return null;
  const value = Number(num.replace(',', '.')) * 1024 ** power;
  return Number.isFinite(value) ? Math.round(value) : null;
}
