import type { Cause, DenialKind } from './types';

/** What an AWS access-denied message says, read without the rest of the record. */
export interface AccessDeniedMessage {
  /** "User: <ARN> is not authorized ...": the caller ARN, or null (legacy "User is not authorized ..."). */
  readonly callerArn: string | null;
  /** The IAM action as the message spells it (may be lower case: "sqs:createqueue"), or null. */
  readonly action: string | null;
  /** "on resource: <ARN>", or null. */
  readonly resource: string | null;
  /** The first policy type the message names ("service control policy"), or null. */
  readonly policyType: string | null;
  readonly denial: DenialKind;
  /** The denying policy's ARN when the message appends one (": arn:..." or ", with policy ARN: arn:..."). */
  readonly policyArn: string | null;
  /** Every policy type named, in order ("... transitively through a ..."); empty when none. */
  readonly policyChain: readonly string[];
  /** EC2's "Encoded authorization failure message: <blob>", or null. */
  readonly encodedAuthorizationMessage: string | null;
  /** The authorization id of AWS's own record of the denial (2026 messages), or null. */
  readonly authorizationId: string | null;
}

// Compiled once: the scan pushes 100,000+ messages through these.
const CALLER = /User: (\S+) is not authorized to perform/;
const ACTION = /is not authorized to perform: ([A-Za-z0-9-]+:[A-Za-z0-9*]+)/;
// The resource ends at whitespace; a sentence-ending period before EC2's "Encoded ..." or the end is not part of it.
const RESOURCE = / on resource: (\S+?)(?:\.(?=\s+Encoded|\s*$))?(?=\s|$)/;
const EXPLICIT = 'with an explicit deny';
const IMPLICIT = /because no ([A-Za-z][A-Za-z -]{0,60}?) allows the /;
// A policy type is a few words and hyphens (bounded, so crafted text cannot make the lazy match backtrack for long);
// it ends where a chain, an appended ARN, a parenthesis or the sentence begins.
const POLICY_TYPE = /^\s*in (?:an? )?([A-Za-z][A-Za-z -]{0,60}?)(?= transitively through |\s*:\s*arn:|,?\s*with policy ARN:|\s*[.(,]|\s*$)/;
const CHAINED_POLICY_TYPE =
  /^ transitively through (?:an? )?([A-Za-z][A-Za-z -]{0,60}?)(?= transitively through |\s*:\s*arn:|,?\s*with policy ARN:|\s*[.(,]|\s*$)/;
const POLICY_ARN = /^(?:\s*:|,?\s*with policy ARN:)\s*(arn:\S+?)[.,]?(?=\s|$)/;
const ENCODED = /Encoded authorization failure message: (\S+)/;
// "... Go to https://...#/authorization-details/ID for complete details, or call the GetRequestAuthorizationDetails API
// with the following authorization id: ID". AWS documents lower-case letters and digits; its own example has capitals.
const AUTHORIZATION_ID = /(?:with the following authorization id: |#\/authorization-details\/)([A-Za-z0-9]{1,256})/;

// Real messages, EC2's encoded blob included, stay well under this; longer text is cut so no regex runs on megabytes.
const MESSAGE_LIMIT = 8192;

/** Reads the parts of an access-denied message. Any text is accepted; what it does not say comes back null. */
export function parseAccessDeniedMessage(fullMessage: string): AccessDeniedMessage {
  const message = fullMessage.length > MESSAGE_LIMIT ? fullMessage.slice(0, MESSAGE_LIMIT) : fullMessage;
  const caller = CALLER.exec(message);
  const action = ACTION.exec(message);
  const resource = RESOURCE.exec(message);
  const encoded = ENCODED.exec(message);
  const authorization = AUTHORIZATION_ID.exec(message);
  let denial: DenialKind = 'unknown';
  let policyArn: string | null = null;
  const policyChain: string[] = [];

  const explicitAt = message.indexOf(EXPLICIT);
  if (explicitAt >= 0) {
    denial = 'explicit';
    let rest = message.slice(explicitAt + EXPLICIT.length);
    let type = POLICY_TYPE.exec(rest);
    while (type) {
      policyChain.push(type[1].trim());
      rest = rest.slice(type[0].length);
      type = CHAINED_POLICY_TYPE.exec(rest);
    }
    const arn = POLICY_ARN.exec(rest);
    if (arn) policyArn = arn[1];
  } else {
    const implicit = IMPLICIT.exec(message);
    if (implicit) {
      denial = 'implicit';
      policyChain.push(implicit[1].trim());
    }
  }

  return {
    callerArn: caller ? caller[1] : null,
    action: action ? action[1] : null,
    resource: resource ? resource[1] : null,
    policyType: policyChain[0] ?? null,
    denial,
    policyArn,
    policyChain,
    encodedAuthorizationMessage: encoded ? encoded[1] : null,
    authorizationId: authorization ? authorization[1] : null,
  };
}

/**
 * The cause a policy type names. "role trust policy" (sts:AssumeRole) is the role's resource-based policy,
 * so it maps to resource-policy; one AWS page prints "sessions policy" for "session policy".
 */
const CAUSE_OF_POLICY_TYPE: ReadonlyMap<string, Cause> = new Map<string, Cause>([
  ['identity-based policy', 'identity-policy'],
  ['service control policy', 'service-control-policy'],
  ['resource control policy', 'resource-control-policy'],
  ['vpc endpoint policy', 'vpc-endpoint-policy'],
  ['permissions boundary', 'permissions-boundary'],
  ['session policy', 'session-policy'],
  ['sessions policy', 'session-policy'],
  ['resource-based policy', 'resource-policy'],
  ['role trust policy', 'resource-policy'],
]);

/** The cause for a policy type as a message names it, or null for a type denyscope does not know. */
export function causeOfPolicyType(policyType: string): Cause | null {
  return CAUSE_OF_POLICY_TYPE.get(policyType.toLowerCase()) ?? null;
}

/**
 * DynamoDB's own words when the table's KMS key is the problem (errorCode AccessDenied or ValidationException):
 * "KMS key access denied error: ...", "KMS key disabled error: ... DisabledException ...",
 * "KMS validation error: ... KMSInvalidStateException ... is pending deletion.", and a key that does not exist.
 */
const KMS_KEY_ACCESS = /^KMS key access denied error/;
const KMS_KEY_UNUSABLE =
  /^KMS key (?:disabled|not found) error|(?:DisabledException|is disabled|pending deletion|KMSInvalidStateException|NotFoundException|does not exist)/;

export type KmsKeyProblem = 'kms-key-access' | 'kms-key-unusable';

/** How each of DynamoDB's messages about the table's KMS key starts; scan's byte prefilter looks for it too. */
export const KMS_KEY_MESSAGE_PREFIX = 'KMS ';

/** Whether an errorMessage is DynamoDB reporting a KMS key problem, and which. */
export function kmsKeyProblemOf(errorMessage: string): KmsKeyProblem | null {
  if (!errorMessage.startsWith(KMS_KEY_MESSAGE_PREFIX)) return null;
  if (KMS_KEY_ACCESS.test(errorMessage)) return 'kms-key-access';
  if (KMS_KEY_UNUSABLE.test(errorMessage)) return 'kms-key-unusable';
  return null;
}
