import { SignedResult, type HeartbeatPayload, type ResultPayload } from '../../core/result/schema.ts';
import { sampleHeartbeat, sampleResult } from '../../core/result/testing.ts';
import { brokenMimeMessages, charsetMessages, deepNestingMessages, hugeHeaderMessages, truncatedMessages } from './hostile-mime.ts';
import type { TestSite } from './messages.ts';
import { agentEmail, reportEmail, Rng, seededSite, signAny } from './seeded.ts';

/** One generated message and what the collector must make of it. */
export interface CorpusMessage {
  name: string;
  raw: Buffer;
  expect: 'accept' | 'quarantine';
  /** When known, the rejection reasons that are right for it (any one of them). */
  reasons?: readonly string[];
}

export interface HostileCorpus {
  /** The registered sites (put their public keys in the collector config). */
  sites: TestSite[];
  /** Valid and hostile messages mixed; a replay always comes after its original. */
  messages: CorpusMessage[];
  /** The limits the corpus was built for (`limits:` in the collector config). */
  limits: { maxMessageBytes: number; maxAttachmentBytes: number };
}

const SCRIPTS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'; DROP TABLE runs; --", '{{constructor.constructor("alert(1)")()}}', '\u202Egnp.exe', '<style>*{display:none}</style>'];

/**
 * Generates at least 300 malformed and hostile messages and `valid` good ones, deterministic for
 * a seed. Valid ones include results whose text fields are full of markup and script: they are
 * signed and must be ingested (escaping is the output's job, not the collector's).
 */
export async function hostileCorpus(opts: { seed?: number; valid?: number } = {}): Promise<HostileCorpus> {
  const rng = new Rng(opts.seed ?? 20261123);
  const limits = { maxMessageBytes: 2 * 1024 * 1024, maxAttachmentBytes: 256 * 1024 };
  const sites = ['site-a', 'site-b', 'site-c'].map((id) => seededSite(id, rng));
  const rogue = seededSite('site-a', rng);
  const unregistered = seededSite('site-zz', rng);
  let seq = 0;
  const result = (site: TestSite, over: Partial<ResultPayload> = {}): ResultPayload => {
    const n = ++seq;
    return sampleResult({ siteId: site.id, jobId: `job-${n % 4}`, sequence: n, runId: rng.uuid(), startedAt: new Date(Date.UTC(2026, 9, 1) + n * 3_600_000).toISOString(), ...over });
  };
  const heartbeat = (site: TestSite, over: Partial<HeartbeatPayload> = {}): HeartbeatPayload => sampleHeartbeat({ siteId: site.id, runId: rng.uuid(), ...over });
  const json = (o: object) => JSON.stringify(o, null, 2);
  const signedJson = async () => json(signAny(result(sites[0]!), sites[0]!));

  const valid: { msg: CorpusMessage; payload: ResultPayload | HeartbeatPayload; site: TestSite }[] = [];
  for (let i = 0; i < (opts.valid ?? 50); i++) {
    const site = sites[i % sites.length]!;
    const payload = i % 6 === 5 ? heartbeat(site) : result(site, { status: rng.pick(['ok', 'warning', 'failed'] as const) });
    valid.push({ msg: { name: `valid/${i}`, raw: await agentEmail(site, payload, rng), expect: 'accept' }, payload, site });
  }
  // Markup and script in every text field: valid when the schema allows the value.
  const hostileValid: CorpusMessage[] = [];
  const textFields: ((p: ResultPayload, s: string) => void)[] = [
    (p, s) => (p.site.client = s), (p, s) => (p.agent.host = s), (p, s) => (p.agent.version = s.slice(0, 50)), (p, s) => (p.agent.timeZone = s.slice(0, 64)),
    (p, s) => (p.job.name = s), (p, s) => (p.job.plugin = s.slice(0, 64)), (p, s) => (p.job.schedule = s), (p, s) => (p.logTail = s.repeat(50)),
    (p, s) => (p.errors = [{ message: s, path: s, code: s.slice(0, 100) }]), (p, s) => (p.verification = { mode: 'all', algorithm: s, checked: 1, mismatches: 1, mismatchedPaths: [s] }),
  ];
  for (const [i, set] of textFields.entries()) {
    for (const s of [SCRIPTS[i % SCRIPTS.length]!, SCRIPTS[(i + 1) % SCRIPTS.length]!]) {
      const p = result(sites[i % 3]!);
      set(p, s);
      const ok = SignedResult.safeParse(signAny(p, sites[i % 3]!)).success;
      hostileValid.push({ name: `script/field-${i}`, raw: await agentEmail(sites[i % 3]!, p, rng), expect: ok ? 'accept' : 'quarantine', ...(ok ? {} : { reasons: ['schema-violation'] }) });
    }
  }
  for (const [i, s] of SCRIPTS.entries()) {
    const site = sites[i % 3]!;
    hostileValid.push({ name: `script/headers-${i}`, raw: await reportEmail(json(signAny(result(site), site)), rng, { subject: s, from: `"${s}" <agent@site.example>`, text: s, html: s }), expect: 'accept' });
    const bodyCharset = ['x-unknown-42', 'utf-7', 'iso-8859-1', 'utf-16', 'bogus"charset', 'shift_jis'][i]!;
    const raw = await reportEmail(json(signAny(result(site), site)), rng, { text: 'Caf\u00e9 M\u00fcller \u2603' });
    hostileValid.push({ name: `script/body-charset-${bodyCharset}`, raw: Buffer.from(raw.toString('latin1').replace('text/plain; charset=utf-8', `text/plain; charset=${bodyCharset}`), 'latin1'), expect: 'accept' });
  }
  const bigSubject = sites[1]!;
  hostileValid.push({ name: 'script/subject-200k-on-valid', raw: await reportEmail(json(signAny(result(bigSubject), bigSubject)), rng, { subject: 'S'.repeat(200 * 1024) }), expect: 'accept' });

  const bad: CorpusMessage[] = [
    ...(await charsetMessages(rng, signedJson)),
    ...truncatedMessages(rng, valid.slice(0, 10).map((v) => v.msg.raw), 50),
    ...(await hugeHeaderMessages(rng)),
    ...deepNestingMessages(rng, await signedJson().then((j) => j.replace('"ok"', '"failed"'))),
    ...(await badJsonMessages(rng, signedJson)),
    ...(await schemaMessages(rng, result(sites[1]!), heartbeat(sites[2]!), sites[1]!, sites[2]!)),
    ...(await forgedMessages(rng, () => result(sites[0]!), sites[0]!, rogue, unregistered)),
    ...(await brokenMimeMessages(rng, signedJson, limits)),
  ];
  // Replays: a valid run's exact JSON again under a new Message-ID; always after its original.
  const replays: CorpusMessage[] = [];
  for (let i = 0; i < 20; i++) {
    const v = valid[(i * 7) % valid.length]!;
    replays.push({ name: `replay/${i}-of-${v.msg.name}`, raw: await reportEmail(json(signAny(v.payload, v.site)), rng, { subject: `replay ${i}` }), expect: 'quarantine', reasons: ['replay'] });
  }
  const dedup = new Map<string, CorpusMessage>();
  for (const m of [...valid.map((v) => v.msg), ...hostileValid, ...bad]) dedup.set(m.raw.toString('latin1'), m);
  const messages = [...rng.shuffle([...dedup.values()]), ...rng.shuffle(replays)];
  return { sites, messages, limits };
}

/** Text that is not JSON, or JSON that is not a result object. */
async function badJsonMessages(rng: Rng, signedJson: () => Promise<string>) {
  const good = await signedJson();
  const texts = [
    '', ' ', '{', '{"format":', 'null', '[]', '"synecdoche-result"', '42', 'true', '{"a":1,}', "{'format':'synecdoche-result'}", '{"n": NaN}', '// comment\n{}',
    '[' .repeat(100_000), '{"a":'.repeat(20_000), '{"format":"synecdoche-result","version":1e999}', good.slice(0, good.length - 3), good + 'trailing', `\ufeff${good}`,
    good.replace(/"/g, "'"), good.replace(/:/, '::'), `${good}${good}`, '\u0000'.repeat(100), Buffer.from(rng.bytes(3000)).toString('latin1'),
  ];
  const out = [];
  for (const [i, t] of texts.entries()) out.push({ name: `json/${i}`, raw: await reportEmail(t, rng), expect: 'quarantine' as const, reasons: ['malformed-json', 'schema-violation', 'unsupported-version', 'unsigned'] });
  // Ambiguous or polluting JSON around a valid signature: never accepted.
  const signed = JSON.parse(good) as Record<string, unknown>;
  const variants = [
    good.replace('"status": "ok"', '"status": "ok", "status": "failed"'),
    good.replace('{', '{"__proto__": {"status": "failed", "polluted": true},'),
    good.replace('{', '{"constructor": {"prototype": {"polluted": true}},'),
    JSON.stringify([signed]),
    JSON.stringify({ result: signed }),
  ];
  for (const [i, t] of variants.entries()) out.push({ name: `json/ambiguous-${i}`, raw: await reportEmail(t, rng), expect: 'quarantine' as const, reasons: ['malformed-json', 'schema-violation', 'bad-signature'] });
  return out;
}

/** Every field of a signed result and heartbeat with the wrong type, missing, or an extra one; signed. */
async function schemaMessages(rng: Rng, r: ResultPayload, h: HeartbeatPayload, rs: TestSite, hs: TestSite): Promise<CorpusMessage[]> {
  const out: CorpusMessage[] = [];
  const wrongs: unknown[] = ['x', -1, 1.5, null, true, [], {}, '2026-13-45T99:99:99Z'];
  for (const [base, site] of [[r, rs], [h, hs]] as const) {
    for (const path of leafPaths(base)) {
      const variants: [string, (o: Record<string, unknown>, k: string) => void][] = [
        ['missing', (o, k) => delete o[k]],
        ['wrong', (o, k) => (o[k] = wrongs.find((w) => typeof w !== typeof o[k] || (w === null) !== (o[k] === null)) ?? 'x')],
        ['wrong2', (o, k) => (o[k] = rng.pick(wrongs))],
      ];
      for (const [label, mutate] of variants) {
        const copy = structuredClone(base) as unknown as Record<string, unknown>;
        const parent = path.slice(0, -1).reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, copy);
        mutate(parent, path[path.length - 1]!);
        const signed = signAny(copy, site);
        if (SignedResult.safeParse(signed).success) continue;
        out.push({ name: `schema/${base.kind}-${path.join('.')}-${label}`, raw: await reportEmail(JSON.stringify(signed, null, 2), rng), expect: 'quarantine', reasons: ['schema-violation', 'unsupported-version', 'unsigned', 'unknown-site'] });
      }
    }
    for (const where of [[], ['site'], ['agent'], ['job'], ['files'], ['bytes']]) {
      const copy = structuredClone(base) as unknown as Record<string, unknown>;
      const target = where.reduce<Record<string, unknown> | undefined>((o, k) => o?.[k] as Record<string, unknown> | undefined, copy);
      if (!target) continue;
      target.extra = '<script>alert(1)</script>';
      out.push({ name: `schema/${base.kind}-extra-${where.join('.') || 'root'}`, raw: await reportEmail(JSON.stringify(signAny(copy, site)), rng), expect: 'quarantine', reasons: ['schema-violation'] });
    }
  }
  return out;
}

function leafPaths(o: unknown, prefix: string[] = []): string[][] {
  if (o === null || typeof o !== 'object' || (Array.isArray(o) && o.length === 0)) return [prefix];
  return Object.entries(o as object).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

/** Forged, tampered and unsigned results. */
async function forgedMessages(rng: Rng, fresh: () => ResultPayload, site: TestSite, rogue: TestSite, unregistered: TestSite): Promise<CorpusMessage[]> {
  const out: CorpusMessage[] = [];
  const add = async (name: string, obj: unknown, reasons: string[]) => out.push({ name: `forged/${name}`, raw: await reportEmail(JSON.stringify(obj, null, 2), rng), expect: 'quarantine', reasons });
  for (let i = 0; i < 3; i++) {
    const byRogue = signAny(fresh(), rogue);
    await add(`rogue-key-own-id-${i}`, byRogue, ['unknown-key']);
    const realId = (signAny(fresh(), site).signature as { keyId: string }).keyId;
    await add(`rogue-key-claims-site-id-${i}`, { ...byRogue, signature: { ...(byRogue.signature as object), keyId: realId } }, ['bad-signature']);
    await add(`unregistered-site-${i}`, signAny(sampleResult({ siteId: unregistered.id, runId: rng.uuid() }), unregistered), ['unknown-site']);
    const s = signAny(fresh(), site);
    await add(`random-signature-${i}`, { ...s, signature: { ...(s.signature as object), value: rng.bytes(64).toString('base64') } }, ['bad-signature']);
    await add(`short-signature-${i}`, { ...s, signature: { ...(s.signature as object), value: rng.bytes(20).toString('base64') } }, ['bad-signature']);
    await add(`alg-none-${i}`, { ...s, signature: { alg: 'none', keyId: 'x', value: '' } }, ['schema-violation']);
    const { signature: _drop, ...unsigned } = s;
    await add(`unsigned-${i}`, unsigned, ['unsigned']);
    const other = signAny(fresh(), site);
    await add(`signature-of-another-run-${i}`, { ...s, signature: other.signature }, ['bad-signature']);
  }
  const tampers: ((p: Record<string, unknown>) => void)[] = [
    (p) => (p.status = 'failed'), (p) => (p.status = 'warning'), (p) => ((p.files as Record<string, number>).copied = 13), (p) => ((p.bytes as Record<string, number>).copied = 0),
    (p) => (p.endedAt = '2026-12-01T00:00:00.000Z'), (p) => (p.logTail = 'all good'), (p) => (p.errors = []), (p) => ((p.job as Record<string, unknown>).nextRunAt = '2027-01-01T00:00:00.000Z'),
    (p) => (p.sequence = 9999), (p) => ((p.site as Record<string, unknown>).client = 'Other Ltd'),
  ];
  for (const [i, t] of tampers.entries()) {
    const s = signAny(fresh(), site);
    const before = JSON.stringify(s);
    t(s);
    if (JSON.stringify(s) === before) (s as Record<string, unknown>).logTail = 'changed';
    await add(`tampered-${i}`, s, ['bad-signature']);
  }
  return out;
}
