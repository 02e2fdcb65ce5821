/**
 * One statement, and one policy's statements, against a request, in three-valued logic: a statement applies when its
 * Action, Resource, Principal and every condition match (AND); it does not when any of them surely does not; else it
 * depends on unresolved context keys.
 *
 * IAM UG, NotAction: it "explicitly matches everything except the specified list of actions" (with Deny, every
 * other action is denied); NotResource likewise for resources; Action: "The prefix and the action name are case
 * insensitive"; Resource ARNs are matched case-sensitively, segment by segment (wildcard.ts), after policy variables
 * are substituted (variables.ts). "If a variable that has no value ... is used as part of the Resource or NotResource
 * element ... the resource that includes a policy variable with no value will not match any resource."
 *
 * Conditions are evaluated only when Action, Resource and Principal do not already rule the statement out.
 */
import { allOf, anyOf, evaluateCondition, not } from './conditions';
import type { PolicyDocument, PolicyStatement } from './document';
import { matchNotPrincipal, matchPrincipal } from './principal-element';
import type { ConditionResult, PrincipalMatch, RequestContext, StatementVerdict, Tri } from './types';
import { resolveTemplate, type Template } from './variables';
import { ArnPattern, type PatternPiece } from './wildcard';

export function evaluatePolicy(document: PolicyDocument, request: RequestContext): StatementVerdict[] {
  return document.statements.map((statement, index) => evaluateStatement(statement, index, request));
}

/**
 * One statement's verdict. `actionAndResource` is what matchesActionAndResource gives for the request, when the caller
 * already knows it (it is the same for every request with this action and resource when the Resource has no variable).
 */
export function evaluateStatement(
  statement: PolicyStatement,
  index: number,
  request: RequestContext,
  actionAndResource: Tri = matchesActionAndResource(statement, request),
): StatementVerdict {
  const principal = actionAndResource === false ? null : matchesPrincipalElement(statement, request);
  const scope = allOf([actionAndResource, principal?.applies ?? false]);
  const conditions: ConditionResult[] =
    scope === false ? [] : statement.conditions.map((condition) => evaluateCondition(condition, request.keys));
  return {
    statementIndex: index,
    sid: statement.sid,
    effect: statement.effect,
    statement: statement.statement,
    applies: allOf([scope, ...conditions.map((condition) => condition.result)]),
    principalMatch: principal?.match ?? null,
    conditions,
  };
}

/** Whether the statement's Action and Resource elements name the request's action and resource. */
export function matchesActionAndResource(statement: PolicyStatement, request: RequestContext): Tri {
  return actionAndResource(matchesAction(statement, request.action), () => matchesResource(statement, request));
}

/** Both elements together: an action the statement does not name rules it out, whatever its Resource says. */
export function actionAndResource(action: Tri, resource: () => Tri): Tri {
  return action === false ? false : allOf([action, resource()]);
}

/** Whether matchesActionAndResource depends on the request's action and resource only: its Resource has no variable. */
export function hasConstantScope(statement: PolicyStatement): boolean {
  return statement.resources === null || statement.resources.templates.every((template) => template.constant !== null);
}

/** Whether the statement's Action (or NotAction) names the action. */
export function matchesAction(statement: PolicyStatement, action: string): Tri {
  const named = statement.actions.patterns.some((pattern) => pattern.matches(action));
  return statement.actions.negated ? !named : named;
}

/** Whether the statement's Resource (or NotResource) names the request's resource (true when it has neither). */
export function matchesResource(statement: PolicyStatement, request: RequestContext): Tri {
  const { resources } = statement;
  if (!resources) return true;
  const named = anyOf(resources.templates.map((template) => resourceNamed(template, request)));
  return resources.negated ? not(named) : named;
}

/** Whether one Resource entry names the request's resource; an unknown resource is only surely named by "*". */
function resourceNamed(template: Template, request: RequestContext): Tri {
  const resolution = resolveTemplate(template, request.keys);
  if (resolution.kind === 'no-value') return false;
  if (resolution.kind === 'unresolved') return 'unresolved';
  const pattern = arnPattern(resolution.pieces);
  if (request.resource === null) return pattern.matchesEverything ? true : 'unresolved';
  return pattern.matches(request.resource);
}

// Resource entries without variables resolve to the same pieces every time: their compiled pattern is kept.
const CONSTANT_PATTERNS = new WeakMap<readonly PatternPiece[], ArnPattern>();

function arnPattern(pieces: readonly PatternPiece[]): ArnPattern {
  let pattern = CONSTANT_PATTERNS.get(pieces);
  if (!pattern) {
    pattern = new ArnPattern(pieces);
    CONSTANT_PATTERNS.set(pieces, pattern);
  }
  return pattern;
}

function matchesPrincipalElement(statement: PolicyStatement, request: RequestContext): { applies: Tri; match: PrincipalMatch | null } {
  const { principals } = statement;
  // Identity policies, boundaries, session policies and SCPs have no Principal: they apply to whom they are attached to.
  if (!principals) return { applies: true, match: null };
  return principals.negated
    ? matchNotPrincipal(principals.entries, request.principal)
    : matchPrincipal(principals.entries, request.principal);
}
