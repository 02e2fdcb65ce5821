import { diagnoseWith, type DiagnosisEvaluator, type DiagnosisFacts } from '../diagnosis/diagnose';
import { causeOfPolicyType } from '../diagnosis/message';
import type { CloudTrailRecord } from '../diagnosis/record';
import { remediate } from '../diagnosis/remediation';
import { POLICY_CAUSES, type Diagnosis, type Remediation } from '../diagnosis/types';
import { requestContextFor, type DiagnosedCall } from './context';
import { evaluateRequest, type MessageClaim } from './evaluate';
import { messageEvaluation } from './message-evaluation';
import { remediateFromEvaluation } from './remediation';
import type { PolicyStore } from './store';
import type { Evaluation, PolicyEvaluation, PolicyType } from './types';

/** The causes that are policy types of the evaluation; the others (MFA, KMS, unknown) name none by themselves. */
const POLICY_TYPE_OF_CAUSE: ReadonlyMap<string, PolicyType> = new Map(POLICY_CAUSES.map((cause) => [cause, cause]));

/**
 * What one denial is evaluated with, best first (README "Deep diagnosis"): AWS's own record (its evaluation, and
 * the documents it captured, which the remediation opens), a store of policies (the user's --policies, or the
 * policies read from AWS now), or nothing but the message. `missingPolicies` are what could not be read on the way.
 */
export type DiagnosisEvidence =
  | { readonly source: 'authorization-details'; readonly evaluation: Evaluation; readonly store: PolicyStore | null }
  | { readonly source: 'store' | 'fetched'; readonly store: PolicyStore; readonly missingPolicies: readonly string[] }
  | { readonly source: 'message'; readonly missingPolicies: readonly string[] };

/**
 * A diagnosis, evaluated against the policy store when one is given (the CLI's --policies): `evaluation` says which
 * statement denied the call or which layers lack an allow, and the remediation is built from it.
 */
export function diagnoseWithPolicies(record: CloudTrailRecord, store: PolicyStore | null): Diagnosis | null {
  return diagnoseWithEvidence(record, store === null ? null : { source: 'store', store, missingPolicies: [] });
}

/** A diagnosis evaluated with the given evidence; without evidence, `evaluation` is null (the message-only diagnosis). */
export function diagnoseWithEvidence(record: CloudTrailRecord, evidence: DiagnosisEvidence | null): Diagnosis | null {
  return diagnoseWith(record, evidence === null ? null : evaluatorFor(evidence));
}

function evaluatorFor(evidence: DiagnosisEvidence): DiagnosisEvaluator {
  return {
    evaluate: (record, facts) => evaluationWithEvidence(record, facts, evidence),
    remediate: (facts, evaluation) => remediationWithEvidence(facts, evaluation, evidence),
  };
}

/** The evaluation of a diagnosed denial with the given evidence, saying which evidence it came from. */
export function evaluationWithEvidence(
  record: CloudTrailRecord,
  diagnosis: DiagnosedCall & Pick<Diagnosis, 'policyType' | 'policyArn' | 'denial'>,
  evidence: DiagnosisEvidence,
): Evaluation {
  switch (evidence.source) {
    case 'authorization-details':
      return evidence.evaluation;
    case 'message':
      return messageEvaluation(diagnosis, evidence.missingPolicies);
    default: {
      const evaluated = evaluateDiagnosis(record, diagnosis, evidence.store);
      const missingPolicies =
        evidence.missingPolicies.length === 0
          ? evaluated.missingPolicies
          : [...new Set([...evidence.missingPolicies, ...evaluated.missingPolicies])].sort();
      return { ...evaluated, missingPolicies, source: evidence.source };
    }
  }
}

function remediationWithEvidence(facts: DiagnosisFacts, evaluation: Evaluation, evidence: DiagnosisEvidence): Remediation {
  const store = evidence.source === 'message' ? null : evidence.store;
  // An explicit deny whose statement AWS's record does not show has nothing precise to say: the message's remediation.
  const nothingPrecise = evaluation.decision === 'explicit-deny' && evaluation.deniedBy.length === 0;
  return store === null || nothingPrecise ? remediate(facts) : remediateFromEvaluation(facts, evaluation, store);
}

/** The evaluation of a diagnosed denial against the store: the request rebuilt from its record, judged layer by layer. */
export function evaluateDiagnosis(
  record: CloudTrailRecord,
  diagnosis: DiagnosedCall & Pick<Diagnosis, 'policyType' | 'policyArn' | 'denial'>,
  store: PolicyStore,
): PolicyEvaluation {
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
