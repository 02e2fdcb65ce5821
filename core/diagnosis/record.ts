/**
 * A CloudTrail record as parsed from JSON. Only the fields the diagnosis reads are typed, all optional:
 * records come from many sources (and attackers), so every read goes through the guards below.
 */
export interface CloudTrailUserIdentity {
  type?: string;
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  invokedBy?: string;
  sessionContext?: {
    sessionIssuer?: { type?: string; arn?: string; accountId?: string; userName?: string; [key: string]: unknown };
    attributes?: { mfaAuthenticated?: string; creationDate?: string; [key: string]: unknown };
    [key: string]: unknown;
  };
  onBehalfOf?: { userId?: string; identityStoreArn?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface CloudTrailResource {
  ARN?: string;
  accountId?: string;
  type?: string;
  [key: string]: unknown;
}

export interface CloudTrailRecord {
  eventVersion?: string;
  eventID?: string;
  eventTime?: string;
  eventSource?: string;
  eventName?: string;
  awsRegion?: string;
  errorCode?: string;
  errorMessage?: string;
  userIdentity?: CloudTrailUserIdentity;
  recipientAccountId?: string;
  requestParameters?: Record<string, unknown> | null;
  resources?: CloudTrailResource[] | null;
  vpcEndpointId?: string;
  eventType?: string;
  eventCategory?: string;
  [key: string]: unknown;
}

/** The value when it is a non-empty string, else undefined: fields of foreign records may hold anything. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The value when it is a plain object (not null, not an array), else undefined. */
export function objectValue(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
