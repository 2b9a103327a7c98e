import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureFolder } from '../../core/folder.ts';
import { SynError } from '../../core/errors.ts';
import { writeFileAtomic } from '../atomic.ts';

interface Entry {
  id: string;
  nonce: string;
  /** expiresAt of the command, ms: after it (and the skew) the command is refused as expired anyway. */
  expiresAt: number;
}

/**
 * The commands this site acted on (`<stateDir>/commands/seen.json`): a command id or nonce seen
 * before is a replay. Entries are kept until their command has expired (plus the skew allowance),
 * after which the expiry check refuses a copy by itself, so the file stays small.
 */
export class SeenCommands {
  private readonly path: string;
  private entries: Entry[];

  constructor(stateDir: string) {
    const dir = join(stateDir, 'commands');
    ensureFolder(dir, 'stateDir');
    this.path = join(dir, 'seen.json');
    this.entries = load(this.path);
  }

  has(id: string, nonce: string): boolean {
    return this.entries.some((e) => e.id === id || e.nonce === nonce);
  }

  /** Records a command before the agent acts on it (durable when this returns): at most once. */
  add(id: string, nonce: string, expiresAt: string, now: Date, skewMs: number): void {
    this.entries = this.entries.filter((e) => e.expiresAt + skewMs >= now.getTime());
    this.entries.push({ id, nonce, expiresAt: Date.parse(expiresAt) });
    writeFileAtomic(this.path, `${JSON.stringify(this.entries)}\n`, 0o600);
  }
}

function load(path: string): Entry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new SynError('INTERNAL', `cannot read the seen-commands store ${path}`, { cause: e });
  }
  try {
    const v = JSON.parse(text) as Entry[];
    if (!Array.isArray(v)) throw new Error('not a list');
    return v;
  } catch (e) {
    // Refusing every command is safer than forgetting what was seen (a replay would then run).
    throw new SynError('INTERNAL', `the seen-commands store ${path} is damaged; remove it only if no command is still valid`, { cause: e });
  }
}
