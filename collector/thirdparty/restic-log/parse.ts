import type { ThirdPartyParser } from '../types.ts';

// PLACEHOLDER: being written; replace this whole file.
export const resticLogParser = {
  name: 'restic-log',
  tool: 'restic-log',
  description: 'placeholder',
  recognises: () => false,
  parse: () => null,
} satisfies ThirdPartyParser;
