import { alertKey } from '../incidents/identity';
import type { Incident } from '../incidents/model';
import { alertFacts } from './alert-facts';
import { renderAlertText } from './alert-text';
import { escapeJson, escapeSingleLine } from './escape';

/** A string message attribute, in the shape SNS Publish takes (the core uses no SDK: the notifier passes it on). */
export interface SnsStringAttribute {
  readonly DataType: 'String';
  readonly StringValue: string;
}

export interface SnsAlert {
  readonly Subject: string;
  readonly Message: string;
  readonly MessageStructure: 'json';
  readonly MessageAttributes: Record<string, SnsStringAttribute>;
}

/** The machine-readable alert (the `default` message): the incident as stored, with a type tag and severity. */
export function renderMachineAlert(incident: Incident): Record<string, unknown> {
  return { type: 'denyscope.incident.alert', severity: alertFacts(incident).severity, alertKey: alertKey(incident), incident };
}

/**
 * One SNS publish per alert: `email` is the plain-text alert, `default` the incident as JSON for machines (values
 * intact; invisible characters as JSON escapes). Attributes let subscribers filter: printable text only, escaped
 * like the e-mail; SNS rejects empty string values, so tableName is only set when known.
 */
export function renderSnsAlert(incident: Incident): SnsAlert {
  const { subject, body } = renderAlertText(incident);
  const facts = alertFacts(incident);
  const attribute = (value: string): SnsStringAttribute => ({ DataType: 'String', StringValue: escapeSingleLine(value) });
  return {
    // SNS subjects must be printable ASCII.
    Subject: subject.replace(/[^\x20-\x7e]/g, '?'),
    Message: escapeJson({ default: escapeJson(renderMachineAlert(incident)), email: body }),
    MessageStructure: 'json',
    MessageAttributes: {
      cause: attribute(incident.cause),
      severity: attribute(facts.severity),
      accountId: attribute(incident.accountId),
      alertKey: attribute(alertKey(incident)),
      ...(incident.tableName ? { tableName: attribute(incident.tableName) } : {}),
    },
  };
}
