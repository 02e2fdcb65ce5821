import { diagnoseWith } from '../core/diagnosis/diagnose';
import type { CloudTrailRecord } from '../core/diagnosis/record';
import type { Diagnosis } from '../core/diagnosis/types';
import { evaluateDiagnosis } from '../core/policy/diagnosis-evaluation';
import type { EvidenceSource } from '../core/policy/ports';
import { remediateFromEvaluation } from '../core/policy/remediation';
import { parsePolicyStore, PolicyStoreError, type PolicyStore } from '../core/policy/store';
import { STORE_FORMAT } from '../core/policy/store-fragment';
import type { Evaluation } from '../core/policy/types';
import { AuthorizationDetailsClient } from './adapters/authorization-details';
import { EvidenceGatherer, type GatheredEvidence } from './adapters/evidence-gatherer';
import { AwsPolicySource } from './adapters/policy-sources/aws-policy-source';
import type { BudgetedDeepener, DeepDiagnosisResult } from './deep-diagnosis';

/**
 * Loaded lazily by lambdas/deep-diagnosis.ts on the first alert: everything here (the IAM, EC2, Organizations and STS
 * clients, the policy store parser and the evaluator) stays out of the Lambda's module init.
 */

export interface EvidenceDeepenerSettings {
  /** A role in the organization's management account to read SCPs and RCPs through; null: they are not read. */
  readonly organizationReaderRoleArn: string | null;
}

/** How long a warm container reuses what it read: policies change, but an alert storm should not re-read them. */
const CACHE_TTL_MS = 5 * 60_000;

export function createEvidenceDeepener(settings: EvidenceDeepenerSettings): BudgetedDeepener {
  const gatherer = new EvidenceGatherer({
    authorizationDetails: new AuthorizationDetailsClient(),
    policySource: new AwsPolicySource({
      cacheTtlMs: CACHE_TTL_MS,
      ...(settings.organizationReaderRoleArn === null ? {} : { organizationRoleArn: settings.organizationReaderRoleArn }),
    }),
    evaluate: evaluateDiagnosis,
    organization: settings.organizationReaderRoleArn !== null,
  });
  return {
    async deepen(diagnosis, record, budgetMs) {
      const gathered = await gatherer.gather(record, diagnosis, { budgetMs, now: new Date() });
      return diagnosisFromEvidence(record, diagnosis, gathered);
    },
  };
}

/**
 * The diagnosis made again with the gathered evidence: AWS's record when it was read (its evaluation as it stands),
 * else the fetched policies evaluated, with what could not be read named in missingPolicies either way; the
 * remediation is then built from the evaluation, and an evaluation that agrees with the message makes it certain.
 */
export function diagnosisFromEvidence(record: CloudTrailRecord, diagnosis: Diagnosis, gathered: GatheredEvidence): DeepDiagnosisResult {
  const { store, problem } = storeOf(gathered);
  const evaluate = (): Evaluation & { readonly source: EvidenceSource } => {
    if (gathered.authorization !== null) return gathered.authorization.evaluation;
    const evaluation = evaluateDiagnosis(record, diagnosis, store);
    const named = [...gathered.missingPolicies, ...evaluation.missingPolicies, ...(problem === null ? [] : [problem])];
    return { ...evaluation, missingPolicies: [...new Set(named)].sort(), source: 'fetched' };
  };
  const deep = diagnoseWith(record, {
    evaluate,
    remediate: (facts, evaluation) => remediateFromEvaluation(facts, evaluation, store),
  });
  // The diagnosis was made from this record, so it is a denial: diagnoseWith gives a diagnosis.
  if (deep === null) throw new Error(`event ${diagnosis.eventId} is not a denial`);
  return { evaluation: deep.evaluation, confidence: deep.confidence, remediation: deep.remediation };
}

/** The documents to evaluate and remediate with: AWS's captured ones, else those read now; unreadable ones are none. */
function storeOf(gathered: GatheredEvidence): { readonly store: PolicyStore; readonly problem: string | null } {
  const file = gathered.authorization?.capturedStore ?? gathered.fetched?.store ?? { format: STORE_FORMAT };
  try {
    return { store: parsePolicyStore(file), problem: null };
  } catch (error) {
    if (!(error instanceof PolicyStoreError)) throw error;
    return { store: parsePolicyStore({ format: STORE_FORMAT }), problem: `policies read from AWS: ${error.message}` };
  }
}
