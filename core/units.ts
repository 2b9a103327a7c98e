// Numbers in the words people read, for templates and status lines alike. Apart from
// templates.ts so that code without templates (the status engine) does not load Handlebars
// (~40 ms of every `collector status`).

/** Formats a byte count the way people read it: 1.5 GB. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '?';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Formats a duration in ms as "1 h 5 min", "3 min 2 s", "12 s". */
export function formatDuration(ms: number): string {
  // "0 s" beside a bar of full height (a run of 300 ms) reads as a contradiction.
  if (ms > 0 && ms < 500) return 'under 1 s';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days`;
}
