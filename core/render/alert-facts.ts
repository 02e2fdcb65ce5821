import { shellCommand } from '../diagnosis/shell';
import type { Cause } from '../diagnosis/types';
import { isRepeatAlert } from '../incidents/alert-policy';
import type { Incident } from '../incidents/model';
import { severityOf, type Severity } from '../incidents/severity';
import { incidentTarget } from '../incidents/target';
import { POLICY_TYPE_LABELS } from '../policy/describe';

/** Cause names as people say them, for headlines: a policy cause reads as its policy type. */
export const CAUSE_LABELS: Readonly<Record<Cause, string>> = {
  'identity-policy': POLICY_TYPE_LABELS['identity-policy'],
  'service-control-policy': POLICY_TYPE_LABELS['service-control-policy'],
  'resource-control-policy': POLICY_TYPE_LABELS['resource-control-policy'],
  'vpc-endpoint-policy': POLICY_TYPE_LABELS['vpc-endpoint-policy'],
  'permissions-boundary': POLICY_TYPE_LABELS['permissions-boundary'],
  'session-policy': POLICY_TYPE_LABELS['session-policy'],
  'resource-policy': POLICY_TYPE_LABELS['resource-policy'],
  'mfa-required': 'MFA required',
  'kms-key-access': 'KMS key access',
  'kms-key-unusable': 'KMS key unusable',
  unknown: 'unknown cause',
};

/**
 * The facts every alert rendering shows (email/terminal, Slack, SNS), computed once so the channels agree.
 * Values are raw here; each renderer escapes them for its medium.
 */
export interface AlertFacts {
  readonly incident: Incident;
  readonly causeLabel: string;
  readonly severity: Severity;
  /** Table name, else resource, else "the account": what the headline says was denied. */
  readonly target: string;
  /** Occurrences since the previous alert when this alert repeats one, else null. */
  readonly repeatCount: number | null;
  /** CloudTrail event history for the event that raised the alert, or null when the region is not a region name. */
  readonly cloudTrailUrl: string | null;
  /** The CLI command that shows the incident in full, as a person pastes it. */
  readonly showCommand: string;
  /**
   * What sets this alert apart, one sentence each, not yet escaped: a reopened incident (with when it had been
   * resolved), a read from a console session (alerted only because alertOnConsoleReads is on).
   */
  readonly circumstances: readonly string[];
}

export function alertFacts(incident: Incident): AlertFacts {
  const diagnosis = incident.diagnosis;
  const eventId = incident.alert?.eventId ?? incident.lastEventId;
  return {
    incident,
    // A stored item is data, not a type: an unexpected cause is shown as unknown rather than as "undefined".
    causeLabel: CAUSE_LABELS[incident.cause] ?? CAUSE_LABELS.unknown,
    severity: severityOf(incident.cause, incident.denial),
    target: incidentTarget(incident),
    repeatCount: isRepeatAlert(incident) && incident.alert ? incident.alert.occurrencesSincePreviousAlert : null,
    cloudTrailUrl: cloudTrailEventUrl(diagnosis.region, eventId),
    // Stored items are data: even our own id is quoted like any value a person may paste.
    showCommand: shellCommand('denyscope incidents show', [incident.id, 'INCIDENT_ID']),
    circumstances: [
      ...(incident.alert?.reopenedFrom ? [`Reopened: this incident had been resolved at ${incident.alert.reopenedFrom}.`] : []),
      // Stored before these fields existed: not a console read.
      ...(diagnosis.consoleSession === true && diagnosis.readOnly === true
        ? ['A read from a console session: alerted because alertOnConsoleReads is on.']
        : []),
    ],
  };
}

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** A link we build (never one taken from the event): the region must look like one, every value is URL-encoded. */
export function cloudTrailEventUrl(region: string, eventId: string): string | null {
  if (!REGION_NAME.test(region)) return null;
  const encodedRegion = encodeURIComponent(region);
  return `https://${encodedRegion}.console.aws.amazon.com/cloudtrailv2/home?region=${encodedRegion}#/events/${encodeURIComponent(eventId)}`;
}
