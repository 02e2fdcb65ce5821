import type { Evaluation } from '../policy/types';

/**
 * The diagnosis contract: what denyscope says about one denied AWS call.
 * Shared by the Lambda, the CLI and the local mode; changing a field here is a breaking change
 * for `--json` consumers and for incidents already stored.
 */

/** The causes that are a policy type: the message names the kind of policy that denied the call. */
export const POLICY_CAUSES = [
  'identity-policy',
  'service-control-policy',
  'resource-control-policy',
  'vpc-endpoint-policy',
  'permissions-boundary',
  'session-policy',
  'resource-policy',
] as const;

export const CAUSES = [...POLICY_CAUSES, 'mfa-required', 'kms-key-access', 'kms-key-unusable', 'unknown'] as const;
export type Cause = (typeof CAUSES)[number];

export type DenialKind = 'explicit' | 'implicit' | 'unknown';
export type Confidence = 'certain' | 'likely';

/** A ready-to-run AWS CLI command, with one line saying what it shows. */
export interface RemediationCommand {
  readonly description: string;
  readonly command: string;
}

export interface DocLink {
  readonly title: string;
  readonly url: string;
}

export interface Remediation {
  /** One sentence to read first. */
  readonly summary: string;
  /** Ordered checks and fixes, filled in with this event's values. */
  readonly steps: readonly string[];
  readonly commands: readonly RemediationCommand[];
  /**
   * For implicit denials: the minimal policy that allows exactly this call, and where it belongs.
   * Null for explicit denials (the steps say to find and narrow the deny).
   */
  readonly policySnippet: PolicySnippet | null;
  readonly docs: readonly DocLink[];
}

export interface PolicySnippet {
  /** Where the statement belongs, e.g. "identity policy of arn:aws:iam::123456789012:role/app". */
  readonly attachTo: string;
  /** The policy document, as a JSON-serialisable object. */
  readonly document: Record<string, unknown>;
}

export interface Diagnosis {
  readonly eventId: string;
  /**
   * CloudTrail's sharedEventID, null when absent: the same id on every copy of one call that CloudTrail records in more
   * than one account (a cross-account call in the caller's and the resource owner's account), each with its own eventId.
   */
  readonly sharedEventId: string | null;
  /** ISO 8601 UTC, e.g. 2026-11-20T09:15:00.000Z. */
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly region: string;
  /**
   * The account that received the call (recipientAccountId, else the resource's or caller's account): for a cross-account
   * call, the account of this copy of the record. Incidents are keyed on the resource owner instead (core/incidents/identity.ts).
   */
  readonly accountId: string;
  /** What policies attach to: role ARN for assumed-role sessions, user ARN, root ARN, or account id. */
  readonly principal: string;
  /** The caller ARN as the event shows it (may be an sts assumed-role ARN); null when the event has none. */
  readonly principalArn: string | null;
  /** IAM action, e.g. dynamodb:PutItem. */
  readonly action: string;
  /** Resource ARN (or name) when known. */
  readonly resource: string | null;
  readonly tableName: string | null;
  readonly cause: Cause;
  readonly denial: DenialKind;
  /** The policy type as the message names it ("service control policy"), or null. */
  readonly policyType: string | null;
  /** The denying policy's ARN when the message appends it, else null. */
  readonly policyArn: string | null;
  /** For "... transitively through a ..." messages: every policy type named, in order. */
  readonly policyChain: readonly string[];
  /**
   * The id of AWS's own record of the denial (IAM Access Troubleshooter, GetRequestAuthorizationDetails) when the
   * message carries one, else null.
   */
  readonly authorizationId: string | null;
  readonly mfaAuthenticated: boolean | null;
  readonly viaVpcEndpoint: string | null;
  readonly crossAccount: boolean;
  /** The record's `readOnly` (true for reads such as GetItem, DescribeTable); null when the record does not say. */
  readonly readOnly: boolean | null;
  /**
   * True when the call came from an AWS Management Console session: `sessionCredentialFromConsole` is "true", or the
   * user agent is one the console sends (console.amazonaws.com, signin.amazonaws.com).
   */
  readonly consoleSession: boolean;
  readonly confidence: Confidence;
  /** For cause "unknown": likely causes ranked from context, most likely first. Empty otherwise. */
  readonly hypotheses: readonly Cause[];
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  /**
   * The denial evaluated against a policy store (lambdas/policy/types.ts): the denying statements or the layers without
   * an allow; null when no store was given.
   */
  readonly evaluation: Evaluation | null;
  readonly remediation: Remediation;
}
