import type { Diagnosis, Remediation } from '../../core/diagnosis';
import { CAUSE_LABELS } from '../../core/render/alert-facts';
import { escapeSingleLine, escapeTerminal } from '../../core/render/escape';
import type { Style } from './style';

// Event values are attacker-influenced: every one goes through these before reaching the terminal.
const inline = (value: string): string => escapeSingleLine(value);
const block = (value: string): string => escapeTerminal(value);

/**
 * One denial as a block a person reads at a glance: what was denied, to whom, why, what to do.
 * Ends with a newline; blocks are separated by a blank line by the caller.
 */
export function renderDiagnosisText(diagnosis: Diagnosis, style: Style): string {
  return [...renderHeadline(diagnosis, style), ...renderFacts(diagnosis, style), '', ...renderRemediation(diagnosis.remediation, style)]
    .map((line) => `${line}\n`)
    .join('');
}

function renderHeadline(d: Diagnosis, style: Style): string[] {
  const kind = d.denial === 'unknown' ? 'deny kind not stated' : `${d.denial} deny`;
  return [
    `${style.bold(style.red('DENIED'))} ${style.bold(inline(d.action))} ${style.dim('—')} ${style.bold(d.cause)} ${style.dim(`(${kind}, ${d.confidence})`)}`,
  ];
}

function renderFacts(d: Diagnosis, style: Style): string[] {
  const facts: Array<[string, string]> = [];
  const caller = d.principalArn !== null && d.principalArn !== d.principal ? `${inline(d.principal)} ${style.dim(`(as ${inline(d.principalArn)})`)}` : inline(d.principal);
  facts.push(['who', caller]);
  if (d.resource !== null || d.tableName !== null) {
    const table = d.tableName !== null && !(d.resource ?? '').endsWith(`/${d.tableName}`) ? ` ${style.dim(`(table ${inline(d.tableName)})`)}` : '';
    facts.push(['on', `${inline(d.resource ?? d.tableName ?? '')}${table}`]);
  }
  facts.push(['why', `${CAUSE_LABELS[d.cause]}${d.policyType !== null ? ` — the message names "${inline(d.policyType)}"` : ''}`]);
  if (d.policyArn !== null) facts.push(['policy', inline(d.policyArn)]);
  if (d.policyChain.length > 1) facts.push(['chain', d.policyChain.map(inline).join(' → ')]);
  if (d.hypotheses.length > 0) facts.push(['likely', d.hypotheses.join(', ')]);
  // A pasted error message carries no time: eventTime is then ''.
  const when = d.eventTime === '' ? '' : ` at ${inline(d.eventTime)}`;
  facts.push(['call', `${inline(d.eventSource)} ${inline(d.eventName)}${when} in ${inline(d.region)}, account ${inline(d.accountId)}`]);
  const context = contextNotes(d);
  if (context.length > 0) facts.push(['context', context.join(', ')]);
  facts.push(['event', inline(d.eventId)]);
  if (d.errorCode !== null || d.errorMessage !== null) {
    facts.push(['error', [d.errorCode, d.errorMessage].filter((part): part is string => part !== null).map(inline).join(': ')]);
  }
  const width = Math.max(...facts.map(([label]) => label.length));
  return facts.map(([label, value]) => `  ${style.dim(label.padEnd(width))}  ${value}`);
}

function contextNotes(d: Diagnosis): string[] {
  const notes: string[] = [];
  if (d.viaVpcEndpoint !== null) notes.push(`via VPC endpoint ${inline(d.viaVpcEndpoint)}`);
  if (d.crossAccount) notes.push('cross-account');
  if (d.mfaAuthenticated !== null) notes.push(d.mfaAuthenticated ? 'MFA used' : 'no MFA');
  return notes;
}

function renderRemediation(r: Remediation, style: Style): string[] {
  const lines = [`  ${style.bold(inline(r.summary))}`];
  if (r.steps.length > 0) {
    lines.push('', `  ${style.bold('Steps')}`);
    r.steps.forEach((step, index) => lines.push(...indentBlock(`${index + 1}. ${block(step)}`, '    ', '       ')));
  }
  if (r.commands.length > 0) {
    lines.push('', `  ${style.bold('Commands')}`);
    for (const command of r.commands) {
      lines.push(`    ${style.dim(`# ${inline(command.description)}`)}`);
      lines.push(...indentBlock(style.cyan(block(command.command)), '    ', '      '));
    }
  }
  if (r.policySnippet !== null) {
    lines.push('', `  ${style.bold('Policy that allows this call')} ${style.dim(`— add to the ${inline(r.policySnippet.attachTo)}`)}`);
    // JSON.stringify escapes control characters inside strings; escapeTerminal is the belt to that brace.
    lines.push(...indentBlock(block(JSON.stringify(r.policySnippet.document, null, 2)), '    ', '    '));
  }
  if (r.docs.length > 0) {
    lines.push('', `  ${style.bold('Docs')}`);
    for (const doc of r.docs) lines.push(`    ${inline(doc.title)}: ${style.dim(inline(doc.url))}`);
  }
  return lines;
}

/** Indents a possibly multi-line value: first line with `first`, continuation lines with `rest`. */
function indentBlock(text: string, first: string, rest: string): string[] {
  return text.split('\n').map((line, index) => `${index === 0 ? first : rest}${line}`);
}
