import type { Incident } from '../incidents/model';
import { alertFacts } from './alert-facts';
import { truncate } from './alert-text';
import { escapeSlack, escapeSlackCode } from './escape';

/** Slack's documented limits (Block Kit): text objects, header text, fields, blocks. */
export const SLACK_LIMITS = { sectionText: 3_000, headerText: 150, fieldText: 2_000, fields: 10, blocks: 50 } as const;

export interface SlackMessage {
  /** The notification fallback text. */
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
  readonly unfurl_links: false;
  readonly unfurl_media: false;
}

/**
 * The alert as a Block Kit message for an incoming webhook. Every event value goes through escapeSlack
 * (escapeSlackCode inside code blocks), so no value can mention, link or close a block; the only links are
 * ones built here. No `link_names`, no `parse: full`.
 */
export function renderSlackMessage(incident: Incident): SlackMessage {
  const facts = alertFacts(incident);
  const remediation = incident.diagnosis.remediation;
  const field = (label: string, value: string): Record<string, unknown> => ({
    type: 'mrkdwn',
    text: truncateEscaped(`*${label}*\n${escapeSlack(value)}`, SLACK_LIMITS.fieldText),
  });
  const section = (text: string): Record<string, unknown> => ({
    type: 'section',
    text: { type: 'mrkdwn', text: truncateEscaped(text, SLACK_LIMITS.sectionText) },
  });

  const headline = `${facts.repeatCount === null ? '' : `(${facts.repeatCount} more) `}${incident.action} denied: ${facts.causeLabel}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: truncateEscaped(escapeSlack(headline), SLACK_LIMITS.headerText), emoji: false } },
    section(
      [
        escapeSlack(remediation.summary),
        facts.repeatCount === null ? '' : `\n${facts.repeatCount} occurrences since the last alert.`,
      ].join(''),
    ),
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
    blocks.push(section(`*What to do*\n${remediation.steps.map((step, index) => `${index + 1}. ${escapeSlack(step)}`).join('\n')}`));
  }
  if (remediation.commands.length > 0) {
    const commands = remediation.commands.map((command) => `# ${command.description}\n${command.command}`).join('\n');
    blocks.push(codeSection('*Commands*', commands));
  }
  if (incident.enrichment !== null) {
    const { eventId: _eventId, ...context } = incident.enrichment;
    blocks.push(codeSection('*Context*', JSON.stringify(context)));
  }
  const links = [
    ...(facts.cloudTrailUrl === null ? [] : [`<${facts.cloudTrailUrl}|CloudTrail event history>`]),
    `Incident \`${incident.id}\`: \`${facts.showCommand}\``,
  ];
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.join('  •  ') }] });

  return {
    text: truncateEscaped(escapeSlack(`[denyscope] ${headline} on ${facts.target}`), SLACK_LIMITS.sectionText),
    blocks: blocks.slice(0, SLACK_LIMITS.blocks),
    unfurl_links: false,
    unfurl_media: false,
  };
}

/** A titled code block whose content is cut to fit, keeping the closing fence. */
function codeSection(title: string, code: string): Record<string, unknown> {
  const frame = `${title}\n\`\`\`\n\n\`\`\``;
  const content = truncateEscaped(escapeSlackCode(code), SLACK_LIMITS.sectionText - frame.length);
  return { type: 'section', text: { type: 'mrkdwn', text: `${title}\n\`\`\`\n${content}\n\`\`\`` } };
}

/** Cut escaped Slack text to `max` characters with "…", never inside an `&amp;`/`&lt;`/`&gt;` entity. */
export function truncateEscaped(text: string, max: number): string {
  const cut = truncate(text, max);
  if (cut === text) return text;
  const body = cut.slice(0, -1);
  const openEntity = body.lastIndexOf('&');
  const entityEnd = body.indexOf(';', openEntity);
  const safeBody = openEntity !== -1 && entityEnd === -1 ? body.slice(0, openEntity) : body;
  return `${safeBody}…`;
}
