import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertChannel, Incident } from '../../core/incidents/model';
import type { Digest } from '../../core/incidents/digest';
import type { DeliveryResult, DigestSender, Notifier } from '../../core/incidents/ports';
import { describeError } from '../../core/incidents/errors';
import { renderSnsDigest } from '../../core/render/digest-messages';
import { renderSnsAlert } from '../../core/render/sns-message';

/** Publishes the alert, or the daily digest, to the SNS topic (a topic with no subscribers is still published to). */
export class SnsNotifier implements Notifier, DigestSender {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
    /** 'sns' for the stack's alert topic; a route channel's name for that channel's topic. */
    readonly channel: AlertChannel = 'sns',
  ) {}

  notify(incident: Incident): Promise<DeliveryResult> {
    return this.publish(renderSnsAlert(incident));
  }

  sendDigest(digest: Digest, route: string | null): Promise<DeliveryResult> {
    return this.publish(renderSnsDigest(digest, route));
  }

  private async publish(message: Omit<PublishCommandInput, 'TopicArn'>): Promise<DeliveryResult> {
    try {
      const { MessageId } = await this.sns.send(new PublishCommand({ TopicArn: this.topicArn, ...message }));
      return { status: 'sent', detail: `message ${MessageId}` };
    } catch (error) {
      return { status: 'failed', detail: describeError(error) };
    }
  }
}
