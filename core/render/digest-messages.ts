import type { Digest } from '../incidents/digest';
import { CHAT_NOTIFICATION_LIMITS } from './chat-notification';
import { digestLines, renderDigestText } from './digest-text';
import { cutWithEllipsis, escapeChatMarkdown, escapeJson, escapeSingleLine, escapeSlack } from './escape';
import { SLACK_LIMITS } from './slack-message';
import type { SnsStringAttribute } from './sns-message';

/**
 * The scheduled digest on each channel (README "The digest"): the parts digestLines lists, in order, laid out for SNS
 * (the e-mail text), Slack (Block Kit) and Amazon Q Developer (a custom notification). `route` names the route whose
 * digest it is (route names are checked at synth: letters, digits, . _ -); null for the whole stack's.
 */

/** SNS limits a Subject to 100 printable ASCII characters. */
const SNS_SUBJECT_MAX_LENGTH = 100;
/** What the digest says when a medium's limits cut it short. */
const MORE_IN_THE_CLI = 'denyscope digest shows the whole digest';

const routeSuffix = (route: string | null): string => (route === null ? '' : ` (route ${route})`);

export interface SnsDigest {
  readonly Subject: string;
  readonly Message: string;
  readonly MessageStructure: 'json';
  readonly MessageAttributes: Record<string, SnsStringAttribute>;
}

/**
 * One publish per digest: `email` is the plain-text digest, `default` the digest as JSON for machines. The attribute
 * `messageType` = "digest" tells it from alerts (which carry cause and severity instead): a subscription whose filter
 * policy requires an alert attribute gets no digest.
 */
export function renderSnsDigest(digest: Digest, route: string | null): SnsDigest {
  const { subject, body } = renderDigestText(digest);
  const attribute = (value: string): SnsStringAttribute => ({ DataType: 'String', StringValue: escapeSingleLine(value) });
  return {
    Subject: cutWithEllipsis(`${subject}${routeSuffix(route)}`.replace(/[^\x20-\x7e]/g, '?'), SNS_SUBJECT_MAX_LENGTH, '...'),
    Message: escapeJson({
      default: escapeJson({ type: 'denyscope.digest', route, digest }),
      email: route === null ? body : `Route: ${escapeSingleLine(route)}\n\n${body}`,
    }),
    MessageStructure: 'json',
    MessageAttributes: { messageType: attribute('digest'), ...(route === null ? {} : { route: attribute(route) }) },
  };
}

export interface SlackDigestMessage {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
  readonly unfurl_links: false;
  readonly unfurl_media: false;
}

/**
 * Block Kit for the webhook and the bot: a header, the period, then each part as sections of whole lines (a part
 * longer than one section's text continues in the next section), within Slack's limits: at most 50 blocks, 3,000
 * characters per section. Every stored value goes through escapeSlack (in digestLines), so none can mention or link.
 */
export function renderDigestSlackMessage(digest: Digest, route: string | null): SlackDigestMessage {
  const { sections } = digestLines(digest, escapeSlack);
  const header = {
    type: 'header',
    text: { type: 'plain_text', text: cutWithEllipsis(`denyscope digest${routeSuffix(route)}`, SLACK_LIMITS.headerText), emoji: false },
  };
  const period = { type: 'context', elements: [{ type: 'mrkdwn', text: `${digest.since} to ${digest.until}` }] };
  const texts = sections.flatMap(({ heading, lines }) => chunks(`*${heading}*`, lines, SLACK_LIMITS.sectionText));
  // The header and the period take two blocks; a last one says what did not fit.
  const room = SLACK_LIMITS.blocks - 2;
  const shown =
    texts.length > room ? [...texts.slice(0, room - 1), `_${texts.length - room + 1} more sections: ${MORE_IN_THE_CLI}_`] : texts;
  return {
    text: escapeSlack(`${renderDigestText(digest).subject}${routeSuffix(route)}`),
    blocks: [header, period, ...shown.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }))],
    unfurl_links: false,
    unfurl_media: false,
  };
}

/** The custom-notification event of Amazon Q Developer in chat applications, for a digest (not threaded: each stands alone). */
export interface DigestChatNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id: string;
  readonly content: { readonly textType: 'client-markdown'; readonly title: string; readonly description: string };
  readonly metadata: {
    readonly summary: string;
    readonly eventType: 'denyscope.digest';
    readonly additionalContext: Readonly<Record<string, string>>;
  };
}

/** Markdown description of whole lines within the renderer's description limit; values through escapeChatMarkdown. */
export function renderDigestChatNotification(digest: Digest, route: string | null): DigestChatNotification {
  const { sections } = digestLines(digest, escapeChatMarkdown);
  const subject = `${renderDigestText(digest).subject}${routeSuffix(route)}`;
  const lines = [
    `${digest.since} to ${digest.until}`,
    ...sections.flatMap(({ heading, lines: partLines }) => ['', `**${heading}**`, ...partLines.map((line) => `- ${line}`)]),
  ];
  const [description] = chunks(lines[0], lines.slice(1), CHAT_NOTIFICATION_LIMITS.description, `_${MORE_IN_THE_CLI}_`);
  return {
    version: '1.0',
    source: 'custom',
    id: escapeSingleLine(`denyscope-digest#${route ?? 'all'}#${digest.until}`),
    content: {
      textType: 'client-markdown',
      title: cutWithEllipsis(escapeChatMarkdown(subject), CHAT_NOTIFICATION_LIMITS.title),
      description,
    },
    metadata: {
      summary: cutWithEllipsis(escapeSingleLine(subject), CHAT_NOTIFICATION_LIMITS.title),
      eventType: 'denyscope.digest',
      additionalContext: { since: digest.since, until: digest.until, ...(route === null ? {} : { route: escapeSingleLine(route) }) },
    },
  };
}

/** The SNS message body: the notification as JSON with no invisible character left raw. */
export function renderDigestChatNotificationMessage(digest: Digest, route: string | null): string {
  return escapeJson(renderDigestChatNotification(digest, route));
}

/**
 * `first` then `lines`, one per line, in texts of at most `max` characters, cut between lines (a single line longer than
 * a text is cut itself). With `overflow`, only the first text is kept and ends with `overflow` when lines were left out.
 */
function chunks(first: string, lines: readonly string[], max: number, overflow?: string): string[] {
  const texts: string[] = [];
  let current = cutWithEllipsis(first, max);
  for (const [index, line] of lines.entries()) {
    const next = `${current}\n${line}`;
    if (next.length <= max) {
      current = next;
      continue;
    }
    if (overflow !== undefined) {
      const note = `\n${overflow} (${lines.length - index} more lines)`;
      while (current.length + note.length > max && current.includes('\n')) current = current.slice(0, current.lastIndexOf('\n'));
      return [`${current}${note}`];
    }
    texts.push(current);
    current = cutWithEllipsis(line, max);
  }
  return [...texts, current];
}
