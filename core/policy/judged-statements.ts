import type { PolicyDocument, PolicyStatement } from './document';
import { callerMatchKey, namesSession } from './principal-element';
import type { SessionReads } from './request-verdicts';
import { actionAndResource, evaluateStatement, hasConstantScope, matchesAction, matchesResource } from './statement';
import type { PolicyStore } from './store';
import type { ContextValue, RequestContext, StatementVerdict, Tri } from './types';

/**
 * The verdicts of one policy's statements for a request, with what a scan can reuse from one request to the next.
 * A scan meets the same few actions and resources and the same policies again and again; what changes between its
 * requests is the caller's session and some condition keys (time, source address), which most statements never read.
 *
 * - Scope: what each statement's Action and Resource say (matchesActionAndResource) depends on the action and the
 *   resource only when its Resource holds no variable; it is kept per policy and (action, resource), made from what
 *   the Actions say of the action and the Resources of the resource, each kept per policy. A statement they rule out
 *   is ruled out whatever the rest of the request, so it is not judged at all.
 * - Verdicts: judging the statements in scope reads the request's condition keys (and the caller, for a Principal
 *   element); the verdicts are kept under the values of exactly the keys that judging read. Judging is a function of
 *   those values: a later request with the same values for the same keys gets the same verdicts. A request that
 *   differs in a key read is judged afresh.
 * Entries are bounded per policy and per (action, resource).
 */

type Scope = ReadonlyArray<Tri | null>;

interface ScopeEntry {
  /** Per statement: its Action and Resource verdict, or null when its Resource has variables (judged in full). */
  readonly scope: Scope;
  /** Whether a statement in scope names principals other than everyone: the caller is then part of what is read. */
  readonly readsCaller: boolean;
  /** Whether a statement in scope names a session: the session's own ARN is then part of what is read of the caller. */
  readonly readsSession: boolean;
  /** Verdicts by the list of keys judging read, then by the values found for them. */
  readonly judged: Map<string, { readonly keys: readonly string[]; readonly verdicts: Map<string, StatementVerdict[]> }>;
  /** The verdicts, once judging has read neither a key nor the caller: then they hold for every request. */
  always: StatementVerdict[] | undefined;
}

/** Per statement: what its Action says of an action, or its Resource of a resource; null when its Resource has variables. */
type ElementVerdicts = ReadonlyArray<Tri | null>;

interface DocumentScopes {
  /** By action and resource (scopeKeyOf). */
  readonly entries: Map<string, ScopeEntry>;
  readonly byAction: Map<string, ElementVerdicts>;
  readonly byResource: Map<string, ElementVerdicts>;
}

type Scopes = Map<PolicyDocument, DocumentScopes>;

const SCOPES = new WeakMap<PolicyStore, Scopes>();
const SCOPES_PER_POLICY = 512;
const KEY_LISTS_PER_SCOPE = 8;
const VERDICTS_PER_KEY_LIST = 256;

/** What is kept for one store's policies. */
export function scopesOf(store: PolicyStore): Scopes {
  let scopes = SCOPES.get(store);
  if (scopes === undefined) SCOPES.set(store, (scopes = new Map()));
  return scopes;
}

/** The key under which a request's action and resource share scopes. */
export function scopeKeyOf(request: RequestContext): string {
  return `${request.action}\u0000${request.resource ?? ''}`;
}

/** The verdicts of the statements that may apply (a statement ruled out by its Action or Resource has none). */
export function judgeStatements(
  document: PolicyDocument,
  request: RequestContext,
  scopeKey: string,
  scopes: Scopes,
  reads: SessionReads,
): readonly StatementVerdict[] {
  const entry = scopeEntry(document, request, scopeKey, scopes);
  if (entry.always !== undefined) return entry.always;
  if (entry.readsCaller && entry.readsSession) reads.session = true;
  const caller = entry.readsCaller ? callerMatchKey(request.principal, entry.readsSession) : '';
  for (const known of entry.judged.values()) {
    const verdicts = known.verdicts.get(caller + valuesOf(known.keys, request.keys));
    if (verdicts !== undefined) return verdicts;
  }
  const reading = new ReadingKeys(request.keys);
  const verdicts = judgeInScope(document.statements, entry.scope, { ...request, keys: reading });
  if (reading.readEverything) return verdicts;
  if (reading.read.size === 0 && !entry.readsCaller) return (entry.always = verdicts);
  const keys = [...reading.read];
  const list = keys.join('\u0000');
  let known = entry.judged.get(list);
  if (known === undefined) {
    if (entry.judged.size >= KEY_LISTS_PER_SCOPE) entry.judged.clear();
    entry.judged.set(list, (known = { keys, verdicts: new Map() }));
  }
  if (known.verdicts.size >= VERDICTS_PER_KEY_LIST) known.verdicts.clear();
  known.verdicts.set(caller + valuesOf(keys, request.keys), verdicts);
  return verdicts;
}

function scopeEntry(document: PolicyDocument, request: RequestContext, scopeKey: string, scopes: Scopes): ScopeEntry {
  let documentScopes = scopes.get(document);
  let entry = documentScopes?.entries.get(scopeKey);
  if (entry !== undefined) return entry;
  if (documentScopes === undefined)
    scopes.set(document, (documentScopes = { entries: new Map(), byAction: new Map(), byResource: new Map() }));
  const statements = document.statements;
  const actions = elementVerdicts(documentScopes.byAction, request.action, statements, (statement) =>
    matchesAction(statement, request.action),
  );
  const resources = elementVerdicts(documentScopes.byResource, request.resource ?? '', statements, (statement) =>
    matchesResource(statement, request),
  );
  const scope = actions.map((action, index) => (action === null ? null : actionAndResource(action, () => resources[index]!)));
  const inScope = statements.filter((_, index) => scope[index] !== false);
  const readsCaller = inScope.some(namesSomeone);
  const readsSession = inScope.some((statement) => statement.principals !== null && namesSession(statement.principals.entries));
  entry = { scope, readsCaller, readsSession, judged: new Map(), always: undefined };
  if (documentScopes.entries.size >= SCOPES_PER_POLICY) documentScopes.entries.clear();
  documentScopes.entries.set(scopeKey, entry);
  return entry;
}

/** What an element of each statement says of one action or resource, kept per policy (null: judged in full). */
function elementVerdicts(
  kept: Map<string, ElementVerdicts>,
  key: string,
  statements: readonly PolicyStatement[],
  verdict: (statement: PolicyStatement) => Tri,
): ElementVerdicts {
  let verdicts = kept.get(key);
  if (verdicts === undefined) {
    verdicts = statements.map((statement) => (hasConstantScope(statement) ? verdict(statement) : null));
    if (kept.size >= SCOPES_PER_POLICY) kept.clear();
    kept.set(key, verdicts);
  }
  return verdicts;
}

function judgeInScope(statements: readonly PolicyStatement[], scope: Scope, request: RequestContext): StatementVerdict[] {
  const verdicts: StatementVerdict[] = [];
  for (let index = 0; index < statements.length; index++) {
    const known = scope[index];
    if (known === false) continue;
    verdicts.push(
      known === null ? evaluateStatement(statements[index], index, request) : evaluateStatement(statements[index], index, request, known),
    );
  }
  return verdicts;
}

/** Whether matching the statement's Principal or NotPrincipal depends on who the caller is ("*" alone does not). */
function namesSomeone(statement: PolicyStatement): boolean {
  const principals = statement.principals;
  return principals !== null && (principals.negated || principals.entries.some((entry) => entry.kind !== 'everyone'));
}

/** The values of the keys, written so that different values never give the same text. */
export function valuesOf(keys: readonly string[], context: ReadonlyMap<string, ContextValue>): string {
  let text = '';
  for (const key of keys) {
    const value = context.get(key);
    if (value === undefined) text += 'n';
    else if (value.kind !== 'present') text += value.kind === 'absent' ? 'a' : 'u';
    else {
      text += `${value.multivalued ? 'm' : 's'}${value.values.length}:`;
      for (const item of value.values) text += `${item.length}:${item}`;
    }
  }
  return text;
}

/** The request's keys, noting which are read; listing them all reads everything. */
export class ReadingKeys implements ReadonlyMap<string, ContextValue> {
  readonly read = new Set<string>();
  readEverything = false;

  constructor(private readonly inner: ReadonlyMap<string, ContextValue>) {}

  get(key: string): ContextValue | undefined {
    this.read.add(key);
    return this.inner.get(key);
  }

  has(key: string): boolean {
    this.read.add(key);
    return this.inner.has(key);
  }

  get size(): number {
    return this.all().size;
  }

  forEach(callback: (value: ContextValue, key: string, map: ReadonlyMap<string, ContextValue>) => void): void {
    this.all().forEach((value, key) => callback(value, key, this));
  }

  entries(): MapIterator<[string, ContextValue]> {
    return this.all().entries();
  }

  keys(): MapIterator<string> {
    return this.all().keys();
  }

  values(): MapIterator<ContextValue> {
    return this.all().values();
  }

  [Symbol.iterator](): MapIterator<[string, ContextValue]> {
    return this.all().entries();
  }

  private all(): ReadonlyMap<string, ContextValue> {
    this.readEverything = true;
    return this.inner;
  }
}
