import type { Incident } from '../incidents/model';
import { alertFacts } from './alert-facts';
import { escapeSingleLine } from './escape';

export interface AlertText {
  /** At most 100 characters, one line. */
  readonly subject: string;
  readonly body: string;
}

export const SUBJECT_MAX_LENGTH = 100;
/** Long attacker-chosen values (error messages) are cut so one event cannot flood an inbox or a terminal. */
const VALUE_MAX_LENGTH = 1_000;

/**
 * The alert as plain text: the SNS email and the terminal alert of `denyscope local` (the same text).
 * Every value from the event goes through escapeSingleLine, so none can forge lines or carry escape sequences.
 */
export function renderAlertText(incident: Incident): AlertText {
  const facts = alertFacts(incident);
  const diagnosis = incident.diagnosis;
  const value = (text: string): string => truncate(escapeSingleLine(text), VALUE_MAX_LENGTH);
  const repeat = facts.repeatCount === null ? '' : `(${facts.repeatCount} more) `;
  const subject = truncate(
    escapeSingleLine(`[denyscope] ${repeat}${incident.action} denied on ${facts.target}: ${facts.causeLabel}`),
    SUBJECT_MAX_LENGTH,
    '...',
  );

  const lines: string[] = [
    `${value(incident.action)} was denied: ${facts.causeLabel} (${value(incident.denial)} deny, severity ${facts.severity}).`,
    '',
    `Who:      ${value(incident.principal)}${diagnosis.principalArn && diagnosis.principalArn !== incident.principal ? ` (as ${value(diagnosis.principalArn)})` : ''}`,
    `What:     ${value(incident.action)} on ${value(incident.resource ?? '(no resource named)')}`,
    `Where:    account ${value(incident.accountId)}, ${value(incident.region)}`,
    `When:     ${value(diagnosis.eventTime)} (event ${value(diagnosis.eventId)})`,
    `Count:    ${incident.count} since ${value(incident.firstSeen)}`,
  ];
  if (facts.repeatCount !== null) lines.push(`Repeats:  ${facts.repeatCount} occurrences since the last alert`);
  if (incident.policyType !== null) lines.push(`Policy:   ${value(incident.policyType)}${incident.policyArn ? ` ${value(incident.policyArn)}` : ''}`);
  if (diagnosis.errorMessage !== null) lines.push(`Message:  ${value(diagnosis.errorMessage)}`);

  const remediation = diagnosis.remediation;
  lines.push('', 'Why', `  ${value(remediation.summary)}`);
  if (remediation.steps.length > 0) {
    lines.push('', 'What to do');
    remediation.steps.forEach((step, index) => lines.push(`  ${index + 1}. ${value(step)}`));
  }
  if (remediation.commands.length > 0) {
    lines.push('', 'Commands');
    for (const command of remediation.commands) lines.push(`  # ${value(command.description)}`, `  ${value(command.command)}`);
  }
  if (remediation.policySnippet !== null) {
    lines.push('', `Policy that allows this call (attach to ${value(remediation.policySnippet.attachTo)}):`);
    for (const line of JSON.stringify(remediation.policySnippet.document, null, 2).split('\n')) lines.push(`  ${value(line)}`);
  }
  if (incident.enrichment !== null) lines.push('', `Context:  ${value(JSON.stringify(withoutEventId(incident.enrichment)))}`);
  if (remediation.docs.length > 0) {
    lines.push('', 'Docs');
    for (const doc of remediation.docs) lines.push(`  ${value(doc.title)}: ${value(doc.url)}`);
  }
  lines.push('', `Incident: ${incident.id} (details: ${facts.showCommand})`);
  if (facts.cloudTrailUrl !== null) lines.push(`CloudTrail event: ${facts.cloudTrailUrl}`);
  return { subject, body: `${lines.join('\n')}\n` };
}

function withoutEventId(enrichment: Record<string, unknown>): Record<string, unknown> {
  const { eventId: _eventId, ...rest } = enrichment;
  return rest;
}

/** Cut to `max` characters with an ellipsis, never splitting a surrogate pair. */
export function truncate(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  let cut = max - ellipsis.length;
  if (cut > 0 && /[\uD800-\uDBFF]/.test(text.charAt(cut - 1))) cut -= 1;
  return `${text.slice(0, Math.max(cut, 0))}${ellipsis}`;
}
