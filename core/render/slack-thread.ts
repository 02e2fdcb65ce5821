import type { Incident } from '../incidents/model';
import { cutWithEllipsis, escapeSlack } from './escape';
import { renderSlackMessage, SLACK_LIMITS, type SlackMessage } from './slack-message';

/** The root message as chat.update takes it (no unfurl options: chat.update has none). */
export interface SlackRootUpdate {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

/**
 * The incident's root message in a Slack channel (posted by its first alert, then kept current with chat.update):
 * the alert as renderSlackMessage shows a first alert, with a status line under the headline (state, occurrences,
 * first and last seen, alerts so far). Repeats go to its thread as renderSlackMessage renders them.
 */
export function renderSlackRoot(incident: Incident): SlackMessage {
  // Rendered as the first alert: the root stays the incident's summary; counts since the last alert belong to the replies.
  const message = renderSlackMessage({ ...incident, countAtLastAlert: incident.alert?.occurrencesSincePreviousAlert ?? 0 });
  const [header, ...rest] = message.blocks;
  return { ...message, blocks: [header, slackStatusSection(incident), ...rest].slice(0, SLACK_LIMITS.blocks) };
}

export function renderSlackRootUpdate(incident: Incident): SlackRootUpdate {
  const { text, blocks } = renderSlackRoot(incident);
  return { text, blocks };
}

/** One line: state (who acknowledged, when resolved), occurrences, first and last seen, alerts so far. */
export function slackStatusSection(incident: Incident): Record<string, unknown> {
  const state =
    incident.state === 'acknowledged'
      ? `acknowledged${incident.acknowledgedBy ? ` by ${incident.acknowledgedBy}` : ''}${incident.acknowledgedAt ? ` at ${incident.acknowledgedAt}` : ''}`
      : incident.state === 'resolved'
        ? `resolved${incident.resolvedAt ? ` at ${incident.resolvedAt}` : ''}`
        : 'open';
  const alerts = incident.alert?.sequence ?? 0;
  const parts = [
    `*State:* ${escapeSlack(state)}`,
    `*Occurrences:* ${incident.count}`,
    `*First seen:* ${escapeSlack(incident.firstSeen)}`,
    `*Last seen:* ${escapeSlack(incident.lastSeen)}`,
    `*Alerts:* ${alerts}${alerts > 1 ? ' (repeats in the thread)' : ''}`,
  ];
  return { type: 'section', text: { type: 'mrkdwn', text: cutWithEllipsis(parts.join('  •  '), SLACK_LIMITS.sectionText) } };
}
