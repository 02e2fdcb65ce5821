import { alertKey } from '../incidents/identity';
import type { Incident } from '../incidents/model';
import { alertFacts } from './alert-facts';
import { commandLines, cutWithEllipsis, escapeSlack, escapeSlackCode } from './escape';
import { renderEvaluationLines } from './evaluation-text';

/** Slack's documented limits (Block Kit): text objects, header text, fields, blocks. */
export const SLACK_LIMITS = { sectionText: 3_000, headerText: 150, fieldText: 2_000, fields: 10, blocks: 50 } as const;

const CODE_FENCE = '```';
/** Descriptions above commands are cut to this, so the code block has room for the commands themselves. */
const DESCRIPTION_MAX_LENGTH = 300;
/** Kept free in the Commands block for the note that says how many commands did not fit. */
const NOTE_ROOM = 300;

export interface SlackMessage {
  /** The notification fallback text. */
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
  readonly unfurl_links: false;
  readonly unfurl_media: false;
}

/**
 * The alert as a Block Kit message for an incoming webhook. Every event value goes through escapeSlack
 * (escapeSlackCode inside code blocks), so no value can mention, link, start a line or close a block; commands go
 * through commandLines, so the Commands block holds each command exactly as it must be copied, or a note instead.
 * The only links are ones built here. No `link_names`, no `parse: full`.
 */
export function renderSlackMessage(incident: Incident): SlackMessage {
  const facts = alertFacts(incident);
  const remediation = incident.diagnosis.remediation;
  const field = (label: string, value: string): Record<string, unknown> => ({
    type: 'mrkdwn',
    text: cutWithEllipsis(`*${label}*\n${escapeSlack(value)}`, SLACK_LIMITS.fieldText),
  });
  const section = (text: string): Record<string, unknown> => ({
    type: 'section',
    text: { type: 'mrkdwn', text: cutWithEllipsis(text, SLACK_LIMITS.sectionText) },
  });

  const headline = `${facts.repeatCount === null ? '' : `(${facts.repeatCount} more) `}${incident.action} denied: ${facts.causeLabel}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: cutWithEllipsis(escapeSlack(headline), SLACK_LIMITS.headerText), emoji: false } },
    section(
      [
        escapeSlack(remediation.summary),
        facts.repeatCount === null ? '' : `\n${facts.repeatCount} occurrences since the last alert.`,
        ...facts.circumstances.map((sentence) => `\n${escapeSlack(sentence)}`),
      ].join(''),
    ),
    // The statement that denied the call (or the layer without an allow) leads, cut to one section.
    ...(incident.diagnosis.evaluation ? [evaluationSection(incident)] : []),
    {
      type: 'section',
      fields: [
        field('Principal', incident.principal),
        field('Action', incident.action),
        field('Resource', incident.resource ?? '(none named)'),
        field('Cause', `${facts.causeLabel} (${incident.denial}, severity ${facts.severity})`),
        field('Account and region', `${incident.accountId} ${incident.region}`),
        field('Count', `${incident.count} since ${incident.firstSeen}`),
        ...(incident.policyArn ? [field('Policy', incident.policyArn)] : []),
      ].slice(0, SLACK_LIMITS.fields),
    },
  ];
  if (remediation.steps.length > 0) {
    // Each step gets an equal share of the section, so a long one cannot push the others out.
    const title = '*What to do*';
    const share = Math.floor((SLACK_LIMITS.sectionText - title.length) / remediation.steps.length) - 1;
    const steps = remediation.steps.map((step, index) => cutWithEllipsis(`${index + 1}. ${escapeSlack(step)}`, share));
    blocks.push(section(`${title}\n${steps.join('\n')}`));
  }
  if (remediation.commands.length > 0) {
    blocks.push(commandsSection(remediation.commands, `the e-mail alert or ${facts.showCommand}`));
  }
  const { eventId: _eventId, ...context } = incident.enrichment ?? {};
  if (Object.keys(context).length > 0) {
    blocks.push(codeSection('*Context*', cutWithEllipsis(escapeSlackCode(JSON.stringify(context)), codeRoom('*Context*'))));
  }
  const links = [
    ...(facts.cloudTrailUrl === null ? [] : [`<${facts.cloudTrailUrl}|CloudTrail event history>`]),
    `Incident \`${escapeSlack(incident.id)}\`: \`${escapeSlack(facts.showCommand)}\``,
    `Alert \`${escapeSlack(alertKey(incident))}\``,
  ];
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.join('  •  ') }] });

  return {
    text: cutWithEllipsis(escapeSlack(`[denyscope] ${headline} on ${facts.target}`), SLACK_LIMITS.sectionText),
    blocks: blocks.slice(0, SLACK_LIMITS.blocks),
    unfurl_links: false,
    unfurl_media: false,
  };
}

/**
 * The Commands code block: whole commands while they fit in one section, then one note saying how many are left
 * out and where to see them. A command is never cut.
 */
function commandsSection(commands: readonly { description: string; command: string }[], seeAlso: string): Record<string, unknown> {
  const title = '*Commands*';
  const room = codeRoom(title);
  const options = { seeAlso, descriptionMaxLength: DESCRIPTION_MAX_LENGTH, commandMaxLength: room - NOTE_ROOM - DESCRIPTION_MAX_LENGTH };
  const entries = commands.map((command) => commandLines(command, 'slack', options).join('\n'));
  const kept: string[] = [];
  let used = 0;
  for (const [index, entry] of entries.entries()) {
    const withEntry = used + (kept.length > 0 ? 1 : 0) + entry.length;
    const reserve = index < entries.length - 1 ? NOTE_ROOM : 0;
    if (withEntry + reserve > room) break;
    used = withEntry;
    kept.push(entry);
  }
  const left = entries.length - kept.length;
  if (left > 0) {
    const note = `# (${left} more command${left === 1 ? '' : 's'} not shown: no room in one Slack message; see them with ${seeAlso})`;
    kept.push(cutWithEllipsis(escapeSlackCode(note), NOTE_ROOM - 1));
  }
  return codeSection(title, kept.join('\n'));
}

/** The evaluation's lines in a code block: the statement keeps its layout, and no value can close the block or mention. */
function evaluationSection(incident: Incident): Record<string, unknown> {
  const title = '*Denied by*';
  const evaluation = incident.diagnosis.evaluation;
  const lines = evaluation ? renderEvaluationLines(evaluation, incident.diagnosis.resource, 'denied') : [];
  return codeSection(title, cutWithEllipsis(lines.map(escapeSlackCode).join('\n'), codeRoom(title)));
}

/** Characters left for the content of a titled code block. */
function codeRoom(title: string): number {
  return SLACK_LIMITS.sectionText - `${title}\n${CODE_FENCE}\n\n${CODE_FENCE}`.length;
}

/** A titled code block; its content is already escaped and fits (codeRoom). Each fence is on its own line. */
function codeSection(title: string, content: string): Record<string, unknown> {
  return { type: 'section', text: { type: 'mrkdwn', text: `${title}\n${CODE_FENCE}\n${content}\n${CODE_FENCE}` } };
}
