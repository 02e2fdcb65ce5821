import { conditionOutcome, layerDescription, policyDescription, statementName } from '../policy/describe';
import type { ConditionResult, DeniedBy, Evaluation } from '../policy/types';
import { escapeSingleLine } from './escape';

/** Long lists are cut: a person reads the first few; --json carries them all. */
const SHOWN = 5;
const MARK = '◀';

const DECISIONS: Readonly<Record<Evaluation['decision'], string>> = {
  'explicit-deny': 'explicit deny',
  'implicit-deny': 'implicit deny (no allow)',
  inconclusive: 'inconclusive: it turns on what the record does not show',
  allow: 'allowed',
};

/** What missingPolicies means, by the evidence the evaluation was made from. */
const MISSING: Readonly<Record<string, string>> = {
  store: 'the store lacks',
  fetched: 'could not be read from AWS',
  'authorization-details': "not in AWS's record",
};

/**
 * The evidence an evaluation came from (`evaluation.source`), when it says; evaluations made before the field existed
 * do not.
 */
function sourceOf(evaluation: Evaluation): string | undefined {
  return (evaluation as Evaluation & { readonly source?: string }).source;
}

/**
 * The evaluation as plain lines, for the terminal and the alert text (of a denied call, or of one given by hand to
 * `denyscope evaluate`): the decision, each denying statement as JSON
 * with the deciding condition lines marked, or the layers without an allow, then what the store lacked. Statements and
 * names come from the store and the event: every line is escaped here, so no value can forge lines or escape sequences.
 */
export function renderEvaluationLines(evaluation: Evaluation, resource: string | null, call: 'denied' | 'hypothetical'): string[] {
  const source = sourceOf(evaluation);
  // Nothing could be evaluated (deep diagnosis read nothing in time): say why, not a verdict.
  if (source === 'message') return [`not evaluated against policies: ${evaluation.missingPolicies.join('; ')}`].map(escapeSingleLine);
  const agreement =
    evaluation.agreesWithMessage === null
      ? ''
      : evaluation.agreesWithMessage
        ? ' (agrees with the message)'
        : ' (the message names another policy: check the store)';
  const stale = call === 'denied' && evaluation.decision === 'allow' ? ', yet AWS denied the call: the store is stale or incomplete' : '';
  const lines = [`evaluated: ${DECISIONS[evaluation.decision]}${stale}${agreement}`];
  for (const entry of evaluation.deniedBy.slice(0, SHOWN)) {
    const deciding = evaluation.decision === 'inconclusive' ? 'unresolved' : true;
    lines.push(
      `${statementName(entry)} of the ${policyDescription(entry, resource)}${evaluation.decision === 'inconclusive' ? ' denies if the unresolved keys match' : ''}:`,
    );
    lines.push(...markedStatement(entry, (condition) => condition.result === deciding).map((line) => `  ${line}`));
  }
  if (evaluation.deniedBy.length > SHOWN)
    lines.push(`… and ${evaluation.deniedBy.length - SHOWN} more denying statements (--json lists them all)`);
  for (const layer of evaluation.missingAllow) {
    lines.push(
      `no allow in the ${layerDescription(layer)}${layer.policies.length > 0 ? `: ${layer.policies.join(', ')}` : ' (none attached)'}`,
    );
  }
  if (evaluation.unresolvedKeys.length > 0) lines.push(`turns on: ${evaluation.unresolvedKeys.join(', ')}`);
  if (evaluation.missingPolicies.length > 0) {
    const shown = evaluation.missingPolicies.slice(0, SHOWN).join('; ');
    lines.push(
      `${MISSING[source ?? 'store'] ?? MISSING.store}: ${shown}${evaluation.missingPolicies.length > SHOWN ? `; and ${evaluation.missingPolicies.length - SHOWN} more` : ''}`,
    );
  }
  return lines.map(escapeSingleLine);
}

/**
 * The statement as written, pretty-printed, with a mark after each condition line that decided it:
 *   "aws:PrincipalArn": "arn:aws:iam::*:role/orders-writer"   ◀ (request: arn:aws:iam::111122223333:role/app) → true
 */
export function markedStatement(
  entry: Pick<DeniedBy, 'statement' | 'conditions'>,
  deciding: (condition: ConditionResult) => boolean,
): string[] {
  let inCondition = false;
  let operator: string | null = null;
  return JSON.stringify(entry.statement, null, 2)
    .split('\n')
    .map((line) => {
      // JSON.stringify's layout: statement elements at 2 spaces, operators at 4, condition keys at 6.
      if (line.startsWith('  "Condition": {')) inCondition = true;
      else if (inCondition && line.startsWith('  }')) inCondition = false;
      if (!inCondition) return line;
      const operatorLine = /^ {4}("(?:[^"\\]|\\.)*"): \{$/.exec(line);
      if (operatorLine) operator = JSON.parse(operatorLine[1]) as string;
      const keyLine = /^ {6}("(?:[^"\\]|\\.)*"): /.exec(line);
      if (keyLine === null || operator === null) return line;
      const key = JSON.parse(keyLine[1]) as string;
      const condition = entry.conditions.find((candidate) => candidate.operator === operator && candidate.key === key);
      return condition !== undefined && deciding(condition) ? `${line}   ${MARK} ${conditionOutcome(condition)}` : line;
    });
}
