import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CAUSE_DIMENSION, METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '@denyscope/core/contract';
import { CAUSES } from '@denyscope/core/diagnosis/types';

export interface MonitoringProps {
  readonly function: lambda.IFunction;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly deliveryDeadLetterQueue: sqs.IQueue;
  readonly alarmTopic: sns.ITopic;
}

/** A denial should be alerted within minutes; older queued messages mean the Lambda is failing or throttled. */
export const OLDEST_MESSAGE_AGE_THRESHOLD = Duration.minutes(15);
const PERIOD = Duration.minutes(5);

/** An alarm as soon as the metric reaches 1 in one period (no data: not breaching). */
export function alarmOnAtLeastOne(scope: Construct, id: string, description: string, metric: cloudwatch.IMetric): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription: description,
    metric,
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/** Alarms on everything that loses or delays alerts, and a dashboard of what was denied and alerted. */
export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const atLeastOne = (alarmId: string, description: string, metric: cloudwatch.IMetric) =>
      alarmOnAtLeastOne(this, alarmId, description, metric);
    const pipelineMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE_NAME },
        statistic: 'Sum',
        period: PERIOD,
      });
    const perCause = (metricName: string) =>
      CAUSES.map(
        (cause) =>
          new cloudwatch.Metric({
            namespace: METRICS_NAMESPACE,
            metricName,
            // Powertools Metrics adds `service` (POWERTOOLS_SERVICE_NAME) to every metric as a default dimension.
            dimensionsMap: { service: SERVICE_NAME, [CAUSE_DIMENSION]: cause },
            statistic: 'Sum',
            period: PERIOD,
            label: cause,
          }),
      );

    const deadLetters = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' });
    const undelivered = props.deliveryDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' });
    const oldestAge = props.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' });
    const errors = props.function.metricErrors({ period: PERIOD, statistic: 'Sum' });
    const throttles = props.function.metricThrottles({ period: PERIOD, statistic: 'Sum' });

    this.alarms = [
      atLeastOne(
        'DeadLetterQueueNotEmpty',
        'Denial events failed processing 5 times and wait in the dead-letter queue: fix the cause, then redrive them.',
        deadLetters,
      ),
      atLeastOne(
        'DeliveryDeadLetterQueueNotEmpty',
        'EventBridge could not deliver denial events to the queue (check the queue policy and key policy).',
        undelivered,
      ),
      atLeastOne('FunctionErrors', 'The alert Lambda failed (see its log group).', errors),
      atLeastOne('FunctionThrottles', 'The alert Lambda was throttled.', throttles),
      atLeastOne(
        'NotifyFailures',
        'Alerts could not be sent to SNS or Slack (check the webhook secret).',
        pipelineMetric(METRIC.notifyFailures),
      ),
      new cloudwatch.Alarm(this, 'OldestMessageAge', {
        alarmDescription: `Denial events have waited more than ${OLDEST_MESSAGE_AGE_THRESHOLD.toMinutes()} minutes in the queue.`,
        metric: oldestAge,
        threshold: OLDEST_MESSAGE_AGE_THRESHOLD.toSeconds(),
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    const notify = new actions.SnsAction(props.alarmTopic);
    for (const alarm of this.alarms) alarm.addAlarmAction(notify);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(7) });
    const graph = (title: string, metrics: cloudwatch.IMetric[], stacked = false) =>
      new cloudwatch.GraphWidget({ title, left: metrics, stacked, width: 12, height: 6 });
    this.dashboard.addWidgets(
      graph('Denials by cause', perCause(METRIC.denials), true),
      graph('Incidents opened by cause', perCause(METRIC.incidentsOpened), true),
    );
    this.dashboard.addWidgets(
      graph('Alerts sent by cause', perCause(METRIC.alertsSent), true),
      graph('Repeats suppressed by cause', perCause(METRIC.alertsSuppressed), true),
    );
    this.dashboard.addWidgets(
      graph('Errors', [
        errors,
        throttles,
        pipelineMetric(METRIC.notifyFailures),
        pipelineMetric(METRIC.unprocessableMessages),
        pipelineMetric(METRIC.duplicates),
      ]),
      new cloudwatch.GraphWidget({
        title: 'Queues (messages; oldest age in seconds on the right)',
        left: [props.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }), deadLetters, undelivered],
        right: [oldestAge],
        width: 12,
        height: 6,
      }),
    );
  }

  get dashboardUrl(): string {
    return `https://console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.dashboard.dashboardName}`;
  }
}
