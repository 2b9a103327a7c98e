/** How the monthly report writes times, stretches of time and shares. */
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const formats = new Map<string, Intl.DateTimeFormat>();

/** "Sun 8 Nov 02:41" in `zone`; with the year when it is not `year`. */
export function whenWords(t: number, zone: string, year?: string): string {
  let f = formats.get(zone);
  if (!f) formats.set(zone, (f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
  const d = new Date(Date.UTC(Number(p['year']), Number(p['month']) - 1, Number(p['day'])));
  const y = p['year'] !== year ? ` ${p['year']}` : '';
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${y} ${p['hour']}:${p['minute']}`;
}

/** "45 min", "5 h 10 min", "2 days 3 h 5 min": a stretch of time, rounded down to the minute. */
export function spanWords(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return 'under 1 min';
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h${min % 60 ? ` ${min % 60} min` : ''}`;
  const d = Math.floor(h / 24);
  return `${d} day${d === 1 ? '' : 's'}${h % 24 ? ` ${h % 24} h` : ''}${min % 60 ? ` ${min % 60} min` : ''}`;
}

/** "93.3%", "100%", "n/a". */
export function percentText(p: number | null): string {
  return p === null ? 'n/a' : `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}
