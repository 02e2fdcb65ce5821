import { idleSince } from './alert-policy';
import { computeDigest, DIGEST_DEFAULTS, type Digest } from './digest';
import { describeError } from './errors';
import type { AlertChannel, Incident } from './model';
import {
  NO_FILTERS,
  type Clock,
  type DeliveryBudget,
  type DeliveryResult,
  type DigestSender,
  type IncidentReader,
  type IncidentStateStore,
  type MuteSource,
  type PipelineLog,
} from './ports';
import { UNROUTED_CHANNELS, type Router } from './routes';

/**
 * The scheduled digest run (README "The digest"): resolve the incidents idle for autoResolveDays, then send one digest
 * per route to that route's channels. The use case only; the Lambda (lambdas/digest-handler.ts) wires it.
 */

/** One digest message to send: the incidents a route selects (all of them without routes) and the channels it names. */
export interface DigestDelivery {
  /** The route's name; null for the stack's own channels without routes, and for the channels that get every alert. */
  readonly route: string | null;
  readonly incidents: readonly Incident[];
  readonly channels: readonly AlertChannel[];
}

/**
 * Which digests go where, by the rule that routes alerts (Router.decide): each route's digest holds the incidents whose
 * alerts that route gets (the default route's, those no other route matches), sent to the route's channels, even when it
 * holds none (its open and acknowledged counts and the mutes still matter). The channels every alert goes to whatever the
 * routes say (UNROUTED_CHANNELS, when present in `stackChannels`) get one digest of every incident. Without routes:
 * one digest of every incident to `stackChannels`.
 */
export function digestDeliveries(
  incidents: readonly Incident[],
  router: Router | null,
  stackChannels: readonly AlertChannel[],
): DigestDelivery[] {
  if (router === null) return [{ route: null, incidents, channels: stackChannels }];
  const routesOf = new Map(incidents.map((incident) => [incident.id, router.decide(incident).routes]));
  const deliveries: DigestDelivery[] = router.routes.map((route) => ({
    route: route.name,
    incidents: incidents.filter((incident) => routesOf.get(incident.id)?.includes(route.name)),
    channels: route.channels,
  }));
  const everyAlert = stackChannels.filter((channel) => UNROUTED_CHANNELS.includes(channel));
  return everyAlert.length > 0 ? [...deliveries, { route: null, incidents, channels: everyAlert }] : deliveries;
}

export interface DigestRunDeps {
  /** Reads every incident (IncidentReader.allIncidents). */
  readonly incidents: Pick<IncidentReader, 'allIncidents'>;
  readonly states: Pick<IncidentStateStore, 'resolveIdle'>;
  /** The mutes in force: the table's and the stack configuration's. */
  readonly mutes: MuteSource;
  /** One per channel that can take a digest; a channel without one (PagerDuty: it pages) is skipped and logged. */
  readonly senders: readonly DigestSender[];
  /** The alert routes; null without routes. */
  readonly router: Router | null;
  /** The channels of the stack itself (its topic, Slack, the chat-notification topic), as the alert Lambda has them. */
  readonly stackChannels: readonly AlertChannel[];
  readonly autoResolveDays: number;
  readonly clock: Clock;
  readonly log: PipelineLog;
}

export interface DigestSent {
  readonly route: string | null;
  readonly channel: AlertChannel;
  readonly result: DeliveryResult;
}

export interface DigestRunResult {
  /** The period the digests cover. */
  readonly since: string;
  readonly until: string;
  /** Incidents this run resolved (idle for autoResolveDays). */
  readonly resolved: number;
  readonly sent: readonly DigestSent[];
}

/** Every channel failed (none sent): the run fails, so that the invocation is retried and kept. */
export class DigestDeliveryError extends Error {
  constructor(readonly sent: readonly DigestSent[]) {
    super(
      `No digest was delivered: ${sent
        .filter(({ result }) => result.status === 'failed')
        .map(({ route, channel, result }) => `${channel}${route === null ? '' : ` (route ${route})`}: ${result.detail ?? ''}`)
        .join('; ')}`,
    );
    this.name = 'DigestDeliveryError';
  }
}

/**
 * Reads every incident and the mutes (a read that fails fails the run), resolves the idle ones (each a conditional write:
 * an occurrence processed meanwhile wins; a write that fails is logged and the incident is reported as read), then sends
 * the digest of the `periodHours` up to `periodEnd` (the scheduled time, so a retried run says the same) per delivery.
 * One channel failing does not stop the others; the run throws DigestDeliveryError only when a channel failed and none
 * sent.
 */
export async function runDigest(
  deps: DigestRunDeps,
  options: { readonly periodEnd?: Date; readonly periodHours?: number; readonly budget: DeliveryBudget },
): Promise<DigestRunResult> {
  const now = deps.clock.now();
  const until = options.periodEnd ?? now;
  const since = new Date(until.getTime() - (options.periodHours ?? DIGEST_DEFAULTS.periodHours) * 3_600_000);
  const read = await deps.incidents.allIncidents(NO_FILTERS, now);
  const mutes = await deps.mutes.activeMutes(now);

  let resolved = 0;
  const incidents: Incident[] = [];
  for (const incident of read) {
    if (idleSince(incident, now, deps.autoResolveDays) === null) {
      incidents.push(incident);
      continue;
    }
    try {
      const written = await deps.states.resolveIdle(incident, now, deps.autoResolveDays);
      if (written !== null) resolved += 1;
      incidents.push(written ?? incident);
    } catch (error) {
      deps.log.warn('Idle incident not resolved', { incidentId: incident.id, reason: describeError(error) });
      incidents.push(incident);
    }
  }
  if (resolved > 0) deps.log.info('Idle incidents resolved', { resolved, autoResolveDays: deps.autoResolveDays });

  const senders = new Map(deps.senders.map((sender) => [sender.channel, sender]));
  const sent: DigestSent[] = [];
  for (const delivery of digestDeliveries(incidents, deps.router, deps.stackChannels)) {
    const digest: Digest = computeDigest(delivery.incidents, mutes, { now: until, since });
    for (const channel of delivery.channels) {
      const sender = senders.get(channel);
      if (sender === undefined) {
        deps.log.info('Channel takes no digest', { route: delivery.route, channel });
        continue;
      }
      let result: DeliveryResult;
      try {
        result = await sender.sendDigest(digest, delivery.route, options.budget);
      } catch (error) {
        result = { status: 'failed', detail: describeError(error) };
      }
      sent.push({ route: delivery.route, channel, result });
      const attributes = { route: delivery.route, channel, status: result.status, ...(result.detail ? { detail: result.detail } : {}) };
      if (result.status === 'failed') deps.log.error('Digest not delivered', attributes);
      else deps.log.info('Digest delivered', attributes);
    }
  }
  const failed = sent.some(({ result }) => result.status === 'failed');
  if (failed && !sent.some(({ result }) => result.status === 'sent')) throw new DigestDeliveryError(sent);
  return { since: since.toISOString(), until: until.toISOString(), resolved, sent };
}
