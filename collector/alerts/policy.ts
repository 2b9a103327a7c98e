import { ALERT_PROBLEMS, kindSettings, type AlertProblem, type AlertsConfig, type KindSettings } from './config.ts';
import { maintenanceAt, type MaintenanceSpan } from './maintenance.ts';

/** What the transitions need of the config, resolved for one evaluation at one instant. */
export interface AlertPolicy {
  kinds: Record<AlertProblem, KindSettings>;
  /** The maintenance covering a client's site at the evaluation's `now` (siteId null: the whole client), or null. */
  maintenance(where: { clientId: string; siteId: string | null }): MaintenanceSpan | null;
}

export function alertPolicy(a: AlertsConfig, zone: string, now: Date): AlertPolicy {
  const kinds = Object.fromEntries(ALERT_PROBLEMS.map((p) => [p, kindSettings(a, p)])) as Record<AlertProblem, KindSettings>;
  const maintenance = a.maintenance;
  return { kinds, maintenance: (where) => (maintenance.length === 0 ? null : maintenanceAt(maintenance, zone, where, now)) };
}
