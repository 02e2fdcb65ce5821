import * as events from 'aws-cdk-lib/aws-events';
import { DENIAL_ERROR_CODES } from '@denyscope/core/diagnosis/diagnose';

/**
 * The EventBridge patterns that pick CloudTrail-recorded denials off the default bus.
 * Only operators that test/lib/event-pattern-matcher.ts evaluates are used: plain value arrays,
 * prefix, anything-but, exists and $or. The denial error codes are the diagnosis core's
 * (core/diagnosis/diagnose.ts), so the rules deliver exactly what the Lambda treats as denials.
 */

export const API_CALL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
/**
 * VPC endpoint policy denials are recorded as CloudTrail network activity events (errorCode
 * VpceAccessDenied) and reach EventBridge with this detail-type when a trail logs network activity:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 */
export const NETWORK_ACTIVITY_DETAIL_TYPE = 'AWS Network Activity Event via CloudTrail';

export interface DenialRulePattern {
  /** Construct id of the rule; also says what it catches. */
  readonly id: string;
  readonly description: string;
  readonly pattern: events.EventPattern;
}

/** Which services' denials are watched: event-source prefixes ('dynamodb') or '*' for every AWS service. */
export type WatchedServices = '*' | readonly string[];

/**
 * One rule per kind of event, none overlapping, so that no event is delivered twice, and none
 * delivering a denial of `ownRoleArn` (the alert Lambda's role) when it is given:
 * - denials of the watched services (API calls and VPC endpoint network activity);
 * - DynamoDB ValidationExceptions caused by the table's KMS key (disabled, pending deletion);
 * - KMS denials of calls DynamoDB made for a caller (only when KMS itself is not watched).
 * Without `ownRoleArn` (the forwarding rule of a member account, where the alert Lambda does not run) every
 * denial is matched; the central rules that receive the forwarded events leave the Lambda's out.
 */
export function denialRulePatterns(services: WatchedServices, ownRoleArn?: string): DenialRulePattern[] {
  const everyService = services === '*';
  // The alert Lambda's own denials are left out: handling one would call the denied API again (for
  // enrichment) and record another denial, a loop. They surface through the Lambda's error alarm.
  const notByOwnRole =
    ownRoleArn === undefined
      ? {}
      : {
          userIdentity: {
            sessionContext: { sessionIssuer: { $or: [{ arn: [{ 'anything-but': ownRoleArn }] }, { arn: [{ exists: false }] }] } },
          },
        };
  const watchesDynamoDb = everyService || services.includes('dynamodb');
  const watchesKms = everyService || services.includes('kms');
  const rules: DenialRulePattern[] = [
    {
      id: 'ServiceDenials',
      description: everyService
        ? 'Access denied to any AWS API call recorded by CloudTrail'
        : `Access denied to ${services.join(', ')} API calls recorded by CloudTrail`,
      pattern: {
        source: everyService ? events.Match.prefix('aws.') : services.map((service) => `aws.${service}`),
        detailType: [API_CALL_DETAIL_TYPE, NETWORK_ACTIVITY_DETAIL_TYPE],
        detail: { errorCode: [...DENIAL_ERROR_CODES], ...notByOwnRole },
      },
    },
  ];
  if (watchesDynamoDb) {
    rules.push({
      id: 'DynamoDbKeyFailures',
      description: 'DynamoDB calls refused because the table KMS key is disabled, pending deletion or unusable',
      pattern: {
        source: ['aws.dynamodb'],
        detailType: [API_CALL_DETAIL_TYPE],
        detail: { errorCode: ['ValidationException'], errorMessage: events.Match.prefix('KMS'), ...notByOwnRole },
      },
    });
  }
  if (watchesDynamoDb && !watchesKms) {
    rules.push({
      id: 'KmsDenialsForDynamoDb',
      description: 'KMS denials of calls DynamoDB made on behalf of a caller',
      pattern: {
        source: ['aws.kms'],
        detailType: [API_CALL_DETAIL_TYPE],
        detail: {
          errorCode: [...DENIAL_ERROR_CODES],
          ...notByOwnRole,
          $or: [
            { userIdentity: { invokedBy: ['dynamodb.amazonaws.com'] } },
            { requestParameters: { encryptionContext: { 'aws:dynamodb:tableName': events.Match.exists() } } },
          ],
        },
      },
    });
  }
  return rules;
}

/**
 * The event pattern of one rule matching what every rule of {@link denialRulePatterns} matches (no own-role
 * exclusion): each pattern becomes a branch of a top-level `$or`, written in EventBridge's field names
 * (`detail-type`), because CDK renames `detailType` at the top level of a pattern only.
 */
export function forwardedDenialsPattern(services: WatchedServices): Record<string, unknown> {
  const branches = denialRulePatterns(services).map(({ pattern: { detailType, ...fields } }) => ({
    ...fields,
    ...(detailType ? { 'detail-type': detailType } : {}),
  }));
  return branches.length === 1 ? branches[0] : { $or: branches };
}
