import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { describeError } from '../../core/incidents/errors';
import type { Incident } from '../../core/incidents/model';
import type { Digest } from '../../core/incidents/digest';
import type { DeliveryResult, DigestSender, Notifier } from '../../core/incidents/ports';
import { renderChatNotificationMessage } from '../../core/render/chat-notification';
import { renderDigestChatNotificationMessage } from '../../core/render/digest-messages';

/**
 * Channel 'chat-notifications': publishes the alert as an Amazon Q Developer custom notification to the topic that
 * Amazon Q Developer in chat applications maps to a Slack, Teams or Chime channel; repeats thread by incident id. The
 * daily digest is a notification of its own, in no thread.
 */
export class ChatNotificationNotifier implements Notifier, DigestSender {
  readonly channel = 'chat-notifications';

  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  notify(incident: Incident): Promise<DeliveryResult> {
    return this.publish(renderChatNotificationMessage(incident));
  }

  sendDigest(digest: Digest, route: string | null): Promise<DeliveryResult> {
    return this.publish(renderDigestChatNotificationMessage(digest, route));
  }

  private async publish(message: string): Promise<DeliveryResult> {
    try {
      const { MessageId } = await this.sns.send(new PublishCommand({ TopicArn: this.topicArn, Message: message }));
      return { status: 'sent', detail: `message ${MessageId}` };
    } catch (error) {
      return { status: 'failed', detail: describeError(error) };
    }
  }
}
