import type { Diagnosis } from '../diagnosis/types';

/**
 * An incident is one (account, principal, action, resource, cause): every repeat of the same denial
 * of the same principal folds into it. These are the stored shapes, shared by the writer (the alert
 * pipeline) and the readers (`denyscope incidents`, locally and on AWS).
 */

export type AlertChannel = 'sns' | 'slack' | 'terminal';
export type ChannelStatus = 'pending' | 'sent' | 'failed' | 'skipped';

export interface ChannelDelivery {
  readonly status: ChannelStatus;
  /** ISO time of the last attempt. */
  readonly at: string;
  /** Why it failed or was skipped (no secret value configured, HTTP 500, ...). */
  readonly detail?: string;
}

/** The alert currently owned by one event: which event claimed it and how each channel fared. */
export interface AlertState {
  readonly eventId: string;
  /** ISO time the alert was claimed; the dedup window runs from here. */
  readonly claimedAt: string;
  /** Occurrences folded into this incident since the previous alert (1 for the first alert). */
  readonly occurrencesSincePreviousAlert: number;
  readonly channels: Partial<Record<AlertChannel, ChannelDelivery>>;
}

/** The fields an incident takes from its latest diagnosis, with the diagnosis's meaning. */
export type IncidentDescription = Pick<
  Diagnosis,
  'accountId' | 'region' | 'principal' | 'action' | 'resource' | 'tableName' | 'cause' | 'denial' | 'policyType' | 'policyArn'
>;

export interface Incident extends IncidentDescription {
  readonly id: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly count: number;
  /** Occurrence count at the moment the last alert was claimed. */
  readonly countAtLastAlert: number;
  readonly lastEventId: string;
  /** The latest diagnosis, remediation included. */
  readonly diagnosis: Diagnosis;
  readonly alert: AlertState | null;
  /** Notes from best-effort enrichment (table SSE description, key state) or why it was not possible. */
  readonly enrichment: Record<string, unknown> | null;
}

/** One CloudTrail event folded into an incident. Its key is the idempotency key for that eventID. */
export interface Occurrence {
  readonly incidentId: string;
  readonly eventId: string;
  readonly eventTime: string;
  readonly principalArn: string | null;
  readonly recordedAt: string;
}
