/**
 * The tree walker that runs inside a worker thread (see scan.ts), as plain JavaScript source.
 *
 * Why a string: the worker is started with `eval: true`, so it needs no TypeScript loader and
 * works the same under tsx, vitest and compiled output. Keep it self-contained (only `require`
 * of Node built-ins) and small.
 *
 * Protocol: workerData = { root, exact: string[], suffixes: string[] }. Messages:
 *   { t: 'p', n }                  entries found so far (at most every 1,000 entries)
 *   { t: 'e', message, code }      the root itself could not be listed
 *   { t: 'd', names, meta, errors, unreadableDirs, excludedFiles }
 *      names[i] is a '/'-separated relative path (a folder before its contents); meta is a
 *      Float64Array buffer of [kind, size, mtimeMs] per name, kind 0 file, 1 dir, 2 symlink,
 *      3 other (fifo, socket, device).
 */
export const WALKER_JS = String.raw`(function walk() {
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const { root, exact, suffixes } = workerData;
const exactSet = new Set(exact);
const excluded = (name) => exactSet.has(name) || suffixes.some((s) => name.endsWith(s));
const names = [];
let meta = new Float64Array(3 * 4096);
const errors = [];
const unreadableDirs = [];
let excludedFiles = 0;
let lastProgress = 0;
function add(rel, kind, size, mtime) {
  const i = names.length;
  if (3 * i + 3 > meta.length) { const m = new Float64Array(meta.length * 2); m.set(meta); meta = m; }
  names.push(rel);
  meta[3 * i] = kind; meta[3 * i + 1] = size; meta[3 * i + 2] = mtime;
}
try {
  fs.readdirSync(root);
} catch (e) {
  parentPort.postMessage({ t: 'e', message: String(e && e.message || e), code: e && e.code });
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
    errors.push({ path: rel, message: 'cannot list folder: ' + (e && e.message || e), code: e && e.code });
    unreadableDirs.push(rel);
    continue;
  }
  const subdirs = [];
  for (const d of dirents) {
    const name = d.name;
    const childRel = rel === '' ? name : rel + '/' + name;
    if (excluded(name)) { if (!d.isDirectory()) excludedFiles++; continue; }
    if (d.isDirectory()) { add(childRel, 1, 0, 0); subdirs.push(childRel); continue; }
    let st;
    try {
      st = fs.lstatSync(abs + '/' + name);
    } catch (e) {
      errors.push({ path: childRel, message: 'cannot stat: ' + (e && e.message || e), code: e && e.code });
      continue;
    }
    const kind = st.isFile() ? 0 : st.isDirectory() ? 1 : st.isSymbolicLink() ? 2 : 3;
    add(childRel, kind, kind === 0 ? st.size : 0, st.mtimeMs);
    if (kind === 1) subdirs.push(childRel);
  }
  for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  if (names.length - lastProgress >= 1000) { lastProgress = names.length; parentPort.postMessage({ t: 'p', n: names.length }); }
}
const out = meta.slice(0, 3 * names.length);
parentPort.postMessage({ t: 'd', names, meta: out.buffer, errors, unreadableDirs, excludedFiles }, [out.buffer]);
})();
`;
