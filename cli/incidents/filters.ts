import { CAUSES, type Cause } from '../../lambdas/diagnosis/types';

/** A filter value the user got wrong; the message names the option and says what it accepts. */
export class FilterError extends Error {}

const DURATION = /^(\d+)\s*(m|h|d|w)$/i;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
// A date, optionally with a time: what people paste ("2026-11-20", "2026-11-20T09:15:00Z", with an offset).
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** `--since` / `--until`: an ISO 8601 time, or a duration back from now (30m, 24h, 7d, 2w). Returns ISO 8601 UTC. */
export function parseTimeBound(option: string, value: string, now: Date): string {
  const trimmed = value.trim();
  const duration = DURATION.exec(trimmed);
  if (duration !== null) {
    return new Date(now.getTime() - Number(duration[1]) * UNIT_MS[duration[2].toLowerCase()]).toISOString();
  }
  if (ISO_TIME.test(trimmed)) {
    const time = new Date(/[T ]\d{2}:\d{2}.*[Z+-]/.test(trimmed) || trimmed.length === 10 ? trimmed : `${trimmed}Z`);
    if (!Number.isNaN(time.getTime())) return time.toISOString();
  }
  throw new FilterError(`${option} "${value}" is neither an ISO time (2026-11-20T09:15:00Z) nor a duration (30m, 24h, 7d, 2w)`);
}

export function parseCause(value: string): Cause {
  const cause = CAUSES.find((candidate) => candidate === value.trim().toLowerCase());
  if (cause === undefined) throw new FilterError(`--cause "${value}" is not a cause; one of: ${CAUSES.join(', ')}`);
  return cause;
}

export function parseLimit(value: string): number {
  const limit = Number(value);
  if (!/^\d+$/.test(value.trim()) || limit < 1 || limit > 10_000) {
    throw new FilterError(`--limit "${value}" is not a whole number from 1 to 10000`);
  }
  return limit;
}

export function parseAccount(value: string): string {
  if (!/^\d{12}$/.test(value.trim())) throw new FilterError(`--account "${value}" is not a 12-digit AWS account id`);
  return value.trim();
}

/** Rejects an empty or blank name filter (--principal "", --table " "), which would match nothing. */
export function parseName(option: string, value: string): string {
  if (value.trim() === '') throw new FilterError(`${option} is empty`);
  return value.trim();
}

export function checkPeriod(since: string | null, until: string | null): void {
  if (since !== null && until !== null && since > until) {
    throw new FilterError(`--since ${since} is after --until ${until}`);
  }
}
