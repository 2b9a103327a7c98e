import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A token helper as users write them, for tests: a node script that counts its runs in a file and
 * prints token number N, bare ("tok-N") or as a JSON token response with `expires_in`; or always
 * the same token; or fails (exit 3, an explanation on stderr). `argv` is the tokenCommand.
 */
export function tokenScript(folder: string, mode: 'bare' | 'json' | 'fail' | 'same', expiresIn = 3600): { argv: string[]; runs: () => number } {
  const counter = join(folder, 'token-runs');
  const script = join(folder, 'get-token.mjs');
  writeFileSync(
    script,
    `import { readFileSync, writeFileSync } from 'node:fs';
let n = 0;
try { n = Number(readFileSync(${JSON.stringify(counter)}, 'utf8')); } catch {}
writeFileSync(${JSON.stringify(counter)}, String(++n));
if (${JSON.stringify(mode)} === 'fail') { console.error('AADSTS700082: the refresh token has expired'); process.exit(3); }
if (${JSON.stringify(mode)} === 'json') console.log(JSON.stringify({ token_type: 'Bearer', access_token: 'tok-' + n, expires_in: ${expiresIn} }));
else if (${JSON.stringify(mode)} === 'same') console.log('always-the-same-token');
else console.log('tok-' + n);
`,
  );
  return { argv: [process.execPath, script], runs: () => Number(readFileSync(counter, 'utf8')) };
}
