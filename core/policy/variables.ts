/**
 * Policy variables: `${aws:username}`, `${aws:PrincipalTag/team}`, defaults `${aws:PrincipalTag/team, 'none'}`, and
 * the fixed `${*}`, `${?}`, `${$}` that stand for a literal `*`, `?` and `$`.
 *
 * IAM UG, "IAM policy elements: Variables and tags":
 * - variables are substituted only when the policy's Version is 2012-10-17 ("If you don't include the Version element
 *   and set it to an appropriate version date, variables like ${aws:username} are treated as literal strings");
 * - in the Resource element only after the fifth colon, and in Condition values of the string and ARN operators
 *   (the Condition operators page adds Bool);
 * - key names are case-insensitive; only single-valued keys can be variables;
 * - a variable whose key has no value makes the value "effectively null. There is no equal or like value" — unless a
 *   default is given ("surround the default value with single quotes, and separate the variable text and the default
 *   value with a comma and space").
 * A key the request context cannot answer (unresolved) leaves the value unresolved, default or not: the key may exist.
 */
import type { ContextValue } from './types';
import { ANY_CHAR, ANY_RUN, type PatternPiece } from './wildcard';

type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'wildcard'; readonly piece: PatternPiece }
  | { readonly kind: 'variable'; readonly key: string; readonly fallback: string | null };

/** Policy text ready to be resolved against a request: literal text, wildcards and variables. */
export interface Template {
  readonly parts: readonly TemplatePart[];
  /** The pieces when the text has no variable (resolving it needs no request), else null. */
  readonly constant: readonly PatternPiece[] | null;
}

export interface TemplateSyntax {
  /** Whether `${...}` is a variable (policy Version 2012-10-17 and an element that substitutes). */
  readonly variables: boolean;
  /** Whether `*` and `?` are wildcards (Action, Resource, StringLike, Arn operators). */
  readonly wildcards: boolean;
}

/** The value of a template for one request. */
export type Resolution =
  | { readonly kind: 'value'; readonly pieces: readonly PatternPiece[] }
  /** A variable's key has no value and no default: the value equals and is like nothing. */
  | { readonly kind: 'no-value' }
  | { readonly kind: 'unresolved'; readonly keys: readonly string[] };

const SPECIAL: Readonly<Record<string, string>> = { '*': '*', '?': '?', $: '$' };

export function compileTemplate(text: string, syntax: TemplateSyntax): Template {
  const parts: TemplatePart[] = [];
  const pushLiteral = (text: string) => {
    const last = parts[parts.length - 1];
    if (last?.kind === 'text') parts[parts.length - 1] = { kind: 'text', text: last.text + text };
    else parts.push({ kind: 'text', text });
  };
  const pushText = (value: string) => {
    if (value === '') return;
    if (!syntax.wildcards) {
      pushLiteral(value);
      return;
    }
    let start = 0;
    for (let i = 0; i < value.length; i++) {
      const c = value[i];
      if (c !== '*' && c !== '?') continue;
      if (i > start) pushLiteral(value.slice(start, i));
      parts.push({ kind: 'wildcard', piece: c === '*' ? ANY_RUN : ANY_CHAR });
      start = i + 1;
    }
    if (start < value.length) pushLiteral(value.slice(start));
  };

  let rest = text;
  while (syntax.variables) {
    const open = rest.indexOf('${');
    if (open < 0) break;
    const variable = readVariable(rest, open + 2);
    if (!variable) {
      // Not a well-formed variable: the characters stay literal text.
      pushText(rest.slice(0, open + 2));
      rest = rest.slice(open + 2);
      continue;
    }
    pushText(rest.slice(0, open));
    const special = variable.fallback === null ? SPECIAL[variable.name] : undefined;
    if (special !== undefined) pushLiteral(special);
    else parts.push({ kind: 'variable', key: variable.name.toLowerCase(), fallback: variable.fallback });
    rest = rest.slice(variable.end);
  }
  pushText(rest);

  const constant: PatternPiece[] = [];
  for (const part of parts) {
    if (part.kind === 'variable') return { parts, constant: null };
    constant.push(pieceOf(part));
  }
  return { parts, constant };
}

export function resolveTemplate(template: Template, keys: ReadonlyMap<string, ContextValue>): Resolution {
  if (template.constant) return { kind: 'value', pieces: template.constant };
  const pieces: PatternPiece[] = [];
  const unresolved: string[] = [];
  let noValue = false;
  for (const part of template.parts) {
    if (part.kind !== 'variable') {
      pieces.push(pieceOf(part));
      continue;
    }
    const value = variableValue(keys.get(part.key));
    if (value === 'unresolved') unresolved.push(part.key);
    else if (value !== null) pieces.push(value);
    else if (part.fallback !== null) pieces.push(part.fallback);
    else noValue = true;
  }
  if (unresolved.length > 0) return { kind: 'unresolved', keys: unresolved };
  if (noValue) return { kind: 'no-value' };
  return { kind: 'value', pieces: mergeText(pieces) };
}

/** A single-valued key's value; null when absent or multivalued (those cannot be variables); 'unresolved' when unknown. */
function variableValue(context: ContextValue | undefined): string | null | 'unresolved' {
  if (!context || context.kind === 'unresolved') return 'unresolved';
  if (context.kind === 'absent' || context.multivalued || context.values.length !== 1) return null;
  return context.values[0];
}

function pieceOf(part: Exclude<TemplatePart, { kind: 'variable' }>): PatternPiece {
  return part.kind === 'text' ? part.text : part.piece;
}

function mergeText(pieces: PatternPiece[]): PatternPiece[] {
  const merged: PatternPiece[] = [];
  for (const piece of pieces) {
    const last = merged[merged.length - 1];
    if (typeof piece === 'string' && typeof last === 'string') merged[merged.length - 1] = last + piece;
    else merged.push(piece);
  }
  return merged;
}

/** `name}` or `name, 'default'}` from index `start` (just after `${`); null when malformed. Spaces around are ignored. */
function readVariable(text: string, start: number): { name: string; fallback: string | null; end: number } | null {
  const close = text.indexOf('}', start);
  const comma = text.indexOf(',', start);
  if (close < 0) return null;
  if (comma < 0 || comma > close) {
    const name = text.slice(start, close).trim();
    return name === '' ? null : { name, fallback: null, end: close + 1 };
  }
  const name = text.slice(start, comma).trim();
  let i = comma + 1;
  while (text[i] === ' ') i++;
  if (name === '' || text[i] !== "'") return null;
  const quoteEnd = text.indexOf("'", i + 1);
  if (quoteEnd < 0) return null;
  let end = quoteEnd + 1;
  while (text[end] === ' ') end++;
  if (text[end] !== '}') return null;
  return { name, fallback: text.slice(i + 1, quoteEnd), end: end + 1 };
}
