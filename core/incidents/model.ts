import type { Diagnosis } from '../diagnosis/types';
import type { QuietReason } from './alert-policy';

/**
 * An incident is one (account, principal, action, resource, cause): every repeat of the same denial
 * of the same principal folds into it. These are the stored shapes, shared by the writer (the alert
 * pipeline) and the readers (`denyscope incidents`, locally and on AWS).
 */

/**
 * A channel id: 'sns' and 'slack' (the stack's alert topic and Slack webhook or bot), 'terminal' (`denyscope local`),
 * 'pagerduty', 'chat-notifications', and the names of the channels routes declare (core/incidents/routes.ts). Code
 * takes them from `notifier.channel`.
 */
export type AlertChannel = string;
/** `sending`: a delivery attempt holds the channel's send lease; if that lease expired, the outcome is unknown. */
export type ChannelStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';

/**
 * Held by one delivery attempt (one processing of one event) until `until`: only the holder may work on what it
 * covers. Leases are how concurrent or crashed attempts are told apart without transactions.
 */
export interface Lease {
  /** A random id per delivery attempt. */
  readonly owner: string;
  /** ISO time after which the holder is known to be gone (its processing budget, plus a margin). */
  readonly until: string;
}

export interface ChannelDelivery {
  readonly status: ChannelStatus;
  /** ISO time of the last attempt. */
  readonly at: string;
  /** Why it failed or was skipped (no secret value configured, HTTP 500, ...). */
  readonly detail?: string;
  /** The attempt that set this status: while `sending`, the holder of the channel's send lease. */
  readonly lease?: Lease;
}

/** The alert currently owned by one event: which event claimed it and how each channel fared. */
export interface AlertState {
  readonly eventId: string;
  /**
   * 1 for the incident's first alert, then one more per alert claimed. With the incident id it names the alert
   * (see alertKey): a channel that gets the same alert twice gets the same key.
   */
  readonly sequence: number;
  /** ISO time the alert was claimed; the dedup window runs from here. */
  readonly claimedAt: string;
  /** Occurrences folded into this incident since the previous alert (1 for the first alert). */
  readonly occurrencesSincePreviousAlert: number;
  /** For an alert that reopened a resolved incident: when it had been resolved; else null. */
  readonly reopenedFrom: string | null;
  readonly channels: Partial<Record<AlertChannel, ChannelDelivery>>;
}

/**
 * Where people stand on an incident: `open` until someone acknowledges it (repeats then stay quiet for a while) or
 * resolves it (the next unmuted occurrence reopens it and alerts at once).
 */
export const INCIDENT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

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
  /**
   * Per channel id, the reference of the incident's first message there (Slack "CHANNEL_ID/ts", the PagerDuty dedup
   * key), so that later alerts thread under it; empty for incidents stored before threads.
   */
  readonly threads: Readonly<Record<AlertChannel, string>>;
  readonly state: IncidentState;
  /** Who acknowledged it (caller ARN, or the OS user locally) and when; null unless acknowledged. */
  readonly acknowledgedBy: string | null;
  readonly acknowledgedAt: string | null;
  /** When and by whom it was resolved (by hand, or by denyscope after autoResolveDays without occurrence); null unless resolved. */
  readonly resolvedAt: string | null;
  readonly resolvedBy: string | null;
  /** The note given with the last state change (`--note`), else null. */
  readonly stateNote: string | null;
  /** The id of the mute that matched the latest occurrence, else null. */
  readonly mutedBy: string | null;
  /**
   * Why the latest occurrence settled into the incident did not alert ('console-read': a console read the digest
   * reports), or null when it alerted. Null too for incidents written before it was kept.
   */
  readonly lastQuietReason: QuietReason | null;
  /**
   * Processing time of the latest occurrence settled into the incident (alerted or not); autoResolveDays runs from
   * here. Null for incidents written before it was kept.
   */
  readonly lastProcessedAt: string | null;
}

/**
 * What deep diagnosis added to the diagnosis of the alert of `eventId` (evaluation, confidence, the remediation built
 * from the evaluation). Stored beside the diagnosis, because each repeat rewrites the diagnosis; readers lay it over
 * the diagnosis, so repeats reuse it until the next alert diagnoses again.
 */
export type DeepDiagnosis = Pick<Diagnosis, 'evaluation' | 'confidence' | 'remediation'> & { readonly eventId: string };

/** One CloudTrail event folded into an incident. Its key is the idempotency key for that eventID. */
export interface Occurrence {
  readonly incidentId: string;
  readonly eventId: string;
  readonly eventTime: string;
  readonly principalArn: string | null;
  readonly recordedAt: string;
}
