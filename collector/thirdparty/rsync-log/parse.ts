import type { ThirdPartyParser } from '../types.ts';

// PLACEHOLDER: being written; replace this whole file.
export const rsyncLogParser = {
  name: 'rsync-log',
  tool: 'rsync-log',
  description: 'placeholder',
  recognises: () => false,
  parse: () => null,
} satisfies ThirdPartyParser;
