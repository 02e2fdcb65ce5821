/**
 * Reading and validating a policy document: an object, or its JSON text as IAM returns it (URL-encoded or not),
 * with Statement as one object or an array. Every problem is a PolicyFormatError naming where in the document it is,
 * e.g. `Statement[1].Condition.StringEquals: must be an object`.
 *
 * IAM UG, "Grammar of the IAM JSON policy language" and the element pages: Version is "2008-10-17" or "2012-10-17";
 * a statement has Effect, one of Action/NotAction, at most one of Resource/NotResource and of Principal/NotPrincipal,
 * and an optional Sid and Condition. A statement without Resource/NotResource (role trust policies, some SCP allows)
 * covers whatever the policy is attached to: it matches every resource.
 */
import { compileCondition, conditionValueProblem, parseConditionOperator, type Condition, type ParsedOperator } from './conditions';
import { principalEntry, PRINCIPAL_TYPES, type PrincipalEntry, type PrincipalType } from './principal-element';
import { compileTemplate, type Template } from './variables';
import { WildcardPattern, wildcardPieces } from './wildcard';

export class PolicyFormatError extends Error {
  constructor(
    /** Where in the document, e.g. "Statement[1].Condition.StringEquals"; "" for the document itself. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(path === '' ? reason : `${path}: ${reason}`);
    this.name = 'PolicyFormatError';
  }
}

/**
 * Whether the policy's statements name principals: resource-based policies (resource, key, VPC endpoint, trust
 * policies) and RCPs must; identity policies, permissions boundaries, session policies and SCPs must not.
 * 'any' checks neither.
 */
export type PrincipalElement = 'required' | 'forbidden' | 'any';

export interface PolicyOptions {
  readonly principalElement: PrincipalElement;
}

export interface PolicyDocument {
  /** The Version element; variables are substituted only under "2012-10-17". */
  readonly version: string | null;
  readonly statements: readonly PolicyStatement[];
}

export interface PolicyStatement {
  /** The statement as written. */
  readonly statement: Record<string, unknown>;
  readonly sid: string | null;
  readonly effect: 'Allow' | 'Deny';
  readonly actions: { readonly negated: boolean; readonly patterns: readonly WildcardPattern[] };
  /** Resource/NotResource; null when the statement has neither (it covers what the policy is attached to). */
  readonly resources: { readonly negated: boolean; readonly templates: readonly Template[] } | null;
  /** Principal/NotPrincipal; null when the statement has neither. */
  readonly principals: { readonly negated: boolean; readonly entries: readonly PrincipalEntry[] } | null;
  readonly conditions: readonly Condition[];
}

const VERSIONS = ['2012-10-17', '2008-10-17'];
const VARIABLES_VERSION = '2012-10-17';
const DOCUMENT_ELEMENTS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_ELEMENTS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const ANY_PRINCIPAL: PolicyOptions = { principalElement: 'any' };

export function parsePolicyDocument(input: unknown, options: PolicyOptions = ANY_PRINCIPAL): PolicyDocument {
  const document = typeof input === 'string' ? readJsonText(input) : input;
  if (!isObject(document)) throw new PolicyFormatError('', 'a policy document must be a JSON object');
  for (const element of Object.keys(document)) {
    if (!DOCUMENT_ELEMENTS.has(element)) throw new PolicyFormatError(element, 'unknown policy element (Version, Id, Statement)');
  }
  const version = document.Version;
  if (version !== undefined && (typeof version !== 'string' || !VERSIONS.includes(version))) {
    throw new PolicyFormatError('Version', `must be "2012-10-17" or "2008-10-17", not ${JSON.stringify(version)}`);
  }
  if (document.Id !== undefined && typeof document.Id !== 'string') throw new PolicyFormatError('Id', 'must be a string');
  const statement = document.Statement;
  if (statement === undefined) throw new PolicyFormatError('Statement', 'is missing');
  const variables = version === VARIABLES_VERSION;
  let statements: PolicyStatement[];
  if (Array.isArray(statement)) {
    statements = statement.map((entry, i) => parseStatement(entry, `Statement[${i}]`, variables, options));
  } else if (isObject(statement)) {
    statements = [parseStatement(statement, 'Statement', variables, options)];
  } else {
    throw new PolicyFormatError('Statement', 'must be an object or an array');
  }
  return { version: typeof version === 'string' ? version : null, statements };
}

/** JSON text, or JSON text URL-encoded as IAM's Get*Policy APIs return it. */
function readJsonText(text: string): unknown {
  let json = text.trim();
  if (/^%7b/i.test(json)) {
    try {
      json = decodeURIComponent(json);
    } catch {
      throw new PolicyFormatError('', 'URL-encoded policy text that does not decode');
    }
  }
  try {
    return JSON.parse(json);
  } catch (error) {
    throw new PolicyFormatError('', `policy text that is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

function parseStatement(value: unknown, path: string, variables: boolean, options: PolicyOptions): PolicyStatement {
  if (!isObject(value)) throw new PolicyFormatError(path, 'must be an object');
  for (const element of Object.keys(value)) {
    if (!STATEMENT_ELEMENTS.has(element)) {
      throw new PolicyFormatError(
        `${path}.${element}`,
        'unknown statement element (Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition)',
      );
    }
  }
  const sid = value.Sid;
  if (sid !== undefined && typeof sid !== 'string') throw new PolicyFormatError(`${path}.Sid`, 'must be a string');
  const effect = value.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') {
    throw new PolicyFormatError(
      `${path}.Effect`,
      effect === undefined ? 'is missing' : `must be "Allow" or "Deny", not ${JSON.stringify(effect)}`,
    );
  }

  const action = oneOf(value, path, 'Action', 'NotAction', true);
  const actionTexts = strings(action.value, `${path}.${action.element}`);
  const resource = oneOf(value, path, 'Resource', 'NotResource', false);
  const resourceTexts = resource.value === undefined ? null : strings(resource.value, `${path}.${resource.element}`);

  const principal = oneOf(value, path, 'Principal', 'NotPrincipal', false);
  if (principal.value !== undefined && options.principalElement === 'forbidden') {
    throw new PolicyFormatError(
      `${path}.${principal.element}`,
      'not allowed in this policy: it applies to the principal it is attached to',
    );
  }
  if (principal.value === undefined && options.principalElement === 'required') {
    throw new PolicyFormatError(`${path}.Principal`, 'is missing: a resource-based policy names the principals it covers');
  }
  const principals =
    principal.value === undefined
      ? null
      : { negated: principal.negated, entries: principalEntries(principal.value, `${path}.${principal.element}`) };

  const conditions = value.Condition === undefined ? [] : conditionBlock(value.Condition, `${path}.Condition`);

  // Checked above; compiled when first evaluated (compiling finds no new problem), so a store whose policies are
  // mostly never evaluated (a scan's main thread only checks it) does not pay for compiling them.
  let compiled: Pick<PolicyStatement, 'actions' | 'resources' | 'conditions'> | undefined;
  const compile = () =>
    (compiled ??= {
      actions: { negated: action.negated, patterns: actionTexts.map((text) => new WildcardPattern(wildcardPieces(text), true)) },
      resources:
        resourceTexts === null
          ? null
          : { negated: resource.negated, templates: resourceTexts.map((text) => resourceTemplate(text, variables)) },
      conditions: conditions.map((entry) => compileCondition(entry.operatorName, entry.operator, entry.key, entry.values, variables)),
    });
  return {
    statement: value,
    sid: sid ?? null,
    effect,
    principals,
    get actions() {
      return compile().actions;
    },
    get resources() {
      return compile().resources;
    },
    get conditions() {
      return compile().conditions;
    },
  };
}

/** The element of a pair (Action/NotAction, ...) the statement uses; both is an error, neither only when `required`. */
function oneOf(statement: Record<string, unknown>, path: string, positive: string, negative: string, required: boolean) {
  const hasPositive = statement[positive] !== undefined;
  const hasNegative = statement[negative] !== undefined;
  if (hasPositive && hasNegative) throw new PolicyFormatError(`${path}.${negative}`, `cannot be used together with ${positive}`);
  if (required && !hasPositive && !hasNegative)
    throw new PolicyFormatError(`${path}.${positive}`, `is missing (${positive} or ${negative})`);
  const element = hasNegative ? negative : positive;
  return { element, negated: hasNegative, value: statement[element] };
}

/** A string or a non-empty array of non-empty strings. */
function strings(value: unknown, path: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new PolicyFormatError(path, 'must not be an empty array');
  return list.map((entry, i) => {
    if (typeof entry !== 'string' || entry === '') {
      throw new PolicyFormatError(Array.isArray(value) ? `${path}[${i}]` : path, 'must be a non-empty string');
    }
    return entry;
  });
}

/** IAM UG, Resource element: a variable may be used "only in the resource portion of the ARN ... after the fifth colon". */
function resourceTemplate(text: string, variables: boolean): Template {
  // Without "${" there is no variable anywhere: the text is one template of wildcards and literal text.
  if (!variables || !text.includes('${')) return compileTemplate(text, { variables: false, wildcards: true });
  let resourceStart = 0;
  for (let i = 0; i < 5; i++) {
    const colon = text.indexOf(':', resourceStart);
    if (colon < 0) return compileTemplate(text, { variables: false, wildcards: true });
    resourceStart = colon + 1;
  }
  const prefix = compileTemplate(text.slice(0, resourceStart), { variables: false, wildcards: true });
  const resourcePart = compileTemplate(text.slice(resourceStart), { variables, wildcards: true });
  const parts = [...prefix.parts, ...resourcePart.parts];
  return { parts, constant: resourcePart.constant && prefix.constant ? [...prefix.constant, ...resourcePart.constant] : null };
}

function principalEntries(value: unknown, path: string): PrincipalEntry[] {
  if (value === '*') return [{ kind: 'everyone' }];
  if (!isObject(value)) throw new PolicyFormatError(path, 'must be "*" or an object such as {"AWS": [...]}');
  const types = Object.keys(value);
  if (types.length === 0) throw new PolicyFormatError(path, 'must name at least one principal');
  return types.flatMap((type) => {
    if (!PRINCIPAL_TYPES.includes(type as PrincipalType)) {
      throw new PolicyFormatError(`${path}.${type}`, 'unknown principal type (AWS, Service, Federated, CanonicalUser)');
    }
    return strings(value[type], `${path}.${type}`).map((entry) => principalEntry(type as PrincipalType, entry));
  });
}

/** A checked Condition entry, compiled with compileCondition when the statement is first evaluated. */
interface ConditionEntry {
  readonly operatorName: string;
  readonly operator: ParsedOperator;
  readonly key: string;
  readonly values: readonly string[];
}

function conditionBlock(value: unknown, path: string): ConditionEntry[] {
  if (!isObject(value)) throw new PolicyFormatError(path, 'must be an object');
  return Object.entries(value).flatMap(([operatorName, block]) => {
    const operatorPath = `${path}.${operatorName}`;
    const operator = parseConditionOperator(operatorName);
    if (typeof operator === 'string') throw new PolicyFormatError(operatorPath, operator);
    if (!isObject(block)) throw new PolicyFormatError(operatorPath, 'must be an object');
    return Object.entries(block).map(([key, raw]) => {
      const keyPath = `${operatorPath}.${key}`;
      if (key === '') throw new PolicyFormatError(keyPath, 'a condition key must not be empty');
      const values = conditionValues(raw, keyPath);
      for (const [i, text] of values.entries()) {
        const problem = conditionValueProblem(operator, text);
        if (problem) throw new PolicyFormatError(Array.isArray(raw) ? `${keyPath}[${i}]` : keyPath, problem);
      }
      return { operatorName, operator, key, values };
    });
  });
}

/** Condition values: strings, numbers or booleans ("Quotation marks are optional for numeric and Boolean values"), one or an array. */
function conditionValues(value: unknown, path: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new PolicyFormatError(path, 'must have at least one value');
  return list.map((entry, i) => {
    if (typeof entry === 'string') return entry;
    if (typeof entry === 'number' && Number.isFinite(entry)) return String(entry);
    if (typeof entry === 'boolean') return String(entry);
    throw new PolicyFormatError(Array.isArray(value) ? `${path}[${i}]` : path, 'must be a string, a number or a boolean');
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
