import { describe, expect, it } from 'vitest';
import { hostileCorpus } from '../../collector/testing/hostile-corpus.ts';
import { agentEmail, Rng, seededSite } from '../../collector/testing/seeded.ts';
import { parsePublicKeyLine } from '../result/keys.ts';
import { sampleResult } from '../result/testing.ts';
import { decodeEmail, decodeWithParser, type Decoded } from './decode.ts';
import { leanSplit } from './lean.ts';

/** What must not depend on the path: outcome, reason, facts, and the verified payload. */
const essence = (d: Decoded) => ({
  outcome: d.outcome,
  reason: d.outcome === 'rejected' ? d.reason : null,
  facts: { ...d.facts, date: d.outcome === 'rejected' || !d.facts.date ? null : d.facts.date.getTime() },
  runId: d.outcome === 'verified' ? d.payload.runId : null,
});

describe('the lean decoding path', () => {
  it('gives the same outcome, reason and envelope facts as the full parser for every message of the hostile corpus', async () => {
    const corpus = await hostileCorpus({ seed: 7, valid: 30 });
    const keys = new Map(corpus.sites.map((s) => [s.id, [parsePublicKeyLine(s.publicKey, s.id)]]));
    const opts = { keysFor: (id: string) => keys.get(id), ...corpus.limits };
    const differ: string[] = [];
    let lean = 0;
    for (const m of corpus.messages) {
      const [fast, full] = [await decodeEmail(m.raw, opts), await decodeWithParser(m.raw, opts)];
      if (JSON.stringify(essence(fast)) !== JSON.stringify(essence(full))) differ.push(`${m.name}: ${JSON.stringify(essence(fast))} vs ${JSON.stringify(essence(full))}`);
      if ((await leanSplit(m.raw)) !== null) lean++;
    }
    expect(differ).toEqual([]);
    // the corpus's valid messages (and more) really went the lean way
    expect(lean).toBeGreaterThanOrEqual(corpus.messages.filter((m) => m.expect === 'accept').length);
  });

  it('decodes encoded words in the subject and the sender name as the full parser does', async () => {
    const rng = new Rng(3);
    const site = seededSite('site-a', rng);
    const keysFor = () => [parsePublicKeyLine(site.publicKey, 'k')];
    const raw = await agentEmail(site, sampleResult(), rng, { subject: 'Sicherung \u00fcberpr\u00fcft \u2713 <script>', from: '"M\u00fcller, IT" <agent@site-a.example>' });
    const leanParts = await leanSplit(raw);
    expect(leanParts).not.toBeNull();
    expect(leanParts!.facts).toEqual((await decodeWithParser(raw, { keysFor })).facts);
    expect(leanParts!.facts).toMatchObject({ subject: 'Sicherung \u00fcberpr\u00fcft \u2713 <script>', from: 'agent@site-a.example' });
  });

  it('leaves a sender that mailparser would rewrite (punycode) or read as a list to the full parser', async () => {
    const rng = new Rng(4);
    const site = seededSite('site-a', rng);
    const keysFor = () => [parsePublicKeyLine(site.publicKey, 'k')];
    for (const from of ['agent@xn--mller-kva.example', 'a@b.example, c@d.example']) {
      const raw = await agentEmail(site, sampleResult(), rng, { from });
      expect(await leanSplit(raw), from).toBeNull();
      const d = await decodeEmail(raw, { keysFor });
      expect(d.outcome).toBe('verified');
      expect(d.facts).toEqual((await decodeWithParser(raw, { keysFor })).facts);
    }
  });

  it('leaves messages without the result attachment to the full parser', async () => {
    const raw = Buffer.from('From: veeam@x.example\r\nSubject: synecdoche-result.json\r\n\r\nAll good\r\n');
    expect(await leanSplit(raw)).toBeNull();
  });
});
