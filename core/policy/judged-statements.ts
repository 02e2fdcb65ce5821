import type { PolicyDocument, PolicyStatement } from './document';
import { callerMatchKey, namesSession } from './principal-element';
import { evaluateStatement, hasConstantScope, matchesActionAndResource } from './statement';
import type { PolicyStore } from './store';
import type { ContextValue, RequestContext, StatementVerdict, Tri } from './types';

/**
 * The verdicts of one policy's statements for a request, with what a scan can reuse from one request to the next.
 * A scan meets the same few actions and resources and the same policies again and again; what changes between its
 * requests is the caller's session and some condition keys (time, source address), which most statements never read.
 *
 * - Scope: what each statement's Action and Resource say (matchesActionAndResource) depends on the action and the
 *   resource only when its Resource holds no variable; it is kept per policy and (action, resource). A statement
 *   they rule out is ruled out whatever the rest of the request, so it is not judged at all.
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

type Scopes = Map<PolicyDocument, Map<string, ScopeEntry>>;

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
): readonly StatementVerdict[] {
  const entry = scopeEntry(document, request, scopeKey, scopes);
  if (entry.always !== undefined) return entry.always;
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
  let byScope = scopes.get(document);
  let entry = byScope?.get(scopeKey);
  if (entry !== undefined) return entry;
  const statements = document.statements;
  const scope = statements.map((statement) => (hasConstantScope(statement) ? matchesActionAndResource(statement, request) : null));
  const inScope = statements.filter((_, index) => scope[index] !== false);
  const readsCaller = inScope.some(namesSomeone);
  const readsSession = inScope.some((statement) => statement.principals !== null && namesSession(statement.principals.entries));
  entry = { scope, readsCaller, readsSession, judged: new Map(), always: undefined };
  if (byScope === undefined) scopes.set(document, (byScope = new Map()));
  if (byScope.size >= SCOPES_PER_POLICY) byScope.clear();
  byScope.set(scopeKey, entry);
  return entry;
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
function valuesOf(keys: readonly string[], context: ReadonlyMap<string, ContextValue>): string {
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
class ReadingKeys implements ReadonlyMap<string, ContextValue> {
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
