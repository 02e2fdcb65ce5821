import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AccessDeniedAlerts, AccessDeniedAlertsProps } from './access-denied-alerts';

export interface DenyscopeStackProps extends StackProps {
  readonly alerts?: AccessDeniedAlertsProps;
}

/** The deployable stack: the alerting construct and the outputs an operator needs. Environment-agnostic (no lookups). */
export class DenyscopeStack extends Stack {
  readonly alerts: AccessDeniedAlerts;

  constructor(scope: Construct, id: string, props: DenyscopeStackProps = {}) {
    super(scope, id, props);
    this.alerts = new AccessDeniedAlerts(this, 'Alerts', props.alerts);
    const { incidentStore, notifications, ingestion, monitoring } = this.alerts;
    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('IncidentsTableName', incidentStore.table.tableName, 'DynamoDB table of incidents (denyscope incidents --table)');
    output('AlertTopicArn', notifications.topic.topicArn, 'SNS topic of alerts and alarms');
    output('QueueUrl', ingestion.queue.queueUrl, 'Queue of denial events read by the alert Lambda');
    output('DeadLetterQueueUrl', ingestion.deadLetterQueue.queueUrl, 'Denial events that failed processing (redrive after fixing)');
    output('DeliveryDeadLetterQueueUrl', ingestion.deliveryDeadLetterQueue.queueUrl, 'Denial events EventBridge could not deliver');
    output('SlackWebhookSecretName', notifications.slackWebhookSecret.secretName, 'Put the Slack incoming-webhook URL in this secret');
    if (notifications.slackBotTokenSecret)
      output(
        'SlackBotTokenSecretName',
        notifications.slackBotTokenSecret.secret.secretName,
        'Put the Slack bot token (xoxb-...) in this secret',
      );
    if (notifications.pagerDutyRoutingKeySecret)
      output(
        'PagerDutyRoutingKeySecretName',
        notifications.pagerDutyRoutingKeySecret.secret.secretName,
        'Put the PagerDuty routing key in this secret',
      );
    if (notifications.chatNotificationsTopic)
      output(
        'ChatNotificationsTopicArn',
        notifications.chatNotificationsTopic.topicArn,
        'Map this topic to a channel in Amazon Q Developer in chat applications',
      );
    if (this.alerts.digest)
      output(
        'DigestDeadLetterQueueUrl',
        this.alerts.digest.deadLetterQueue.queueUrl,
        'Daily digest runs that failed after their retries (invoke the digest Lambda again once fixed)',
      );
    output('DashboardUrl', monitoring.dashboardUrl, 'CloudWatch dashboard');
    if (this.alerts.organization) {
      const { eventBus, memberStackSet } = this.alerts.organization;
      output(
        'CentralEventBusArn',
        eventBus.bus.eventBusArn,
        'Event bus receiving the denials of the organization (CentralEventBusArn of a member stack)',
      );
      output('MemberStackSetId', memberStackSet.stackSet.attrStackSetId, 'StackSet deploying the forwarding rule to the member accounts');
    }
  }
}
