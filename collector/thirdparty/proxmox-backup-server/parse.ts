import type { ThirdPartyParser } from '../types.ts';

// PLACEHOLDER: being written; replace this whole file.
export const proxmoxBackupServerParser = {
  name: 'proxmox-backup-server',
  tool: 'proxmox-backup-server',
  description: 'placeholder',
  recognises: () => false,
  parse: () => null,
} satisfies ThirdPartyParser;
