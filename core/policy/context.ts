import { arnAccount, parseArn, serviceHostOf, tableNameOfArn } from '../diagnosis/arn';
import { objectValue, text, type CloudTrailRecord, type CloudTrailUserIdentity } from '../diagnosis/record';
import type { Diagnosis } from '../diagnosis/types';
import { dynamodbKeys } from './dynamodb-keys';
import { KeySection, RequestKeys } from './request-keys';
import type { PolicyStore } from './store';
import { findPrincipal, findResource } from './store-lookup';
import type { RequestContext, RequestPrincipal } from './types';

/**
 * The request AWS evaluated for a denied call, rebuilt from its CloudTrail record and the policy store: the principal,
 * the action (as the diagnosis has it), the resource, and every condition key the record or the store can answer.
 * A key neither can answer is left out, so it is unresolved; each key known to be absent says why where it is decided.
 * References: IAM User Guide "AWS global condition context keys" (availability of each key), KMS "AWS KMS condition
 * keys", DynamoDB "Using IAM policy conditions for fine-grained access control".
 */

/** The fields of a diagnosis the request context is built from. */
export type DiagnosedCall = Pick<Diagnosis, 'principal' | 'action' | 'resource' | 'tableName' | 'region' | 'eventTime' | 'eventSource'>;

export function requestContextFor(record: CloudTrailRecord, diagnosis: DiagnosedCall, store: PolicyStore | null): RequestContext {
  const identity = objectValue(record.userIdentity) as CloudTrailUserIdentity | undefined;
  const principal = principalOfRecord(identity, diagnosis);
  const forwardedKmsCall = diagnosis.action.toLowerCase().startsWith('kms:') && diagnosis.eventSource !== 'kms.amazonaws.com';
  const resource = resourceOf(diagnosis, forwardedKmsCall, store);
  const resourceAccountId = arnAccount(resource) ?? text(record.recipientAccountId) ?? null;
  // Each group of keys is stated when one of its keys is first read (RequestKeys.lazily).
  const keys = new RequestKeys()
    .lazily(PRINCIPAL_KEYS, () => addPrincipalKeys(keys, principal, text(identity?.principalId) ?? null, text(identity?.userName) ?? null))
    .lazily(PRINCIPAL_TAG_KEYS, () => addPrincipalTagKeys(keys, principal, store))
    .lazily(PRINCIPAL_ORGANIZATION_KEYS, () => addOrganizationKeys(keys, 'Principal', principal.accountId, store))
    .lazily(RESOURCE_TAG_KEYS, () => addResourceTagKeys(keys, resource, store))
    .lazily(RESOURCE_ORGANIZATION_KEYS, () => addOrganizationKeys(keys, 'Resource', resourceAccountId, store));
  if (resourceAccountId) keys.present('aws:ResourceAccount', resourceAccountId);
  if (diagnosis.region !== 'unknown') keys.present('aws:RequestedRegion', diagnosis.region);
  addTimeKeys(keys, () => (diagnosis.eventTime === '' ? null : new Date(diagnosis.eventTime)));
  const userAgent = text(record.userAgent);
  if (userAgent) keys.present('aws:UserAgent', userAgent);
  keys.lazily(CREDENTIAL_KEYS, () => addCredentialKeys(keys, identity));

  keys.lazily(CALL_PATH_KEYS, () => {
    const invokedBy = text(identity?.invokedBy) ?? null;
    if (forwardedKmsCall) {
      addForwardedCallKeys(keys, serviceHostOf(diagnosis.eventSource), invokedBy === null, diagnosis.region);
    } else {
      addNetworkKeys(keys, record);
      addViaServiceKeys(keys, principal, invokedBy, diagnosis.region);
    }
  });
  if (diagnosis.action.toLowerCase().startsWith('kms:'))
    keys.lazily(KMS_KEYS, () => addKmsKeys(keys, record, principal, diagnosis, forwardedKmsCall));
  if (diagnosis.action.toLowerCase().startsWith('dynamodb:')) {
    keys.lazily(DYNAMODB_KEYS, () => {
      const schema = diagnosis.resource === null ? undefined : findResource(store, diagnosis.resource)?.entry.keySchema;
      dynamodbKeys(keys, record, diagnosis.action, diagnosis.tableName, schema);
    });
  }
  return { principal, action: diagnosis.action, resource, resourceAccountId, keys };
}

// The keys each group below states (RequestKeys.lazily: a group is stated when one of them is read).
const PRINCIPAL_KEYS = new KeySection([
  'aws:PrincipalArn',
  'aws:PrincipalAccount',
  'aws:PrincipalType',
  'aws:userid',
  'aws:username',
  'aws:PrincipalIsAWSService',
  'aws:PrincipalServiceName',
]);
const PRINCIPAL_TAG_KEYS = new KeySection([], ['aws:PrincipalTag/']);
const PRINCIPAL_ORGANIZATION_KEYS = new KeySection(['aws:PrincipalOrgID', 'aws:PrincipalOrgPaths']);
const RESOURCE_TAG_KEYS = new KeySection([], ['aws:ResourceTag/']);
const RESOURCE_ORGANIZATION_KEYS = new KeySection(['aws:ResourceOrgID', 'aws:ResourceOrgPaths']);
const CREDENTIAL_KEYS = new KeySection(['aws:MultiFactorAuthPresent', 'aws:MultiFactorAuthAge', 'aws:TokenIssueTime']);
const CALL_PATH_KEYS = new KeySection([
  'aws:SecureTransport',
  'aws:SourceVpce',
  'aws:SourceVpc',
  'aws:SourceIp',
  'aws:VpcSourceIp',
  'aws:ViaAWSService',
  'aws:CalledVia',
  'aws:CalledViaFirst',
  'aws:CalledViaLast',
  'kms:ViaService',
]);
const KMS_KEYS = new KeySection(['kms:CallerAccount', 'kms:EncryptionContextKeys'], ['kms:EncryptionContext:']);
const DYNAMODB_KEYS = new KeySection([], ['dynamodb:']);

/**
 * The request for a call given by hand (`denyscope evaluate`): the principal's and the resource's keys from the store,
 * the region of the resource, the time of evaluation, then `context` as given (a key repeated holds several values)
 * and `absent` keys. Everything else is unresolved.
 */
export function requestContextForCall(
  call: {
    readonly principal: RequestPrincipal;
    readonly action: string;
    readonly resource: string | null;
    readonly context: ReadonlyMap<string, readonly string[]>;
    readonly absent: readonly string[];
    readonly now: Date;
  },
  store: PolicyStore | null,
): RequestContext {
  const keys = new RequestKeys();
  const resourceAccountId = arnAccount(call.resource);
  addPrincipalKeys(keys, call.principal, null, call.principal.type === 'iam-user' ? nameOfArn(call.principal.arn) : null);
  addPrincipalTagKeys(keys, call.principal, store);
  addOrganizationKeys(keys, 'Principal', call.principal.accountId, store);
  if (resourceAccountId) keys.present('aws:ResourceAccount', resourceAccountId);
  addResourceTagKeys(keys, call.resource, store);
  addOrganizationKeys(keys, 'Resource', resourceAccountId, store);
  const region = parseArn(call.resource)?.region;
  if (region) keys.present('aws:RequestedRegion', region);
  addTimeKeys(keys, () => call.now);
  for (const [key, values] of call.context) {
    if (values.length === 1) keys.present(key, values[0]);
    else keys.presentSet(key, values);
  }
  for (const key of call.absent) keys.absent(key);
  return { principal: call.principal, action: call.action, resource: call.resource, resourceAccountId, keys };
}

// ---------------------------------------------------------------- the principal

const SERVICE_LINKED_ROLE_PATH = 'role/aws-service-role/';

/** Whether a role ARN is a service-linked role (its path is /aws-service-role/): outside SCPs and RCPs. */
export function isServiceLinkedRole(roleArn: string | null): boolean {
  return parseArn(roleArn)?.resource.startsWith(SERVICE_LINKED_ROLE_PATH) === true;
}

function principalOfRecord(identity: CloudTrailUserIdentity | undefined, diagnosis: DiagnosedCall): RequestPrincipal {
  const accountId = text(identity?.accountId) ?? arnAccount(diagnosis.principal) ?? null;
  const callerArn = text(identity?.arn) ?? null;
  switch (identity?.type) {
    case 'AssumedRole':
      // diagnosis.principal is the session issuer's ARN, with the role's path (the session ARN has no path).
      return {
        type: 'assumed-role',
        arn: diagnosis.principal,
        sessionArn: callerArn,
        accountId,
        serviceLinked: isServiceLinkedRole(diagnosis.principal),
      };
    case 'IAMUser':
      return { type: 'iam-user', arn: diagnosis.principal, sessionArn: null, accountId, serviceLinked: false };
    case 'Root':
      return { type: 'root', arn: diagnosis.principal, sessionArn: null, accountId, serviceLinked: false };
    case 'FederatedUser':
      // GetFederationToken: the IAM user's policies apply, and the session is the federated-user ARN.
      return {
        type: 'federated-user',
        arn: diagnosis.principal === callerArn ? null : diagnosis.principal,
        sessionArn: callerArn,
        accountId,
        serviceLinked: false,
      };
    case 'AWSService':
      return { type: 'aws-service', arn: text(identity.invokedBy) ?? null, sessionArn: null, accountId, serviceLinked: false };
    case 'AWSAccount':
      // A caller of another account that the record does not name (network activity events): only its account is known.
      return { type: 'aws-account', arn: null, sessionArn: null, accountId, serviceLinked: false };
    default:
      return {
        type: 'unknown',
        arn: parseArn(diagnosis.principal) ? diagnosis.principal : null,
        sessionArn: callerArn,
        accountId,
        serviceLinked: false,
      };
  }
}

/**
 * A principal named by ARN (or account id, or service principal) for `denyscope evaluate`, or null when the value names
 * none. A session ARN is matched to its role in the store, which knows the role's path.
 */
export function principalOfArn(value: string, store: PolicyStore | null): RequestPrincipal | null {
  if (/^\d{12}$/.test(value))
    return { type: 'root', arn: `arn:aws:iam::${value}:root`, sessionArn: null, accountId: value, serviceLinked: false };
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$/.test(value))
    return { type: 'aws-service', arn: value, sessionArn: null, accountId: null, serviceLinked: false };
  const arn = parseArn(value);
  if (!arn || arn.account === '') return null;
  const [kind, ...rest] = arn.resource.split('/');
  const base = { accountId: arn.account, serviceLinked: false };
  if (arn.service === 'iam' && arn.resource === 'root') return { ...base, type: 'root', arn: value, sessionArn: null };
  if (arn.service === 'iam' && kind === 'role' && rest.length > 0)
    return { ...base, type: 'assumed-role', arn: value, sessionArn: null, serviceLinked: isServiceLinkedRole(value) };
  if (arn.service === 'iam' && kind === 'user' && rest.length > 0) return { ...base, type: 'iam-user', arn: value, sessionArn: null };
  if (arn.service === 'sts' && kind === 'assumed-role' && rest.length >= 2) {
    const roleArn =
      findPrincipal(store, `arn:${arn.partition}:iam::${arn.account}:role/${rest[0]}`)?.arn ??
      `arn:${arn.partition}:iam::${arn.account}:role/${rest[0]}`;
    return { ...base, type: 'assumed-role', arn: roleArn, sessionArn: value, serviceLinked: isServiceLinkedRole(roleArn) };
  }
  if (arn.service === 'sts' && kind === 'federated-user' && rest.length > 0)
    return { ...base, type: 'federated-user', arn: null, sessionArn: value };
  return null;
}

const PRINCIPAL_TYPES: Readonly<Record<RequestPrincipal['type'], string | null>> = {
  'iam-user': 'User',
  'assumed-role': 'AssumedRole',
  root: 'Account',
  'federated-user': 'FederatedUser',
  'aws-service': null,
  'aws-account': null,
  unknown: null,
};

/** Keys about the principal, from the request (shared by recorded and hand-given calls). */
function addPrincipalKeys(keys: RequestKeys, principal: RequestPrincipal, userId: string | null, userName: string | null): void {
  const isIamPrincipal =
    principal.type === 'iam-user' || principal.type === 'assumed-role' || principal.type === 'root' || principal.type === 'federated-user';
  // A session's aws:PrincipalArn is its role's ARN; a federated user's is its federated-user ARN.
  const principalArn = principal.type === 'federated-user' ? principal.sessionArn : isIamPrincipal ? principal.arn : null;
  if (principalArn) keys.present('aws:PrincipalArn', principalArn);
  if (principal.accountId) keys.present('aws:PrincipalAccount', principal.accountId);
  const principalType = PRINCIPAL_TYPES[principal.type];
  if (principalType) keys.present('aws:PrincipalType', principalType);
  if (userId) keys.present('aws:userid', userId);
  if (principal.type === 'iam-user' && userName) keys.present('aws:username', userName);
  // aws:username is included for IAM users only: roles, sessions and the root user never carry it.
  if (principal.type === 'assumed-role' || principal.type === 'root' || principal.type === 'federated-user') keys.absent('aws:username');
  if (isIamPrincipal) {
    // A role or user is not an AWS service principal.
    keys.present('aws:PrincipalIsAWSService', 'false');
    keys.absent('aws:PrincipalServiceName');
  } else if (principal.type === 'aws-service' && principal.arn) {
    keys.present('aws:PrincipalIsAWSService', 'true');
    keys.present('aws:PrincipalServiceName', principal.arn);
  }
}

/** aws:PrincipalTag/* when the store lists the principal's tags. */
function addPrincipalTagKeys(keys: RequestKeys, principal: RequestPrincipal, store: PolicyStore | null): void {
  const entry = findPrincipal(store, principal.arn)?.entry;
  if (entry?.tags !== undefined) {
    const sessionTags = principal.sessionArn === null ? undefined : store?.sessions.get(principal.sessionArn)?.tags;
    // Session tags override the role's tags of the same key (IAM "Passing session tags in AWS STS").
    const tags = sessionTags === undefined ? entry.tags : new Map([...entry.tags, ...sessionTags]);
    keys.completeFamily('aws:PrincipalTag/', tags);
  }
}

/** aws:ResourceTag/* when the store lists the resource's tags. */
function addResourceTagKeys(keys: RequestKeys, resource: string | null, store: PolicyStore | null): void {
  const tags = resource === null ? undefined : findResource(store, resource)?.entry.tags;
  if (tags !== undefined) keys.completeFamily('aws:ResourceTag/', tags);
}

/** aws:PrincipalOrgID / aws:PrincipalOrgPaths (or the Resource pair) when the store knows the account's organization. */
function addOrganizationKeys(keys: RequestKeys, side: 'Principal' | 'Resource', accountId: string | null, store: PolicyStore | null): void {
  const organization = store?.organization;
  if (accountId === null || organization?.id === undefined || organization.accounts === undefined) return;
  const path = organization.accounts.get(accountId);
  // Not listed: unknown (absent means unknown), so the keys stay unresolved.
  if (path === undefined) return;
  if (path === null) {
    // The store says the account is outside the organization, so the keys are not in the request.
    keys.absent(`aws:${side}OrgID`).absent(`aws:${side}OrgPaths`);
    return;
  }
  keys.present(`aws:${side}OrgID`, organization.id);
  // IAM "Understand the AWS Organizations entity path": o-id/r-root/ou-…/ with a trailing slash.
  keys.presentSetLazily(`aws:${side}OrgPaths`, () => [`${organization.id}/${path.join('/')}/`]);
}

/** aws:CurrentTime and aws:EpochTime, worked out when a condition reads them; unresolved without a valid time. */
function addTimeKeys(keys: RequestKeys, timeOf: () => Date | null): void {
  const validTime = (): Date | null => {
    const time = timeOf();
    return time === null || Number.isNaN(time.getTime()) ? null : time;
  };
  keys.presentLazily(
    'aws:CurrentTime',
    () =>
      validTime()
        ?.toISOString()
        .replace(/\.\d{3}Z$/, 'Z') ?? null,
  );
  keys.presentLazily('aws:EpochTime', () => {
    const time = validTime();
    return time === null ? null : String(Math.floor(time.getTime() / 1000));
  });
}

function nameOfArn(arn: string | null): string | null {
  const resource = parseArn(arn)?.resource;
  return resource ? (resource.split('/').pop() ?? null) : null;
}

// ---------------------------------------------------------------- how the request was made

/** MFA and the credentials' age, from the record's userIdentity. */
function addCredentialKeys(keys: RequestKeys, identity: CloudTrailUserIdentity | undefined): void {
  const sessionContext = objectValue(identity?.sessionContext);
  const attributes = objectValue(sessionContext?.attributes);
  const mfa = attributes?.mfaAuthenticated;
  if (mfa === 'true' || mfa === true || mfa === 'false' || mfa === false) {
    keys.present('aws:MultiFactorAuthPresent', String(mfa));
    // aws:MultiFactorAuthAge is present only when MFA was used; its value (seconds since) is not in the record.
    if (mfa === 'false' || mfa === false) keys.absent('aws:MultiFactorAuthAge');
  }
  const issued = text(attributes?.creationDate);
  if (issued) keys.present('aws:TokenIssueTime', issued);
  if (!sessionContext && text(identity?.accessKeyId)?.startsWith('AKIA')) {
    // A long-term access key (AKIA…) signs without a session: aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge and
    // aws:TokenIssueTime are not present in such requests (IAM "AWS global condition context keys").
    keys.absent('aws:MultiFactorAuthPresent').absent('aws:MultiFactorAuthAge').absent('aws:TokenIssueTime');
  }
}

const IP_ADDRESS = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$/;

/** TLS, source IP and VPC endpoint keys of a call made directly by the caller. */
function addNetworkKeys(keys: RequestKeys, record: CloudTrailRecord): void {
  // tlsDetails is recorded for calls that used TLS; an older record without it says nothing either way.
  if (objectValue(record.tlsDetails)) keys.present('aws:SecureTransport', 'true');
  const endpoint = text(record.vpcEndpointId);
  const sourceIp = text(record.sourceIPAddress);
  if (endpoint) {
    keys.present('aws:SourceVpce', endpoint);
    // Through an endpoint, aws:SourceIp is not available and aws:VpcSourceIp holds the caller's private address;
    // the record does not name the VPC, so aws:SourceVpc stays unresolved.
    keys.absent('aws:SourceIp');
    if (sourceIp && IP_ADDRESS.test(sourceIp)) keys.present('aws:VpcSourceIp', sourceIp);
  } else {
    // A record without vpcEndpointId did not come through a VPC endpoint: the endpoint keys are not in the request.
    keys.absent('aws:SourceVpce').absent('aws:SourceVpc').absent('aws:VpcSourceIp');
    // sourceIPAddress holds a service name ("dynamodb.amazonaws.com") when a service called: then the IP is unknown.
    if (sourceIp && IP_ADDRESS.test(sourceIp)) keys.present('aws:SourceIp', sourceIp);
  }
}

/** Services that set aws:CalledVia (IAM "aws:CalledVia"). */
const CALLED_VIA_SERVICES = new Set([
  'athena.amazonaws.com',
  'cloudformation.amazonaws.com',
  'dynamodb.amazonaws.com',
  'kms.amazonaws.com',
]);
const SERVICE_PRINCIPAL = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$/;
// The console signs calls with the user's own (temporary) credentials: not a service calling on the user's behalf.
const CONSOLE_INVOKERS = new Set(['signin.amazonaws.com', 'console.amazonaws.com']);

/** aws:ViaAWSService and aws:CalledVia* for the call the record shows. */
function addViaServiceKeys(keys: RequestKeys, principal: RequestPrincipal, invokedBy: string | null, region: string): void {
  if (invokedBy === null) {
    // No invokedBy: the principal called directly, so no service made the call on its behalf.
    keys.present('aws:ViaAWSService', 'false');
    keys.absent('aws:CalledVia').absent('aws:CalledViaFirst').absent('aws:CalledViaLast');
    if (principal.type !== 'aws-service') keys.absent('kms:ViaService');
    return;
  }
  if (principal.type === 'aws-service' || !SERVICE_PRINCIPAL.test(invokedBy) || CONSOLE_INVOKERS.has(invokedBy)) return;
  if (principal.serviceLinked) {
    // A service acting through its service-linked role is not "via" a service: aws:ViaAWSService is false.
    keys.present('aws:ViaAWSService', 'false');
    return;
  }
  keys.present('aws:ViaAWSService', 'true');
  // The record names the last service of the chain only: earlier ones (CloudFormation before DynamoDB) are not recorded.
  if (CALLED_VIA_SERVICES.has(invokedBy)) keys.present('aws:CalledViaLast', invokedBy);
  keys.present('kms:ViaService', viaServiceName(serviceHostOf(invokedBy), region));
}

/**
 * A KMS call a service made for the caller while serving the recorded call (DynamoDB's "KMS key access denied"):
 * a forward access session, so the caller's keys apply, with the service as the last (and, for a direct call, only)
 * one in the chain. The network keys of the original call do not carry over to the service's own request.
 */
function addForwardedCallKeys(keys: RequestKeys, service: string, originalCallWasDirect: boolean, region: string): void {
  const principal = `${service}.amazonaws.com`;
  keys.present('aws:ViaAWSService', 'true');
  // The service's request to KMS goes over AWS's network, not through the caller's VPC endpoint: no endpoint keys.
  keys.absent('aws:SourceVpce').absent('aws:SourceVpc').absent('aws:VpcSourceIp');
  keys.present('kms:ViaService', viaServiceName(service, region));
  if (!CALLED_VIA_SERVICES.has(principal)) return;
  keys.present('aws:CalledViaLast', principal);
  if (originalCallWasDirect) keys.presentSet('aws:CalledVia', [principal]).present('aws:CalledViaFirst', principal);
}

/** kms:ViaService names the service endpoint of the region: dynamodb.eu-west-1.amazonaws.com. */
function viaServiceName(service: string, region: string): string {
  return `${service}.${region}.amazonaws.com`;
}

// ---------------------------------------------------------------- the resource and the service's keys

/**
 * The resource as policies see it. A KMS call made by a service for the caller concerns the key: the one the message
 * names, else the key the store records for the table.
 */
function resourceOf(diagnosis: DiagnosedCall, forwardedKmsCall: boolean, store: PolicyStore | null): string | null {
  const named = parseArn(diagnosis.resource) ? diagnosis.resource : null;
  if (!forwardedKmsCall || parseArn(named)?.service === 'kms') return named;
  const tableKey = named === null ? undefined : findResource(store, named)?.entry.kmsKeyArn;
  return tableKey ?? named;
}

/** kms:CallerAccount and the encryption context, for a KMS call (recorded by KMS, or made by DynamoDB for the caller). */
function addKmsKeys(
  keys: RequestKeys,
  record: CloudTrailRecord,
  principal: RequestPrincipal,
  diagnosis: DiagnosedCall,
  forwardedKmsCall: boolean,
): void {
  if (principal.accountId) keys.present('kms:CallerAccount', principal.accountId);
  const requestParameters = objectValue(record.requestParameters);
  let context: Record<string, string> | null = null;
  if (forwardedKmsCall) {
    // DynamoDB encrypts table data under the encryption context aws:dynamodb:tableName + aws:dynamodb:subscriberId
    // (the account id) (KMS "How Amazon DynamoDB uses AWS KMS").
    const table = diagnosis.tableName ?? tableNameOfArn(diagnosis.resource);
    const subscriber = text(record.recipientAccountId) ?? arnAccount(diagnosis.resource);
    if (diagnosis.eventSource === 'dynamodb.amazonaws.com' && table && subscriber)
      context = { 'aws:dynamodb:tableName': table, 'aws:dynamodb:subscriberId': subscriber };
  } else if (requestParameters) {
    // A cryptographic call records the encryption context it was given; none recorded means none was given.
    const given = objectValue(requestParameters.encryptionContext);
    context = {};
    for (const [name, value] of Object.entries(given ?? {})) if (typeof value === 'string') context[name] = value;
  }
  if (context === null) return;
  keys.completeFamily('kms:EncryptionContext:', context);
  keys.presentSet('kms:EncryptionContextKeys', Object.keys(context));
}
