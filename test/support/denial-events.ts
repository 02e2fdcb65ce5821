import type { SQSEvent, SQSRecord } from 'aws-lambda';

export interface DenialEventOptions {
  readonly eventId?: string;
  readonly eventTime?: string;
  readonly accountId?: string;
  readonly region?: string;
  /** The role whose session was denied; sessions of one role are one principal. */
  readonly roleName?: string;
  readonly sessionName?: string;
  readonly eventName?: string;
  readonly tableName?: string;
  /** The clause after "because"/"with": what denied it. */
  readonly reason?: string;
  readonly errorCode?: string;
  readonly eventSource?: string;
}

/**
 * An EventBridge "AWS API Call via CloudTrail" event for a denied DynamoDB call, as the rule delivers it to SQS.
 * Shaped like the records in ../shared/corpus; the values are parameters so tests can vary (or poison) each one.
 */
export function denialEvent(options: DenialEventOptions = {}): Record<string, unknown> {
  const accountId = options.accountId ?? '111122223333';
  const region = options.region ?? 'eu-west-1';
  const roleName = options.roleName ?? 'orders-api';
  const sessionName = options.sessionName ?? 'i-0abc123';
  const eventName = options.eventName ?? 'PutItem';
  const tableName = options.tableName ?? 'Orders';
  const action = `dynamodb:${eventName}`;
  const tableArn = `arn:aws:dynamodb:${region}:${accountId}:table/${tableName}`;
  const callerArn = `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;
  const reason = options.reason ?? `with an explicit deny in a service control policy`;
  const record = {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLE:${sessionName}`,
      arn: callerArn,
      accountId,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLE',
          arn: `arn:aws:iam::${accountId}:role/${roleName}`,
          accountId,
          userName: roleName,
        },
        attributes: { creationDate: '2026-11-20T08:00:00Z', mfaAuthenticated: 'false' },
      },
    },
    eventTime: options.eventTime ?? '2026-11-20T09:15:00Z',
    eventSource: options.eventSource ?? 'dynamodb.amazonaws.com',
    eventName,
    awsRegion: region,
    sourceIPAddress: '10.0.0.1',
    userAgent: 'aws-sdk-js/3.0.0',
    errorCode: options.errorCode ?? 'AccessDenied',
    errorMessage: `User: ${callerArn} is not authorized to perform: ${action} on resource: ${tableArn} ${reason}`,
    requestParameters: { tableName },
    responseElements: null,
    requestID: 'REQ1234567890',
    eventID: options.eventId ?? 'e0000000-0000-4000-8000-000000000001',
    readOnly: false,
    resources: [{ accountId, type: 'AWS::DynamoDB::Table', ARN: tableArn }],
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: accountId,
    eventCategory: 'Data',
  };
  return {
    version: '0',
    id: `eb-${record.eventID}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.dynamodb',
    account: accountId,
    time: record.eventTime,
    region,
    resources: [],
    detail: record,
  };
}

let messageCounter = 0;

/** An SQS message as Lambda receives it, with the given body. */
export function sqsMessage(body: string | Record<string, unknown>, messageId = `msg-${++messageCounter}`): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'events',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:denials',
    awsRegion: 'eu-west-1',
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** A Lambda context whose remaining time is fixed (tests never wait on it). */
export function lambdaContext(remainingMs = 60_000): { getRemainingTimeInMillis: () => number } {
  return { getRemainingTimeInMillis: () => remainingMs };
}
