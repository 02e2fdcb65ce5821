import type { AlertState, Incident } from './model';

/** The alert policy's defaults: the deployed stack's configuration and `denyscope local` both start from these. */
export const DEFAULT_ALERT_SETTINGS = { dedupWindowMinutes: 60, retentionDays: 90 } as const;

/**
 * The alert policy: the first occurrence alerts at once; later occurrences inside the dedup window
 * (measured from the moment the last alert was claimed, in processing time) only count.
 */
export function alertCutoff(now: Date, dedupWindowMinutes: number): string {
  return new Date(now.getTime() - dedupWindowMinutes * 60_000).toISOString();
}

export function isAlertDue(alert: AlertState | null, now: Date, dedupWindowMinutes: number): boolean {
  return alert === null || alert.claimedAt < alertCutoff(now, dedupWindowMinutes);
}

/** True when an earlier alert was sent for this incident, so this one reports the repeats since. */
export function isRepeatAlert(incident: Pick<Incident, 'countAtLastAlert' | 'alert'>): boolean {
  return incident.alert !== null && incident.countAtLastAlert > incident.alert.occurrencesSincePreviousAlert;
}
