import { computeDigest } from '../../../core/incidents/digest';
import type { Mute } from '../../../core/incidents/mutes';
import { renderDigestChatNotification, renderDigestSlackMessage, renderSnsDigest } from '../../../core/render/digest-messages';
import { SLACK_LIMITS } from '../../../core/render/slack-message';
import { CUSTOM_NOTIFICATION_SCHEMA } from '../../support/chat-notification-schema';
import { diagnosisOf, incidentOf, INJECTION, poisoned } from '../../support/incidents';

const NOW = new Date('2026-11-25T09:00:00.000Z');
const SINCE = new Date('2026-11-24T09:00:00.000Z');

const mute = (index: number, reason: string): Mute => ({
  id: `mute-${String(index).padStart(4, '0')}`,
  principal: `arn:aws:iam::111122223333:role/scanner-${index}`,
  action: 'dynamodb:Describe*',
  resource: null,
  cause: null,
  account: null,
  until: null,
  reason,
  createdBy: 'arn:aws:iam::111122223333:user/alice',
  createdAt: `2026-11-01T00:00:00.${String(index).padStart(3, '0')}Z`,
});

const seen = incidentOf(poisoned(diagnosisOf({ eventTime: '2026-11-25T08:00:00Z' })), { count: 12 });
/** A digest whose parts are far longer than any one Slack section or chat description: 400 mutes without expiry. */
const long = computeDigest(
  [seen],
  Array.from({ length: 400 }, (_, index) => mute(index, `reason ${'x'.repeat(200)}${INJECTION}`)),
  { now: NOW, since: SINCE },
);
const short = computeDigest([seen], [mute(1, `scanner${INJECTION}`)], { now: NOW, since: SINCE });

describe('Slack digest', () => {
  it("stays within Slack's limits: 50 blocks, 3,000 characters a section, 150 a header, cutting between lines and saying what was left out", () => {
    const { blocks } = renderDigestSlackMessage(long, 'payments');
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(blocks.length).toBe(SLACK_LIMITS.blocks);
    const sections = blocks.filter((block) => block.type === 'section') as Array<{ text: { text: string } }>;
    for (const { text } of sections) expect(text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect((blocks[0] as { text: { text: string } }).text.text).toBe('denyscope digest (route payments)');
    expect(sections.at(-1)?.text.text).toMatch(/^_\d+ more sections: denyscope digest shows the whole digest_$/);
    // Whole lines only: every mute shown is shown with its whole reason line.
    const shown = sections.flatMap(({ text }) => text.text.split('\n')).filter((line) => line.startsWith('mute-'));
    expect(shown.length).toBeGreaterThan(50);
    for (const line of shown) expect(line).toMatch(/ \(reason x{200}.*; by arn:aws:iam::111122223333:user\/alice\)$/);
  });

  it('escapes every stored value: no mention, link or control character reaches Slack', () => {
    const message = JSON.stringify(renderDigestSlackMessage(short, null));
    expect(message).not.toContain('<!channel>');
    expect(message).not.toContain('<https://evil.example');
    expect(message).toContain('&lt;!channel&gt;');
    expect(message).not.toContain('\u001b');
    expect(renderDigestSlackMessage(short, null)).toMatchObject({ unfurl_links: false, unfurl_media: false });
  });
});

describe('Amazon Q Developer digest notification', () => {
  it('is a custom notification in the documented schema, in no thread, its description within the limit and cut between lines', () => {
    const notification = renderDigestChatNotification(long, 'payments');
    CUSTOM_NOTIFICATION_SCHEMA.parse(notification);
    expect(notification.metadata).not.toHaveProperty('threadId');
    expect(notification.content.description.length).toBeLessThanOrEqual(4_000);
    expect(notification.content.description).toMatch(/\n_denyscope digest shows the whole digest_ \(\d+ more lines\)$/);
    expect(notification.metadata.additionalContext).toEqual({ since: long.since, until: long.until, route: 'payments' });
  });

  it('escapes the Markdown of every stored value', () => {
    const { content } = renderDigestChatNotification(short, null);
    expect(content.description).not.toContain('<!channel>');
    expect(content.description).not.toContain('```');
    expect(content.description).not.toContain('\r');
  });
});

describe('SNS digest', () => {
  it('has a printable subject of at most 100 characters naming the route, the text for e-mail and the digest for machines', () => {
    const published = renderSnsDigest(short, 'payments');
    expect(published.Subject).toBe('[denyscope] digest: 1 new, 1 open, 0 acknowledged (route payments)');
    expect(published.MessageAttributes).toEqual({
      messageType: { DataType: 'String', StringValue: 'digest' },
      route: { DataType: 'String', StringValue: 'payments' },
    });
    const { email, default: machine } = JSON.parse(published.Message) as { email: string; default: string };
    expect(email.startsWith('Route: payments\n\ndenyscope digest ')).toBe(true);
    expect(email).not.toContain('\nforged line');
    expect(JSON.parse(machine)).toMatchObject({ type: 'denyscope.digest', route: 'payments', digest: { newIncidents: { total: 1 } } });
    expect(renderSnsDigest(short, null).MessageAttributes).toEqual({ messageType: { DataType: 'String', StringValue: 'digest' } });
  });
});
