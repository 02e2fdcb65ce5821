import { ChatNotificationNotifier } from '../../../lambdas/adapters/chat-notification-notifier';
import { escapeChatMarkdown } from '../../../core/render/escape';
import { CUSTOM_NOTIFICATION_SCHEMA } from '../../support/chat-notification-schema';
import { startFauxqs, type LocalSnsSqs } from '../../support/fauxqs';
import { diagnosisOf, incidentOf, poisonedIncident } from '../../support/incidents';

let fauxqs: LocalSnsSqs;

beforeAll(async () => {
  fauxqs = await startFauxqs();
});
afterAll(async () => {
  await fauxqs?.stop();
});

async function publishedNotification(topicName: string, incident = incidentOf(diagnosisOf())) {
  const { topicArn, queueUrl } = await fauxqs.createSubscribedTopic(topicName);
  const result = await new ChatNotificationNotifier(fauxqs.sns, topicArn).notify(incident);
  const [message] = await fauxqs.drain(queueUrl, 1);
  const envelope = JSON.parse(message.Body ?? '{}') as { Message: string };
  return { result, notification: CUSTOM_NOTIFICATION_SCHEMA.parse(JSON.parse(envelope.Message)) };
}

describe('ChatNotificationNotifier against fauxqs (SNS→SQS)', () => {
  it('publishes a custom notification in the documented schema, threaded by incident id', async () => {
    const incident = incidentOf(diagnosisOf());
    const { result, notification } = await publishedNotification('chat-schema', incident);
    expect(result.status).toBe('sent');
    expect(notification.metadata).toMatchObject({ threadId: incident.id, eventType: 'denyscope.incident.alert' });
    expect(notification.content.title).toBe('dynamodb:PutItem denied on Orders: service control policy');
    expect(notification.content.description).toContain('**Principal:** arn:aws:iam::111122223333:role/orders-api');
    expect(notification.metadata?.relatedResources).toEqual([incident.resource]);
    expect(notification.content.nextSteps?.length).toBeGreaterThan(0);
  });

  it('keeps attacker-chosen values from forming mentions, links, code or new lines', async () => {
    const { notification } = await publishedNotification('chat-poisoned', poisonedIncident());
    const texts = [notification.content.title ?? '', notification.content.description, ...(notification.content.nextSteps ?? [])];
    for (const text of texts) {
      expect(text).not.toMatch(/<!channel>|<!here>|<@U123>|<https?:/);
      expect(text).not.toMatch(/(^|[^\\])`/);
      expect(text).not.toContain('\u001b');
    }
    // Each line of the description is one of ours: a value cannot add a line.
    expect(notification.content.description.split('\n').every((line) => line === '' || !line.startsWith('forged'))).toBe(true);
  });
});

describe('escapeChatMarkdown', () => {
  it.each([
    ['<!channel> & <@U1>', '&lt;!channel&gt; &amp; &lt;@U1&gt;'],
    ['*bold* _it_ ~s~ `code` [a](b) |t|', '\\*bold\\* \\_it\\_ \\~s\\~ \\`code\\` \\[a\\](b) \\|t\\|'],
    ['line\nforged', 'line\\\\nforged'],
    ['https://evil.example', 'https:\u200B//evil.example'],
  ])('escapes %j', (value, expected) => {
    expect(escapeChatMarkdown(value)).toBe(expected);
  });
});
