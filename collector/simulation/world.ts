import { collectorConfigFrom, type CollectorConfig } from '../config.ts';
import { Rng, seededSite } from '../testing/seeded.ts';
import type { TestSite } from '../testing/messages.ts';

/**
 * The simulated estate: 15 clients, 50 sites, 200 jobs, a consultant in Berlin. Most sites run in
 * their client's zone; clients sit in Berlin, London, New York and Tokyo, and two sites run in
 * another zone than their client (a New York branch of a Berlin firm, a Tokyo office of
 * another). Deterministic: the same seed gives the same keys and the same world.
 */
export interface SimJob {
  id: string;
  name: string;
  /** Cron in the site's zone. */
  schedule: string;
  /** Typical size, so that every run differs a little (no "same size" anomaly by accident). */
  baseBytes: number;
  baseFiles: number;
}

export interface SimSite {
  site: TestSite;
  clientId: string;
  clientName: string;
  zone: string;
  jobs: SimJob[];
}

export interface World {
  cfg: CollectorConfig;
  sites: SimSite[];
  rng: Rng;
  /** The one mailbox, for blind-mailbox facts. */
  mailbox: string;
}

const CLIENT_ZONES = [
  ...Array<string>(10).fill('Europe/Berlin'),
  'Europe/London', 'America/New_York', 'America/New_York', 'Asia/Tokyo', 'Europe/Berlin',
];

/** Sites whose agent runs in another zone than their client's. */
export const OTHER_ZONE_SITES: Record<string, string> = { s07: 'America/New_York', s20: 'Asia/Tokyo' };

const JOB_SHAPES: Omit<SimJob, 'baseBytes' | 'baseFiles'>[] = [
  // 02:30 happens twice in Europe on 25 October: the DST trap.
  { id: 'files', name: 'Nightly files', schedule: '30 2 * * *' },
  { id: 'db', name: 'Databases', schedule: '0 23 * * *' },
  { id: 'mail', name: 'Mail archive', schedule: '15 1 * * *' },
];

export function buildWorld(dir: string, seed = 20261010): World {
  const rng = new Rng(seed);
  const clients = CLIENT_ZONES.map((zone, i) => {
    const n = String(i + 1).padStart(2, '0');
    return { id: `c${n}`, name: `Client ${n} Ltd`, timeZone: zone, contacts: [`office@c${n}.example`] };
  });
  const sites: SimSite[] = Array.from({ length: 50 }, (_, i) => {
    const id = `s${String(i + 1).padStart(2, '0')}`;
    const client = clients[i % clients.length]!;
    const fourth = i % 3 === 0 ? { id: 'weekly', name: 'Weekly full', schedule: '0 4 * * 6' } : { id: 'vm', name: 'VM images', schedule: '45 3 * * *' };
    const jobs = [...JOB_SHAPES, fourth].map((j) => ({ ...j, baseBytes: 1e9 + rng.int(9e9), baseFiles: 1000 + rng.int(50_000) }));
    return { site: seededSite(id, rng), clientId: client.id, clientName: client.name, zone: OTHER_ZONE_SITES[id] ?? client.timeZone, jobs };
  });
  const mailbox = 'backups';
  const cfg = collectorConfigFrom(
    {
      database: { path: 'sim.db' },
      archive: { folder: 'reports' },
      mailboxes: [{ name: mailbox, type: 'maildir', path: 'maildir' }],
      consultant: { name: 'Pat Consultant', email: 'pat@example.com', timeZone: 'Europe/Berlin', digestTime: '07:00' },
      clients,
      sites: sites.map((s) => ({ id: s.site.id, client: s.clientId, publicKeys: [s.site.publicKey] })),
    },
    dir,
  );
  return { cfg, sites, rng, mailbox };
}
