import { createHash } from 'node:crypto';
import type { CloudTrailRecord } from '../diagnosis';
import { arnAccount } from '../diagnosis/arn';
import type { Diagnosis } from '../diagnosis/types';
import type { Incident, IncidentDescription } from './model';

/**
 * The incident a denial belongs to: deterministic from (account, principal, action, resource, cause),
 * so every writer (Lambda, local mode) and every retry folds the same denial into the same incident.
 */
export function incidentIdFor(diagnosis: Pick<Diagnosis, 'accountId' | 'principal' | 'action' | 'resource' | 'cause'>): string {
  // A separator that cannot occur in ARNs keeps ("a", "b:c") and ("a:b", "c") apart.
  const identity = [incidentAccountOf(diagnosis), diagnosis.principal, diagnosis.action, diagnosis.resource ?? '', diagnosis.cause].join(
    '\u0000',
  );
  return `inc-${createHash('sha256').update(identity).digest('hex').slice(0, 16)}`;
}

/**
 * The account an incident is keyed on and listed under: the owner of the denied resource when its ARN names an account,
 * else the account that received the call. A cross-account call recorded in the caller's and in the owner's account
 * then gives one incident; for a call within one account both are the same account, so the id is what it always was.
 */
export function incidentAccountOf(diagnosis: Pick<Diagnosis, 'accountId' | 'resource'>): string {
  return arnAccount(diagnosis.resource) ?? diagnosis.accountId;
}

export function incidentDescription(diagnosis: Diagnosis): IncidentDescription {
  return {
    accountId: incidentAccountOf(diagnosis),
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
 * The eventID identifies a record. CloudTrail always sets it, but hand-made or trimmed records may lack it (the
 * diagnosis core then says 'unknown'): a hash of the record stands in, stable across redeliveries and reruns of the
 * same input, so it still deduplicates. Used by every writer (the Lambda and `denyscope local`).
 */
export function withStableEventId(diagnosis: Diagnosis, record: CloudTrailRecord): Diagnosis {
  if (diagnosis.eventId !== '' && diagnosis.eventId !== 'unknown') return diagnosis;
  return { ...diagnosis, eventId: `sha256-${createHash('sha256').update(JSON.stringify(record)).digest('hex').slice(0, 32)}` };
}

/**
 * The idempotency key of an occurrence: one per denied call. The copies of one call that CloudTrail records in several
 * accounts share the sharedEventID (each has its own eventID), so it is the key when present: the second copy is a
 * duplicate, like a redelivery of the first. Otherwise the record's eventID (stable, see withStableEventId).
 */
export function occurrenceKeyFor(diagnosis: Pick<Diagnosis, 'eventId' | 'sharedEventId'>): string {
  return diagnosis.sharedEventId ?? diagnosis.eventId;
}

/**
 * The alert's idempotency key, shown in every channel: the incident id and the alert's sequence number. A channel
 * gets the same alert twice only when a delivery's outcome was unknown (see the README); consumers drop repeats by it.
 */
export function alertKey(incident: Pick<Incident, 'id' | 'alert'>): string {
  return incident.alert === null ? incident.id : `${incident.id}#${incident.alert.sequence}`;
}
