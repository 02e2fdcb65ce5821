import { randomUUID } from 'node:crypto';
import type { CloudTrailRecord } from '../diagnosis/record';
import type { Diagnosis } from '../diagnosis/types';
import { DEFAULT_ALERT_SETTINGS, decideAlert, type AlertDecision, type AlertPolicy, type QuietReason } from './alert-policy';
import { describeError } from './errors';
import { alertKey, incidentIdFor } from './identity';
import type { AlertChannel, ChannelDelivery, Incident, Lease } from './model';
import { matchingMute } from './mutes';
import type {
  Clock,
  DeliveryBudget,
  DeliveryResult,
  DiagnosisDeepener,
  Enricher,
  IncidentStore,
  MuteSource,
  Notifier,
  PipelineLog,
  SettledOccurrence,
} from './ports';

/** The channel ids an alert of this denial goes to (its routes); the pipeline keeps those that have a notifier. */
export type ChannelSelector = (diagnosis: Diagnosis, log: PipelineLog) => readonly AlertChannel[];

export interface IncidentPipelineDeps {
  readonly store: IncidentStore;
  /** Every configured channel, in delivery order (SNS before Slack in the Lambda; terminal first locally). */
  readonly notifiers: readonly Notifier[];
  /** Which of the notifiers' channels an alert goes to; absent: all of them. */
  readonly channelsFor?: ChannelSelector;
  readonly enricher?: Enricher;
  /** Deep diagnosis of each alert, for events processed with their record. */
  readonly deepener?: DiagnosisDeepener;
  readonly clock: Clock;
  readonly dedupWindowMinutes: number;
  /** See AlertPolicy; each defaults to DEFAULT_ALERT_SETTINGS. */
  readonly acknowledgeHours?: number;
  readonly autoResolveDays?: number;
  readonly alertOnConsoleReads?: boolean;
  /** The mutes in force (none when absent). */
  readonly mutes?: MuteSource;
  /**
   * True when this pipeline is the store's only writer and processes one event at a time (`denyscope local`, under
   * its data-dir lock): every lease found in the store then belongs to an attempt that is over (a killed run), so a
   * rerun resumes it at once instead of waiting for the lease to end.
   */
  readonly soleWriter?: boolean;
}

/**
 * What one diagnosed denial did.
 * - duplicate: its eventID was already recorded; nothing else happened.
 * - busy: another attempt at the same event holds it (a concurrent redelivery); nothing was done: retry later.
 * - suppressed: counted into its incident without an alert, for `reason` (QuietReason; `window` also when another
 *   event holds the alert).
 * - alerted: this event owns the incident's alert; `complete` is false while a channel still has to be retried.
 * `counted` is false when an earlier attempt at the event finished counting it (this one resumed its alert).
 */
export type PipelineOutcome =
  | { readonly kind: 'duplicate'; readonly incidentId: string }
  | { readonly kind: 'busy'; readonly incidentId: string }
  | {
      readonly kind: 'suppressed';
      readonly incident: Incident;
      readonly newIncident: boolean;
      readonly counted: boolean;
      readonly reason: QuietReason;
    }
  | {
      readonly kind: 'alerted';
      readonly incident: Incident;
      readonly newIncident: boolean;
      readonly counted: boolean;
      readonly complete: boolean;
      readonly failedChannels: readonly AlertChannel[];
    };

export interface ProcessOptions {
  readonly budget: DeliveryBudget;
  readonly log: PipelineLog;
  /** The event's CloudTrail record, which deep diagnosis evaluates (the request's context is more than the diagnosis). */
  readonly record?: CloudTrailRecord;
}

export interface IncidentPipeline {
  process(diagnosis: Diagnosis, options: ProcessOptions): Promise<PipelineOutcome>;
}

interface Counting {
  readonly newIncident: boolean;
  readonly counted: boolean;
}

/** One processing of one event: everything it writes is done under its lease. */
interface Attempt {
  readonly diagnosis: Diagnosis;
  readonly incidentId: string;
  readonly now: Date;
  readonly lease: Lease;
  readonly options: ProcessOptions;
}

/** Lambda's maximum timeout: no delivery budget is longer (local mode's is unbounded). */
const MAX_ATTEMPT_MS = 15 * 60_000;
/** Added to an attempt's budget for its lease: the hosts comparing lease times do not share one clock. */
const LEASE_MARGIN_MS = 30_000;
/** Tries of a write whose lost answer would cost something if the event were left to a later retry. */
const FINAL_WRITE_ATTEMPTS = 3;

/**
 * record → (enrich) → notify for one diagnosed denial, shared by the Lambda and `denyscope local`. Crash-safe without
 * transactions (see IncidentStore): every distinct eventID is counted exactly once, every due alert is delivered at
 * least once, and a channel is sent at most once unless the attempt sending it died before recording the outcome.
 */
export function createIncidentPipeline(deps: IncidentPipelineDeps): IncidentPipeline {
  const { store, notifiers, enricher, deepener, clock } = deps;
  const channels = notifiers.map((notifier) => notifier.channel);
  const policy: AlertPolicy = {
    dedupWindowMinutes: deps.dedupWindowMinutes,
    acknowledgeHours: deps.acknowledgeHours ?? DEFAULT_ALERT_SETTINGS.acknowledgeHours,
    autoResolveDays: deps.autoResolveDays ?? DEFAULT_ALERT_SETTINGS.autoResolveDays,
    alertOnConsoleReads: deps.alertOnConsoleReads ?? DEFAULT_ALERT_SETTINGS.alertOnConsoleReads,
  };

  /** The alert's channels, in delivery order: chosen when the alert is claimed and kept with it, so a resumed delivery sends the same ones. */
  function channelsOf(attempt: Attempt): readonly AlertChannel[] {
    if (deps.channelsFor === undefined) return channels;
    const chosen = new Set(deps.channelsFor(attempt.diagnosis, attempt.options.log));
    return channels.filter((channel) => chosen.has(channel));
  }

  async function process(diagnosis: Diagnosis, options: ProcessOptions): Promise<PipelineOutcome> {
    const incidentId = incidentIdFor(diagnosis);
    const now = clock.now();
    const attempt: Attempt = { diagnosis, incidentId, now, lease: { owner: randomUUID(), until: leaseEnd(now, options.budget) }, options };
    const claim = await store.claimOccurrence(incidentId, diagnosis, now, attempt.lease);
    if (claim.kind === 'duplicate') return { kind: 'duplicate', incidentId };
    if (claim.kind === 'unfinished') {
      if (!(await holdOccurrence(attempt, claim.lease))) return busy(attempt);
      if (claim.state === 'alerting') return resumeAlert(attempt);
    }

    const incident = await store.recordOccurrence(incidentId, seenAt(diagnosis, now));
    const counting = { newIncident: incident.count === 1, counted: true };
    const decision = await decide(attempt, incident);
    if (decision.kind === 'quiet') return suppress(attempt, incident, counting, decision);
    // Counted: from here a retry resumes the alert, and the incident may forget that the event is being counted.
    if (!(await store.markAlerting(incidentId, diagnosis, attempt.lease.owner))) return busy(attempt);
    return claimAndDeliver(attempt, incident, counting, decision.reopenedFrom);
  }

  /** The alert policy on the incident as counted, with the mutes in force now. */
  async function decide(attempt: Attempt, incident: Incident): Promise<AlertDecision> {
    const mutes = (await deps.mutes?.activeMutes(attempt.now)) ?? [];
    return decideAlert(incident, attempt.diagnosis, matchingMute(mutes, attempt.diagnosis, attempt.now), attempt.now, policy);
  }

  /** True once this attempt holds the occurrence's lease: it took it, or the previous holder's lease ended. */
  async function holdOccurrence(attempt: Attempt, previous: Lease | null): Promise<boolean> {
    if (previous === null || previous.owner === attempt.lease.owner) return true;
    if (isLive(previous, attempt.now)) return false;
    attempt.options.log.info('Resuming an event whose earlier attempt stopped before finishing');
    return store.takeOverOccurrence(attempt.incidentId, attempt.diagnosis, previous.owner, attempt.lease);
  }

  function busy(attempt: Attempt): PipelineOutcome {
    attempt.options.log.info('Another attempt at this event is in progress; retry later');
    return { kind: 'busy', incidentId: attempt.incidentId };
  }

  /**
   * Counted, no alert from this event: the occurrence is done, then the incident forgets it was being counted. Once
   * the occurrence is done a retry is a duplicate, so only this attempt can clean up: both writes are retried here.
   */
  async function suppress(attempt: Attempt, incident: Incident, counting: Counting, quiet: Quiet): Promise<PipelineOutcome> {
    await finish(attempt);
    const settled = { processedAt: attempt.now.toISOString(), mutedBy: quiet.mutedBy, quietReason: quiet.reason };
    await withRetries(attempt, 'clean up the count', () => store.forgetCounting(attempt.incidentId, attempt.diagnosis.eventId, settled));
    return { kind: 'suppressed', incident: { ...incident, ...settledFields(settled) }, ...counting, reason: quiet.reason };
  }

  function finish(attempt: Attempt): Promise<void> {
    return withRetries(attempt, 'finish the occurrence', () =>
      store.finishOccurrence(attempt.incidentId, attempt.diagnosis, attempt.lease.owner),
    );
  }

  /** A retry of an event that was counted and went on to alert, but did not finish. */
  async function resumeAlert(attempt: Attempt): Promise<PipelineOutcome> {
    const counting = { newIncident: false, counted: false };
    const incident = await store.getIncident(attempt.incidentId);
    if (incident === null) {
      // The incident item is gone (deleted by hand): there is nothing left to alert about.
      attempt.options.log.warn('Occurrence awaits an alert but its incident no longer exists; dropping the alert');
      await finish(attempt);
      return { kind: 'duplicate', incidentId: attempt.incidentId };
    }
    if (incident.alert?.eventId === attempt.diagnosis.eventId) return deliver(attempt, incident, counting);
    const decision = await decide(attempt, incident);
    if (decision.kind === 'quiet') return suppress(attempt, incident, counting, decision);
    return claimAndDeliver(attempt, incident, counting, decision.reopenedFrom);
  }

  async function claimAndDeliver(
    attempt: Attempt,
    incident: Incident,
    counting: Counting,
    reopenedFrom: string | null,
  ): Promise<PipelineOutcome> {
    const claimed = await store.claimAlert(
      incident,
      attempt.diagnosis.eventId,
      channelsOf(attempt),
      attempt.now,
      attempt.lease,
      reopenedFrom,
    );
    // Another event claimed the alert, or someone changed the incident's state since it was read: a repeat.
    if (claimed === null) return suppress(attempt, incident, counting, HELD_ELSEWHERE);
    return deliver(attempt, claimed, counting);
  }

  /** Sends every channel not yet sent, each under a send lease, recording each outcome before the next channel. */
  async function deliver(attempt: Attempt, incident: Incident, counting: Counting): Promise<PipelineOutcome> {
    const { diagnosis, lease, options } = attempt;
    let current = await withEnrichment(incident, diagnosis, options.record);
    const failedChannels: AlertChannel[] = [];
    for (const notifier of notifiers) {
      const channel = notifier.channel;
      if (current.alert?.channels[channel] === undefined) continue; // not one of this alert's channels
      const previous = current.alert.channels[channel];
      if (previous?.status === 'sent' || previous?.status === 'skipped') continue;
      const sending = previous?.status === 'sending' ? (previous.lease ?? null) : null;
      if (sending?.owner !== lease.owner) {
        if (sending !== null && isLive(sending, attempt.now)) return stopBusy(attempt);
        if (sending !== null) {
          options.log.warn('Delivery outcome unknown: an earlier attempt stopped while sending; sending again', {
            channel,
            alertKey: alertKey(current),
          });
        }
        const sendingStatus: ChannelDelivery = { status: 'sending', at: clock.now().toISOString(), lease };
        if (!(await store.leaseChannel(current.id, diagnosis.eventId, channel, sendingStatus, sending?.owner ?? null))) {
          return deliveryLost(attempt, current, counting);
        }
      }
      const { reference, ...outcome } = await send(notifier, current, options);
      const delivery: ChannelDelivery = { ...outcome, lease };
      // A lost status would leave a sent channel to be sent again by a later attempt.
      const recorded = await withRetries(attempt, `record the ${channel} delivery`, () =>
        store.setChannelDelivery(current.id, diagnosis.eventId, channel, delivery),
      );
      if (!recorded) return deliveryLost(attempt, current, counting);
      current = withChannelDelivery(current, channel, delivery);
      if (reference !== undefined && current.threads[channel] === undefined)
        current = await recordThread(attempt, current, channel, reference);
      if (delivery.status === 'failed') {
        failedChannels.push(channel);
        options.log.warn('Alert delivery failed', { channel, detail: delivery.detail });
      }
    }
    const complete = failedChannels.length === 0;
    // Incomplete: the lease is released so that the retry need not wait for it to end.
    if (complete) await finish(attempt);
    else await store.releaseOccurrence(attempt.incidentId, diagnosis, lease.owner);
    return { kind: 'alerted', incident: current, ...counting, complete, failedChannels };
  }

  async function stopBusy(attempt: Attempt): Promise<PipelineOutcome> {
    await store.releaseOccurrence(attempt.incidentId, attempt.diagnosis, attempt.lease.owner);
    return busy(attempt);
  }

  /** A channel could not be leased or recorded: a newer alert superseded this one, or another attempt holds the channel. */
  async function deliveryLost(attempt: Attempt, incident: Incident, counting: Counting): Promise<PipelineOutcome> {
    const current = await store.getIncident(attempt.incidentId);
    if (current?.alert?.eventId === attempt.diagnosis.eventId) return stopBusy(attempt);
    attempt.options.log.warn('Alert superseded by a newer alert during delivery');
    await finish(attempt);
    return { kind: 'suppressed', incident: current ?? incident, ...counting, reason: HELD_ELSEWHERE.reason };
  }

  /** A write whose repetition is harmless (conditional on this attempt's lease, or idempotent), retried in-process. */
  async function withRetries<T>(attempt: Attempt, what: string, write: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries += 1) {
      try {
        return await write();
      } catch (error) {
        if (tries >= FINAL_WRITE_ATTEMPTS) throw error;
        attempt.options.log.warn(`Could not ${what}; writing it again`, { error: describeError(error) });
      }
    }
  }

  /** Enrichment and deep diagnosis of the alert, side by side, stored in one write before the first channel is sent. */
  async function withEnrichment(incident: Incident, diagnosis: Diagnosis, record: CloudTrailRecord | undefined): Promise<Incident> {
    const enriches = enricher !== undefined && enricher.appliesTo(diagnosis);
    const deepens = deepener !== undefined && record !== undefined;
    if (!enriches && !deepens) return incident;
    // A resumed delivery keeps what its first attempt gathered.
    if (incident.enrichment?.eventId === diagnosis.eventId) return incident;
    const [notes, deepened] = await Promise.all([
      enriches ? enricher.enrich(diagnosis) : {},
      deepens ? deepener.deepen(diagnosis, record) : null,
    ]);
    const enrichment = { eventId: diagnosis.eventId, ...notes };
    await store.setEnrichment(incident.id, enrichment, deepened === null ? null : { eventId: diagnosis.eventId, ...deepened });
    return { ...incident, enrichment, diagnosis: deepened === null ? incident.diagnosis : { ...incident.diagnosis, ...deepened } };
  }

  async function send(notifier: Notifier, incident: Incident, options: ProcessOptions): Promise<ChannelDelivery & { reference?: string }> {
    let result: DeliveryResult;
    try {
      result = await notifier.notify(incident, options.budget);
    } catch (error) {
      result = { status: 'failed', detail: describeError(error) };
    }
    const { status, detail } = result;
    const reference = result.status === 'sent' ? result.reference : undefined;
    return {
      status,
      at: clock.now().toISOString(),
      ...(detail === undefined ? {} : { detail }),
      ...(reference === undefined ? {} : { reference }),
    };
  }

  /**
   * The channel's first message becomes the incident's thread there. A lost write only costs threading: the next
   * alert starts a new thread (and records it), so it is logged, not retried.
   */
  async function recordThread(attempt: Attempt, incident: Incident, channel: AlertChannel, reference: string): Promise<Incident> {
    try {
      if (!(await store.recordThread(incident.id, channel, reference))) return incident;
    } catch (error) {
      attempt.options.log.warn('Could not record the thread of the alert; the next alert starts a new one', {
        channel,
        error: describeError(error),
      });
      return incident;
    }
    return { ...incident, threads: { ...incident.threads, [channel]: reference } };
  }

  /** A lease that has not ended; for the sole writer, none found in the store is live (their attempts are over). */
  function isLive(lease: Lease, now: Date): boolean {
    return deps.soleWriter !== true && lease.until > now.toISOString();
  }

  return { process };
}

type Quiet = Extract<AlertDecision, { kind: 'quiet' }>;

/** No alert because another event holds the incident's alert: counted like a repeat inside the window. */
const HELD_ELSEWHERE: Quiet = { kind: 'quiet', reason: 'window', mutedBy: null };

function settledFields(settled: SettledOccurrence): Pick<Incident, 'lastProcessedAt' | 'mutedBy' | 'lastQuietReason'> {
  return { lastProcessedAt: settled.processedAt, mutedBy: settled.mutedBy, lastQuietReason: settled.quietReason };
}

/** An attempt's lease lasts its delivery budget (the Lambda's remaining time) plus a margin. */
function leaseEnd(now: Date, budget: DeliveryBudget): string {
  const budgetMs = Math.min(Math.max(budget.remainingMs(), 0), MAX_ATTEMPT_MS);
  return new Date(now.getTime() + budgetMs + LEASE_MARGIN_MS).toISOString();
}

function withChannelDelivery(incident: Incident, channel: AlertChannel, delivery: ChannelDelivery): Incident {
  if (incident.alert === null) return incident;
  return { ...incident, alert: { ...incident.alert, channels: { ...incident.alert.channels, [channel]: delivery } } };
}

/**
 * When the occurrence counts as seen. A denial whose event carries no time (a pasted error message) is seen when it
 * is processed; its occurrence key keeps the event's own (empty) time, so processing it again is still a duplicate.
 */
function seenAt(diagnosis: Diagnosis, now: Date): Diagnosis {
  return diagnosis.eventTime === '' ? { ...diagnosis, eventTime: now.toISOString() } : diagnosis;
}
