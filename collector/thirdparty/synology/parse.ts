import type { ThirdPartyParser } from '../types.ts';

// PLACEHOLDER: being written; replace this whole file.
export const synologyParser = {
  name: 'synology',
  tool: 'synology',
  description: 'placeholder',
  recognises: () => false,
  parse: () => null,
} satisfies ThirdPartyParser;
