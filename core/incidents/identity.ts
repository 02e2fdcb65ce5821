import { createHash } from 'node:crypto';
import type { CloudTrailRecord } from '../diagnosis';
import type { Diagnosis } from '../diagnosis/types';
import type { Incident, IncidentDescription } from './model';

/**
 * The incident a denial belongs to: deterministic from (account, principal, action, resource, cause),
 * so every writer (Lambda, local mode) and every retry folds the same denial into the same incident.
 */
export function incidentIdFor(diagnosis: Pick<Diagnosis, 'accountId' | 'principal' | 'action' | 'resource' | 'cause'>): string {
  // A separator that cannot occur in ARNs keeps ("a", "b:c") and ("a:b", "c") apart.
  const identity = [diagnosis.accountId, diagnosis.principal, diagnosis.action, diagnosis.resource ?? '', diagnosis.cause].join('\u0000');
  return `inc-${createHash('sha256').update(identity).digest('hex').slice(0, 16)}`;
}

export function incidentDescription(diagnosis: Diagnosis): IncidentDescription {
  return {
    accountId: diagnosis.accountId,
    region: diagnosis.region,
    principal: diagnosis.principal,
    action: diagnosis.action,
    resource: diagnosis.resource,
    tableName: diagnosis.tableName,
    cause: diagnosis.cause,
    denial: diagnosis.denial,
    policyType: diagnosis.policyType,
    policyArn: diagnosis.policyArn,
  };
}

/**
 * The eventID is the idempotency key of an occurrence. CloudTrail always sets it, but hand-made or trimmed records
 * may lack it (the diagnosis core then says 'unknown'): a hash of the record stands in, stable across redeliveries
 * and reruns of the same input, so it still deduplicates. Used by every writer (the Lambda and `denyscope local`).
 */
export function withStableEventId(diagnosis: Diagnosis, record: CloudTrailRecord): Diagnosis {
  if (diagnosis.eventId !== '' && diagnosis.eventId !== 'unknown') return diagnosis;
  return { ...diagnosis, eventId: `sha256-${createHash('sha256').update(JSON.stringify(record)).digest('hex').slice(0, 32)}` };
}

/**
 * The alert's idempotency key, shown in every channel: the incident id and the alert's sequence number. A channel
 * gets the same alert twice only when a delivery's outcome was unknown (see the README); consumers drop repeats by it.
 */
export function alertKey(incident: Pick<Incident, 'id' | 'alert'>): string {
  return incident.alert === null ? incident.id : `${incident.id}#${incident.alert.sequence}`;
}
