import type { CloudTrailRecord } from '../core/diagnosis/record';
import type { Diagnosis } from '../core/diagnosis/types';
import { diagnoseWithEvidence, evaluateDiagnosis } from '../core/policy/diagnosis-evaluation';
import { evidenceOfGathered } from '../core/policy/gathered-evidence';
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
 * The diagnosis made again with the gathered evidence, best first (core/policy/gathered-evidence.ts): AWS's record,
 * else the policies read now, else the message alone, with what could not be read named in missingPolicies.
 */
export function diagnosisFromEvidence(record: CloudTrailRecord, diagnosis: Diagnosis, gathered: GatheredEvidence): DeepDiagnosisResult {
  const deep = diagnoseWithEvidence(record, evidenceOfGathered(gathered, null));
  // The diagnosis was made from this record, so it is a denial: diagnoseWithEvidence gives a diagnosis.
  if (deep === null || deep.evaluation === null) throw new Error(`event ${diagnosis.eventId} is not a denial`);
  return { evaluation: deep.evaluation, confidence: deep.confidence, remediation: deep.remediation };
}
