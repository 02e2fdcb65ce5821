/** ARN handling shared by the reader, the diagnosis and the remediation. */

export interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  /** Everything after the fifth colon, e.g. "table/Orders/index/byDate" or "assumed-role/app/session". */
  readonly resource: string;
}

// One diagnosis looks at the same few ARNs many times (principal, resource, policy); a scan sees the same ones
// across records. A small cache, emptied when full, keeps that from splitting strings over and over.
const PARSED_ARNS = new Map<string, Arn | null>();
const PARSED_ARNS_LIMIT = 2048;

/** The parts of an ARN, or null when the value is not one. */
export function parseArn(value: string | null | undefined): Arn | null {
  if (!value || !value.startsWith('arn:')) return null;
  const cached = PARSED_ARNS.get(value);
  if (cached !== undefined) return cached;
  const parts = value.split(':');
  const arn =
    parts.length < 6
      ? null
      : { partition: parts[1], service: parts[2], region: parts[3], account: parts[4], resource: parts.slice(5).join(':') };
  if (PARSED_ARNS.size >= PARSED_ARNS_LIMIT) PARSED_ARNS.clear();
  PARSED_ARNS.set(value, arn);
  return arn;
}

/** The account id in an ARN when it has one (12 digits or whatever the record wrote), else null. */
export function arnAccount(value: string | null | undefined): string | null {
  const arn = parseArn(value);
  return arn && arn.account !== '' && arn.account !== '*' ? arn.account : null;
}

/**
 * What policies attach to, for a caller ARN: an sts assumed-role session ARN
 * (arn:aws:sts::ACCT:assumed-role/NAME/SESSION) becomes its role ARN (arn:aws:iam::ACCT:role/NAME);
 * the role's path is not in the session ARN, so it is only right when the event has no sessionIssuer to say better.
 * Any other ARN is already what policies attach to.
 */
export function principalOfCallerArn(callerArn: string): string {
  const arn = parseArn(callerArn);
  if (arn && arn.service === 'sts' && arn.resource.startsWith('assumed-role/')) {
    const roleName = arn.resource.split('/')[1];
    if (roleName) return `arn:${arn.partition}:iam::${arn.account}:role/${roleName}`;
  }
  return callerArn;
}

/** The session name of an sts assumed-role ARN, else null. */
export function sessionNameOf(callerArn: string | null): string | null {
  const arn = parseArn(callerArn);
  if (!arn || arn.service !== 'sts' || !arn.resource.startsWith('assumed-role/')) return null;
  return arn.resource.split('/').slice(2).join('/') || null;
}

/** The name of an IAM role or user ARN (the last path segment), with its kind; null for anything else. */
export function iamEntityOf(principal: string): { kind: 'role' | 'user'; name: string } | null {
  const arn = parseArn(principal);
  if (!arn || arn.service !== 'iam') return null;
  const [kind, ...rest] = arn.resource.split('/');
  const name = rest[rest.length - 1];
  if ((kind === 'role' || kind === 'user') && name) return { kind, name };
  return null;
}

const DYNAMODB_RESOURCE = /^table\/([^/]+)(?:\/(?:index|stream|export|import|backup)\/.*)?$/;

/** The table name of a DynamoDB table, index or stream ARN, else null. */
export function tableNameOfArn(value: string | null | undefined): string | null {
  const arn = parseArn(value);
  if (!arn || arn.service !== 'dynamodb') return null;
  const match = DYNAMODB_RESOURCE.exec(arn.resource);
  return match && match[1] !== '*' ? match[1] : null;
}

// Event sources whose IAM service prefix differs from the host name.
const SERVICE_PREFIX_EXCEPTIONS: Readonly<Record<string, string>> = {
  monitoring: 'cloudwatch',
  email: 'ses',
  'multi-party-approval': 'mpa',
  'streams.dynamodb': 'dynamodb',
};

const AWS_DOMAIN = /\.amazonaws\.com$|\.api\.aws$/;

/** The service's host name in an event source: "dynamodb.amazonaws.com" → "dynamodb" (also VPC endpoint service names). */
export function serviceHostOf(eventSource: string): string {
  return eventSource.replace(AWS_DOMAIN, '');
}

/** IAM service prefix for an event source: "dynamodb.amazonaws.com" → "dynamodb", "monitoring.amazonaws.com" → "cloudwatch". */
export function servicePrefixOf(eventSource: string): string {
  const host = serviceHostOf(eventSource);
  return SERVICE_PREFIX_EXCEPTIONS[host] ?? host;
}

/** The ARN partition of a region: aws-cn for China, aws-us-gov for GovCloud, else aws. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
