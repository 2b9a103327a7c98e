#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `npx synecdoche` works right after
// `npm ci` without a build step. `npm run build` still type-checks everything.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv, process.env);
