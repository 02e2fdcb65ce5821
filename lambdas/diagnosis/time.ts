/**
 * CloudTrail timestamps seen in real records: "2026-11-20T09:15:00Z", "2017-10-10T23:01:45+0000",
 * "2026-06-02T14:58:56-03:00", and the space-separated "2024-06-02 20:16:32.000000000" (UTC, as some
 * log pipelines re-serialise it; also without fraction).
 */
const EVENT_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** ISO 8601 UTC with milliseconds (2026-11-20T09:15:00.000Z), or null when the value is not a time in one of those forms. */
export function normalizeEventTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = EVENT_TIME.exec(value.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const milliseconds = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
  const calendarDay = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  // Date.UTC rolls impossible dates over (2026-02-31 becomes March 3rd): such a value is not a timestamp.
  if (calendarDay.getUTCMonth() !== Number(month) - 1 || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 60) return null;
  let epoch = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), milliseconds);
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    epoch -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return new Date(epoch).toISOString();
}
