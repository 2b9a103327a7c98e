import { SynError } from '../../core/errors.ts';
import type { ThirdPartyParser } from './types.ts';
import { baculaParser } from './bacula/parse.ts';
import { duplicatiParser } from './duplicati/parse.ts';
import { keywordsParser } from './keywords/parse.ts';
import { resticLogParser } from './restic-log/parse.ts';
import { robocopyLogParser } from './robocopy-log/parse.ts';
import { rsyncLogParser } from './rsync-log/parse.ts';
import { veeamParser } from './veeam/parse.ts';
import { proxmoxVeParser } from './proxmox-ve/parse.ts';
import { proxmoxBackupServerParser } from './proxmox-backup-server/parse.ts';
import { windowsServerBackupParser } from './windows-server-backup/parse.ts';
import { synologyParser } from './synology/parse.ts';

/**
 * Every third-party parser, listed explicitly. A new parser is added here and nowhere else
 * (docs/third-party/adding-a-parser.md); the contract suite (contract.test.ts) runs on each.
 * Its folder is `collector/thirdparty/<name>/`.
 */
const ALL: readonly ThirdPartyParser[] = [duplicatiParser, keywordsParser, rsyncLogParser, robocopyLogParser, resticLogParser, veeamParser, baculaParser, proxmoxVeParser, windowsServerBackupParser, proxmoxBackupServerParser, synologyParser];

/** Builds a registry; a duplicate name is a program fault. */
export function registry(list: readonly ThirdPartyParser[]): ReadonlyMap<string, ThirdPartyParser> {
  const map = new Map<string, ThirdPartyParser>();
  for (const p of list) {
    if (map.has(p.name)) throw new SynError('INTERNAL', `two third-party parsers are named "${p.name}"`);
    map.set(p.name, p);
  }
  return map;
}

export const thirdPartyParsers = registry(ALL);
