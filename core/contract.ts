/**
 * Names shared by the CDK stack and the Lambda it deploys: the environment the stack sets and the
 * metrics the Lambda emits (alarms and the dashboard read them). One place, so neither side guesses.
 */
export const HANDLER_ENV = {
  incidentsTableName: 'INCIDENTS_TABLE_NAME',
  alertTopicArn: 'ALERT_TOPIC_ARN',
  /** The secret's ARN, never its value: the webhook URL is read from Secrets Manager at run time. */
  slackWebhookSecretArn: 'SLACK_WEBHOOK_SECRET_ARN',
  /** Optional (set when configured): secrets' ARNs, never their values, and the chat topic. */
  slackBotTokenSecretArn: 'SLACK_BOT_TOKEN_SECRET_ARN',
  slackChannel: 'SLACK_CHANNEL',
  pagerDutyRoutingKeySecretArn: 'PAGERDUTY_ROUTING_KEY_SECRET_ARN',
  chatNotificationsTopicArn: 'CHAT_NOTIFICATIONS_TOPIC_ARN',
  dedupWindowMinutes: 'DEDUP_WINDOW_MINUTES',
  retentionDays: 'RETENTION_DAYS',
  /** The alert routes as JSON (core/incidents/routes.ts DeployedRouting), validated at synth; unset: no routes. */
  alertRoutes: 'ALERT_ROUTES',
  /** Seconds one alert may spend reading evidence from AWS (deep diagnosis); 0 turns deep diagnosis off. */
  deepDiagnosisTimeoutSeconds: 'DEEP_DIAGNOSIS_TIMEOUT_SECONDS',
  /** The role in the organization's management account that deep diagnosis reads SCPs and RCPs through; unset: none. */
  organizationReaderRoleArn: 'ORGANIZATION_READER_ROLE_ARN',
  /** "true": Powertools Tracer on the SDK clients (Powertools' own setting, which the handler also reads to load it at all). */
  tracing: 'POWERTOOLS_TRACE_ENABLED',
  acknowledgeHours: 'ACKNOWLEDGE_HOURS',
  autoResolveDays: 'AUTO_RESOLVE_DAYS',
  alertOnConsoleReads: 'ALERT_ON_CONSOLE_READS',
  /** The standing mutes of the stack configuration, as JSON: [{principal?, action?, resource?, cause?, account?, until, reason}]. */
  mutes: 'MUTES',
} as const;

export const METRICS_NAMESPACE = 'Denyscope';
export const SERVICE_NAME = 'denyscope';

/** EMF metric names; those marked per cause carry the dimension `cause`. */
export const METRIC = {
  denials: 'Denials', // per cause
  incidentsOpened: 'IncidentsOpened', // per cause
  alertsSent: 'AlertsSent', // per cause
  alertsSuppressed: 'AlertsSuppressed', // per cause
  duplicates: 'DuplicateEvents',
  notifyFailures: 'NotifyFailures',
  unprocessableMessages: 'UnprocessableMessages',
  /** Digests a channel did not take (the digest Lambda); the run itself fails only when no channel took one. */
  digestDeliveryFailures: 'DigestDeliveryFailures',
} as const;
export const CAUSE_DIMENSION = 'cause';
