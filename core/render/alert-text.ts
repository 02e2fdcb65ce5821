import { alertKey } from '../incidents/identity';
import type { Incident } from '../incidents/model';
import { alertFacts } from './alert-facts';
import { commandLines, cutWithEllipsis, escapeJson, escapeSingleLine } from './escape';
import { renderEvaluationLines } from './evaluation-text';

export interface AlertText {
  /** At most 100 characters, one line. */
  readonly subject: string;
  readonly body: string;
}

export const SUBJECT_MAX_LENGTH = 100;
/** Long attacker-chosen values (error messages) are cut so one event cannot flood an inbox or a terminal. */
const VALUE_MAX_LENGTH = 1_000;
/**
 * What a person copies (a command, the policy) is never cut: longer ones are left out with a note. Real ones are
 * far shorter; EC2's encoded authorization message is the longest value a command carries.
 */
export const COPYABLE_MAX_LENGTH = 4_000;

/**
 * The alert as plain text: the SNS email and the terminal alert of `denyscope local` (the same text).
 * Every value from the event goes through escapeSingleLine, so none can forge lines or carry escape sequences;
 * commands go through commandLines, so each is shown exactly or not at all.
 */
export function renderAlertText(incident: Incident): AlertText {
  const facts = alertFacts(incident);
  const diagnosis = incident.diagnosis;
  const value = (text: string): string => cutWithEllipsis(escapeSingleLine(text), VALUE_MAX_LENGTH);
  const repeat = facts.repeatCount === null ? '' : `(${facts.repeatCount} more) `;
  const subject = cutWithEllipsis(
    escapeSingleLine(`[denyscope] ${repeat}${incident.action} denied on ${facts.target}: ${facts.causeLabel}`),
    SUBJECT_MAX_LENGTH,
    '...',
  );
  const seeAlso = `${facts.showCommand} --json`;

  const lines: string[] = [
    `${value(incident.action)} was denied: ${facts.causeLabel} (${value(incident.denial)} deny, severity ${facts.severity}).`,
    ...facts.circumstances.map(value),
    '',
  ];
  // The statement that denied the call (or the layer without an allow) leads; incidents stored before evaluations
  // existed have no such field: read it as null.
  if (diagnosis.evaluation) {
    lines.push(
      'Denied by',
      ...renderEvaluationLines(diagnosis.evaluation, diagnosis.resource, 'denied').map((line) => `  ${value(line)}`),
      '',
    );
  }
  lines.push(
    `Who:      ${value(incident.principal)}${diagnosis.principalArn && diagnosis.principalArn !== incident.principal ? ` (as ${value(diagnosis.principalArn)})` : ''}`,
    `What:     ${value(incident.action)} on ${value(incident.resource ?? '(no resource named)')}`,
    `Where:    account ${value(incident.accountId)}, ${value(incident.region)}`,
    `When:     ${value(diagnosis.eventTime)} (event ${value(diagnosis.eventId)})`,
    `Count:    ${incident.count} since ${value(incident.firstSeen)}`,
  );
  if (facts.repeatCount !== null) lines.push(`Repeats:  ${facts.repeatCount} occurrences since the last alert`);
  if (incident.policyType !== null)
    lines.push(`Policy:   ${value(incident.policyType)}${incident.policyArn ? ` ${value(incident.policyArn)}` : ''}`);
  if (diagnosis.errorMessage !== null) lines.push(`Message:  ${value(diagnosis.errorMessage)}`);

  const remediation = diagnosis.remediation;
  lines.push('', 'Why', `  ${value(remediation.summary)}`);
  if (remediation.steps.length > 0) {
    lines.push('', 'What to do');
    remediation.steps.forEach((step, index) => lines.push(`  ${index + 1}. ${value(step)}`));
  }
  if (remediation.commands.length > 0) {
    lines.push('', 'Commands');
    for (const command of remediation.commands) {
      const shown = commandLines(command, 'text', {
        seeAlso,
        commandMaxLength: COPYABLE_MAX_LENGTH,
        descriptionMaxLength: VALUE_MAX_LENGTH,
      });
      lines.push(...shown.map((line) => `  ${line}`));
    }
  }
  if (remediation.policySnippet !== null) {
    lines.push('', `Policy that allows this call (attach to ${value(remediation.policySnippet.attachTo)}):`);
    const policy = escapeJson(remediation.policySnippet.document, 2);
    if (policy.length <= COPYABLE_MAX_LENGTH) lines.push(...policy.split('\n').map((line) => `  ${line}`));
    else lines.push(`  (not shown: it is longer than ${COPYABLE_MAX_LENGTH.toLocaleString('en-US')} characters; see it with ${seeAlso})`);
  }
  const context = incident.enrichment === null ? {} : withoutEventId(incident.enrichment);
  if (Object.keys(context).length > 0) lines.push('', `Context:  ${value(escapeJson(context))}`);
  if (remediation.docs.length > 0) {
    lines.push('', 'Docs');
    for (const doc of remediation.docs) lines.push(`  ${value(doc.title)}: ${value(doc.url)}`);
  }
  lines.push('', `Incident: ${value(incident.id)} (details: ${value(facts.showCommand)})`);
  lines.push(`Alert:    ${value(alertKey(incident))} (a repeated delivery of this alert carries the same key)`);
  if (facts.cloudTrailUrl !== null) lines.push(`CloudTrail event: ${facts.cloudTrailUrl}`);
  return { subject, body: `${lines.join('\n')}\n` };
}

function withoutEventId(enrichment: Record<string, unknown>): Record<string, unknown> {
  const { eventId: _eventId, ...rest } = enrichment;
  return rest;
}
