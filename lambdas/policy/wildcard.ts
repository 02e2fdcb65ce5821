/**
 * The policy language's two wildcards, `*` (any run of characters, possibly none) and `?` (exactly one character),
 * and matching of actions, strings and ARNs against them.
 *
 * Policies and request values are attacker-influenced, so matching never builds a regular expression and never
 * recurses: one pass with a single backtrack point (the last `*` seen), at most pattern length × value length steps.
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

// A compiled pattern is code points, with negative numbers for the wildcards and for "past the end".
const RUN_UNIT = -1;
const CHAR_UNIT = -2;
const END_UNIT = -3;

/** A pattern compiled for repeated matching. */
export class WildcardPattern {
  private readonly units: Int32Array;

  constructor(
    pieces: readonly PatternPiece[],
    private readonly ignoreCase: boolean,
  ) {
    const units: number[] = [];
    for (const piece of pieces) {
      if (typeof piece !== 'string') {
        // Consecutive `*` mean the same as one; folding them keeps the scan short.
        if (piece === ANY_RUN && units[units.length - 1] === RUN_UNIT) continue;
        units.push(piece === ANY_RUN ? RUN_UNIT : CHAR_UNIT);
      } else {
        for (const c of ignoreCase ? piece.toLowerCase() : piece) units.push(c.codePointAt(0) ?? END_UNIT);
      }
    }
    this.units = Int32Array.from(units);
  }

  /** The pattern `*` alone: matches every value. */
  get matchesEverything(): boolean {
    return this.units.length === 1 && this.units[0] === RUN_UNIT;
  }

  matches(value: string): boolean {
    const text = this.ignoreCase ? value.toLowerCase() : value;
    return this.matchesRange(text, 0, text.length);
  }

  /**
   * Whether text[start, end) matches (text already lower-cased when the pattern ignores case). One scan, going back
   * only to the last `*` seen; `?` takes one code point, so a character beyond one UTF-16 unit is one character.
   */
  matchesRange(text: string, start: number, end: number): boolean {
    const units = this.units;
    let u = 0;
    let c = start;
    let lastRun = -1; // index of the last `*` seen
    let runResume = start; // where the value resumes when that `*` swallows one more character
    while (c < end) {
      const code = text.codePointAt(c) ?? END_UNIT;
      const unit = u < units.length ? units[u] : END_UNIT;
      if (unit === CHAR_UNIT || unit === code) {
        u++;
        c += code > 0xffff ? 2 : 1;
      } else if (unit === RUN_UNIT) {
        lastRun = u++;
        runResume = c;
      } else if (lastRun >= 0) {
        u = lastRun + 1;
        runResume += (text.codePointAt(runResume) ?? 0) > 0xffff ? 2 : 1;
        c = runResume;
      } else {
        return false;
      }
    }
    while (u < units.length && units[u] === RUN_UNIT) u++;
    return u === units.length;
  }
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

  constructor(pieces: readonly PatternPiece[]) {
    const split = splitArnPieces(pieces);
    this.whole = split.length === 1 ? new WildcardPattern(split[0], false) : null;
    this.segments = split.length === ARN_PREFIX_SEGMENTS + 1 ? split.map((segment) => new WildcardPattern(segment, false)) : null;
  }

  get matchesEverything(): boolean {
    return this.whole?.matchesEverything ?? false;
  }

  matches(value: string): boolean {
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
