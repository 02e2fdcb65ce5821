import { diagnoseWith, type DiagnosisEvaluator } from '../diagnosis/diagnose';
import { causeOfPolicyType } from '../diagnosis/message';
import type { CloudTrailRecord } from '../diagnosis/record';
import { POLICY_CAUSES, type Diagnosis } from '../diagnosis/types';
import { requestContextFor, type DiagnosedCall } from './context';
import { evaluateRequest, type MessageClaim } from './evaluate';
import { remediateFromEvaluation } from './remediation';
import type { PolicyStore } from './store';
import type { Evaluation, PolicyType } from './types';

/** The causes that are policy types of the evaluation; the others (MFA, KMS, unknown) name none by themselves. */
const POLICY_TYPE_OF_CAUSE: ReadonlyMap<string, PolicyType> = new Map(POLICY_CAUSES.map((cause) => [cause, cause]));

/**
 * A diagnosis, evaluated against the policy store when one is given (the CLI's --policies): `evaluation` says which
 * statement denied the call or which layers lack an allow, and the remediation is built from it.
 */
export function diagnoseWithPolicies(record: CloudTrailRecord, store: PolicyStore | null): Diagnosis | null {
  return diagnoseWith(record, store === null ? null : evaluatorFor(store));
}

function evaluatorFor(store: PolicyStore): DiagnosisEvaluator {
  return {
    evaluate: (record, facts) => evaluateDiagnosis(record, facts, store),
    remediate: (facts, evaluation) => remediateFromEvaluation(facts, evaluation, store),
  };
}

/** The evaluation of a diagnosed denial against the store: the request rebuilt from its record, judged layer by layer. */
export function evaluateDiagnosis(
  record: CloudTrailRecord,
  diagnosis: DiagnosedCall & Pick<Diagnosis, 'policyType' | 'policyArn' | 'denial'>,
  store: PolicyStore,
): Evaluation {
  return evaluateRequest(requestContextFor(record, diagnosis, store), store, messageClaimOf(diagnosis));
}

/** What the message names, by the policy type it spells (an MFA or KMS diagnosis still names one: identity, resource-based). */
function messageClaimOf(diagnosis: Pick<Diagnosis, 'policyType' | 'policyArn' | 'denial'>): MessageClaim {
  const cause = diagnosis.policyType === null ? null : causeOfPolicyType(diagnosis.policyType);
  return {
    policyType: (cause === null ? undefined : POLICY_TYPE_OF_CAUSE.get(cause)) ?? null,
    policyArn: diagnosis.policyArn,
    denial: diagnosis.denial,
  };
}
