import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { thirdPartyParsers } from './index.ts';
import { loadFixtures, notification } from './testing.ts';
import { ThirdPartyReport, type Notification, type ThirdPartyParser } from './types.ts';

/**
 * The one contract suite every third-party parser passes (see types.ts). Each parser's own
 * parse.test.ts asserts what it reads from its fixtures; this suite asserts what all must do.
 */
const here = dirname(fileURLToPath(import.meta.url));
const all = [...thirdPartyParsers.values()];
const fixtures = new Map<string, Map<string, Notification>>();

beforeAll(async () => {
  for (const p of all) fixtures.set(p.name, existsSync(join(here, p.name, 'fixtures')) ? await loadFixtures(join(here, p.name)) : new Map());
});

const options = { keywords: { success: ['success', 'completed'], failure: ['error', 'failed'] } };

function parseChecked(p: ThirdPartyParser, n: Notification) {
  let r: ReturnType<ThirdPartyParser['parse']>;
  expect(() => (r = p.parse(n, options))).not.toThrow();
  if (r! !== null) {
    const v = ThirdPartyReport.safeParse(r);
    expect(v.success, v.success ? '' : JSON.stringify(v.error.issues.slice(0, 3))).toBe(true);
    expect(r!.tool).toBe(p.name);
  }
  return r!;
}

function cut(n: Notification, fraction: number): Notification {
  const at = (s: string) => s.slice(0, Math.floor(s.length * fraction));
  return { ...n, text: at(n.text), html: at(n.html), attachments: n.attachments.map((a) => ({ ...a, content: a.content.subarray(0, Math.floor(a.content.length * fraction)) })) };
}

it('there is at least one parser of each kind the collector promises', () => {
  expect(all.length).toBeGreaterThan(0);
});

describe.each(all.map((p) => [p.name, p] as const))('third-party parser %s', (name, p) => {
  const own = () => fixtures.get(name)!;

  it('lives in its own folder with real fixtures and names where each came from', () => {
    expect(existsSync(join(here, name, 'parse.ts'))).toBe(true);
    expect(own().size).toBeGreaterThan(0);
    const sources = readFileSync(join(here, name, 'fixtures', 'SOURCES.md'), 'utf8');
    for (const f of own().keys()) expect(sources, `SOURCES.md should name ${f}`).toContain(f);
  });

  it('reads every one of its fixtures into a valid report', () => {
    for (const [f, n] of own()) expect(parseChecked(p, n), f).not.toBeNull();
  });

  it('recognises its own format, and only its own', () => {
    for (const [f, n] of own()) expect(p.recognises(n), f).toBe(!p.generic);
    for (const [other, list] of fixtures) {
      if (other === name) continue;
      for (const [f, n] of list) expect(p.recognises(n), `${other}/${f}`).toBe(false);
    }
  });

  it('never throws on odd input, and gives null or a valid report', () => {
    const odd: Notification[] = [
      notification({}),
      notification({ subject: '\u0000\uffff', text: '\u0000'.repeat(100), html: '<<<table><tr><td' }),
      notification({ text: 'x'.repeat(2_000_000) }),
      notification({ html: '<table>'.repeat(5000) }),
      notification({ attachments: [{ filename: 'report.json', contentType: 'application/json', content: Buffer.from('{"Data":') }] }),
      notification({ attachments: [{ filename: null, contentType: 'application/octet-stream', content: Buffer.from([0xff, 0xfe, 0, 1, 2]) }] }),
    ];
    for (const n of odd) parseChecked(p, n);
    for (const n of own().values()) for (const fraction of [0, 0.1, 0.33, 0.5, 0.66, 0.9]) parseChecked(p, cut(n, fraction));
  });

  it('says nothing is ok without positive evidence in the message', () => {
    expect(parseChecked(p, notification({}))?.status ?? 'failed').toBe('failed');
    if (p.generic) return; // the keyword parser reads the subject by its rule's words
    // The body beats the subject: a subject that claims success over no body is not a success.
    for (const [f, n] of own()) {
      const bare = parseChecked(p, { ...n, text: '', html: '', attachments: [] });
      expect(bare?.status ?? 'failed', f).not.toBe('ok');
    }
  });
});
