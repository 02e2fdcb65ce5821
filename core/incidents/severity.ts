import type { Cause, DenialKind } from '../diagnosis/types';

export type Severity = 'high' | 'medium' | 'low';

/**
 * How urgently someone should look, for SNS filter policies and the alert text:
 * - high: the fix is outside the account (service or resource control policy) or the data is unreachable
 *   for everyone (kms-key-unusable: disabled or pending-deletion key);
 * - medium: any other explicit deny (someone wrote a deny that matches), and KMS key-policy or VPC endpoint denials;
 * - low: implicit denials (a missing allow, usually a deployment or permissions gap) and unknown causes.
 */
export function severityOf(cause: Cause, denial: DenialKind): Severity {
  if (cause === 'service-control-policy' || cause === 'resource-control-policy' || cause === 'kms-key-unusable') return 'high';
  if (denial === 'explicit' || cause === 'kms-key-access' || cause === 'vpc-endpoint-policy') return 'medium';
  return 'low';
}
