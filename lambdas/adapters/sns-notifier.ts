import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertChannel, Incident } from '../../core/incidents/model';
import type { DeliveryResult, Notifier } from '../../core/incidents/ports';
import { describeError } from '../../core/incidents/errors';
import { renderSnsAlert } from '../../core/render/sns-message';

/** Publishes the alert to the SNS topic (a topic with no subscribers is still published to). */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
    /** 'sns' for the stack's alert topic; a route channel's name for that channel's topic. */
    readonly channel: AlertChannel = 'sns',
  ) {}

  async notify(incident: Incident): Promise<DeliveryResult> {
    try {
      const { MessageId } = await this.sns.send(new PublishCommand({ TopicArn: this.topicArn, ...renderSnsAlert(incident) }));
      return { status: 'sent', detail: `message ${MessageId}` };
    } catch (error) {
      return { status: 'failed', detail: describeError(error) };
    }
  }
}
