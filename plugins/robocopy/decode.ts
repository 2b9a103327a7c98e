import iconv from 'iconv-lite';
import { SynError } from '../../core/errors.ts';

/**
 * Legacy code pages robocopy logs come in, in order of preference when two score the same.
 * /LOG writes the console's OEM code page (CP850 western Europe, CP866 Russian, CP932
 * Japanese); logs passed through PowerShell or Notepad may end up in the ANSI page CP1252.
 */
export const LEGACY_ENCODINGS = ['cp850', 'cp1252', 'cp866', 'cp932'] as const;

export interface DecodedLog {
  text: string;
  /** The encoding used: 'utf16le', 'utf16be', 'utf8' or one of LEGACY_ENCODINGS (or the forced one). */
  encoding: string;
}

/**
 * Turns log bytes into text. A BOM wins; then UTF-16 without BOM (every other byte NUL, as
 * /UNILOG writes); then valid UTF-8 (which includes plain ASCII); else the legacy code page whose
 * decoding reads most like words of one script. `forced` skips the guessing.
 */
export function decodeLog(bytes: Buffer, forced?: string): DecodedLog {
  if (forced) return { text: decodeAs(bytes, forced), encoding: forced };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: bytes.subarray(2).toString('utf16le'), encoding: 'utf16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: iconv.decode(bytes.subarray(2), 'utf16-be'), encoding: 'utf16be' };
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { text: bytes.subarray(3).toString('utf8'), encoding: 'utf8' };
  const nul = nulShare(bytes);
  if (nul.odd > 0.3 && nul.odd > nul.even * 2) return { text: bytes.toString('utf16le'), encoding: 'utf16le' };
  if (nul.even > 0.3 && nul.even > nul.odd * 2) return { text: iconv.decode(bytes, 'utf16-be'), encoding: 'utf16be' };
  if (isUtf8(bytes)) return { text: bytes.toString('utf8'), encoding: 'utf8' };
  const encoding = guessLegacy(bytes);
  return { text: iconv.decode(bytes, encoding), encoding };
}

function decodeAs(bytes: Buffer, encoding: string): string {
  const name = encoding.toLowerCase();
  if (!iconv.encodingExists(name)) {
    throw new SynError('PLUGIN_MISCONFIGURED', `unknown encoding "${encoding}" (try utf8, utf16le, ${LEGACY_ENCODINGS.join(', ')})`);
  }
  return iconv.decode(bytes, name); // iconv-lite strips a BOM by default
}

function nulShare(bytes: Buffer): { odd: number; even: number } {
  const n = Math.min(bytes.length, 4096);
  if (n < 2) return { odd: 0, even: 0 };
  let odd = 0;
  let even = 0;
  for (let i = 0; i < n; i++) if (bytes[i] === 0) i % 2 ? odd++ : even++;
  return { odd: odd / (n / 2), even: even / (n / 2) };
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The legacy encoding with the best plausibility score on a sample of the log. */
export function guessLegacy(bytes: Buffer): (typeof LEGACY_ENCODINGS)[number] {
  // The head (banner, options, first files) and the tail (the summary) carry the localized words.
  const sample = bytes.length <= 96 * 1024 ? bytes : Buffer.concat([bytes.subarray(0, 64 * 1024), bytes.subarray(bytes.length - 32 * 1024)]);
  let best: (typeof LEGACY_ENCODINGS)[number] = LEGACY_ENCODINGS[0];
  let bestScore = -Infinity;
  for (const enc of LEGACY_ENCODINGS) {
    const score = plausibility(iconv.decode(sample, enc));
    if (score > bestScore) {
      best = enc;
      bestScore = score;
    }
  }
  return best;
}

const HALFWIDTH_KANA = /[\uff61-\uff9f]/u;
const JAPANESE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30fc]/u;
/** CJK punctuation and full-width forms: neither evidence for nor against. */
const CJK_NEUTRAL = /[\u3000-\u303f\uff01-\uff5e]/u;
const BAD = /[\ufffd\p{Cc}\p{Co}\p{Cs}]/u;

function scriptOf(ch: string): string | null {
  if (JAPANESE.test(ch) && !HALFWIDTH_KANA.test(ch)) return 'ja';
  if (/\p{Script=Latin}/u.test(ch)) return 'latin';
  if (/\p{Script=Cyrillic}/u.test(ch)) return 'cyrillic';
  if (/\p{Script=Greek}/u.test(ch)) return 'greek';
  if (/\p{L}/u.test(ch)) return 'other';
  return null;
}

/**
 * How much a decoded text reads like words: +1 for each non-ASCII letter in a word whose
 * non-ASCII letters share one script, minus points for replacement and control characters,
 * half-width katakana (what Cyrillic bytes become in CP932), symbols inside words (what accented
 * letters become in the wrong western page), a non-Latin letter glued to an ASCII letter (what
 * German umlauts become in CP866 or CP932), an accented capital right after a small letter and
 * two accented Latin letters in a row (what CJK bytes become in a western page). CJK characters
 * count 2, as they took two bytes, so that scores compare per byte.
 */
export function plausibility(text: string): number {
  let score = 0;
  for (const word of text.split(/[\s\u00a0]+/u)) {
    if (!/[^\x00-\x7f]/.test(word)) continue;
    const chars = [...word];
    const scripts = new Set<string>();
    for (const ch of chars) if (ch > '\x7f') {
      const s = scriptOf(ch);
      if (s) scripts.add(s);
    }
    const mixed = scripts.size > 1;
    let prev = '';
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i]!;
      if (ch <= '\x7f') {
        prev = ch;
        continue;
      }
      if (BAD.test(ch)) score -= 5;
      else if (HALFWIDTH_KANA.test(ch)) score -= 2;
      else if (CJK_NEUTRAL.test(ch)) score += 0;
      else if (scriptOf(ch) === null) score -= 1;
      else if (mixed) score -= 1;
      else if (scriptOf(ch) !== 'latin' && (/[A-Za-z]/.test(prev) || /^[A-Za-z]/.test(chars[i + 1] ?? ''))) score -= 1;
      else if (/\p{Lu}/u.test(ch) && /\p{Ll}/u.test(prev)) score -= 1;
      else if (scripts.has('latin') && prev > '\x7f' && scriptOf(prev) === 'latin') score -= 1;
      else score += ch >= '\u0800' ? 2 : 1;
      prev = ch;
    }
  }
  return score;
}
