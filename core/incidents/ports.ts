import type { CloudTrailRecord } from '../diagnosis/record';
import type { Cause, Diagnosis } from '../diagnosis/types';
import type { QuietReason } from './alert-policy';
import type { Digest } from './digest';
import type { StateChange } from './lifecycle';
import type { AlertChannel, ChannelDelivery, DeepDiagnosis, Incident, IncidentState, Lease, Occurrence } from './model';
import type { Mute } from './mutes';

/** Processing time. Injected so tests can move through the dedup window. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Where an occurrence (one event's processing) stands: `counting` until its incident's count is known to include
 * it, `alerting` while it owns (or is claiming) an alert, `done` when nothing is left to do.
 */
export type OccurrenceState = 'counting' | 'alerting' | 'done';

/**
 * What claiming an occurrence found: nothing (a new event, now leased to this attempt), a finished occurrence
 * (a duplicate), or an unfinished one with the lease it had before this claim (null: none, and this claim took it).
 */
export type OccurrenceClaim =
  | { readonly kind: 'new' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'unfinished'; readonly state: Exclude<OccurrenceState, 'done'>; readonly lease: Lease | null };

/**
 * The incident store, in the steps the pipeline needs; no transactions (the local store has none). Every write is
 * conditional or idempotent, so a retry of any step, or of the whole event after a crash, changes nothing twice:
 * - an occurrence item per denied call (occurrenceKeyFor) is a small state machine (OccurrenceState) leased to one
 *   attempt at a time;
 * - the count is idempotent per event: the incident keeps the ids of events counted whose occurrence is still
 *   `counting`, until that occurrence says it is counted;
 * - each channel is leased before it is sent, and its status is written only by the lease holder.
 * Each method is one DynamoDB call unless it says otherwise; README "How an alert is made" has the cost per path.
 */
export interface IncidentStore {
  /**
   * Conditional write of the occurrence, keyed by occurrenceKeyFor (the sharedEventID, else the eventID); leases a new
   * occurrence to `lease`. An unfinished one is `unfinished` only for the record that claimed it; for another copy of
   * the same call, and once done, `duplicate`.
   */
  claimOccurrence(incidentId: string, diagnosis: Diagnosis, now: Date, lease: Lease): Promise<OccurrenceClaim>;
  /** Take the occurrence's lease from `previousOwner` (whose lease ended, or null when it had none); false if another attempt took it first. */
  takeOverOccurrence(incidentId: string, diagnosis: Diagnosis, previousOwner: string | null, lease: Lease): Promise<boolean>;
  /**
   * Fold the occurrence into its incident (creating it) exactly once per eventID, and return the incident. One write;
   * an event older than lastSeen takes a second (and a third to move firstSeen back); an event already counted by an
   * earlier attempt is read back (consistent read).
   */
  recordOccurrence(incidentId: string, diagnosis: Diagnosis): Promise<Incident>;
  /** The occurrence is counted and its attempt goes on to alert; false when `owner` no longer holds its lease. */
  markAlerting(incidentId: string, diagnosis: Diagnosis, owner: string): Promise<boolean>;
  /** The occurrence is done and its lease released (a no-op if another attempt took the lease). */
  finishOccurrence(incidentId: string, diagnosis: Diagnosis, owner: string): Promise<void>;
  /** Release the occurrence's lease, keeping its state, so a retry need not wait for the lease to end. */
  releaseOccurrence(incidentId: string, diagnosis: Diagnosis, owner: string): Promise<void>;
  /**
   * Forget that the event is being counted (only once its occurrence is past `counting`), and settle it on the
   * incident: its processing time, the mute that matched it and why it did not alert. Idempotent.
   */
  forgetCounting(incidentId: string, eventId: string, settled: SettledOccurrence): Promise<void>;
  /**
   * Claim a new alert for this event if the incident's alert and state are still what `incident` shows (the caller
   * decided it was due), leasing the first channel to `lease`, and forget that the event is being counted; the event
   * is settled unmuted and alerted at `now`. With `reopenedFrom` (the time a resolved incident was resolved) the incident opens
   * again. Returns the incident with the alert this event owns (claimed now or by an earlier attempt, never
   * rewritten), or null when another event claimed it or the state changed. A lost claim costs a consistent read.
   */
  claimAlert(
    incident: Incident,
    eventId: string,
    channels: readonly AlertChannel[],
    now: Date,
    lease: Lease,
    reopenedFrom: string | null,
  ): Promise<Incident | null>;
  /**
   * Lease one channel of the alert owned by `eventId` for sending: only if it is not sent or skipped, and not leased to
   * another attempt (unless to `expiredOwner`, whose lease ended). False otherwise.
   */
  leaseChannel(
    incidentId: string,
    eventId: string,
    channel: AlertChannel,
    sending: ChannelDelivery,
    expiredOwner: string | null,
  ): Promise<boolean>;
  /** Record a channel's delivery, by the holder of its lease (`delivery.lease`); false when the lease or the alert was lost. */
  setChannelDelivery(incidentId: string, eventId: string, channel: AlertChannel, delivery: ChannelDelivery): Promise<boolean>;
  /**
   * The notes gathered for the alert of `enrichment.eventId`, and its deep diagnosis when one was made (kept across
   * repeats, which overwrite the incident's diagnosis: readers see it in `diagnosis`).
   */
  setEnrichment(incidentId: string, enrichment: Record<string, unknown>, deep: DeepDiagnosis | null): Promise<void>;
  /**
   * Keep `reference` as the incident's thread on `channel` unless it has one there already (the first reference
   * wins: a concurrent or repeated delivery cannot move a thread). False when one was already recorded.
   */
  recordThread(incidentId: string, channel: AlertChannel, reference: string): Promise<boolean>;
  /** Consistent read. */
  getIncident(incidentId: string): Promise<Incident | null>;
}

/**
 * An occurrence settled without an alert: when it was processed, the id of the mute that matched it (else null), and
 * why it did not alert.
 */
export interface SettledOccurrence {
  readonly processedAt: string;
  readonly mutedBy: string | null;
  readonly quietReason: QuietReason;
}

/**
 * State changes outside the alert path: people (`incidents ack|resolve|reopen`) and the digest run (auto-resolve).
 * Each is one conditional write on the state read, so two writers acting at once cannot lose an update.
 */
export interface IncidentStateStore {
  /** Writes the change if the incident is still in `change.from`; null when it is not (or no longer exists). */
  changeState(incidentId: string, change: StateChange): Promise<Incident | null>;
  /**
   * Resolves an incident with no occurrence for autoResolveDays (see idleSince), if it is still as read: null when it
   * is not idle, or changed since it was read.
   */
  resolveIdle(incident: Incident, now: Date, autoResolveDays: number): Promise<Incident | null>;
  /** Consistent read. */
  getIncident(incidentId: string): Promise<Incident | null>;
}

/** The mutes in force, as the pipeline reads them. */
export interface MuteSource {
  /** Every mute not expired at `now`, oldest first. */
  activeMutes(now: Date): Promise<readonly Mute[]>;
}

/** Mutes as people manage them (`denyscope mute`, `mutes list|remove`). */
export interface MuteStore extends MuteSource {
  /** Stores a new mute (its id is new). */
  addMute(mute: Mute): Promise<void>;
  /** False when no active mute has this id. */
  removeMute(id: string, now: Date): Promise<boolean>;
}

/** What `incidents list` and `stats` select: ISO 8601 UTC bounds on lastSeen (null: unbounded) and exact matches. */
export interface IncidentFilters {
  readonly since: string | null;
  readonly until: string | null;
  readonly cause: Cause | null;
  readonly principal: string | null;
  readonly tableName: string | null;
  readonly accountId: string | null;
  readonly state: IncidentState | null;
}

export const NO_FILTERS: IncidentFilters = {
  since: null,
  until: null,
  cause: null,
  principal: null,
  tableName: null,
  accountId: null,
  state: null,
};

export interface IncidentDetail {
  readonly incident: Incident;
  /** Newest first. */
  readonly occurrences: Occurrence[];
}

/** The read side of the incident store, for the CLI: listings newest first (by lastSeen), one incident, a count. */
export interface IncidentReader {
  /** At most `limit` incidents matching the filters; `now` closes a period with no upper bound. */
  listIncidents(filters: IncidentFilters, limit: number, now: Date): Promise<Incident[]>;
  /** Every incident matching the filters (for stats). */
  allIncidents(filters: IncidentFilters, now: Date): Promise<Incident[]>;
  /** One incident and its most recent occurrences, or null when there is none. */
  showIncident(incidentId: string, recentOccurrences: number): Promise<IncidentDetail | null>;
  countIncidents(): Promise<number>;
}

/** The time left for delivery: notifiers retry only inside it. */
export interface DeliveryBudget {
  remainingMs(): number;
}

/**
 * `reference` (sent only): what later alerts of the incident on this channel thread under, such as the Slack message
 * "CHANNEL_ID/ts" or the PagerDuty dedup key; the pipeline keeps the first one (Incident.threads).
 */
export type DeliveryResult =
  | { readonly status: 'sent'; readonly detail?: string; readonly reference?: string }
  | { readonly status: 'failed'; readonly detail: string }
  | { readonly status: 'skipped'; readonly detail: string };

/** One alert channel. `incident.alert` is the alert being delivered. */
export interface Notifier {
  readonly channel: AlertChannel;
  notify(incident: Incident, budget: DeliveryBudget): Promise<DeliveryResult>;
}

/** One channel of the daily digest (core/incidents/digest-run.ts): one message per route, never threaded. */
export interface DigestSender {
  readonly channel: AlertChannel;
  /** `route`: the route whose digest this is; null for the stack's own channels without routes, or every incident. */
  sendDigest(digest: Digest, route: string | null, budget: DeliveryBudget): Promise<DeliveryResult>;
}

/**
 * Shows a person's state change (ack, resolve, reopen) where the incident was alerted: the Slack root message, the
 * PagerDuty incident. Called by the CLI after the change is written.
 */
export interface StateReflector {
  readonly channel: string;
  reflect(incident: Incident, budget: DeliveryBudget): Promise<DeliveryResult>;
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

/**
 * Deep diagnosis: the denial evaluated against evidence read from AWS when an alert is due (AWS's authorization record,
 * else the policies it needs). Bounded by the adapter's own time budget and never throws: what could not be read is
 * named in the evaluation's missingPolicies.
 */
export interface DiagnosisDeepener {
  deepen(diagnosis: Diagnosis, record: CloudTrailRecord): Promise<Pick<Diagnosis, 'evaluation' | 'confidence' | 'remediation'>>;
}

/** Where the pipeline writes its log lines; the handler keys them by eventId and incidentId. */
export interface PipelineLog {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}
