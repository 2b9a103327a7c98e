/**
 * The tree walker, as plain JavaScript source: a factory
 * `(fs, root, exact, suffixes, emit, rootSkip) => { run(deadline): boolean, excludedFiles(): number }`.
 * `rootSkip` names entries of the root folder itself to leave out unseen and uncounted (the copy
 * plugin's own `.synecdoche-versions` folder at the destination).
 * Creating it throws when the root cannot be listed. `run` walks until the walk is complete
 * (true) or `performance.now()` passes `deadline` (false; call again to go on). Folder listings
 * (see Listing in plan.ts) go to `emit` in batches of about 256 entries, a folder always before
 * its subfolders.
 *
 * Why a string: the same code runs on the main thread (compiled once with `new Function`, so it
 * gets warm in a long-running agent, and driven in slices between other work) and in a worker
 * started with `eval: true`, which needs no TypeScript loader and works the same under tsx,
 * vitest and compiled output. Keep it self-contained and small: the rules about what to copy
 * live in plan.ts, in TypeScript.
 */
export const WALKER_FACTORY_JS = String.raw`(function createWalker(fs, root, exact, suffixes, emit, rootSkip) {
const exactSet = new Set(exact);
const skipAtRoot = new Set(rootSkip || []);
const excluded = (name) => exactSet.has(name) || suffixes.some((s) => name.endsWith(s));
const msg = (e) => String((e && e.message) || e);
let excludedFiles = 0;
let batch = [];
let pending = 0;
const flush = () => {
  if (batch.length > 0) emit(batch);
  batch = [];
  pending = 0;
};
fs.readdirSync(root);
const stack = [''];
function run(deadline) {
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
      if (rel === '' && skipAtRoot.has(name)) continue;
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
    if (pending >= 256) {
      flush();
      if (performance.now() > deadline) return false;
    }
  }
  flush();
  return true;
}
return { run, excludedFiles: () => excludedFiles };
})`;

/**
 * The worker's program around the walker. Messages: { t: 'e', message, code } when the root
 * cannot be listed; { t: 'b', dirs } per batch of listings; { t: 'd', excludedFiles } at the end.
 */
export const WORKER_JS = `(function worker() {
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const { root, exact, suffixes, rootSkip } = workerData;
let walker;
try {
  walker = (${WALKER_FACTORY_JS})(fs, root, exact, suffixes, (dirs) => parentPort.postMessage({ t: 'b', dirs }), rootSkip);
} catch (e) {
  parentPort.postMessage({ t: 'e', message: String((e && e.message) || e), code: e && e.code });
  return;
}
walker.run(Infinity);
parentPort.postMessage({ t: 'd', excludedFiles: walker.excludedFiles() });
})();
`;
