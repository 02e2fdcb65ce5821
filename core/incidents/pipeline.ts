import type { Diagnosis } from '../diagnosis/types';
import { alertCutoff, isAlertDue } from './alert-policy';
import { incidentIdFor } from './identity';
import type { AlertChannel, ChannelDelivery, Incident } from './model';
import type { Clock, DeliveryBudget, Enricher, IncidentStore, Notifier, PipelineLog } from './ports';

export interface IncidentPipelineDeps {
  readonly store: IncidentStore;
  /** Every configured channel, in delivery order (SNS before Slack in the Lambda; terminal first locally). */
  readonly notifiers: readonly Notifier[];
  readonly enricher?: Enricher;
  readonly clock: Clock;
  readonly dedupWindowMinutes: number;
}

/**
 * What one diagnosed denial did.
 * - duplicate: its eventID was already recorded; nothing else happened.
 * - suppressed: counted into its incident without an alert (inside the window, or another event holds the alert).
 * - alerted: this event owns the incident's alert; `complete` is false while a channel still has to be retried.
 * `counted` is false when the event was a retry resuming an unfinished alert (its occurrence was counted before).
 */
export type PipelineOutcome =
  | { readonly kind: 'duplicate'; readonly incidentId: string }
  | { readonly kind: 'suppressed'; readonly incident: Incident; readonly newIncident: boolean; readonly counted: boolean }
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
}

export interface IncidentPipeline {
  process(diagnosis: Diagnosis, options: ProcessOptions): Promise<PipelineOutcome>;
}

interface Counting {
  readonly newIncident: boolean;
  readonly counted: boolean;
}

/**
 * record → (enrich) → notify for one diagnosed denial, shared by the Lambda and `denyscope local`.
 * Idempotent per eventID without transactions: the occurrence item is the lock, and its `alertPending`
 * flag lets a retried event resume an alert whose delivery did not finish, never re-sending a channel
 * already marked `sent`.
 */
export function createIncidentPipeline(deps: IncidentPipelineDeps): IncidentPipeline {
  const { store, notifiers, enricher, clock, dedupWindowMinutes } = deps;
  const channels = notifiers.map((notifier) => notifier.channel);

  async function process(diagnosis: Diagnosis, options: ProcessOptions): Promise<PipelineOutcome> {
    const incidentId = incidentIdFor(diagnosis);
    const now = clock.now();
    const claim = await store.claimOccurrence(incidentId, diagnosis, now);
    if (claim === 'duplicate') return { kind: 'duplicate', incidentId };
    if (claim === 'alert-pending') return resumeAlert(incidentId, diagnosis, now, options);

    let incident: Incident;
    try {
      incident = await store.recordOccurrence(incidentId, seenAt(diagnosis, now));
    } catch (error) {
      await store.releaseOccurrence(incidentId, diagnosis).catch((releaseError: unknown) =>
        options.log.error('Could not release the occurrence after a failed incident update; its retry will count as a duplicate', {
          error: describeError(releaseError),
        }),
      );
      throw error;
    }
    const counting = { newIncident: incident.count === 1, counted: true };
    if (!isAlertDue(incident.alert, now, dedupWindowMinutes)) return { kind: 'suppressed', incident, ...counting };
    await store.setAlertPending(incidentId, diagnosis, true);
    return claimAndDeliver(incident, diagnosis, now, options, counting);
  }

  /** A retry of an event whose alert was claimed (or about to be) but not fully delivered. */
  async function resumeAlert(incidentId: string, diagnosis: Diagnosis, now: Date, options: ProcessOptions): Promise<PipelineOutcome> {
    const counting = { newIncident: false, counted: false };
    const incident = await store.getIncident(incidentId);
    if (incident === null) {
      // The incident item is gone (deleted by hand): there is nothing left to alert about.
      options.log.warn('Occurrence awaits an alert but its incident no longer exists; dropping the alert');
      await store.setAlertPending(incidentId, diagnosis, false);
      return { kind: 'duplicate', incidentId };
    }
    if (incident.alert?.eventId === diagnosis.eventId) return deliver(incident, diagnosis, options, counting);
    if (isAlertDue(incident.alert, now, dedupWindowMinutes)) return claimAndDeliver(incident, diagnosis, now, options, counting);
    await store.setAlertPending(incidentId, diagnosis, false);
    return { kind: 'suppressed', incident, ...counting };
  }

  async function claimAndDeliver(
    incident: Incident,
    diagnosis: Diagnosis,
    now: Date,
    options: ProcessOptions,
    counting: Counting,
  ): Promise<PipelineOutcome> {
    const claimed = await store.claimAlert(incident, diagnosis.eventId, channels, now, alertCutoff(now, dedupWindowMinutes));
    if (claimed === null) {
      await store.setAlertPending(incident.id, diagnosis, false);
      return { kind: 'suppressed', incident, ...counting };
    }
    return deliver(claimed, diagnosis, options, counting);
  }

  async function deliver(incident: Incident, diagnosis: Diagnosis, options: ProcessOptions, counting: Counting): Promise<PipelineOutcome> {
    let current = await withEnrichment(incident, diagnosis);
    const failedChannels: AlertChannel[] = [];
    for (const notifier of notifiers) {
      const previous = current.alert?.channels[notifier.channel];
      if (previous?.status === 'sent' || previous?.status === 'skipped') continue;
      const delivery = await attempt(notifier, current, options);
      const stillOwned = await store.setChannelDelivery(current.id, diagnosis.eventId, notifier.channel, delivery);
      if (!stillOwned) {
        // A later event claimed a new alert while this one was being delivered: that alert carries on.
        options.log.warn('Alert superseded by a newer alert during delivery', { channel: notifier.channel });
        await store.setAlertPending(current.id, diagnosis, false);
        return { kind: 'suppressed', incident: current, ...counting };
      }
      current = withChannelDelivery(current, notifier.channel, delivery);
      if (delivery.status === 'failed') {
        failedChannels.push(notifier.channel);
        options.log.warn('Alert delivery failed', { channel: notifier.channel, detail: delivery.detail });
      }
    }
    const complete = failedChannels.length === 0;
    if (complete) await store.setAlertPending(current.id, diagnosis, false);
    return { kind: 'alerted', incident: current, ...counting, complete, failedChannels };
  }

  async function withEnrichment(incident: Incident, diagnosis: Diagnosis): Promise<Incident> {
    if (enricher === undefined || !enricher.appliesTo(diagnosis)) return incident;
    // A resumed delivery keeps the enrichment gathered on its first attempt.
    if (incident.enrichment?.eventId === diagnosis.eventId) return incident;
    const enrichment = { eventId: diagnosis.eventId, ...(await enricher.enrich(diagnosis)) };
    await store.setEnrichment(incident.id, enrichment);
    return { ...incident, enrichment };
  }

  async function attempt(notifier: Notifier, incident: Incident, options: ProcessOptions): Promise<ChannelDelivery> {
    let status: ChannelDelivery['status'];
    let detail: string | undefined;
    try {
      ({ status, detail } = await notifier.notify(incident, options.budget));
    } catch (error) {
      status = 'failed';
      detail = describeError(error);
    }
    return { status, at: clock.now().toISOString(), ...(detail === undefined ? {} : { detail }) };
  }

  return { process };
}

function withChannelDelivery(incident: Incident, channel: AlertChannel, delivery: ChannelDelivery): Incident {
  if (incident.alert === null) return incident;
  return { ...incident, alert: { ...incident.alert, channels: { ...incident.alert.channels, [channel]: delivery } } };
}

/** Name and message only: SDK errors carry request metadata, fetch errors their cause; neither belongs in a log. */
export function describeError(error: unknown): string {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (typeof name === 'string' && typeof message === 'string') return `${name}: ${message}`.slice(0, 500);
  return String(error).slice(0, 500);
}

/**
 * When the occurrence counts as seen. A denial whose event carries no time (a pasted error message) is seen when it
 * is processed; its occurrence key keeps the event's own (empty) time, so processing it again is still a duplicate.
 */
function seenAt(diagnosis: Diagnosis, now: Date): Diagnosis {
  return diagnosis.eventTime === '' ? { ...diagnosis, eventTime: now.toISOString() } : diagnosis;
}
