import type { Diagnosis, Remediation } from '../../core/diagnosis';
import { CAUSE_LABELS } from '../../core/render/alert-facts';
import { commandLines, escapeJson, escapeSingleLine } from '../../core/render/escape';
import type { EvidenceSource } from '../../core/policy/types';
import { renderEvaluationLines } from '../../core/render/evaluation-text';
import type { Style } from './style';

// Event values are attacker-influenced: every one goes through this before reaching the terminal.
const inline = (value: string): string => escapeSingleLine(value);

export interface DiagnosisTextOptions {
  /**
   * The evaluation as a "Denied by" block right under the headline, as alerts show it (`incidents show`), rather than
   * under "why" (`explain`, where the message's own words come first). @default false
   */
  readonly evaluationFirst?: boolean;
}

/**
 * One denial as a block a person reads at a glance: what was denied, to whom, why, what to do.
 * Ends with a newline; blocks are separated by a blank line by the caller.
 */
export function renderDiagnosisText(diagnosis: Diagnosis, style: Style, options: DiagnosisTextOptions = {}): string {
  const first = options.evaluationFirst === true;
  const deniedBy = first ? evaluationLines(diagnosis) : [];
  return [
    ...renderHeadline(diagnosis, style),
    ...(deniedBy.length > 0 ? [`  ${style.bold('Denied by')}`, ...deniedBy.map((line) => `    ${line}`)] : []),
    ...renderFacts(diagnosis, style, !first),
    '',
    ...renderRemediation(diagnosis.remediation, style),
  ]
    .map((line) => `${line}\n`)
    .join('');
}

/** The evaluation's lines (escaped where they are made) and the evidence it came from; none without an evaluation. */
function evaluationLines(d: Diagnosis): string[] {
  // A diagnosis stored before evaluations existed has no such field.
  if (!d.evaluation) return [];
  // Evaluations stored before evidence sources existed have no source.
  const evidence = (EVIDENCE as Partial<Record<string, string>>)[d.evaluation.source];
  return [...renderEvaluationLines(d.evaluation, d.resource, 'denied'), ...(evidence ? [`evidence: ${evidence}`] : [])];
}

function renderHeadline(d: Diagnosis, style: Style): string[] {
  const kind = d.denial === 'unknown' ? 'deny kind not stated' : `${d.denial} deny`;
  return [
    `${style.bold(style.red('DENIED'))} ${style.bold(inline(d.action))} ${style.dim('—')} ${style.bold(inline(d.cause))} ${style.dim(`(${kind}, ${d.confidence})`)}`,
  ];
}

function renderFacts(d: Diagnosis, style: Style, evaluationUnderWhy: boolean): string[] {
  const facts: Array<[string, string]> = [];
  const caller =
    d.principalArn !== null && d.principalArn !== d.principal
      ? `${inline(d.principal)} ${style.dim(`(as ${inline(d.principalArn)})`)}`
      : inline(d.principal);
  facts.push(['who', caller]);
  if (d.resource !== null || d.tableName !== null) {
    const table =
      d.tableName !== null && !(d.resource ?? '').endsWith(`/${d.tableName}`) ? ` ${style.dim(`(table ${inline(d.tableName)})`)}` : '';
    facts.push(['on', `${inline(d.resource ?? d.tableName ?? '')}${table}`]);
  }
  facts.push([
    'why',
    `${CAUSE_LABELS[d.cause] ?? CAUSE_LABELS.unknown}${d.policyType !== null ? ` — the message names "${inline(d.policyType)}"` : ''}`,
  ]);
  if (d.policyArn !== null) facts.push(['policy', inline(d.policyArn)]);
  if (d.policyChain.length > 1) facts.push(['chain', d.policyChain.map(inline).join(' → ')]);
  if (d.hypotheses.length > 0) facts.push(['likely', d.hypotheses.map(inline).join(', ')]);
  // A pasted error message carries no time: eventTime is then ''.
  const when = d.eventTime === '' ? '' : ` at ${inline(d.eventTime)}`;
  facts.push(['call', `${inline(d.eventSource)} ${inline(d.eventName)}${when} in ${inline(d.region)}, account ${inline(d.accountId)}`]);
  const context = contextNotes(d);
  if (context.length > 0) facts.push(['context', context.join(', ')]);
  facts.push(['event', inline(d.eventId)]);
  if (d.errorCode !== null || d.errorMessage !== null) {
    facts.push([
      'error',
      [d.errorCode, d.errorMessage]
        .filter((part): part is string => part !== null)
        .map(inline)
        .join(': '),
    ]);
  }
  const width = Math.max(...facts.map(([label]) => label.length));
  const lines = facts.map(([label, value]) => `  ${style.dim(label.padEnd(width))}  ${value}`);
  if (evaluationUnderWhy) {
    const why = facts.findIndex(([label]) => label === 'why');
    lines.splice(why + 1, 0, ...evaluationLines(d).map((line) => `${' '.repeat(width + 4)}${line}`));
  }
  return lines;
}

const EVIDENCE: Readonly<Record<EvidenceSource, string>> = {
  'authorization-details': "AWS's own record of the denial (IAM Access Troubleshooter)",
  store: 'the policy store (--policies)',
  fetched: 'the policies read from AWS now (--deep)',
  message: 'the message alone: no policy could be read (see "the store lacks")',
};

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
    r.steps.forEach((step, index) => lines.push(`    ${index + 1}. ${inline(step)}`));
  }
  if (r.commands.length > 0) {
    lines.push('', `  ${style.bold('Commands')}`);
    for (const command of r.commands) {
      // Each command exactly as it must be pasted, or a note in its place (commandLines).
      const [description, line] = commandLines(command, 'text', { seeAlso: 'the --json output' });
      lines.push(`    ${style.dim(description)}`, `    ${line === command.command ? style.cyan(line) : style.dim(line)}`);
    }
  }
  if (r.policySnippet !== null) {
    lines.push('', `  ${style.bold('Policy that allows this call')} ${style.dim(`— add to the ${inline(r.policySnippet.attachTo)}`)}`);
    lines.push(
      ...escapeJson(r.policySnippet.document, 2)
        .split('\n')
        .map((line) => `    ${line}`),
    );
  }
  if (r.docs.length > 0) {
    lines.push('', `  ${style.bold('Docs')}`);
    for (const doc of r.docs) lines.push(`    ${inline(doc.title)}: ${style.dim(inline(doc.url))}`);
  }
  return lines;
}
