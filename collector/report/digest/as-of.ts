import type { StatusFacts } from '../../status/types.ts';

/**
 * The stored facts as they stood at `now`: runs received later are dropped. A digest made again
 * for an earlier date (`report digest --date`) must not show what only arrived afterwards. The
 * announced next runs and heartbeats are the current ones (the store keeps no history of them),
 * so a past digest can differ from the one sent that day in late/missing detail.
 */
export function factsAsOf(facts: StatusFacts, now: Date): StatusFacts {
  const t = now.getTime();
  return {
    ...facts,
    jobs: facts.jobs
      .filter((j) => j.firstSeenAt.getTime() <= t)
      .map((j) => {
        if (j.recentRuns.every((r) => r.receivedAt <= t)) return j;
        const recentRuns = j.recentRuns.filter((r) => r.receivedAt <= t);
        const keepGood = j.lastGoodRun !== null && j.lastGoodRun.receivedAt <= t;
        return { ...j, recentRuns, lastGoodRun: keepGood ? j.lastGoodRun : (recentRuns.find((r) => r.status !== 'failed') ?? null) };
      }),
  };
}
