/**
 * CloudTrail timestamps seen in real records: "2026-11-20T09:15:00Z", "2017-10-10T23:01:45+0000",
 * "2026-06-02T14:58:56-03:00", and the space-separated "2024-06-02 20:16:32.000000000" (UTC, as some
 * log pipelines re-serialise it; also without fraction).
 */
const EVENT_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
// CloudTrail's own form, by far the most common: normalised without building Date objects (scan speed).
const CLOUDTRAIL_TIME = /^\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$/;

/** ISO 8601 UTC with milliseconds (2026-11-20T09:15:00.000Z), or null when the value is not a time in one of those forms. */
export function normalizeEventTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  if (value.length === 20 && CLOUDTRAIL_TIME.test(value) && isCalendarDay(value.slice(0, 10))) return `${value.slice(0, 19)}.000Z`;
  const match = EVENT_TIME.exec(value.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  if (!isCalendarDay(`${year}-${month}-${day}`) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return null;
  const milliseconds = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
  let epoch = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), milliseconds);
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    epoch -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return new Date(epoch).toISOString();
}

// Records of one log file share a handful of days: remember which YYYY-MM-DD strings are real dates.
const CALENDAR_DAYS = new Map<string, boolean>();

/** Whether YYYY-MM-DD is a real date (Date.UTC would roll 2026-02-31 over to March 3rd). */
function isCalendarDay(date: string): boolean {
  let valid = CALENDAR_DAYS.get(date);
  if (valid === undefined) {
    const [year, month, day] = date.split('-').map(Number);
    const parsed = new Date(Date.UTC(year, month - 1, day));
    valid = parsed.getUTCFullYear() === year && parsed.getUTCMonth() === month - 1 && parsed.getUTCDate() === day;
    if (CALENDAR_DAYS.size >= 4096) CALENDAR_DAYS.clear();
    CALENDAR_DAYS.set(date, valid);
  }
  return valid;
}
