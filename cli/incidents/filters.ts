import { CAUSES, type Cause } from '../../core/diagnosis/types';
import { INCIDENT_STATES, type IncidentState } from '../../core/incidents/model';
import { OptionError, parseTime } from '../scan/filters';

/** `--since` / `--until`, in the forms `scan` accepts (ISO 8601 or 30m/24h/7d/2w before now), as ISO 8601 UTC. */
export function parseTimeBound(option: string, value: string, now: Date): string {
  return new Date(parseTime(option, value, now)).toISOString();
}

/** One cause: it names one partition of the byCause index. */
export function parseCause(value: string): Cause {
  const cause = CAUSES.find((candidate) => candidate === value.trim());
  if (cause === undefined) throw new OptionError(`--cause "${value}" is not a cause; valid causes: ${CAUSES.join(', ')}`);
  return cause;
}

export function parseAccount(value: string): string {
  if (!/^\d{12}$/.test(value.trim())) throw new OptionError(`--account must be a 12-digit AWS account id, got "${value}"`);
  return value.trim();
}

/** A blank name filter (--principal "", --table " ") would match nothing: say so instead. */
export function parseName(option: string, value: string): string {
  if (value.trim() === '') throw new OptionError(`${option} must not be empty`);
  return value.trim();
}

export function checkPeriod(since: string | null, until: string | null): void {
  if (since !== null && until !== null && since > until) throw new OptionError(`--since (${since}) is later than --until (${until})`);
}

export function parseState(value: string): IncidentState {
  const state = INCIDENT_STATES.find((candidate) => candidate === value.trim());
  if (state === undefined) throw new OptionError(`--state "${value}" is not a state; valid states: ${INCIDENT_STATES.join(', ')}`);
  return state;
}
