/**
 * The Condition element: every operator family, the IfExists suffix, the ForAllValues/ForAnyValue set operators,
 * several values per key (OR; AND for negated operators), in three-valued logic.
 *
 * IAM UG, "IAM JSON policy elements: Condition operators":
 * - "If the key that you specify in a policy condition is not present in the request context, the values do not
 *   match and the condition is false. If the policy condition requires that the key is not matched, such as
 *   StringNotLike or ArnNotLike, and the right key is not present, the condition is true. This logic applies to all
 *   condition operators except ...IfExists and Null check."
 * - IfExists: "If the key is not present, evaluate the condition element as true."
 * IAM UG, "Creating a condition with multiple keys or values" / "Single-valued vs. multivalued context keys":
 * - "If a single condition operator includes multiple values for one key, that condition operator is evaluated using
 *   a logical OR"; for negated operators "the effective permissions work like a logical AND".
 * - ForAllValues "returns true if there are no keys in the request, or if the key values resolve to a null data set";
 *   ForAnyValue: "For no matching key or a null dataset, the condition returns false."
 *
 * A key the request context cannot answer is unresolved and so is every condition on it (even IfExists: the key may
 * exist with any value), except a Null check that asks both "true" and "false", which holds either way.
 * A value that is not of the operator's type (a non-numeric value for Numeric*, a malformed date, address or base64)
 * cannot be compared: it satisfies neither the operator nor its negation.
 */
import { ipInRange, parseIpRange } from './ip';
import type { ConditionResult, ContextValue, Tri } from './types';
import { compileTemplate, resolveTemplate, type Template } from './variables';
import { ArnPattern, literalText, WildcardPattern, type PatternPiece } from './wildcard';

type Family = 'string' | 'numeric' | 'date' | 'bool' | 'binary' | 'ip' | 'arn' | 'null';
type Ordering = 'equals' | 'less' | 'less-or-equal' | 'greater' | 'greater-or-equal';

interface OperatorSpec {
  readonly family: Family;
  /** The operator asks that the key NOT match (StringNotEquals, NotIpAddress, ArnNotLike, ...). */
  readonly negated: boolean;
  readonly ordering: Ordering;
  /** StringLike / ArnLike / ArnEquals: `*` and `?` are wildcards. */
  readonly wildcards: boolean;
  readonly ignoreCase: boolean;
}

type SetOperator = 'ForAllValues' | 'ForAnyValue';

/** One comparison of a context value with one policy value. */
type Comparison = boolean | 'invalid' | 'unresolved';

/** How one policy value is compared with a context value (the positive sense; negation is applied by the caller). */
type Compare = (actual: string, keys: ReadonlyMap<string, ContextValue>) => Comparison;

/** One key of a Condition operator block, compiled. */
export interface Condition {
  /** The operator as written, e.g. "ForAnyValue:StringLikeIfExists". */
  readonly operator: string;
  /** The key as written; `contextKey` is its lower-case form (key names are case-insensitive). */
  readonly key: string;
  readonly contextKey: string;
  /** The policy values as written (numbers and booleans in their JSON text). */
  readonly values: readonly string[];
  readonly spec: OperatorSpec;
  readonly set: SetOperator | null;
  readonly ifExists: boolean;
  readonly compare: readonly Compare[];
}

export interface ParsedOperator {
  readonly spec: OperatorSpec;
  readonly set: SetOperator | null;
  readonly ifExists: boolean;
}

const OPERATORS: ReadonlyMap<string, OperatorSpec> = new Map(
  (
    [
      ['StringEquals', 'string', false, 'equals', false, false],
      ['StringNotEquals', 'string', true, 'equals', false, false],
      ['StringEqualsIgnoreCase', 'string', false, 'equals', false, true],
      ['StringNotEqualsIgnoreCase', 'string', true, 'equals', false, true],
      ['StringLike', 'string', false, 'equals', true, false],
      ['StringNotLike', 'string', true, 'equals', true, false],
      ['NumericEquals', 'numeric', false, 'equals', false, false],
      ['NumericNotEquals', 'numeric', true, 'equals', false, false],
      ['NumericLessThan', 'numeric', false, 'less', false, false],
      ['NumericLessThanEquals', 'numeric', false, 'less-or-equal', false, false],
      ['NumericGreaterThan', 'numeric', false, 'greater', false, false],
      ['NumericGreaterThanEquals', 'numeric', false, 'greater-or-equal', false, false],
      ['DateEquals', 'date', false, 'equals', false, false],
      ['DateNotEquals', 'date', true, 'equals', false, false],
      ['DateLessThan', 'date', false, 'less', false, false],
      ['DateLessThanEquals', 'date', false, 'less-or-equal', false, false],
      ['DateGreaterThan', 'date', false, 'greater', false, false],
      ['DateGreaterThanEquals', 'date', false, 'greater-or-equal', false, false],
      ['Bool', 'bool', false, 'equals', false, false],
      ['BinaryEquals', 'binary', false, 'equals', false, false],
      ['IpAddress', 'ip', false, 'equals', false, false],
      ['NotIpAddress', 'ip', true, 'equals', false, false],
      // "The ArnEquals and ArnLike condition operators behave identically."
      ['ArnEquals', 'arn', false, 'equals', true, false],
      ['ArnLike', 'arn', false, 'equals', true, false],
      ['ArnNotEquals', 'arn', true, 'equals', true, false],
      ['ArnNotLike', 'arn', true, 'equals', true, false],
      ['Null', 'null', false, 'equals', false, false],
    ] as const
  ).map(([name, family, negated, ordering, wildcards, ignoreCase]) => [
    name.toLowerCase(),
    { family, negated, ordering, wildcards, ignoreCase },
  ]),
);

const SET_OPERATORS: readonly SetOperator[] = ['ForAllValues', 'ForAnyValue'];
const IF_EXISTS = 'ifexists';

/**
 * An operator name such as "ForAllValues:StringNotLikeIfExists", or a reason it is not one.
 * Names are matched without regard to case.
 */
export function parseConditionOperator(name: string): ParsedOperator | string {
  let rest = name;
  let set: SetOperator | null = null;
  const colon = name.indexOf(':');
  if (colon >= 0) {
    const prefix = name.slice(0, colon).toLowerCase();
    set = SET_OPERATORS.find((candidate) => candidate.toLowerCase() === prefix) ?? null;
    if (!set) return `unknown set operator "${name.slice(0, colon)}" (ForAllValues or ForAnyValue)`;
    rest = name.slice(colon + 1);
  }
  let base = rest.toLowerCase();
  const ifExists = base.endsWith(IF_EXISTS) && !OPERATORS.has(base);
  if (ifExists) base = base.slice(0, -IF_EXISTS.length);
  const spec = OPERATORS.get(base);
  if (!spec) return `unknown condition operator "${name}"`;
  // "You can add IfExists to the end of any condition operator name except the Null condition."
  if (spec.family === 'null' && (ifExists || set)) return `"${name}": Null takes neither IfExists nor a set operator`;
  return { spec, set, ifExists };
}

/** Why a policy value cannot serve the operator at all, or null. Only Null is that strict; other families compare. */
export function conditionValueProblem(operator: ParsedOperator, value: string): string | null {
  if (operator.spec.family === 'null' && value.toLowerCase() !== 'true' && value.toLowerCase() !== 'false') {
    return `Null takes "true" or "false", not "${value}"`;
  }
  return null;
}

/**
 * Compiles one key of an operator block. `variables` says whether the policy substitutes `${...}` (Version
 * 2012-10-17); AWS substitutes them only in string, ARN and Bool values ("You can't use a policy variable with
 * ... Numeric, Date, ... Binary, IP Address, or Null operators"), elsewhere they are literal text.
 */
export function compileCondition(
  operatorName: string,
  operator: ParsedOperator,
  key: string,
  values: readonly string[],
  variables: boolean,
): Condition {
  const { spec } = operator;
  const family = spec.family;
  const substitutes = variables && (family === 'string' || family === 'arn' || family === 'bool');
  return {
    operator: operatorName,
    key,
    contextKey: key.toLowerCase(),
    values,
    spec,
    set: operator.set,
    ifExists: operator.ifExists,
    // Null is decided on the key's presence alone (nullCheck), never value by value.
    compare: family === 'null' ? [] : values.map((value) => comparer(spec, family, value, substitutes)),
  };
}

export function evaluateCondition(condition: Condition, keys: ReadonlyMap<string, ContextValue>): ConditionResult {
  const context = keys.get(condition.contextKey) ?? UNRESOLVED;
  const actual = context.kind === 'present' ? context.values : null;
  const result = conditionResult(condition, context, keys);
  return { operator: condition.operator, key: condition.key, values: condition.values, actual, result };
}

const UNRESOLVED: ContextValue = { kind: 'unresolved' };

function conditionResult(condition: Condition, context: ContextValue, keys: ReadonlyMap<string, ContextValue>): Tri {
  const { spec, set } = condition;
  if (spec.family === 'null') return nullCheck(condition.values, context);
  if (context.kind === 'unresolved') return 'unresolved';
  const actual = context.kind === 'present' ? context.values : [];
  if (actual.length === 0) {
    if (condition.ifExists || set === 'ForAllValues') return true;
    if (set === 'ForAnyValue') return false;
    return spec.negated;
  }
  const perValue = actual.map((value) => valueResult(condition, value, keys));
  if (set === 'ForAllValues') return allOf(perValue);
  if (set === 'ForAnyValue') return anyOf(perValue);
  // Without a set operator a negated operator asks that no value match, a positive one that some value match.
  return spec.negated ? allOf(perValue) : anyOf(perValue);
}

/** One context value against every policy value: any may match (OR); for a negated operator none may (AND). */
function valueResult(condition: Condition, actual: string, keys: ReadonlyMap<string, ContextValue>): Tri {
  const results: Tri[] = condition.compare.map((compare) => {
    const comparison = compare(actual, keys);
    if (comparison === 'unresolved') return 'unresolved';
    if (comparison === 'invalid') return false;
    return condition.spec.negated ? !comparison : comparison;
  });
  return condition.spec.negated ? allOf(results) : anyOf(results);
}

/** Null: "true" asks that the key be absent (or an empty set), "false" that it be present; either value may hold. */
function nullCheck(values: readonly string[], context: ContextValue): Tri {
  const asked = new Set(values.map((value) => value.toLowerCase() === 'true'));
  if (asked.size === 2) return true;
  const isNull: Tri = context.kind === 'unresolved' ? 'unresolved' : context.kind === 'absent' || context.values.length === 0;
  return asked.has(true) ? isNull : not(isNull);
}

export function allOf(results: readonly Tri[]): Tri {
  let unresolved = false;
  for (const result of results) {
    if (result === false) return false;
    if (result === 'unresolved') unresolved = true;
  }
  return unresolved ? 'unresolved' : true;
}

export function anyOf(results: readonly Tri[]): Tri {
  let unresolved = false;
  for (const result of results) {
    if (result === true) return true;
    if (result === 'unresolved') unresolved = true;
  }
  return unresolved ? 'unresolved' : false;
}

export function not(result: Tri): Tri {
  return result === 'unresolved' ? 'unresolved' : !result;
}

/** The comparison of one policy value, compiled once (constant templates, numbers, dates, ranges). */
function comparer(spec: OperatorSpec, family: Exclude<Family, 'null'>, value: string, substitutes: boolean): Compare {
  switch (family) {
    case 'string':
    case 'arn':
    case 'bool':
      return templateComparer(spec, compileTemplate(value, { variables: substitutes, wildcards: spec.wildcards }));
    case 'numeric':
      return orderedComparer(spec.ordering, parseNumber(value), parseNumber);
    case 'date':
      return orderedComparer(spec.ordering, parseDate(value), parseDate);
    case 'binary': {
      const expected = parseBase64(value);
      return (actual) => {
        const bytes = parseBase64(actual);
        return expected && bytes ? expected.equals(bytes) : 'invalid';
      };
    }
    case 'ip': {
      const range = parseIpRange(value);
      return (actual) => (range ? (ipInRange(actual, range) ?? 'invalid') : 'invalid');
    }
  }
}

/** String, ARN and Bool values: resolved for the request (variables), then matched. Constant values compile once. */
function templateComparer(spec: OperatorSpec, template: Template): Compare {
  const match = (pieces: readonly PatternPiece[]) => piecesComparer(spec, pieces);
  const constant = template.constant ? match(template.constant) : null;
  return (actual, keys) => {
    if (constant) return constant(actual);
    const resolution = resolveTemplate(template, keys);
    // A variable without a value: "There is no equal or like value."
    if (resolution.kind === 'no-value') return false;
    if (resolution.kind === 'unresolved') return 'unresolved';
    return match(resolution.pieces)(actual);
  };
}

function piecesComparer(spec: OperatorSpec, pieces: readonly PatternPiece[]): (actual: string) => Comparison {
  if (spec.family === 'arn') {
    const pattern = new ArnPattern(pieces);
    return (actual) => pattern.matches(actual);
  }
  if (spec.wildcards) {
    const pattern = new WildcardPattern(pieces, spec.ignoreCase);
    return (actual) => pattern.matches(actual);
  }
  // Without wildcards every piece is literal text.
  const expected = literalText(pieces) ?? '';
  if (spec.family === 'bool') {
    const expectedBool = expected.toLowerCase();
    if (expectedBool !== 'true' && expectedBool !== 'false') return () => 'invalid';
    return (actual) => {
      const actualBool = actual.toLowerCase();
      return actualBool === 'true' || actualBool === 'false' ? actualBool === expectedBool : 'invalid';
    };
  }
  if (spec.ignoreCase) {
    const lower = expected.toLowerCase();
    return (actual) => actual.toLowerCase() === lower;
  }
  return (actual) => actual === expected;
}

function orderedComparer(ordering: Ordering, expected: number | null, parse: (text: string) => number | null): Compare {
  return (actual) => {
    const value = parse(actual);
    if (expected === null || value === null) return 'invalid';
    switch (ordering) {
      case 'equals':
        return value === expected;
      case 'less':
        return value < expected;
      case 'less-or-equal':
        return value <= expected;
      case 'greater':
        return value > expected;
      case 'greater-or-equal':
        return value >= expected;
    }
  };
}

/** "an integer or decimal value"; anything else is not a number here (no exponents, hex or blanks). */
export function parseNumber(text: string): number | null {
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : null;
}

const W3C_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$/;

/**
 * Milliseconds since the epoch of a date condition value: "one of the W3C implementations of the ISO 8601 date formats
 * or in epoch (UNIX) time". All digits is epoch seconds (so "2020" is a second count, not a year); a time without
 * a zone is read as UTC.
 */
export function parseDate(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const match = W3C_DATE.exec(text);
  if (!match) return null;
  const [, year, month = '01', day = '01', hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  const fields = [Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)] as const;
  const utc = Date.UTC(...fields);
  const date = new Date(utc);
  const roundTrip = [
    date.getUTCFullYear(),
    date.getUTCMonth(),
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  ];
  if (roundTrip.some((field, i) => field !== fields[i])) return null;
  const milliseconds = fraction === '' ? 0 : Number(`0.${fraction}`) * 1000;
  return utc + milliseconds - zoneOffsetMinutes(zone) * 60_000;
}

function zoneOffsetMinutes(zone: string): number {
  if (zone === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return zone[0] === '-' ? -minutes : minutes;
}

/** "a base-64 encoded representation of the binary value"; strict, so that stray characters are not silently dropped. */
function parseBase64(text: string): Buffer | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  return Buffer.from(text, 'base64');
}
