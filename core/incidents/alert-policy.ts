import type { Diagnosis } from '../diagnosis/types';
import type { AlertState, Incident } from './model';
import type { Mute } from './mutes';

/** The alert policy's defaults: the deployed stack's configuration and `denyscope local` both start from these. */
export const DEFAULT_ALERT_SETTINGS = {
  dedupWindowMinutes: 60,
  retentionDays: 90,
  acknowledgeHours: 24,
  autoResolveDays: 14,
  alertOnConsoleReads: false,
} as const;

/** What decides whether an occurrence alerts; every period is measured in processing time. */
export interface AlertPolicy {
  /** Repeats within this many minutes of the last alert only count; 0: every new occurrence alerts. */
  readonly dedupWindowMinutes: number;
  /** An acknowledged incident stays quiet for this many hours after it was acknowledged. */
  readonly acknowledgeHours: number;
  /** An incident with no occurrence for this many days counts as resolved. */
  readonly autoResolveDays: number;
  /** Read-only denials from console sessions alert too (by default they are recorded, not alerted). */
  readonly alertOnConsoleReads: boolean;
}

/**
 * The alert policy: the first occurrence alerts at once; later occurrences inside the dedup window
 * (measured from the moment the last alert was claimed, in processing time) only count.
 */
export function alertCutoff(now: Date, dedupWindowMinutes: number): string {
  return new Date(now.getTime() - dedupWindowMinutes * 60_000).toISOString();
}

export function isAlertDue(alert: AlertState | null, now: Date, dedupWindowMinutes: number): boolean {
  return alert === null || dedupWindowMinutes === 0 || alert.claimedAt < alertCutoff(now, dedupWindowMinutes);
}

/** True when an earlier alert was sent for this incident, so this one reports the repeats since. */
export function isRepeatAlert(incident: Pick<Incident, 'countAtLastAlert' | 'alert'>): boolean {
  return incident.alert !== null && incident.countAtLastAlert > incident.alert.occurrencesSincePreviousAlert;
}

/** Why a counted occurrence did not alert. */
export const QUIET_REASONS = ['window', 'acknowledged', 'muted', 'console-read'] as const;
export type QuietReason = (typeof QUIET_REASONS)[number];

/**
 * What one counted occurrence does: alert (`reopenedFrom`: the resolved incident it reopens, with the time it was
 * resolved), or stay quiet for a reason (`mutedBy`: the mute that matched).
 */
export type AlertDecision =
  | { readonly kind: 'alert'; readonly reopenedFrom: string | null }
  | { readonly kind: 'quiet'; readonly reason: QuietReason; readonly mutedBy: string | null };

/**
 * The rules, in order: a mute silences (and never reopens); a console read stays quiet unless console reads alert;
 * a resolved incident (by hand, or idle for autoResolveDays) reopens and alerts at once; an acknowledged one stays
 * quiet for acknowledgeHours after it was acknowledged; then the dedup window.
 */
export function decideAlert(
  incident: Incident,
  diagnosis: Pick<Diagnosis, 'readOnly' | 'consoleSession'>,
  mute: Mute | null,
  now: Date,
  policy: AlertPolicy,
): AlertDecision {
  if (mute !== null) return { kind: 'quiet', reason: 'muted', mutedBy: mute.id };
  if (isConsoleRead(diagnosis) && !policy.alertOnConsoleReads) return { kind: 'quiet', reason: 'console-read', mutedBy: null };
  const resolvedAt = effectiveResolvedAt(incident, now, policy.autoResolveDays);
  if (resolvedAt !== null) return { kind: 'alert', reopenedFrom: resolvedAt };
  if (isAcknowledgedQuiet(incident, now, policy.acknowledgeHours)) return { kind: 'quiet', reason: 'acknowledged', mutedBy: null };
  if (isAlertDue(incident.alert, now, policy.dedupWindowMinutes)) return { kind: 'alert', reopenedFrom: null };
  return { kind: 'quiet', reason: 'window', mutedBy: null };
}

/** A read-only call made from a console session: browsing the console, the classic noise of denial alarms. */
export function isConsoleRead(diagnosis: Pick<Diagnosis, 'readOnly' | 'consoleSession'>): boolean {
  return diagnosis.readOnly === true && diagnosis.consoleSession;
}

/**
 * When the incident was resolved, as the pipeline sees it: its resolvedAt when resolved by hand; for an incident with
 * no occurrence for autoResolveDays, the moment that period ended; else null (not resolved).
 */
export function effectiveResolvedAt(
  incident: Pick<Incident, 'state' | 'resolvedAt' | 'lastProcessedAt' | 'lastSeen'>,
  now: Date,
  autoResolveDays: number,
): string | null {
  if (incident.state === 'resolved') return incident.resolvedAt ?? incident.lastSeen;
  return idleSince(incident, now, autoResolveDays);
}

/** For an unresolved incident with no occurrence for autoResolveDays: when it became resolved; else null. */
export function idleSince(
  incident: Pick<Incident, 'state' | 'lastProcessedAt' | 'lastSeen'>,
  now: Date,
  autoResolveDays: number,
): string | null {
  if (incident.state === 'resolved') return null;
  // Incidents written before processing time was kept fall back to their latest event time.
  const lastActivity = Date.parse(incident.lastProcessedAt ?? incident.lastSeen);
  if (Number.isNaN(lastActivity)) return null;
  const resolvesAt = lastActivity + autoResolveDays * 86_400_000;
  return resolvesAt <= now.getTime() ? new Date(resolvesAt).toISOString() : null;
}

function isAcknowledgedQuiet(incident: Pick<Incident, 'state' | 'acknowledgedAt'>, now: Date, acknowledgeHours: number): boolean {
  if (incident.state !== 'acknowledged' || incident.acknowledgedAt === null) return false;
  return Date.parse(incident.acknowledgedAt) + acknowledgeHours * 3_600_000 > now.getTime();
}
