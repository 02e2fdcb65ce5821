import { createHash } from 'node:crypto';
import type { Diagnosis } from '../diagnosis/types';

/**
 * The incident a denial belongs to: deterministic from (account, principal, action, resource, cause),
 * so every writer (Lambda, local mode) and every retry folds the same denial into the same incident.
 */
export function incidentIdFor(diagnosis: Pick<Diagnosis, 'accountId' | 'principal' | 'action' | 'resource' | 'cause'>): string {
  // A separator that cannot occur in ARNs keeps ("a", "b:c") and ("a:b", "c") apart.
  const identity = [diagnosis.accountId, diagnosis.principal, diagnosis.action, diagnosis.resource ?? '', diagnosis.cause].join('\u0000');
  return `inc-${createHash('sha256').update(identity).digest('hex').slice(0, 16)}`;
}
