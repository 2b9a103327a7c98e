import { SynError } from '../core/errors.ts';
import { commandPlugin } from './command/index.ts';
import { copyPlugin } from './copy/index.ts';
import { resticPlugin } from './restic/index.ts';
import { robocopyPlugin } from './robocopy/index.ts';
import { rsyncPlugin } from './rsync/index.ts';
import type { BackupPlugin } from './types.ts';

/** Every plugin, listed explicitly. A new plugin is added here and nowhere else. */
const ALL: readonly BackupPlugin<any>[] = [copyPlugin, rsyncPlugin, robocopyPlugin, resticPlugin, commandPlugin];

function buildRegistry(list: readonly BackupPlugin<any>[]): ReadonlyMap<string, BackupPlugin<any>> {
  const map = new Map<string, BackupPlugin<any>>();
  for (const p of list) {
    if (map.has(p.name)) throw new Error(`two plugins are named "${p.name}"`);
    map.set(p.name, p);
  }
  return map;
}

export const plugins = buildRegistry(ALL);

/** The plugin of that name, or a NOT_FOUND error listing the known ones. */
export function getPlugin(name: string): BackupPlugin<any> {
  const p = plugins.get(name);
  if (!p) throw new SynError('NOT_FOUND', `unknown plugin "${name}" (known: ${[...plugins.keys()].join(', ')})`);
  return p;
}

export { buildRegistry };
