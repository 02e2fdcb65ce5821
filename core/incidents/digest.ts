import type { Cause } from '../diagnosis/types';
import type { Incident, IncidentState } from './model';
import { incidentTarget } from './target';
import type { Mute } from './mutes';

/** The digest's period by default, and how far ahead it warns of expiring mutes. */
export const DIGEST_DEFAULTS = { periodHours: 24, mutesExpiringWithinHours: 48, noisiest: 5, consoleReads: 5 } as const;

export interface DigestIncident {
  readonly id: string;
  readonly action: string;
  readonly principal: string;
  readonly target: string;
  readonly cause: Cause;
  readonly count: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly state: IncidentState;
}

export interface Digest {
  readonly since: string;
  readonly until: string;
  /** Incidents first seen in the period, by cause (most first, then by name). */
  readonly newIncidents: { readonly total: number; readonly byCause: readonly { readonly cause: Cause; readonly incidents: number }[] };
  /** Incidents seen in the period with the most occurrences. */
  readonly noisiest: readonly DigestIncident[];
  /**
   * Incidents seen in the period whose latest occurrence was a console read that did not alert (recorded, reported
   * here instead): most occurrences first, capped; `consoleReadsTotal` counts them all.
   */
  readonly consoleReads: readonly DigestIncident[];
  readonly consoleReadsTotal: number;
  /** Over every stored incident, whenever it was seen. */
  readonly open: number;
  readonly acknowledged: number;
  /** Active mutes ending within the warning horizon, soonest first. */
  readonly mutesExpiringSoon: readonly Mute[];
  /** Mutes that never expire: listed in every digest so they are not forgotten. */
  readonly mutesWithoutExpiry: readonly Mute[];
}

export interface DigestOptions {
  readonly now: Date;
  readonly since: Date;
  readonly mutesExpiringWithinHours?: number;
  readonly noisiest?: number;
  readonly consoleReads?: number;
}

/** The daily digest from every stored incident and mute: pure, so the CLI and the scheduled Lambda say the same. */
export function computeDigest(incidents: readonly Incident[], mutes: readonly Mute[], options: DigestOptions): Digest {
  const since = options.since.toISOString();
  const until = options.now.toISOString();
  const inPeriod = (time: string) => time >= since && time <= until;

  const byCause = new Map<Cause, number>();
  for (const incident of incidents) {
    if (inPeriod(incident.firstSeen)) byCause.set(incident.cause, (byCause.get(incident.cause) ?? 0) + 1);
  }
  const seen = incidents.filter((incident) => inPeriod(incident.lastSeen));
  const consoleReads = seen.filter((incident) => incident.lastQuietReason === 'console-read');
  const states = incidents.map((incident) => incident.state);
  const horizon = new Date(
    options.now.getTime() + (options.mutesExpiringWithinHours ?? DIGEST_DEFAULTS.mutesExpiringWithinHours) * 3_600_000,
  );

  return {
    since,
    until,
    newIncidents: {
      total: [...byCause.values()].reduce((sum, count) => sum + count, 0),
      byCause: [...byCause.entries()]
        .map(([cause, count]) => ({ cause, incidents: count }))
        .sort((a, b) => b.incidents - a.incidents || a.cause.localeCompare(b.cause)),
    },
    noisiest: mostOccurrences(seen, options.noisiest ?? DIGEST_DEFAULTS.noisiest),
    consoleReads: mostOccurrences(consoleReads, options.consoleReads ?? DIGEST_DEFAULTS.consoleReads),
    consoleReadsTotal: consoleReads.length,
    open: states.filter((state) => state === 'open').length,
    acknowledged: states.filter((state) => state === 'acknowledged').length,
    mutesExpiringSoon: mutes
      .filter((mute) => mute.until !== null && mute.until > until && mute.until <= horizon.toISOString())
      .sort((a, b) => (a.until ?? '').localeCompare(b.until ?? '') || a.id.localeCompare(b.id)),
    mutesWithoutExpiry: mutes
      .filter((mute) => mute.until === null)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)),
  };
}

/** The `limit` incidents with the most occurrences, the latest seen first among equals. */
function mostOccurrences(incidents: readonly Incident[], limit: number): DigestIncident[] {
  return [...incidents]
    .sort((a, b) => b.count - a.count || b.lastSeen.localeCompare(a.lastSeen) || a.id.localeCompare(b.id))
    .slice(0, limit)
    .map(digestIncident);
}

function digestIncident(incident: Incident): DigestIncident {
  return {
    id: incident.id,
    action: incident.action,
    principal: incident.principal,
    target: incidentTarget(incident),
    cause: incident.cause,
    count: incident.count,
    firstSeen: incident.firstSeen,
    lastSeen: incident.lastSeen,
    state: incident.state,
  };
}
