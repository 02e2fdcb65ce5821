import { ReadingKeys, valuesOf } from './judged-statements';
import { callerMatchKey } from './principal-element';
import type { PolicyStore } from './store-model';
import type { PolicyEvaluation, RequestContext } from './types';

/**
 * Whole evaluations kept for the next request of the same shape. A scan's denials repeat a few callers, actions and
 * resources, and differ mostly in keys no applicable statement reads (the session, the time, the source address):
 * judging the request layer by layer is a function of the caller, the action, the resource and the values of exactly
 * the condition keys the evaluation read, so a later request equal in those gets the same evaluation, and one that
 * differs in a key read is judged afresh (as judged-statements.ts does for each policy).
 *
 * The caller's session ARN counts only where the evaluation reads it (a statement naming a session, a KMS grant, the
 * session's own entry in the store); elsewhere it appears only in the line naming its unknown session policies, so the
 * sessions of one role share an evaluation, that line rewritten for each. Entries are bounded per store and per shape.
 */

/** An evaluation before it is compared with the access-denied message (agreesWithMessage). */
export type JudgedRequest = Omit<PolicyEvaluation, 'agreesWithMessage'>;

/** Set by the evaluation when it reads the caller's session ARN beyond naming its unknown session policies. */
export interface SessionReads {
  session: boolean;
}

interface Kept {
  readonly evaluation: JudgedRequest;
  /** Where missingPolicies names the session's unknown session policies, or -1. */
  readonly sessionLine: number;
}

/** A shape's evaluations by the list of keys read, then by the values found for them. */
type Shape = Map<string, { readonly keys: readonly string[]; readonly kept: Map<string, Kept> }>;

const SHAPES = new WeakMap<PolicyStore, Map<string, Shape>>();
const SHAPES_PER_STORE = 4096;
const KEY_LISTS_PER_SHAPE = 8;
const EVALUATIONS_PER_KEY_LIST = 256;

/** The request's evaluation: kept from a request of the same shape and key values, or judged now (and kept). */
export function judgedRequest(
  request: RequestContext,
  store: PolicyStore,
  judge: (request: RequestContext, store: PolicyStore, reads: SessionReads) => JudgedRequest,
): JudgedRequest {
  let shapes = SHAPES.get(store);
  if (shapes === undefined) SHAPES.set(store, (shapes = new Map()));
  const session = request.principal.sessionArn;
  // A session the store holds has its own policies and tags: its evaluations are its own.
  const held = session !== null && store.sessions.has(session);
  const sharedShape = held ? null : shapeKeyOf(request, false);
  const shared = sharedShape === null ? undefined : find(shapes.get(sharedShape), request);
  if (shared !== undefined) return forSession(shared, session);
  const ownShape = shapeKeyOf(request, true);
  const own = find(shapes.get(ownShape), request);
  if (own !== undefined) return own.evaluation;

  const reading = new ReadingKeys(request.keys);
  const reads: SessionReads = { session: false };
  const evaluation = judge({ ...request, keys: reading }, store, reads);
  if (reading.readEverything) return evaluation;
  const line = session === null ? -1 : evaluation.missingPolicies.indexOf(sessionLineOf(session));
  keep(shapes, reads.session || sharedShape === null ? ownShape : sharedShape, [...reading.read], request, {
    evaluation,
    sessionLine: line,
  });
  return evaluation;
}

/**
 * Everything but the condition keys that the evaluation reads of the request; `session`: with the session's ARN,
 * else only whether there is one (a caller without a session has no session policies to name).
 */
function shapeKeyOf(request: RequestContext, session: boolean): string {
  const principal = request.principal;
  const caller = `${callerMatchKey(principal, session)}${principal.sessionArn === null ? 'n' : 's'}${principal.serviceLinked ? 'L' : 'l'}`;
  return `${caller}\u0000${request.action}\u0000${request.resource ?? '\u0001'}\u0000${request.resourceAccountId ?? '\u0001'}`;
}

function find(shape: Shape | undefined, request: RequestContext): Kept | undefined {
  if (shape === undefined) return undefined;
  for (const known of shape.values()) {
    const kept = known.kept.get(valuesOf(known.keys, request.keys));
    if (kept !== undefined) return kept;
  }
  return undefined;
}

function keep(shapes: Map<string, Shape>, shapeKey: string, keys: readonly string[], request: RequestContext, kept: Kept): void {
  let shape = shapes.get(shapeKey);
  if (shape === undefined) {
    if (shapes.size >= SHAPES_PER_STORE) shapes.clear();
    shapes.set(shapeKey, (shape = new Map()));
  }
  const list = keys.join('\u0000');
  let known = shape.get(list);
  if (known === undefined) {
    if (shape.size >= KEY_LISTS_PER_SHAPE) shape.clear();
    shape.set(list, (known = { keys, kept: new Map() }));
  }
  if (known.kept.size >= EVALUATIONS_PER_KEY_LIST) known.kept.clear();
  known.kept.set(valuesOf(keys, request.keys), kept);
}

/** A kept evaluation for another session of the same role: its line about unknown session policies names this one. */
function forSession(kept: Kept, session: string | null): JudgedRequest {
  if (kept.sessionLine < 0 || session === null) return kept.evaluation;
  const line = sessionLineOf(session);
  const missingPolicies = kept.evaluation.missingPolicies;
  if (missingPolicies[kept.sessionLine] === line) return kept.evaluation;
  return { ...kept.evaluation, missingPolicies: missingPolicies.map((entry, index) => (index === kept.sessionLine ? line : entry)) };
}

/** What missingPolicies says of a session whose session policies the store does not hold (evaluate.ts writes it). */
export function sessionLineOf(session: string): string {
  return `session policies of ${session}`;
}
