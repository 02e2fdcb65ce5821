import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AlertsConfig, AlertsConfigInput, deepDiagnosisOn, OrganizationSettings, organizationSettings, resolveConfig } from './config';
import { IncidentStore } from './constructs/incident-store';
import { DigestSchedule } from './constructs/digest-schedule';
import { Ingestion, OrganizationTrail } from './constructs/ingestion';
import { MemberStackSet } from './constructs/member-stack-set';
import { Monitoring } from './constructs/monitoring';
import { Notifications } from './constructs/notifications';
import { OrganizationEventBus } from './constructs/organization-bus';
import { Processing, QUEUE_VISIBILITY_TIMEOUT } from './constructs/processing';

/** Props of {@link AccessDeniedAlerts}: every key is optional and documented with its default. */
export type AccessDeniedAlertsProps = AlertsConfigInput;

/** What mode=organization adds: the central event bus and the StackSet of the member accounts. */
export interface OrganizationIntake {
  readonly eventBus: OrganizationEventBus;
  readonly memberStackSet: MemberStackSet;
}

/**
 * CloudTrail → EventBridge → SQS → Lambda → DynamoDB incidents, SNS e-mail and Slack: alerts on
 * access-denied errors (DynamoDB by default) with the diagnosed cause, and a daily digest per route. With mode=organization it also receives,
 * on a central event bus, the denials that every account of the organization forwards (a StackSet deploys the
 * forwarding rule to the member accounts).
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
  /** The daily digest (schedule and Lambda); absent with digest=false. */
  readonly digest?: DigestSchedule;
  /** Present with mode=organization. */
  readonly organization?: OrganizationIntake;

  constructor(scope: Construct, id: string, props: AccessDeniedAlertsProps = {}) {
    super(scope, id);
    const config = resolveConfig(props);
    this.config = config;
    const removalPolicy = config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const organization = organizationSettings(config);

    this.ingestion = new Ingestion(this, 'Ingestion', {
      createTrail: config.createTrail,
      organizationTrail: organization?.organizationTrail ? organizationTrailOf(organization) : undefined,
      dataEventTables: config.dataEventTables,
      retentionDays: config.retentionDays,
      visibilityTimeout: QUEUE_VISIBILITY_TIMEOUT,
      removalPolicy,
    });
    this.incidentStore = new IncidentStore(this, 'IncidentStore', {
      removalPolicy,
      existingTable:
        config.existingIncidentsTableArn && config.existingIncidentsTableKeyArn
          ? { tableArn: config.existingIncidentsTableArn, keyArn: config.existingIncidentsTableKeyArn }
          : undefined,
    });
    this.notifications = new Notifications(this, 'Notifications', {
      alertEmails: config.alertEmails,
      slackWebhookSecretName: config.slackWebhookSecretName,
      slackBotTokenSecretName: config.slackBotTokenSecretName,
      pagerDutyRoutingKeySecretName: config.pagerDutyRoutingKeySecretName,
      chatNotificationsTopic: config.chatNotificationsTopic,
      existingSlackWebhookSecretArn: config.existingSlackWebhookSecretArn,
      removalPolicy,
      routes: config.routes,
    });
    // Where alerts and digests go: both Lambdas deliver to the same channels.
    const channels = {
      topic: this.notifications.topic,
      topicKey: this.notifications.topicKey,
      slackWebhookSecret: this.notifications.slackWebhookSecret,
      // The key encrypts an existing secret only when that secret is the stack's own.
      slackWebhookSecretKey: config.existingSlackWebhookSecretArn ? undefined : this.notifications.slackWebhookSecretKey,
      slackBot:
        this.notifications.slackBotTokenSecret && config.slackChannel
          ? { tokenSecret: this.notifications.slackBotTokenSecret, channel: config.slackChannel }
          : undefined,
      chatNotificationsTopic: this.notifications.chatNotificationsTopic,
      routeChannels: this.notifications.routeChannels,
    };
    this.processing = new Processing(this, 'Processing', {
      queue: this.ingestion.queue,
      queueKey: this.ingestion.queueKey,
      table: this.incidentStore.table,
      tableKey: this.incidentStore.tableKey,
      ...channels,
      pagerDutyRoutingKeySecret: this.notifications.pagerDutyRoutingKeySecret,
      dataEventTables: config.dataEventTables,
      dedupWindowMinutes: config.dedupWindowMinutes,
      retentionDays: config.retentionDays,
      acknowledgeHours: config.acknowledgeHours,
      autoResolveDays: config.autoResolveDays,
      alertOnConsoleReads: config.alertOnConsoleReads,
      mutes: config.mutes,
      logLevel: config.logLevel,
      reservedConcurrency: config.reservedConcurrency,
      ...(deepDiagnosisOn(config)
        ? {
            deepDiagnosis: {
              timeoutSeconds: config.deepDiagnosisTimeoutSeconds,
              ...(config.organizationReaderRoleArn ? { organizationReaderRoleArn: config.organizationReaderRoleArn } : {}),
            },
          }
        : {}),
      tracing: config.tracing,
      removalPolicy,
    });
    const eventBus = organization
      ? new OrganizationEventBus(this, 'OrganizationBus', {
          organizationId: organization.organizationId,
          principalOrgPaths: organization.principalOrgPaths,
        })
      : undefined;
    this.ingestion.routeDenials(config.services, this.processing.role.roleArn, eventBus?.bus);
    if (organization && eventBus) {
      const memberStackSet = new MemberStackSet(this, 'MemberStackSet', {
        services: config.services,
        centralEventBusArn: eventBus.bus.eventBusArn,
        organizationalUnits: organization.memberOrganizationalUnits,
        regions: organization.memberRegions,
        callAs: organization.stackSetCallAs,
      });
      this.organization = { eventBus, memberStackSet };
    }
    if (config.digest) {
      this.digest = new DigestSchedule(this, 'Digest', {
        digestTime: config.digestTime,
        table: this.incidentStore.table,
        tableKey: this.incidentStore.tableKey,
        ...channels,
        retentionDays: config.retentionDays,
        autoResolveDays: config.autoResolveDays,
        mutes: config.mutes,
        logLevel: config.logLevel,
        queueKey: this.ingestion.queueKey,
        logKey: this.processing.logKey,
        alarmTopic: this.notifications.topic,
        removalPolicy,
      });
    }
    // The digest Lambda reads the Slack secrets too.
    this.notifications.restrictSlackSecretReaders(this.processing.role, [
      ...(this.digest ? [this.digest.role.roleArn] : []),
      ...config.slackSecretReaderArns,
    ]);
    this.monitoring = new Monitoring(this, 'Monitoring', {
      function: this.processing.function,
      queue: this.ingestion.queue,
      deadLetterQueue: this.ingestion.deadLetterQueue,
      deliveryDeadLetterQueue: this.ingestion.deliveryDeadLetterQueue,
      alarmTopic: this.notifications.topic,
    });
  }
}

/** With stackSetCallAs=SELF the stack runs in the management account, the owner of an organization trail. */
function organizationTrailOf(organization: OrganizationSettings): OrganizationTrail {
  return { organizationId: organization.organizationId, managementAccountId: organization.managementAccountId ?? Aws.ACCOUNT_ID };
}
