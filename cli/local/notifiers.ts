import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { AlertChannel, Incident } from '../../core/incidents/model';
import type { DeliveryResult, Notifier } from '../../core/incidents/ports';
import { renderAlertText } from '../../core/render/alert-text';
import { escapeSingleLine } from '../../core/render/escape';
import type { OutputStream } from '../io';
import type { Style } from '../render/style';
import { credentialsForEndpoint, regionOr } from './endpoints';

/** The local mode's first channel: the alert printed as the email text (the same renderer as the SNS email). */
export class TerminalNotifier implements Notifier {
  readonly channel = 'terminal' as const;

  constructor(
    private readonly stdout: OutputStream,
    private readonly style: Style,
  ) {}

  notify(incident: Incident): Promise<DeliveryResult> {
    const { subject, body } = renderAlertText(incident);
    const rule = this.style.dim('─'.repeat(72));
    this.stdout.write(`${rule}\n${this.style.bold(subject)}\n\n${body.endsWith('\n') ? body : `${body}\n`}\n`);
    return Promise.resolve({ status: 'sent' });
  }
}

/**
 * A route channel in `local --routes`: nothing leaves the machine (the deployed stack's topics and webhook secrets are
 * not reachable from here); the alert counts as sent to the channel, and the terminal says which channel got which alert.
 */
export class LocalRouteNotifier implements Notifier {
  constructor(
    readonly channel: AlertChannel,
    private readonly terminal: OutputStream | null,
    private readonly style: Style,
  ) {}

  notify(incident: Incident): Promise<DeliveryResult> {
    this.terminal?.write(
      `${this.style.dim('→')} channel ${escapeSingleLine(this.channel)} got the alert of ${escapeSingleLine(incident.id)}\n`,
    );
    return Promise.resolve({ status: 'sent', detail: 'local run: counted, not delivered' });
  }
}

/** The topic `local --sns-endpoint` creates (CreateTopic is idempotent) when no --sns-topic-arn is given. */
export const LOCAL_TOPIC_NAME = 'denyscope-alerts';

/** An SNS client for an SNS-compatible endpoint (credentials: see credentialsForEndpoint). */
export function snsClientFor(endpoint: string, region: string | undefined): SNSClient {
  return new SNSClient({ endpoint, region: regionOr(region), credentials: credentialsForEndpoint(endpoint), maxAttempts: 2 });
}

/** The topic to publish to: the one named, else denyscope's own topic on that endpoint (created if missing). */
export async function resolveTopicArn(sns: SNSClient, topicArn: string | undefined): Promise<string> {
  if (topicArn !== undefined) return topicArn;
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: LOCAL_TOPIC_NAME }));
  if (TopicArn === undefined) throw new Error(`the SNS endpoint returned no ARN for topic ${LOCAL_TOPIC_NAME}`);
  return TopicArn;
}
