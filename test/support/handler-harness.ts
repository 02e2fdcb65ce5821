import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SNSClient } from '@aws-sdk/client-sns';
import { StaticWebhookUrlProvider } from '../../lambdas/adapters/secrets-webhook-url';
import { SlackNotifier } from '../../lambdas/adapters/slack-notifier';
import { SnsNotifier } from '../../lambdas/adapters/sns-notifier';
import { HANDLER_ENV, METRICS_NAMESPACE, SERVICE_NAME } from '../../core/contract';
import { createAlertHandler, type AlertHandler } from '../../lambdas/alert-batch';
import type { Incident } from '../../core/incidents/model';
import type { Clock, DiagnosisDeepener, IncidentStore } from '../../core/incidents/ports';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createAlertPipeline } from '../../lambdas/wiring';
import type { LocalDynamo } from './dynalite';

/** The environment the stack gives the alert Lambda, with test values. */
export const STACK_HANDLER_ENV = {
  [HANDLER_ENV.incidentsTableName]: 'incidents',
  [HANDLER_ENV.alertTopicArn]: 'arn:aws:sns:eu-west-1:111122223333:alerts',
  [HANDLER_ENV.slackWebhookSecretArn]: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:slack',
  [HANDLER_ENV.dedupWindowMinutes]: '60',
  [HANDLER_ENV.retentionDays]: '90',
  [HANDLER_ENV.deepDiagnosisTimeoutSeconds]: '4',
  [HANDLER_ENV.tracing]: 'false',
  [HANDLER_ENV.acknowledgeHours]: '24',
  [HANDLER_ENV.autoResolveDays]: '14',
  [HANDLER_ENV.alertOnConsoleReads]: 'false',
  [HANDLER_ENV.mutes]: '[{"action":"dynamodb:Scan","until":"never","reason":"nightly export"}]',
};

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private current = new Date('2026-11-20T10:00:00.000Z')) {}

  now(): Date {
    return new Date(this.current);
  }

  advanceMinutes(minutes: number): void {
    this.current = new Date(this.current.getTime() + minutes * 60_000);
  }
}

/** Everything the handler writes to stdout (Powertools logs and EMF metrics), one parsed JSON line each. */
export class OutputCapture {
  readonly lines: string[] = [];
  private restore: (() => void) | null = null;

  start(): void {
    const write = process.stdout.write.bind(process.stdout);
    const errorWrite = process.stderr.write.bind(process.stderr);
    const capture = (chunk: unknown): boolean => {
      this.lines.push(
        ...String(chunk)
          .split('\n')
          .filter((line) => line.trim() !== ''),
      );
      return true;
    };
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    this.restore = () => {
      process.stdout.write = write;
      process.stderr.write = errorWrite;
    };
  }

  stop(): void {
    this.restore?.();
    this.restore = null;
  }

  get text(): string {
    return this.lines.join('\n');
  }

  json(): Record<string, unknown>[] {
    return this.lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /** Sum of an EMF metric over every document, optionally for one cause. */
  metric(name: string, cause?: string): number {
    return this.json()
      .filter((document) => document._aws !== undefined && name in document && (cause === undefined || document.cause === cause))
      .reduce((sum, document) => sum + Number(document[name]), 0);
  }
}

export interface HarnessOptions {
  readonly dynamo: LocalDynamo;
  readonly tableName: string;
  readonly clock?: Clock;
  readonly sns?: { client: SNSClient; topicArn: string };
  readonly slackWebhookUrl?: string | null;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly dedupWindowMinutes?: number;
  /** The store's client, when not dynalite's (a mock). */
  readonly documents?: DynamoDBDocumentClient;
  readonly concurrency?: number;
  readonly deepener?: DiagnosisDeepener;
}

export interface Harness {
  readonly handler: AlertHandler;
  readonly store: IncidentStore;
  readonly clock: Clock;
  readonly warnings: string[];
  incident(id: string): Promise<Incident | null>;
}

/** The real handler factory and the Lambda's wiring (createAlertPipeline), on dynalite, fauxqs and the Slack stand-in. */
export function createHarness(options: HarnessOptions): Harness {
  const clock = options.clock ?? new ManualClock();
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
  };
  const notifiers = [
    ...(options.sns ? [new SnsNotifier(options.sns.client, options.sns.topicArn)] : []),
    new SlackNotifier({
      webhookUrls: new StaticWebhookUrlProvider(options.slackWebhookUrl ?? null),
      warn,
      sleep: options.sleep ?? (() => Promise.resolve()),
      backoffMs: 1,
    }),
  ];
  const { pipeline, store } = createAlertPipeline({
    config: { incidentsTableName: options.tableName, retentionDays: 90, dedupWindowMinutes: options.dedupWindowMinutes ?? 60 },
    documents: options.documents ?? options.dynamo.documents,
    notifiers,
    clock,
    deepener: options.deepener,
  });
  const handler = createAlertHandler({
    logger: new Logger({ serviceName: SERVICE_NAME }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
    concurrency: options.concurrency,
    pipeline,
  });
  return { handler, store, clock, warnings, incident: (id) => store.getIncident(id) };
}
