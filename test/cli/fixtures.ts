import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export const ACCOUNT = '111122223333';
export const SCP_ARN = 'arn:aws:organizations::999988887777:policy/o-a1b2c3d4e5/service_control_policy/p-examplescp1';

export interface CallSpec {
  readonly eventId: string;
  readonly role?: string;
  readonly session?: string;
  readonly table?: string;
  readonly action?: string;
  readonly time?: string;
  /** The tail of the message after "on resource: ARN"; absent = a successful call. */
  readonly reason?: string;
  readonly errorCode?: string;
}

export const roleArn = (role: string): string => `arn:aws:iam::${ACCOUNT}:role/${role}`;
export const sessionArn = (role: string, session: string): string => `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`;

/** A DynamoDB data-event record as CloudTrail writes it: a denial when `reason` is given, else a success. */
export function dynamodbRecord(spec: CallSpec): Record<string, unknown> {
  const role = spec.role ?? 'orders-api';
  const session = spec.session ?? 'i-0123456789abcdef0';
  const table = spec.table ?? 'orders';
  const action = spec.action ?? 'PutItem';
  const tableArn = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${table}`;
  const record: Record<string, unknown> = {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLEID:${session}`,
      arn: sessionArn(role, session),
      accountId: ACCOUNT,
      accessKeyId: 'ASIAEXAMPLEKEY',
      sessionContext: {
        sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLEID', arn: roleArn(role), accountId: ACCOUNT, userName: role },
        attributes: { creationDate: '2026-11-20T08:00:00Z', mfaAuthenticated: 'false' },
      },
    },
    eventTime: spec.time ?? '2026-11-20T09:15:00Z',
    eventSource: 'dynamodb.amazonaws.com',
    eventName: action,
    awsRegion: 'us-east-1',
    sourceIPAddress: '10.0.1.2',
    userAgent: 'aws-sdk-js/3.600.0',
    requestParameters: { tableName: table, key: { pk: 'ORDER#1' } },
    responseElements: null,
    eventID: spec.eventId,
    readOnly: false,
    resources: [{ accountId: ACCOUNT, type: 'AWS::DynamoDB::Table', ARN: tableArn }],
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Data',
  };
  if (spec.reason !== undefined) {
    record.errorCode = spec.errorCode ?? 'AccessDenied';
    record.errorMessage = `User: ${sessionArn(role, session)} is not authorized to perform: dynamodb:${action} on resource: ${tableArn} ${spec.reason}`;
  }
  return record;
}

export const IMPLICIT_IDENTITY = (action = 'PutItem'): string => `because no identity-based policy allows the dynamodb:${action} action`;
export const EXPLICIT_SCP = `with an explicit deny in a service control policy: ${SCP_ARN}`;
export const EXPLICIT_VPCE = 'with an explicit deny in a VPC endpoint policy';

export const logFile = (records: readonly Record<string, unknown>[]): string => JSON.stringify({ Records: records });

export function writeFile(file: string, content: string | Buffer): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

export const gzip = (content: string): Buffer => gzipSync(Buffer.from(content));
