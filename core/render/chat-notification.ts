import { alertKey } from '../incidents/identity';
import type { Incident } from '../incidents/model';
import { alertFacts } from './alert-facts';
import { cutWithEllipsis, escapeChatMarkdown, escapeJson, escapeSingleLine } from './escape';

/** Lengths kept small so a notification stays readable in a chat client; the schema itself names no limits we rely on. */
export const CHAT_NOTIFICATION_LIMITS = { title: 250, description: 4_000, nextSteps: 5, nextStep: 500, keywords: 5 } as const;

/** The custom-notification event of Amazon Q Developer in chat applications ("Custom notifications", event schema). */
export interface ChatNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: readonly string[];
    readonly keywords: readonly string[];
  };
  readonly metadata: {
    /** The incident id: every alert of the incident lands in one thread. */
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: string;
    readonly relatedResources: readonly string[];
    readonly additionalContext: Readonly<Record<string, string>>;
  };
}

/**
 * The alert as a custom notification: Markdown content whose every value goes through escapeChatMarkdown, metadata
 * as plain single lines. `threadId` is the incident id, so repeats thread under the first alert in the channel.
 */
export function renderChatNotification(incident: Incident): ChatNotification {
  const facts = alertFacts(incident);
  const md = escapeChatMarkdown;
  const repeat = facts.repeatCount === null ? '' : ` (${facts.repeatCount} more)`;
  const lines = [
    `${md(incident.diagnosis.remediation.summary)}`,
    '',
    `**Principal:** ${md(incident.principal)}`,
    `**Action:** ${md(incident.action)} on ${md(incident.resource ?? '(no resource named)')}`,
    `**Cause:** ${md(facts.causeLabel)} (${md(incident.denial)} deny, severity ${facts.severity})`,
    `**Account and region:** ${md(incident.accountId)} ${md(incident.region)}`,
    `**Occurrences:** ${incident.count} since ${md(incident.firstSeen)}, last ${md(incident.lastSeen)}`,
    ...(incident.policyArn ? [`**Policy:** ${md(incident.policyArn)}`] : []),
    `**Details:** ${md(facts.showCommand)}`,
  ];
  const relatedResources = [incident.resource, incident.policyArn].filter((arn): arn is string => arn !== null && arn.startsWith('arn:'));
  return {
    version: '1.0',
    source: 'custom',
    id: escapeSingleLine(alertKey(incident)),
    content: {
      textType: 'client-markdown',
      title: cutWithEllipsis(
        md(`${incident.action} denied on ${facts.target}: ${facts.causeLabel}${repeat}`),
        CHAT_NOTIFICATION_LIMITS.title,
      ),
      description: cutWithEllipsis(lines.join('\n'), CHAT_NOTIFICATION_LIMITS.description),
      nextSteps: incident.diagnosis.remediation.steps
        .slice(0, CHAT_NOTIFICATION_LIMITS.nextSteps)
        .map((step) => cutWithEllipsis(md(step), CHAT_NOTIFICATION_LIMITS.nextStep)),
      keywords: [incident.cause, facts.severity, incident.accountId].map(escapeSingleLine).slice(0, CHAT_NOTIFICATION_LIMITS.keywords),
    },
    metadata: {
      threadId: escapeSingleLine(incident.id),
      summary: cutWithEllipsis(
        escapeSingleLine(`[denyscope] ${incident.action} denied on ${facts.target}${repeat}`),
        CHAT_NOTIFICATION_LIMITS.title,
      ),
      eventType: 'denyscope.incident.alert',
      relatedResources: relatedResources.map(escapeSingleLine),
      additionalContext: {
        incidentId: escapeSingleLine(incident.id),
        alertKey: escapeSingleLine(alertKey(incident)),
        severity: facts.severity,
        ...(facts.cloudTrailUrl === null ? {} : { cloudTrailEvent: facts.cloudTrailUrl }),
      },
    },
  };
}

/** The SNS message body: the notification as JSON with no invisible character left raw. */
export function renderChatNotificationMessage(incident: Incident): string {
  return escapeJson(renderChatNotification(incident));
}
