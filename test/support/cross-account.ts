import { denialEvent } from './denial-events';

export interface CrossAccountCallOptions {
  /** The account of the denied role. */
  readonly callerAccount: string;
  /** The account of the table. */
  readonly ownerAccount: string;
  readonly region?: string;
  readonly roleName?: string;
  readonly tableName?: string;
  readonly eventName?: string;
  readonly eventTime?: string;
  readonly sharedEventId: string;
  /** The eventID of the copy recorded in the caller's account, then of the one in the owner's account. */
  readonly eventIds: readonly [string, string];
}

/**
 * One cross-account DynamoDB call denied by the table's resource-based policy, as CloudTrail records it in both accounts
 * (AWS CloudTrail User Guide, "sharedEventID example": one event to the caller, one to the owner, with the same
 * sharedEventID and their own eventID and recipientAccountId; the field sits after recipientAccountId as in the corpus's
 * awsdocs-ct-1.json). Each copy is an EventBridge event of the account that recorded it. The call names the table by
 * its ARN, as DynamoDB requires across accounts.
 */
export function crossAccountCopies(options: CrossAccountCallOptions): [Record<string, unknown>, Record<string, unknown>] {
  const region = options.region ?? 'eu-west-1';
  const roleName = options.roleName ?? 'reporting';
  const eventName = options.eventName ?? 'GetItem';
  const { callerAccount, ownerAccount } = options;
  const tableArn = `arn:aws:dynamodb:${region}:${ownerAccount}:table/${options.tableName ?? 'Ledger'}`;
  const callerArn = `arn:aws:sts::${callerAccount}:assumed-role/${roleName}/batch-job`;
  const action = `dynamodb:${eventName}`;
  const shape = denialEvent({
    accountId: callerAccount,
    region,
    roleName,
    sessionName: 'batch-job',
    eventName,
    eventTime: options.eventTime,
  });
  const { recipientAccountId: _recipient, eventID: _eventId, eventCategory, ...fields } = shape.detail as Record<string, unknown>;
  const call = {
    ...fields,
    errorMessage: `User: ${callerArn} is not authorized to perform: ${action} on resource: ${tableArn} because no resource-based policy allows the ${action} action`,
    requestParameters: { tableName: tableArn },
    resources: [{ accountId: ownerAccount, type: 'AWS::DynamoDB::Table', ARN: tableArn }],
    readOnly: eventName.startsWith('Get') || eventName === 'Query' || eventName === 'Scan',
  };
  const copy = (eventId: string, recipientAccountId: string) => {
    const record = { ...call, eventID: eventId, recipientAccountId, sharedEventID: options.sharedEventId, eventCategory };
    return { ...shape, id: `eb-${eventId}`, account: recipientAccountId, detail: record };
  };
  return [copy(options.eventIds[0], callerAccount), copy(options.eventIds[1], ownerAccount)];
}
