import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import type { Incident } from '../incidents/model';
import { alertFacts } from './alert-facts';
import { renderAlertText } from './alert-text';

export interface SnsAlert {
  readonly Subject: string;
  readonly Message: string;
  readonly MessageStructure: 'json';
  readonly MessageAttributes: Record<string, MessageAttributeValue>;
}

/** The machine-readable alert (the `default` message): the incident as stored, with a type tag and severity. */
export function renderMachineAlert(incident: Incident): Record<string, unknown> {
  return { type: 'denyscope.incident.alert', severity: alertFacts(incident).severity, incident };
}

/**
 * One SNS publish per alert: `email` is the plain-text alert, `default` the incident as JSON for machines.
 * Attributes let subscribers filter; SNS rejects empty string values, so tableName is only set when known.
 */
export function renderSnsAlert(incident: Incident): SnsAlert {
  const { subject, body } = renderAlertText(incident);
  const facts = alertFacts(incident);
  const attribute = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  return {
    // SNS subjects must be printable ASCII.
    Subject: subject.replace(/[^\x20-\x7e]/g, '?'),
    Message: JSON.stringify({ default: JSON.stringify(renderMachineAlert(incident)), email: body }),
    MessageStructure: 'json',
    MessageAttributes: {
      cause: attribute(incident.cause),
      severity: attribute(facts.severity),
      accountId: attribute(incident.accountId),
      ...(incident.tableName ? { tableName: attribute(incident.tableName) } : {}),
    },
  };
}
