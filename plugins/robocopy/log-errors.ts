import type { RunError } from '../../core/result/schema.ts';

/**
 * Robocopy's error lines, in any language:
 *
 *   2025/12/30 00:49:11 ERROR 5 (0x00000005) Copying File C:\src\.gitignore
 *   Access is denied.
 *   Waiting 30 seconds... Retrying...
 *
 * The word ERROR is translated (ОШИБКА, FEHLER, ERREUR), so the line is known by its shape: a
 * date, a time, a word, a number and a hexadecimal code in brackets. The next line is the
 * system's description. Retries repeat the same error; we keep one entry per error code, action
 * and path, and count the attempts.
 */
const DATED = /^\s*(\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4})\s+(\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)\s+([^\d\s]+(?:\s[^\d\s]+){0,2})\s+(-?\d+)\s+\((0x[0-9a-f]+)\)\s*(.*)$/i;
/** Fatal errors before any copying, e.g. `ERROR : Invalid Parameter #3 : "/FOO"`. */
const PLAIN = /^\s*ERROR\s*:\s*(.+)$/;
/** The English "retry limit exceeded" closes a dated error that is already recorded. */
const RETRY_LIMIT = /RETRY LIMIT/i;
const PATH = /(?:[A-Za-z]:\\|\\\\[^\\\s]).*$/;

const MAX_ERRORS = 100;

interface Found extends RunError {
  attempts: number;
}

/** The distinct errors of a run, in order of first appearance (at most 100). */
export function collectErrors(lines: readonly string[]): RunError[] {
  const byKey = new Map<string, Found>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = DATED.exec(line);
    if (m) {
      const [, , , word, num, hex, rest] = m as unknown as string[];
      const path = PATH.exec(rest!)?.[0]?.trim();
      const action = (path ? rest!.slice(0, rest!.length - PATH.exec(rest!)![0].length) : rest!).trim();
      const description = describe(lines[i + 1]);
      const key = `${hex}|${action}|${path ?? ''}`;
      const seen = byKey.get(key);
      if (seen) {
        seen.attempts++;
        continue;
      }
      if (byKey.size >= MAX_ERRORS) continue;
      const head = action ? `${word} ${num} (${hex}) ${action}` : `${word} ${num} (${hex})`;
      const message = (description ? `${head}: ${description}` : head).slice(0, 1900);
      byKey.set(key, { message, code: hex!.toLowerCase(), ...(path ? { path: path.slice(0, 1000) } : {}), attempts: 1 });
      continue;
    }
    const p = PLAIN.exec(line);
    if (p && !RETRY_LIMIT.test(p[1]!) && byKey.size < MAX_ERRORS) {
      const message = `ERROR: ${p[1]!.trim()}`.slice(0, 1900);
      if (!byKey.has(message)) byKey.set(message, { message, attempts: 1 });
    }
  }
  return [...byKey.values()].map(({ attempts, ...e }) => (attempts > 1 ? { ...e, message: `${e.message} (${attempts} attempts)` } : e));
}

/** The description line after an error line, unless it is itself an error or a retry notice. */
function describe(next: string | undefined): string {
  const t = next?.trim() ?? '';
  // "Waiting 30 seconds... Retrying..." in any language ends in two ellipses.
  if (!t || DATED.test(t) || /\.\.\..*\.\.\.$/.test(t)) return '';
  return t;
}
