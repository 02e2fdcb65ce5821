import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { waitForJsonLine } from './child-process';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * fauxqs 1.x (SNS→SQS emulator) in a child `node` process on 127.0.0.1 and a free port.
 * A child because fauxqs is ESM-only and jest runs these tests as CommonJS; buildApp rather than
 * startFauxqs because the latter always listens on 0.0.0.0.
 */
const SERVER_SCRIPT = `
import { buildApp } from 'fauxqs';
const app = buildApp({ logger: false });
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(JSON.stringify({ address }) + '\\n');
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
`;

export interface LocalSnsSqs {
  readonly endpoint: string;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  /** A topic with one SQS subscription (the SNS envelope, not raw delivery), to read what was published. */
  createSubscribedTopic(name: string): Promise<{ topicArn: string; queueUrl: string }>;
  /** Everything in the queue now (long polls briefly until it has `expected` messages), deleted as read. */
  drain(queueUrl: string, expected: number): Promise<Message[]>;
  stop(): Promise<void>;
}

export async function startFauxqs(): Promise<LocalSnsSqs> {
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', SERVER_SCRIPT], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { address } = await waitForJsonLine<{ address: string }>(child, 'fauxqs');
  const clientConfig = { endpoint: address, region: 'us-east-1', credentials: TEST_CREDENTIALS };
  const sns = new SNSClient(clientConfig);
  const sqs = new SQSClient(clientConfig);

  return {
    endpoint: address,
    sns,
    sqs,
    async createSubscribedTopic(name) {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-subscriber` }));
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }));
      return { topicArn: TopicArn ?? '', queueUrl: QueueUrl ?? '' };
    },
    async drain(queueUrl, expected) {
      const messages: Message[] = [];
      for (let round = 0; round < 5; round += 1) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: messages.length >= expected ? 0 : 1 }),
        );
        for (const message of Messages) {
          messages.push(message);
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
        }
        if (Messages.length === 0 && messages.length >= expected) break;
      }
      return messages;
    },
    async stop() {
      sns.destroy();
      sqs.destroy();
      await stopChild(child);
    },
  };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
