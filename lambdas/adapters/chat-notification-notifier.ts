import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { describeError } from '../../core/incidents/errors';
import type { Incident } from '../../core/incidents/model';
import type { DeliveryResult, Notifier } from '../../core/incidents/ports';
import { renderChatNotificationMessage } from '../../core/render/chat-notification';

/**
 * Channel 'chat-notifications': publishes the alert as an Amazon Q Developer custom notification to the topic that
 * Amazon Q Developer in chat applications maps to a Slack, Teams or Chime channel; repeats thread by incident id.
 */
export class ChatNotificationNotifier implements Notifier {
  readonly channel = 'chat-notifications';

  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async notify(incident: Incident): Promise<DeliveryResult> {
    try {
      const { MessageId } = await this.sns.send(
        new PublishCommand({ TopicArn: this.topicArn, Message: renderChatNotificationMessage(incident) }),
      );
      return { status: 'sent', detail: `message ${MessageId}` };
    } catch (error) {
      return { status: 'failed', detail: describeError(error) };
    }
  }
}
