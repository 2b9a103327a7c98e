import type { ThirdPartyParser } from '../types.ts';

// PLACEHOLDER: being written; replace this whole file.
export const proxmoxVeParser = {
  name: 'proxmox-ve',
  tool: 'proxmox-ve',
  description: 'placeholder',
  recognises: () => false,
  parse: () => null,
} satisfies ThirdPartyParser;
