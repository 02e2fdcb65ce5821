import type { CloudTrailRecord } from '../../core/diagnosis/record';
import type { Diagnosis } from '../../core/diagnosis/types';
import { needsOfDiagnosis } from '../../core/policy/needs';
import type { PolicyReadResult, PolicySource } from '../../core/policy/ports';
import type { PolicyStore } from '../../core/policy/store';
import type { PolicyEvaluation } from '../../core/policy/types';
import { readAuthorizationEvidence, type AuthorizationDetailsClient, type AuthorizationEvidence } from './authorization-details';

export interface GatheredEvidence {
  /** AWS's own record, when the message had an id and it could be read: then nothing else is fetched. */
  readonly authorization: AuthorizationEvidence | null;
  /** The policies read now, when AWS's record was not available. */
  readonly fetched: PolicyReadResult | null;
  /** Why AWS's record was not used (unless the message had no id), then what could not be fetched. */
  readonly missingPolicies: readonly string[];
}

export interface EvidenceGathererOptions {
  /** Null when AWS's record is not to be asked (no permission, or turned off). */
  readonly authorizationDetails: AuthorizationDetailsClient | null;
  readonly policySource: PolicySource;
  /** The evaluator, run on the documents AWS captured (for an implicit denial's missing layer). */
  readonly evaluate: (record: CloudTrailRecord, diagnosis: Diagnosis, store: PolicyStore) => PolicyEvaluation;
  /** Whether the organization's SCPs and RCPs are read (a management account or reader role is configured). */
  readonly organization: boolean;
}

/**
 * Evidence 1 then 3 for one denial within a time budget: AWS's authorization record when the message carries an id,
 * else the policies the denial needs read from AWS. When the budget runs out the reads stop and what was not read is
 * named as timed out; it never rejects, so an alert is never held past the budget.
 */
export class EvidenceGatherer {
  constructor(private readonly options: EvidenceGathererOptions) {}

  async gather(
    record: CloudTrailRecord,
    diagnosis: Diagnosis,
    budget: { readonly budgetMs: number; readonly now: Date },
  ): Promise<GatheredEvidence> {
    const signal = AbortSignal.timeout(budget.budgetMs);
    const missingPolicies: string[] = [];
    if (this.options.authorizationDetails !== null && diagnosis.authorizationId !== null) {
      const outcome = await readAuthorizationEvidence(this.options.authorizationDetails, diagnosis, {
        now: budget.now,
        signal,
        evaluateCaptured: (store) => this.options.evaluate(record, diagnosis, store),
      });
      if (outcome.evidence) return { authorization: outcome.evidence, fetched: null, missingPolicies: [] };
      missingPolicies.push(outcome.reason);
    }
    const fetched = await this.options.policySource.read(needsOfDiagnosis(diagnosis, { organization: this.options.organization }), {
      signal,
    });
    return { authorization: null, fetched, missingPolicies: [...missingPolicies, ...fetched.missingPolicies] };
  }
}
