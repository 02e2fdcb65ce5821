/**
 * A test-only evaluator of EventBridge event patterns, following the documented semantics
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
 * eb-create-pattern-operators.html) for the operators the stack uses or might: exact values,
 * prefix, suffix, equals-ignore-case, wildcard, anything-but, exists and $or.
 * Any other operator throws, so a pattern can never silently pass by using something unevaluated.
 */

export type EventPattern = { [key: string]: unknown };

export class UnsupportedPatternError extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** True when `event` matches `pattern`. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchesObject(pattern, event);
}

function matchesObject(pattern: EventPattern, value: unknown): boolean {
  const fields = isObject(value) ? value : {};
  return Object.entries(pattern).every(([key, subPattern]) => {
    if (key === '$or') {
      if (!Array.isArray(subPattern) || subPattern.length < 2)
        throw new UnsupportedPatternError('$or needs an array of at least two patterns');
      return subPattern.some((alternative) => matchesObject(alternative as EventPattern, value));
    }
    if (Array.isArray(subPattern)) return matchesField(subPattern, fields[key]);
    if (isObject(subPattern)) return matchesObject(subPattern, fields[key]);
    throw new UnsupportedPatternError(
      `pattern field "${key}" must be an array of matchers or an object, got ${JSON.stringify(subPattern)}`,
    );
  });
}

/** A leaf: the event value (or, for an array, any of its elements) matches any of the matchers. */
function matchesField(matchers: readonly unknown[], value: unknown): boolean {
  if (Array.isArray(value)) return value.some((element) => matchesField(matchers, element));
  return matchers.some((matcher) => matchesOne(matcher, value));
}

function matchesOne(matcher: unknown, value: unknown): boolean {
  if (matcher === null || typeof matcher !== 'object') return value === matcher;
  const entries = Object.entries(matcher as Record<string, unknown>);
  if (entries.length !== 1) throw new UnsupportedPatternError(`a matcher has exactly one operator: ${JSON.stringify(matcher)}`);
  const [operator, argument] = entries[0];
  switch (operator) {
    case 'exists':
      // Only leaves exist for EventBridge: an object value does not satisfy {exists: true}.
      if (typeof argument !== 'boolean') throw new UnsupportedPatternError('exists takes true or false');
      return argument === (value !== undefined && !isObject(value));
    case 'prefix':
      return typeof value === 'string' && affixMatches(argument, value, (text, affix) => text.startsWith(affix));
    case 'suffix':
      return typeof value === 'string' && affixMatches(argument, value, (text, affix) => text.endsWith(affix));
    case 'equals-ignore-case':
      if (typeof argument !== 'string') throw new UnsupportedPatternError('equals-ignore-case takes a string');
      return typeof value === 'string' && value.toLowerCase() === argument.toLowerCase();
    case 'wildcard':
      if (typeof argument !== 'string') throw new UnsupportedPatternError('wildcard takes a string');
      return typeof value === 'string' && wildcardRegExp(argument).test(value);
    case 'anything-but':
      return matchesAnythingBut(argument, value);
    default:
      throw new UnsupportedPatternError(`operator "${operator}" is not evaluated by this matcher`);
  }
}

function affixMatches(argument: unknown, value: string, test: (text: string, affix: string) => boolean): boolean {
  if (typeof argument === 'string') return test(value, argument);
  if (isObject(argument) && typeof argument['equals-ignore-case'] === 'string') {
    return test(value.toLowerCase(), (argument['equals-ignore-case'] as string).toLowerCase());
  }
  throw new UnsupportedPatternError(`prefix/suffix takes a string or {equals-ignore-case}: ${JSON.stringify(argument)}`);
}

/** anything-but only matches a field that is present, with a string or number value. */
function matchesAnythingBut(argument: unknown, value: unknown): boolean {
  if (typeof value !== 'string' && typeof value !== 'number') return false;
  if (Array.isArray(argument)) return !argument.includes(value);
  if (isObject(argument)) return !matchesOne(argument, value);
  return value !== argument;
}

function wildcardRegExp(pattern: string): RegExp {
  const escaped = pattern
    .split(/(?<!\\)\*/)
    .map((part) => part.replace(/\\\*/g, '*').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, 's');
}
