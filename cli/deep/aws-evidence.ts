import { diagnose, type CloudTrailRecord } from '../../core/diagnosis';
import { evaluateDiagnosis } from '../../core/policy/diagnosis-evaluation';
import type { GatheredPolicies } from '../../core/policy/gathered-evidence';
import { AuthorizationDetailsClient, readAuthorizationEvidence } from '../../lambdas/adapters/authorization-details';
import { EvidenceGatherer } from '../../lambdas/adapters/evidence-gatherer';
import { AwsPolicySource } from '../../lambdas/adapters/policy-sources/aws-policy-source';
import { createLimiter } from '../../lambdas/adapters/policy-sources/aws-reads';
import { silenceSdkNodeVersionNotice } from '../local/endpoints';
import type { DeepOptions } from './deep-options';

/**
 * A denial's evidence is gathered within this time once its turn comes (the reads wait for their turn first, so a
 * scan of many denials does not time out in the queue); what is not read by then is named as timed out.
 */
const DENIAL_BUDGET_MS = 60_000;
/** Denials gathered at once; each gathers its reads in parallel, under the policy source's own bound. */
const DENIALS_AT_ONCE = 8;

export interface AwsEvidence {
  /** The evidence for one record's denial (null when it is not a denial), as plain data that can cross to a scan worker. */
  gather(record: CloudTrailRecord): Promise<GatheredPolicies | null>;
  /**
   * What could not be read of the evidence the evaluations used (fetched policies, or the documents of AWS's record),
   * each once: the reasons a better source was not used are in the evaluations, and are not failures of the run.
   */
  readFailures(): readonly string[];
  /** Closes the SDK clients' connections. */
  destroy(): void;
}

/**
 * `--deep`: AWS's authorization record, then (without --policies) the policies the denial needs, read with the
 * caller's credentials; one instance per run, so each read is made once (the policy source's cache, and one gather
 * per authorization id) and the reads of every denial share one bound.
 */
export function createAwsEvidence(options: DeepOptions, now: () => Date): AwsEvidence {
  silenceSdkNodeVersionNotice();
  const authorizationDetails = new AuthorizationDetailsClient(options.profile === undefined ? {} : { profile: options.profile });
  const policySource = new AwsPolicySource({ region: options.region, profile: options.profile, organizationRoleArn: options.orgRole });
  const gatherer = new EvidenceGatherer({
    authorizationDetails,
    policySource,
    evaluate: evaluateDiagnosis,
    organization: options.organization,
  });
  const limit = createLimiter(DENIALS_AT_ONCE);
  const byAuthorizationId = new Map<string, Promise<GatheredPolicies>>();
  const failures = new Set<string>();
  const noteFailures = (gathered: GatheredPolicies): GatheredPolicies => {
    const used = gathered.authorization?.evaluation.missingPolicies ?? gathered.fetched?.missingPolicies ?? [];
    for (const line of used) failures.add(line);
    return gathered;
  };

  const gatherOne = async (record: CloudTrailRecord, diagnosis: NonNullable<ReturnType<typeof diagnose>>): Promise<GatheredPolicies> => {
    if (!options.withStore) return noteFailures(await gatherer.gather(record, diagnosis, { budgetMs: DENIAL_BUDGET_MS, now: now() }));
    // With --policies the store takes the place of the fetched policies: only AWS's own record is asked for.
    const outcome = await readAuthorizationEvidence(authorizationDetails, diagnosis, {
      now: now(),
      signal: AbortSignal.timeout(DENIAL_BUDGET_MS),
      evaluateCaptured: (store) => evaluateDiagnosis(record, diagnosis, store),
    });
    return noteFailures({
      authorization: outcome.evidence,
      fetched: null,
      missingPolicies: outcome.reason === null ? [] : [outcome.reason],
    });
  };

  return {
    gather: async (record) => {
      const diagnosis = diagnose(record);
      if (diagnosis === null) return null;
      // The sources never reject by design; should one still throw, the denial keeps its message-only evaluation
      // saying why, rather than the run stopping (a scan worker would otherwise wait for its answer forever).
      const guarded = (): Promise<GatheredPolicies> =>
        limit(() => gatherOne(record, diagnosis)).catch((error: unknown) => {
          const line = `evidence of ${diagnosis.eventId}: ${error instanceof Error ? error.message : String(error)}`;
          failures.add(line);
          return { authorization: null, fetched: null, missingPolicies: [line] };
        });
      const id = diagnosis.authorizationId;
      if (id === null) return guarded();
      // The same denial seen twice (a record in two files) asks AWS once.
      let gathered = byAuthorizationId.get(id);
      if (gathered === undefined) byAuthorizationId.set(id, (gathered = guarded()));
      return gathered;
    },
    readFailures: () => [...failures].sort(),
    destroy: () => policySource.destroy(),
  };
}
