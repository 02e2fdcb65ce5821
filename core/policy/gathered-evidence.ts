import type { DiagnosisEvidence } from './diagnosis-evaluation';
import type { PolicyReadResult } from './ports';
import { parsePolicyStore, PolicyStoreError, type PolicyStore } from './store';
import type { PolicyStoreFile } from './store-fragment';
import type { Evaluation } from './types';

// Apart from diagnosis-evaluation.ts because it parses stores (zod): only deep diagnosis loads it.

/**
 * What was gathered from AWS for one denial (the evidence gatherer's answer, as plain data): AWS's record when it could
 * be read, else the policies read now (none when a store was given instead), and why the better sources were not used.
 */
export interface GatheredPolicies {
  readonly authorization: { readonly evaluation: Evaluation; readonly capturedStore: PolicyStoreFile } | null;
  readonly fetched: PolicyReadResult | null;
  readonly missingPolicies: readonly string[];
}

/**
 * The evidence to evaluate a denial with, best first: AWS's record; the user's store; the fetched policies when
 * anything at all could be read; else the message alone, saying what could not be read.
 */
export function evidenceOfGathered(gathered: GatheredPolicies, store: PolicyStore | null): DiagnosisEvidence {
  if (gathered.authorization !== null) {
    // The captured documents only sharpen the remediation: when they do not parse, AWS's own evaluation still stands.
    const captured = parsedOrNull(gathered.authorization.capturedStore);
    return { source: 'authorization-details', evaluation: gathered.authorization.evaluation, store: captured };
  }
  if (store !== null) return { source: 'store', store, missingPolicies: gathered.missingPolicies };
  const fetched = gathered.fetched;
  if (fetched === null || !holdsAnything(fetched.store)) return { source: 'message', missingPolicies: gathered.missingPolicies };
  try {
    return { source: 'fetched', store: parsePolicyStore(fetched.store), missingPolicies: gathered.missingPolicies };
  } catch (error) {
    if (!(error instanceof PolicyStoreError)) throw error;
    return { source: 'message', missingPolicies: [...gathered.missingPolicies, `the policies read from AWS: ${error.message}`] };
  }
}

function parsedOrNull(file: PolicyStoreFile): PolicyStore | null {
  try {
    return parsePolicyStore(file);
  } catch (error) {
    if (!(error instanceof PolicyStoreError)) throw error;
    return null;
  }
}

/** Whether a fragment holds any part at all (a store file holds only what was read). */
function holdsAnything(file: PolicyStoreFile): boolean {
  return [file.principals, file.sessions, file.resources, file.keys, file.vpcEndpoints, file.organization].some(
    (part) => part !== undefined && Object.keys(part).length > 0,
  );
}
