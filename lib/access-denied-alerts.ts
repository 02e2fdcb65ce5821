import { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AlertsConfig, AlertsConfigInput, resolveConfig } from './config';
import { IncidentStore } from './constructs/incident-store';
import { Ingestion } from './constructs/ingestion';
import { Monitoring } from './constructs/monitoring';
import { Notifications } from './constructs/notifications';
import { Processing, QUEUE_VISIBILITY_TIMEOUT } from './constructs/processing';

/** Props of {@link AccessDeniedAlerts}: every key is optional and documented with its default. */
export type AccessDeniedAlertsProps = AlertsConfigInput;

/**
 * CloudTrail → EventBridge → SQS → Lambda → DynamoDB incidents, SNS e-mail and Slack: alerts on
 * access-denied errors (DynamoDB by default) with the diagnosed cause.
 *
 * @example new AccessDeniedAlerts(this, 'Alerts', { alertEmails: ['oncall@example.com'] });
 */
export class AccessDeniedAlerts extends Construct {
  readonly config: AlertsConfig;
  readonly ingestion: Ingestion;
  readonly incidentStore: IncidentStore;
  readonly notifications: Notifications;
  readonly processing: Processing;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: AccessDeniedAlertsProps = {}) {
    super(scope, id);
    const config = resolveConfig(props);
    this.config = config;
    const removalPolicy = config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.ingestion = new Ingestion(this, 'Ingestion', {
      createTrail: config.createTrail,
      dataEventTables: config.dataEventTables,
      retentionDays: config.retentionDays,
      visibilityTimeout: QUEUE_VISIBILITY_TIMEOUT,
      removalPolicy,
    });
    this.incidentStore = new IncidentStore(this, 'IncidentStore', { removalPolicy });
    this.notifications = new Notifications(this, 'Notifications', {
      alertEmails: config.alertEmails,
      slackWebhookSecretName: config.slackWebhookSecretName,
      existingSlackWebhookSecretArn: config.existingSlackWebhookSecretArn,
      removalPolicy,
    });
    this.processing = new Processing(this, 'Processing', {
      queue: this.ingestion.queue,
      queueKey: this.ingestion.queueKey,
      table: this.incidentStore.table,
      tableKey: this.incidentStore.tableKey,
      topic: this.notifications.topic,
      topicKey: this.notifications.topicKey,
      slackWebhookSecret: this.notifications.slackWebhookSecret,
      slackWebhookSecretKey: this.notifications.slackWebhookSecretKey,
      dataEventTables: config.dataEventTables,
      dedupWindowMinutes: config.dedupWindowMinutes,
      retentionDays: config.retentionDays,
      logLevel: config.logLevel,
      reservedConcurrency: config.reservedConcurrency,
      removalPolicy,
    });
    this.ingestion.routeDenials(config.services, this.processing.role.roleArn);
    this.notifications.restrictSlackSecretReaders(this.processing.role, config.slackSecretReaderArns);
    this.monitoring = new Monitoring(this, 'Monitoring', {
      function: this.processing.function,
      queue: this.ingestion.queue,
      deadLetterQueue: this.ingestion.deadLetterQueue,
      deliveryDeadLetterQueue: this.ingestion.deliveryDeadLetterQueue,
      alarmTopic: this.notifications.topic,
    });
  }
}
