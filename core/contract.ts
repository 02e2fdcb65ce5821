/**
 * Names shared by the CDK stack and the Lambda it deploys: the environment the stack sets and the
 * metrics the Lambda emits (alarms and the dashboard read them). One place, so neither side guesses.
 */
export const HANDLER_ENV = {
  incidentsTableName: 'INCIDENTS_TABLE_NAME',
  alertTopicArn: 'ALERT_TOPIC_ARN',
  /** The secret's ARN, never its value: the webhook URL is read from Secrets Manager at run time. */
  slackWebhookSecretArn: 'SLACK_WEBHOOK_SECRET_ARN',
  dedupWindowMinutes: 'DEDUP_WINDOW_MINUTES',
  retentionDays: 'RETENTION_DAYS',
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
} as const;
export const CAUSE_DIMENSION = 'cause';
