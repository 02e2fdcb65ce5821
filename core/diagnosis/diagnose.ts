import { arnAccount, iamEntityOf, parseArn, partitionOf, principalOfCallerArn, servicePrefixOf, tableNameOfArn } from './arn';
import { causeOfPolicyType, KMS_KEY_MESSAGE_PREFIX, kmsKeyProblemOf, parseAccessDeniedMessage, type AccessDeniedMessage } from './message';
import { objectValue, text, type CloudTrailRecord, type CloudTrailUserIdentity } from './record';
import { remediate } from './remediation';
import { normalizeEventTime } from './time';
import type { Evaluation } from '../policy/types';
import type { Cause, Confidence, DenialKind, Diagnosis, Remediation } from './types';

/**
 * errorCode values that always mean a denial. CloudTrail writes AccessDenied for DynamoDB and KMS
 * (AccessDeniedException is the SDK's name), EC2 (Client.)UnauthorizedOperation, network activity VpceAccessDenied.
 * Exported so that event filters (EventBridge patterns) use the same list.
 */
export const DENIAL_ERROR_CODES: readonly string[] = [
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'Client.UnauthorizedOperation',
  'VpceAccessDenied',
];
const DENIAL_ERROR_CODE_SET: ReadonlySet<string> = new Set(DENIAL_ERROR_CODES);

/**
 * True when the record is a denial: an authorization error code, or DynamoDB reporting a KMS key problem
 * ("KMS key access denied error", "KMS key disabled error", "... pending deletion"), which may come as
 * ValidationException. Cheap on purpose: one Set lookup for almost every record.
 */
export function isDenial(record: CloudTrailRecord): boolean {
  const errorCode = record.errorCode;
  if (typeof errorCode !== 'string') return false;
  if (DENIAL_ERROR_CODE_SET.has(errorCode)) return true;
  const errorMessage = record.errorMessage;
  return typeof errorMessage === 'string' && errorMessage.startsWith(KMS_KEY_MESSAGE_PREFIX) && kmsKeyProblemOf(errorMessage) !== null;
}

const EMPTY_MESSAGE = parseAccessDeniedMessage('');

/** What one denial is, in the terms of the contract (types.ts); the remediation is built from it. */
export type DiagnosisFacts = Omit<Diagnosis, 'remediation'> & {
  /** EC2's encoded authorization message, when the error message carries one. */
  readonly encodedAuthorizationMessage: string | null;
  /** The caller's own account when known (the principal's account; differs from accountId when crossAccount). */
  readonly callerAccountId: string | null;
};

/**
 * The diagnosis for a denial, or null when the record is not a denial. Never throws on odd records.
 * The remediation is built when first read (JSON.stringify, spreading and structured cloning read it like any
 * field): it is most of a diagnosis's cost, and a scan of 100,000 denials shows only a few of them.
 */
export function diagnose(record: CloudTrailRecord): Diagnosis | null {
  return diagnoseWith(record, null);
}

/**
 * What a policy store adds to a diagnosis (lambdas/policy supplies it): the evaluation of the denied request, and the
 * remediation built from that evaluation. A port, so that the diagnosis core (and the Lambda) does not carry the
 * policy evaluator.
 */
export interface DiagnosisEvaluator {
  evaluate(record: CloudTrailRecord, facts: DiagnosisFacts): Evaluation;
  remediate(facts: DiagnosisFacts, evaluation: Evaluation): Remediation;
}

/** diagnose(), with the denial also evaluated (`evaluation`) and remediated from the evaluation when an evaluator is given. */
export function diagnoseWith(record: CloudTrailRecord, evaluator: DiagnosisEvaluator | null): Diagnosis | null {
  if (!isDenial(record)) return null;
  const facts = diagnosisFacts(record, evaluator);
  let remediation: Remediation | undefined;
  // One object literal with an own getter: cheap to build, and JSON-serialisable with the remediation in it.
  return {
    eventId: facts.eventId,
    sharedEventId: facts.sharedEventId,
    eventTime: facts.eventTime,
    eventSource: facts.eventSource,
    eventName: facts.eventName,
    region: facts.region,
    accountId: facts.accountId,
    principal: facts.principal,
    principalArn: facts.principalArn,
    action: facts.action,
    resource: facts.resource,
    tableName: facts.tableName,
    cause: facts.cause,
    denial: facts.denial,
    policyType: facts.policyType,
    policyArn: facts.policyArn,
    policyChain: facts.policyChain,
    authorizationId: facts.authorizationId,
    mfaAuthenticated: facts.mfaAuthenticated,
    viaVpcEndpoint: facts.viaVpcEndpoint,
    crossAccount: facts.crossAccount,
    readOnly: facts.readOnly,
    consoleSession: facts.consoleSession,
    confidence: facts.confidence,
    hypotheses: facts.hypotheses,
    errorCode: facts.errorCode,
    errorMessage: facts.errorMessage,
    evaluation: facts.evaluation,
    get remediation(): Remediation {
      return (remediation ??=
        facts.evaluation !== null && evaluator !== null ? evaluator.remediate(facts, facts.evaluation) : remediate(facts));
    },
  };
}

function diagnosisFacts(record: CloudTrailRecord, evaluator: DiagnosisEvaluator | null): DiagnosisFacts {
  const errorCode = text(record.errorCode) ?? null;
  const errorMessage = text(record.errorMessage) ?? null;
  const identity = objectValue(record.userIdentity) as CloudTrailUserIdentity | undefined;
  const parsed = errorMessage ? parseAccessDeniedMessage(errorMessage) : EMPTY_MESSAGE;
  const requestParameters = objectValue(record.requestParameters);
  const encryptionContext = objectValue(requestParameters?.encryptionContext);

  const eventSource = text(record.eventSource) ?? 'unknown';
  const eventName = text(record.eventName) ?? 'unknown';
  const region = text(record.awsRegion) ?? 'unknown';
  const principalArn = text(identity?.arn) ?? parsed.callerArn;
  const principal = principalOf(identity, principalArn, partitionOf(region));
  const resource = resourceOf(record, parsed, requestParameters, region);
  const resourceAccount = arnAccount(resource);
  const callerAccountId = text(identity?.accountId) ?? arnAccount(principalArn) ?? (isAccountId(principal) ? principal : null);
  const accountId = text(record.recipientAccountId) ?? resourceAccount ?? callerAccountId ?? 'unknown';
  const mfaAuthenticated = mfaOf(identity);
  const viaVpcEndpoint = text(record.vpcEndpointId) ?? null;
  const ownerAccount = resourceAccount ?? text(record.recipientAccountId) ?? null;
  const crossAccount = callerAccountId !== null && ownerAccount !== null && callerAccountId !== ownerAccount;

  const verdict = causeOf(record, identity, parsed, errorMessage, encryptionContext, mfaAuthenticated);
  const facts = {
    eventId: text(record.eventID) ?? 'unknown',
    sharedEventId: text(record.sharedEventID) ?? null,
    eventTime: normalizeEventTime(record.eventTime) ?? '',
    eventSource,
    eventName,
    region,
    accountId,
    principal,
    principalArn,
    action: actionOf(parsed.action, eventSource, eventName),
    resource,
    tableName: tableNameOf(resource, requestParameters, encryptionContext),
    cause: verdict.cause,
    denial: verdict.denial,
    policyType: verdict.policyType,
    policyArn: parsed.policyArn,
    policyChain: parsed.policyChain.length > 0 ? parsed.policyChain : verdict.policyType ? [verdict.policyType] : [],
    authorizationId: parsed.authorizationId,
    mfaAuthenticated,
    viaVpcEndpoint,
    crossAccount,
    readOnly: typeof record.readOnly === 'boolean' ? record.readOnly : null,
    consoleSession: isConsoleSession(record),
    confidence: verdict.confidence,
    hypotheses: [] as Cause[],
    errorCode,
    errorMessage,
    evaluation: null as Evaluation | null,
    encodedAuthorizationMessage: parsed.encodedAuthorizationMessage,
    callerAccountId,
  };
  if (facts.cause === 'unknown') facts.hypotheses = rankHypotheses(facts, identity);
  if (evaluator !== null) {
    facts.evaluation = evaluator.evaluate(record, facts);
    // The cause stays what the message says (AWS's word); an evaluation that names the same policy makes it certain.
    if (facts.evaluation.agreesWithMessage === true) facts.confidence = 'certain';
  }
  return facts;
}

/** The user agents CloudTrail records for calls made by the AWS Management Console itself. */
const CONSOLE_USER_AGENTS = new Set(['console.amazonaws.com', 'signin.amazonaws.com']);

/** CloudTrail writes sessionCredentialFromConsole as the string "true" (and omits it otherwise). */
function isConsoleSession(record: CloudTrailRecord): boolean {
  const fromConsole = record.sessionCredentialFromConsole;
  if (fromConsole === true || fromConsole === 'true') return true;
  const userAgent = text(record.userAgent);
  return userAgent !== undefined && CONSOLE_USER_AGENTS.has(userAgent);
}

interface Verdict {
  readonly cause: Cause;
  readonly denial: DenialKind;
  readonly policyType: string | null;
  readonly confidence: Confidence;
}

function causeOf(
  record: CloudTrailRecord,
  identity: CloudTrailUserIdentity | undefined,
  parsed: AccessDeniedMessage,
  errorMessage: string | null,
  encryptionContext: Record<string, unknown> | undefined,
  mfaAuthenticated: boolean | null,
): Verdict {
  const { denial, policyType } = parsed;
  if (record.errorCode === 'VpceAccessDenied') {
    // Network-activity event: "The request was denied due to a VPC endpoint policy".
    return { cause: 'vpc-endpoint-policy', denial, policyType: policyType ?? 'VPC endpoint policy', confidence: 'certain' };
  }
  const kmsProblem = errorMessage ? kmsKeyProblemOf(errorMessage) : null;
  if (kmsProblem) return { cause: kmsProblem, denial, policyType, confidence: 'certain' };

  const namedCause = policyType ? causeOfPolicyType(policyType) : null;
  const onDynamoDbsBehalf =
    record.eventSource === 'kms.amazonaws.com' &&
    (identity?.invokedBy === 'dynamodb.amazonaws.com' || typeof encryptionContext?.['aws:dynamodb:tableName'] === 'string');
  if (onDynamoDbsBehalf) {
    // Whatever policy the message names, the fix is the key's access for DynamoDB; keep the type it named.
    return { cause: 'kms-key-access', denial, policyType, confidence: namedCause ? 'certain' : 'likely' };
  }
  if (namedCause === 'identity-policy' && denial === 'explicit' && identity?.type === 'IAMUser' && mfaAuthenticated === false) {
    // AWS's deny-unless-MFA pattern shows only as an explicit identity-based deny; the missing MFA is inferred.
    return { cause: 'mfa-required', denial, policyType, confidence: 'likely' };
  }
  if (namedCause) return { cause: namedCause, denial, policyType, confidence: 'certain' };
  return { cause: 'unknown', denial, policyType, confidence: 'likely' };
}

/**
 * MFA as the record shows it: sessionContext.attributes.mfaAuthenticated for temporary credentials. An IAM user
 * without a sessionContext signed with its long-term access key, which never carries MFA. Otherwise unknown.
 */
function mfaOf(identity: CloudTrailUserIdentity | undefined): boolean | null {
  if (!identity) return null;
  const attributes = objectValue(objectValue(identity.sessionContext)?.attributes);
  const flag = attributes?.mfaAuthenticated;
  if (flag === 'true' || flag === true) return true;
  if (flag === 'false' || flag === false) return false;
  if (identity.type === 'IAMUser' && !identity.sessionContext) return false;
  return null;
}

/** What policies attach to (see Diagnosis.principal). */
function principalOf(identity: CloudTrailUserIdentity | undefined, principalArn: string | null, partition: string): string {
  const accountId = text(identity?.accountId);
  const issuer = objectValue(objectValue(identity?.sessionContext)?.sessionIssuer);
  const issuerArn = text(issuer?.arn);
  switch (identity?.type) {
    case 'AssumedRole':
      // The session issuer keeps the role's path (aws-reserved/sso.amazonaws.com/...); the sts ARN does not.
      return issuerArn ?? (principalArn ? principalOfCallerArn(principalArn) : (accountId ?? 'unknown'));
    case 'FederatedUser':
      // GetFederationToken sessions are limited by the IAM user that created them, named in sessionIssuer.
      return issuerArn ?? principalArn ?? accountId ?? 'unknown';
    case 'IAMUser': {
      const userName = text(identity.userName);
      return (
        principalArn ??
        (accountId && userName ? `arn:${partition}:iam::${accountId}:user/${userName}` : (userName ?? accountId ?? 'unknown'))
      );
    }
    case 'Root':
      return principalArn ?? (accountId ? `arn:${partition}:iam::${accountId}:root` : 'unknown');
    case 'AWSAccount':
      return accountId ?? 'unknown';
    case 'AWSService':
      return text(identity.invokedBy) ?? 'unknown';
    case 'IdentityCenterUser': {
      // Identity Center users have no IAM ARN; the permission set's role shows up only in later AssumedRole events.
      const onBehalfOf = objectValue(identity.onBehalfOf);
      const userId = text(onBehalfOf?.userId);
      const store = text(onBehalfOf?.identityStoreArn);
      return principalArn ?? (userId ? (store ? `${store}/user/${userId}` : userId) : (accountId ?? 'unknown'));
    }
    default:
      return principalArn ? principalOfCallerArn(principalArn) : (text(identity?.principalId) ?? accountId ?? 'unknown');
  }
}

const ACCOUNT_ID = /^\d{12}$/;

function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}

// Lambda's event names carry the API version ("ListFunctions20150331", "UpdateFunctionCode20150331v2").
const LAMBDA_API_VERSION = /20\d{6}(?:v\d+)?$/;

/** The message's action, spelled as the event spells it when only the case differs; else prefix + eventName. */
function actionOf(messageAction: string | null, eventSource: string, eventName: string): string {
  const prefix = eventSource === 'unknown' ? null : servicePrefixOf(eventSource);
  if (messageAction) {
    const colon = messageAction.indexOf(':');
    const name = messageAction.slice(colon + 1);
    if (eventName !== 'unknown' && name !== eventName && name.toLowerCase() === eventName.toLowerCase()) {
      return `${prefix ?? messageAction.slice(0, colon)}:${eventName}`;
    }
    return messageAction;
  }
  if (!prefix || eventName === 'unknown') return prefix ? `${prefix}:*` : 'unknown';
  const name = prefix === 'lambda' ? eventName.replace(LAMBDA_API_VERSION, '') : eventName;
  return `${prefix}:${name}`;
}

function resourceOf(
  record: CloudTrailRecord,
  parsed: AccessDeniedMessage,
  requestParameters: Record<string, unknown> | undefined,
  region: string,
): string | null {
  if (parsed.resource) return parsed.resource;
  if (Array.isArray(record.resources)) {
    for (const entry of record.resources) {
      const arn = text(objectValue(entry)?.ARN);
      if (arn) return arn;
    }
  }
  const tableName = text(requestParameters?.tableName);
  if (tableName) {
    if (tableName.startsWith('arn:')) return tableName;
    const account = text(record.recipientAccountId);
    return region !== 'unknown' && account ? `arn:${partitionOf(region)}:dynamodb:${region}:${account}:table/${tableName}` : tableName;
  }
  for (const key of ['resourceArn', 'keyId', 'secretId', 'roleArn']) {
    const value = text(requestParameters?.[key]);
    if (value && parseArn(value)) return value;
  }
  return null;
}

function tableNameOf(
  resource: string | null,
  requestParameters: Record<string, unknown> | undefined,
  encryptionContext: Record<string, unknown> | undefined,
): string | null {
  const fromResource = tableNameOfArn(resource);
  if (fromResource) return fromResource;
  const requested = text(requestParameters?.tableName);
  if (requested) return tableNameOfArn(requested) ?? (requested.startsWith('arn:') ? null : requested);
  return text(encryptionContext?.['aws:dynamodb:tableName']) ?? null;
}

/** For cause "unknown": the causes the context points to, most likely first. */
function rankHypotheses(facts: DiagnosisFacts, identity: CloudTrailUserIdentity | undefined): Cause[] {
  const ranked: Cause[] = [];
  const add = (cause: Cause, when = true): void => {
    if (when && !ranked.includes(cause)) ranked.push(cause);
  };
  const onKms = facts.eventSource === 'kms.amazonaws.com' || parseArn(facts.resource)?.service === 'kms';
  add('kms-key-access', onKms);
  add('resource-policy', facts.crossAccount);
  add('vpc-endpoint-policy', facts.viaVpcEndpoint !== null);
  add('mfa-required', identity?.type === 'IAMUser' && facts.mfaAuthenticated === false && facts.denial !== 'implicit');
  if (facts.denial === 'explicit') {
    // An explicit deny is most often an organization guardrail or a Deny statement on the principal.
    add('service-control-policy');
    add('identity-policy');
    add('resource-control-policy');
  } else {
    add('identity-policy');
    add('service-control-policy');
  }
  add('resource-policy', facts.tableName !== null || onKms);
  add('permissions-boundary', iamEntityOf(facts.principal) !== null);
  add('session-policy', identity?.type === 'AssumedRole' || identity?.type === 'FederatedUser');
  return ranked;
}
