// npm run bench [-- --quick] [-- NAME ...]: runs the benchmarks listed here and prints their
// figures. Results and the machine they ran on go into docs/BENCHMARKS.md by hand, with the date.
import { cpus, totalmem } from 'node:os';

type Bench = (opts: { quick: boolean; log: (line: string) => void }) => Promise<Record<string, number | string>>;

// Listed explicitly, like plugins: no directory scanning.
const BENCHES: Record<string, () => Promise<{ run: Bench }>> = {
  copy: () => import('./copy.ts'),
  hash: () => import('./hash.ts'),
  'agent-memory': () => import('./agent-memory.ts'),
  collector: () => import('./collector.ts'),
  thirdparty: () => import('./thirdparty.ts'),
  status: () => import('./status.ts'),
  digest: () => import('./digest.ts'),
  web: () => import('./web.ts'),
  catalogue: () => import('./catalogue.ts'),
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
const selected = names.length ? names : Object.keys(BENCHES);

console.log(`# Synecdoche benchmarks ${new Date().toISOString()}`);
console.log(`# machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}${quick ? ', --quick' : ''}`);
let failed = 0;
for (const name of selected) {
  const load = BENCHES[name];
  if (!load) {
    console.error(`unknown benchmark "${name}" (known: ${Object.keys(BENCHES).join(', ')})`);
    process.exitCode = 2;
    continue;
  }
  console.log(`\n## ${name}`);
  try {
    const { run } = await load();
    const figures = await run({ quick, log: (l) => console.log(`  ${l}`) });
    console.log(`  result: ${JSON.stringify(figures)}`);
  } catch (e) {
    failed++;
    console.error(`  ${name} failed: ${(e as Error).stack ?? e}`);
  }
}
if (failed) process.exitCode = 1;
