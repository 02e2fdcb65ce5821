import { createHash } from 'node:crypto';
import { CAUSES, type Diagnosis } from '../diagnosis/types';
import { ANY_RUN, WildcardPattern, type PatternPiece } from '../policy/wildcard';

/**
 * A mute: denials matching every criterion it gives are recorded and counted but never alerted. Criteria are whole
 * values in which `*` matches any run of characters (case-sensitive); an absent criterion (null) matches anything.
 */
export interface MuteCriteria {
  /** The role or user ARN policies attach to, or the caller ARN as the event shows it (an assumed-role session). */
  readonly principal: string | null;
  readonly action: string | null;
  readonly resource: string | null;
  readonly cause: string | null;
  readonly account: string | null;
}

export const MUTE_CRITERIA = ['principal', 'action', 'resource', 'cause', 'account'] as const satisfies readonly (keyof MuteCriteria)[];

export interface Mute extends MuteCriteria {
  readonly id: string;
  /** ISO time the mute ends; null: never (listed in every digest). */
  readonly until: string | null;
  readonly reason: string;
  readonly createdBy: string;
  /** ISO time; when several mutes match, the oldest is named. Standing mutes from the stack configuration are oldest of all (''). */
  readonly createdAt: string;
}

/** The longest criterion or reason a mute keeps: values are ARNs and one-line reasons. */
export const MUTE_TEXT_LIMIT = 2048;

/**
 * What is wrong with a mute's criteria and reason, or null when it is valid. One place for the CLI (`denyscope mute`)
 * and the stack configuration (cdk.json `mutes`).
 */
export function muteProblem(criteria: MuteCriteria, reason: string): string | null {
  if (MUTE_CRITERIA.every((key) => criteria[key] === null)) {
    return 'a mute needs at least one criterion (--principal, --action, --resource, --cause or --account)';
  }
  for (const key of MUTE_CRITERIA) {
    const value = criteria[key];
    if (value === null) continue;
    if (value.trim() === '') return `${key} must not be empty`;
    if (value.length > MUTE_TEXT_LIMIT) return `${key} is longer than ${MUTE_TEXT_LIMIT} characters`;
  }
  const cause = criteria.cause;
  if (cause !== null && !cause.includes('*') && !(CAUSES as readonly string[]).includes(cause)) {
    return `cause "${cause}" is not a cause; valid causes: ${CAUSES.join(', ')}`;
  }
  const account = criteria.account;
  if (account !== null && !/^[\d*]+$/.test(account)) return `account "${account}" is not a 12-digit AWS account id (or a pattern of one)`;
  if (reason.trim() === '') return 'a mute needs a reason (--reason TEXT): the digest and `mutes list` show it';
  if (reason.length > MUTE_TEXT_LIMIT) return `the reason is longer than ${MUTE_TEXT_LIMIT} characters`;
  return null;
}

/** Whether the mute is in force at `now` (processing time). */
export function isActive(mute: Pick<Mute, 'until'>, now: Date): boolean {
  return mute.until === null || mute.until > now.toISOString();
}

/** The mute that silences this denial: of the active mutes that match, the oldest; else null. */
export function matchingMute(mutes: readonly Mute[], diagnosis: Diagnosis, now: Date): Mute | null {
  let oldest: Mute | null = null;
  for (const mute of mutes) {
    if (!isActive(mute, now) || !matches(mute, diagnosis)) continue;
    if (oldest === null || byAge(mute, oldest) < 0) oldest = mute;
  }
  return oldest;
}

/** Oldest first; the id breaks ties, so the same mutes always name the same one. */
export function byAge(a: Pick<Mute, 'createdAt' | 'id'>, b: Pick<Mute, 'createdAt' | 'id'>): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function matches(mute: MuteCriteria, diagnosis: Diagnosis): boolean {
  const principals = [diagnosis.principal, ...(diagnosis.principalArn === null ? [] : [diagnosis.principalArn])];
  return (
    criterionMatches(mute.principal, principals) &&
    criterionMatches(mute.action, [diagnosis.action]) &&
    criterionMatches(mute.resource, [diagnosis.resource ?? '']) &&
    criterionMatches(mute.cause, [diagnosis.cause]) &&
    criterionMatches(mute.account, [diagnosis.accountId])
  );
}

function criterionMatches(pattern: string | null, values: readonly string[]): boolean {
  if (pattern === null) return true;
  const compiled = new WildcardPattern(starPieces(pattern), false);
  return values.some((value) => compiled.matches(value));
}

/** Only `*` is a wildcard in a mute; `?` is literal. */
function starPieces(pattern: string): PatternPiece[] {
  return pattern.split('*').flatMap((text, index): PatternPiece[] => [...(index === 0 ? [] : [ANY_RUN]), ...(text === '' ? [] : [text])]);
}

/** The id prefix of standing mutes: they live in the stack configuration, not in the table. */
export const STANDING_MUTE_ID_PREFIX = 'config-';

/** Standing mutes from the stack configuration: ids from their content, so a mute keeps its id while it is unchanged. */
export function standingMute(criteria: MuteCriteria, until: string | null, reason: string): Mute {
  const content = JSON.stringify([...MUTE_CRITERIA.map((key) => criteria[key]), until, reason]);
  return {
    ...criteria,
    id: `${STANDING_MUTE_ID_PREFIX}${createHash('sha256').update(content).digest('hex').slice(0, 12)}`,
    until,
    reason,
    createdBy: 'stack configuration',
    createdAt: '',
  };
}

/** A standing mute as the stack configuration gives it (cdk.json `mutes`); `until` is an ISO time or "never". */
export interface StandingMuteInput extends Partial<Record<(typeof MUTE_CRITERIA)[number], string>> {
  readonly until: string;
  readonly reason: string;
}

/**
 * The standing mutes, checked: a list of {principal?, action?, resource?, cause?, account?, until, reason}, or that list
 * as JSON text (CDK context given as `-c mutes='[...]'`, which cdk.json may hold too). Throws an Error naming the
 * first bad entry and what is wrong with it.
 */
export function parseStandingMutes(value: unknown): Mute[] {
  return standingMuteList(value).map((entry: unknown, index) => {
    const where = `mutes[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new Error(`${where} must be an object`);
    const fields = entry as Record<string, unknown>;
    const known = new Set<string>([...MUTE_CRITERIA, 'until', 'reason']);
    const unknown = Object.keys(fields).filter((key) => !known.has(key));
    if (unknown.length > 0) throw new Error(`${where}: unknown key(s) ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
    const text = (key: string): string | null => {
      const field = fields[key];
      if (field === undefined || field === null) return null;
      if (typeof field !== 'string') throw new Error(`${where}.${key} must be a string`);
      return field;
    };
    const criteria = Object.fromEntries(MUTE_CRITERIA.map((key) => [key, text(key)])) as unknown as MuteCriteria;
    const reason = text('reason') ?? '';
    const problem = muteProblem(criteria, reason);
    if (problem !== null) throw new Error(`${where}: ${problem}`);
    const until = text('until');
    if (until === null) throw new Error(`${where}: a mute needs an end: until (an ISO 8601 time, or "never")`);
    return standingMute(criteria, parseUntil(until, where), reason);
  });
}

/** The standing mutes' list as given (a list, or its JSON text), unchecked but for being a list. */
export function standingMuteList(value: unknown): unknown[] {
  const list = typeof value === 'string' ? jsonList(value) : value;
  if (!Array.isArray(list)) throw new Error('mutes must be a list of {principal?, action?, resource?, cause?, account?, until, reason}');
  return list;
}

function jsonList(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`mutes is text that is not JSON (${error instanceof Error ? error.message : String(error)}): give a list of mutes`, {
      cause: error,
    });
  }
}

/** `until`: "never" (null) or an ISO 8601 time with a zone, as ISO 8601 UTC. */
export function parseUntil(value: string, where: string): string | null {
  if (value.trim() === 'never') return null;
  const trimmed = value.trim();
  const parsed = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(parsed))
    throw new Error(`${where}: until must be an ISO 8601 time (2026-12-31, 2026-12-31T18:00:00Z) or "never", got "${value}"`);
  return new Date(parsed).toISOString();
}
