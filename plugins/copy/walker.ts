/**
 * The tree walker that runs inside a worker thread (see scan.ts), as plain JavaScript source.
 *
 * Why a string: the worker is started with `eval: true`, so it needs no TypeScript loader and
 * works the same under tsx, vitest and compiled output. Keep it self-contained (only `require`
 * of Node built-ins) and small: the rules about what to copy live in plan.ts, in TypeScript.
 *
 * Protocol: workerData = { root, exact: string[], suffixes: string[] }. Messages, in walk order
 * (a folder's listing always comes before the listings of its subfolders):
 *   { t: 'e', message, code }   the root itself could not be listed; nothing else follows
 *   { t: 'b', dirs: Listing[] } listings of some folders (see plan.ts), about 256 entries a message
 *   { t: 'd', excludedFiles }   the walk is complete
 */
export const WALKER_JS = String.raw`(function walk() {
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const { root, exact, suffixes } = workerData;
const exactSet = new Set(exact);
const excluded = (name) => exactSet.has(name) || suffixes.some((s) => name.endsWith(s));
const msg = (e) => String((e && e.message) || e);
let excludedFiles = 0;
let batch = [];
let pending = 0;
const flush = () => {
  if (batch.length > 0) parentPort.postMessage({ t: 'b', dirs: batch });
  batch = [];
  pending = 0;
};
try {
  fs.readdirSync(root);
} catch (e) {
  parentPort.postMessage({ t: 'e', message: msg(e), code: e && e.code });
  return;
}
const stack = [''];
while (stack.length > 0) {
  const rel = stack.pop();
  const abs = rel === '' ? root : root + '/' + rel;
  let dirents;
  try {
    dirents = fs.readdirSync(abs, { withFileTypes: true });
  } catch (e) {
    batch.push({ rel, names: [], meta: [], errors: [], error: 'cannot list folder: ' + msg(e), code: e && e.code });
    continue;
  }
  const names = [];
  const meta = [];
  const errors = [];
  const subdirs = [];
  for (const d of dirents) {
    const name = d.name;
    if (excluded(name)) {
      if (!d.isDirectory()) excludedFiles++;
      continue;
    }
    if (d.isDirectory()) {
      names.push(name);
      meta.push(1, 0, 0);
      subdirs.push(rel === '' ? name : rel + '/' + name);
      continue;
    }
    let st;
    try {
      st = fs.lstatSync(abs + '/' + name);
    } catch (e) {
      errors.push({ name, message: 'cannot stat: ' + msg(e), code: e && e.code });
      continue;
    }
    const kind = st.isFile() ? 0 : st.isDirectory() ? 1 : st.isSymbolicLink() ? 2 : 3;
    names.push(name);
    meta.push(kind, kind === 0 ? st.size : 0, st.mtimeMs);
    if (kind === 1) subdirs.push(rel === '' ? name : rel + '/' + name);
  }
  batch.push({ rel, names, meta, errors });
  for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  pending += names.length + 1;
  if (pending >= 256) flush();
}
flush();
parentPort.postMessage({ t: 'd', excludedFiles });
})();
`;
