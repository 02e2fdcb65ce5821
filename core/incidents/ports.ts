import type { Diagnosis } from '../diagnosis/types';
import type { AlertChannel, ChannelDelivery, Incident } from './model';

/** Processing time. Injected so tests can move through the dedup window. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** What recording a new occurrence did: claimed it, found it already recorded, or found an unfinished alert of it. */
export type OccurrenceClaim = 'new' | 'duplicate' | 'alert-pending';

/**
 * The incident store, in the steps the pipeline needs. Each method is one DynamoDB call, so the cost of
 * every path is visible here: duplicate = claimOccurrence; repeat = claimOccurrence + recordOccurrence.
 */
export interface IncidentStore {
  /** Conditional write of the occurrence (the idempotency key per CloudTrail eventID). */
  claimOccurrence(incidentId: string, diagnosis: Diagnosis, now: Date): Promise<OccurrenceClaim>;
  /** Undo claimOccurrence when the incident update failed, so the retry is not taken for a duplicate. */
  releaseOccurrence(incidentId: string, diagnosis: Diagnosis): Promise<void>;
  /** Fold the occurrence into its incident (creating it) and return the incident after the update. */
  recordOccurrence(incidentId: string, diagnosis: Diagnosis): Promise<Incident>;
  setAlertPending(incidentId: string, diagnosis: Diagnosis, pending: boolean): Promise<void>;
  /**
   * Claim the incident's alert for this event unless another event holds an alert younger than `cutoff`.
   * Returns the incident with the claimed alert, or null when the claim was lost.
   */
  claimAlert(incident: Incident, eventId: string, channels: readonly AlertChannel[], now: Date, cutoff: string): Promise<Incident | null>;
  /** Record one channel's delivery on the alert owned by `eventId`; false when that alert was superseded. */
  setChannelDelivery(incidentId: string, eventId: string, channel: AlertChannel, delivery: ChannelDelivery): Promise<boolean>;
  setEnrichment(incidentId: string, enrichment: Record<string, unknown>): Promise<void>;
  getIncident(incidentId: string): Promise<Incident | null>;
}

/** The time left for delivery: notifiers retry only inside it. */
export interface DeliveryBudget {
  remainingMs(): number;
}

export type DeliveryResult =
  | { readonly status: 'sent'; readonly detail?: string }
  | { readonly status: 'failed'; readonly detail: string }
  | { readonly status: 'skipped'; readonly detail: string };

/** One alert channel. `incident.alert` is the alert being delivered. */
export interface Notifier {
  readonly channel: AlertChannel;
  notify(incident: Incident, budget: DeliveryBudget): Promise<DeliveryResult>;
}

/** The Slack incoming-webhook URL, or null when none is configured. */
export interface WebhookUrlProvider {
  webhookUrl(): Promise<string | null>;
}

/** Best-effort context for an alert (table encryption, key state). Never throws: failures are part of the result. */
export interface Enricher {
  appliesTo(diagnosis: Diagnosis): boolean;
  enrich(diagnosis: Diagnosis): Promise<Record<string, unknown>>;
}

/** Where the pipeline writes its log lines; the handler keys them by eventId and incidentId. */
export interface PipelineLog {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}
