import type { ThirdPartyParser } from '../types.ts';

// PLACEHOLDER: being written; replace this whole file.
export const keywordsParser = {
  name: 'keywords',
  tool: 'keywords',
  description: 'placeholder',
  recognises: () => false,
  parse: () => null,
} satisfies ThirdPartyParser;
