import { readFileSync } from 'node:fs';

/** The package version, sent in every report as `agent.version`. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
