/**
 * The policy language's two wildcards, `*` (any run of characters, possibly none) and `?` (exactly one character),
 * and matching of actions, strings and ARNs against them.
 *
 * Policies and request values are attacker-influenced, so matching never builds a regular expression, never
 * recurses and never backtracks: a pattern is the runs of text between its `*`s; the first run must start the value,
 * the last must end it, and each run between is taken at its leftmost place after the one before (taking it
 * leftmost never loses a match). Runs without `?` are found with String#indexOf (linear in practice); a run with `?`
 * is tried place by place, at most its length × the value's length steps.
 */

/** A wildcard in a pattern; literal text (policy text or a substituted variable) is kept as plain strings. */
export interface Wildcard {
  readonly wildcard: '*' | '?';
}

export const ANY_RUN: Wildcard = Object.freeze({ wildcard: '*' });
export const ANY_CHAR: Wildcard = Object.freeze({ wildcard: '?' });

/** Literal text or a wildcard. Keeping them apart lets `${*}` and substituted values stay literal. */
export type PatternPiece = string | Wildcard;

/** The pieces of policy text in which `*` and `?` are wildcards. */
export function wildcardPieces(text: string): PatternPiece[] {
  const pieces: PatternPiece[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '*' && c !== '?') continue;
    if (i > start) pieces.push(text.slice(start, i));
    pieces.push(c === '*' ? ANY_RUN : ANY_CHAR);
    start = i + 1;
  }
  if (start < text.length) pieces.push(text.slice(start));
  return pieces;
}

/** The text of pieces that hold no wildcard, else null. */
export function literalText(pieces: readonly PatternPiece[]): string | null {
  let text = '';
  for (const piece of pieces) {
    if (typeof piece !== 'string') return null;
    text += piece;
  }
  return text;
}

// `?` in a compiled run; every other unit is a code point.
const ANY_CHAR_UNIT = -1;

/** Text between two `*`s: its code points (`?` as ANY_CHAR_UNIT), and the text itself when it has no `?`. */
interface Run {
  readonly units: Int32Array;
  readonly literal: string | null;
}

/** A pattern compiled for repeated matching. */
export class WildcardPattern {
  /** The runs between `*`s: with n stars there are n + 1 runs, some possibly empty; none when the pattern is literal. */
  private readonly runs: readonly Run[];
  /** The whole pattern when it has no wildcard (lower-cased when ignoring case): matching is then one comparison. */
  private readonly literal: string | null;

  constructor(
    pieces: readonly PatternPiece[],
    private readonly ignoreCase: boolean,
  ) {
    const text = literalText(pieces);
    if (text !== null) {
      // No wildcard: nothing to compile, matching compares the text.
      this.literal = ignoreCase ? text.toLowerCase() : text;
      this.runs = [];
      return;
    }
    const runs: Run[] = [];
    let units: number[] = [];
    let literal = '';
    let hasAnyChar = false;
    const endRun = () => {
      runs.push({ units: Int32Array.from(units), literal: hasAnyChar ? null : literal });
      units = [];
      literal = '';
      hasAnyChar = false;
    };
    for (const piece of pieces) {
      if (piece === ANY_RUN) {
        endRun();
      } else if (piece === ANY_CHAR) {
        units.push(ANY_CHAR_UNIT);
        hasAnyChar = true;
      } else if (typeof piece === 'string') {
        const text = ignoreCase ? piece.toLowerCase() : piece;
        for (const c of text) units.push(c.codePointAt(0) ?? 0);
        literal += text;
      }
    }
    endRun();
    // Empty runs between two `*`s (as in `a**b`) add nothing.
    this.runs = runs.filter((run, i) => i === 0 || i === runs.length - 1 || run.units.length > 0);
    this.literal = null;
  }

  /** The pattern `*` alone: matches every value. */
  get matchesEverything(): boolean {
    return this.runs.length === 2 && this.runs[0].units.length === 0 && this.runs[1].units.length === 0;
  }

  matches(value: string): boolean {
    const text = this.ignoreCase ? value.toLowerCase() : value;
    if (this.literal !== null) return text === this.literal;
    return this.matchesRange(text, 0, text.length);
  }

  /** Whether text[start, end) matches (text already lower-cased when the pattern ignores case). */
  matchesRange(text: string, start: number, end: number): boolean {
    if (this.literal !== null) return end - start === this.literal.length && text.startsWith(this.literal, start);
    const runs = this.runs;
    const first = runs[0];
    if (runs.length === 1) return matchRunAt(first, text, start, end) === end;
    let position = matchRunAt(first, text, start, end);
    if (position < 0) return false;
    const last = runs[runs.length - 1];
    const lastStart = startOfLastRun(last, text, position, end);
    if (lastStart < 0 || matchRunAt(last, text, lastStart, end) !== end) return false;
    for (let i = 1; i < runs.length - 1; i++) {
      position = findRun(runs[i], text, position, lastStart);
      if (position < 0) return false;
    }
    return true;
  }
}

/** Where the run ends when it matches text at `start` without passing `limit`, else -1. */
function matchRunAt(run: Run, text: string, start: number, limit: number): number {
  if (run.literal !== null) {
    return start + run.literal.length <= limit && text.startsWith(run.literal, start) ? start + run.literal.length : -1;
  }
  let position = start;
  for (const unit of run.units) {
    if (position >= limit) return -1;
    const code = text.codePointAt(position) ?? 0;
    if (unit !== ANY_CHAR_UNIT && unit !== code) return -1;
    position += code > 0xffff ? 2 : 1;
  }
  return position <= limit ? position : -1;
}

/** The end of the run's leftmost match in text[from, limit), else -1. */
function findRun(run: Run, text: string, from: number, limit: number): number {
  if (run.literal !== null) {
    const found = text.indexOf(run.literal, from);
    return found >= 0 && found + run.literal.length <= limit ? found + run.literal.length : -1;
  }
  for (let position = from; position < limit; position += (text.codePointAt(position) ?? 0) > 0xffff ? 2 : 1) {
    const matched = matchRunAt(run, text, position, limit);
    if (matched >= 0) return matched;
  }
  return -1;
}

/** Where the last run must start to end the value: as many characters back from `end` as it has units; -1 if before `from`. */
function startOfLastRun(run: Run, text: string, from: number, end: number): number {
  if (run.literal !== null) return end - run.literal.length >= from ? end - run.literal.length : -1;
  let position = end;
  for (let i = 0; i < run.units.length; i++) {
    if (position <= from) return -1;
    const low = text.charCodeAt(position - 1);
    const pair = low >= 0xdc00 && low <= 0xdfff && position - 2 >= from && isHighSurrogate(text.charCodeAt(position - 2));
    position -= pair ? 2 : 1;
  }
  return position;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** ARN segments before the resource part: arn, partition, service, region, account. */
const ARN_PREFIX_SEGMENTS = 5;

/**
 * An ARN pattern, matched segment by segment: the five colon-separated segments before the resource part are matched
 * on their own, so a wildcard never crosses a colon there; the resource part (everything after the fifth colon) may
 * hold colons and its wildcards span them. IAM UG, Condition operators (ARN): "Each of the six colon-delimited
 * components of the ARN is checked separately and each can include multi-character match wildcards (*) or
 * single-character match wildcards (?)"; Resource element: wildcards are used "within ARN segments".
 * Matching is case-sensitive. A pattern without a colon (e.g. "*") is matched against the whole value; a pattern of
 * two to five segments is not an ARN and matches nothing.
 */
export class ArnPattern {
  private readonly segments: readonly WildcardPattern[] | null;
  private readonly whole: WildcardPattern | null;
  /**
   * The ARN when the pattern has no wildcard. Each literal segment then matches only the same text up to the value's
   * next colon, and the resource part only the same rest, so matching the segments is comparing the whole strings.
   */
  private readonly literal: string | null;

  constructor(pieces: readonly PatternPiece[]) {
    const split = splitArnPieces(pieces);
    const text = split.length === ARN_PREFIX_SEGMENTS + 1 ? literalText(pieces) : null;
    this.literal = text;
    this.whole = split.length === 1 ? new WildcardPattern(split[0], false) : null;
    this.segments =
      split.length === ARN_PREFIX_SEGMENTS + 1 && text === null ? split.map((segment) => new WildcardPattern(segment, false)) : null;
  }

  get matchesEverything(): boolean {
    return this.whole?.matchesEverything ?? false;
  }

  matches(value: string): boolean {
    if (this.literal !== null) return value === this.literal;
    if (this.whole) return this.whole.matches(value);
    if (!this.segments) return false;
    let start = 0;
    for (let i = 0; i < ARN_PREFIX_SEGMENTS; i++) {
      const colon = value.indexOf(':', start);
      if (colon < 0 || !this.segments[i].matchesRange(value, start, colon)) return false;
      start = colon + 1;
    }
    return this.segments[ARN_PREFIX_SEGMENTS].matchesRange(value, start, value.length);
  }
}

/** Pattern pieces split at the first five colons of their literal text. */
function splitArnPieces(pieces: readonly PatternPiece[]): PatternPiece[][] {
  const segments: PatternPiece[][] = [[]];
  for (const piece of pieces) {
    let rest: PatternPiece = piece;
    while (typeof rest === 'string' && segments.length <= ARN_PREFIX_SEGMENTS) {
      const colon = rest.indexOf(':');
      if (colon < 0) break;
      if (colon > 0) segments[segments.length - 1].push(rest.slice(0, colon));
      segments.push([]);
      rest = rest.slice(colon + 1);
    }
    if (rest !== '') segments[segments.length - 1].push(rest);
  }
  return segments;
}
