import type { Diagnosis } from '../diagnosis/types';
import type { Evaluation } from './types';

// Apart from the evaluator: the Lambda uses it when deep diagnosis gives up, without loading the evaluator.

/**
 * `source: message`: no policy could be read, so the evaluation knows only what the message says: its kind of denial
 * (explicit, implicit, or unknown: inconclusive), no statement and no layer, and what could not be read.
 */
export function messageEvaluation(diagnosis: Pick<Diagnosis, 'denial'>, missingPolicies: readonly string[]): Evaluation {
  return {
    decision: diagnosis.denial === 'explicit' ? 'explicit-deny' : diagnosis.denial === 'implicit' ? 'implicit-deny' : 'inconclusive',
    deniedBy: [],
    missingAllow: [],
    unresolvedKeys: [],
    missingPolicies: [...new Set(missingPolicies)].sort(),
    agreesWithMessage: null,
    source: 'message',
  };
}
