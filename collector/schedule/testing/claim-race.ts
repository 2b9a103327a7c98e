import { openStore } from '../../store/db.ts';
import { claimSend } from '../send-once.ts';

/**
 * A separate collector process for the race test: opens the database at argv[2], waits until the
 * wall clock reaches argv[4] (so both processes start together), then claims `digest` for argv[5]
 * days as claimant argv[3] and prints the days it won as JSON.
 */
const [path, claimant, startAt, days] = process.argv.slice(2) as [string, string, string, string];
const db = openStore(path);
while (Date.now() < Number(startAt)) { /* spin: start as close together as possible */ }
const won: string[] = [];
for (let i = 0; i < Number(days); i++) {
  const day = `day-${i}`;
  if (claimSend(db, { kind: 'digest', key: 'consultant', day, claimant })) won.push(day);
}
db.close();
process.stdout.write(JSON.stringify(won));
