import { CAUSES, type Cause, type Diagnosis } from '../../core/diagnosis';

/** Plain data (it crosses into scan workers): which diagnoses a scan reports. */
export interface ScanFilter {
  readonly sinceMs: number | null;
  readonly untilMs: number | null;
  readonly principal: string | null;
  readonly table: string | null;
  readonly causes: readonly Cause[] | null;
}

export interface ScanFilterOptions {
  readonly since?: string;
  readonly until?: string;
  readonly principal?: string;
  readonly table?: string;
  readonly cause?: string;
}

/** A bad option value; the message says which option and what is accepted. */
export class OptionError extends Error {}

export const DEFAULT_LIMIT = 100;

export function parseScanFilter(options: ScanFilterOptions, now: Date): ScanFilter {
  const sinceMs = options.since === undefined ? null : parseTime('--since', options.since, now);
  const untilMs = options.until === undefined ? null : parseTime('--until', options.until, now);
  if (sinceMs !== null && untilMs !== null && sinceMs > untilMs) {
    throw new OptionError(`--since (${options.since}) is later than --until (${options.until})`);
  }
  return {
    sinceMs,
    untilMs,
    principal: nonEmpty('--principal', options.principal),
    table: nonEmpty('--table', options.table),
    causes: options.cause === undefined ? null : parseCauses(options.cause),
  };
}

export function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new OptionError(`--limit must be a positive integer, got "${value}"`);
  }
  return Number(value);
}

export function matchesFilter(diagnosis: Diagnosis, filter: ScanFilter): boolean {
  if (filter.causes !== null && !filter.causes.includes(diagnosis.cause)) return false;
  if (filter.principal !== null && diagnosis.principal !== filter.principal && diagnosis.principalArn !== filter.principal) return false;
  if (filter.table !== null && diagnosis.tableName !== filter.table) return false;
  if (filter.sinceMs !== null || filter.untilMs !== null) {
    const time = Date.parse(diagnosis.eventTime);
    if (Number.isNaN(time)) return false;
    if (filter.sinceMs !== null && time < filter.sinceMs) return false;
    if (filter.untilMs !== null && time > filter.untilMs) return false;
  }
  return true;
}

const RELATIVE_UNITS_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE_TIME = /^(\d+)([mhdw])$/;
// Date, optionally a time and a zone; a time without a zone is read as UTC (CloudTrail's zone), not local time.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** ISO 8601 ("2026-11-20", "2026-11-20T09:15:00Z") or a duration before now ("30m", "24h", "7d", "2w"). */
export function parseTime(option: string, value: string, now: Date): number {
  const trimmed = value.trim();
  const relative = RELATIVE_TIME.exec(trimmed);
  if (relative !== null) return now.getTime() - Number(relative[1]) * RELATIVE_UNITS_MS[relative[2]];
  const iso = ISO_TIME.exec(trimmed);
  if (iso !== null && isCalendarDate(trimmed.slice(0, 10))) {
    const hasTime = trimmed.length > 10;
    const parsed = Date.parse(hasTime && iso[1] === undefined ? `${trimmed.replace(' ', 'T')}Z` : trimmed.replace(' ', 'T'));
    if (!Number.isNaN(parsed)) return parsed;
  }
  throw new OptionError(
    `${option} must be an ISO 8601 time (2026-11-20, 2026-11-20T09:15:00Z) or a duration before now (30m, 24h, 7d, 2w), got "${value}"`,
  );
}

/** Date.parse rolls 2026-02-30 over to March 2; a typo like that should be an error instead. */
function isCalendarDate(yyyyMmDd: string): boolean {
  const [year, month, day] = yyyyMmDd.split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function parseCauses(value: string): Cause[] {
  const causes = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const unknown = causes.filter((cause) => !(CAUSES as readonly string[]).includes(cause));
  if (causes.length === 0 || unknown.length > 0) {
    throw new OptionError(`--cause "${unknown.join(',') || value}" is not a cause; valid causes: ${CAUSES.join(', ')}`);
  }
  return causes as Cause[];
}

function nonEmpty(option: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  if (value.trim() === '') throw new OptionError(`${option} must not be empty`);
  return value.trim();
}
