import { Arn, ArnFormat, Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { forwardedDenialsPattern, WatchedServices } from './denial-patterns';

export interface DenialForwardingProps {
  readonly services: WatchedServices;
  /** The organization's central event bus, in another account or Region (a StackSet parameter). */
  readonly centralEventBusArn: string;
}

/**
 * Named, not generated: the role's trust policy and the dead-letter queue's policy must name the rule (aws:SourceArn)
 * while the rule names the role, which would otherwise be a circular reference. One forwarding rule per account and Region.
 */
export const FORWARDING_RULE_NAME = 'denyscope-forward-denials';
const DEAD_LETTER_RETENTION = Duration.days(14);

/**
 * A member account's part of an organization deployment: one rule on the default bus that matches the same denials
 * as the central account's rules and sends them to the central event bus, through a role that may only put events
 * on that bus, with a dead-letter queue for what cannot be delivered. Nothing else runs in the member account.
 */
export class DenialForwarding extends Construct {
  readonly rule: events.CfnRule;
  readonly role: iam.Role;
  /** Denials EventBridge could not deliver to the central bus, after its default retries. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DenialForwardingProps) {
    super(scope, id);
    const ruleArn = Arn.format(
      { service: 'events', resource: 'rule', resourceName: FORWARDING_RULE_NAME, arnFormat: ArnFormat.SLASH_RESOURCE_NAME },
      Stack.of(this),
    );
    const fromThisRule = { ArnEquals: { 'aws:SourceArn': ruleArn } };

    // SSE-SQS, not a customer managed key: see README "Security" (a key per member account and Region).
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });
    this.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
        conditions: fromThisRule,
      }),
    );
    Validations.of(this.deadLetterQueue.node.defaultChild as sqs.CfnQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: the forwarding rule uses it for denials it could not deliver to the central event bus.',
    });

    // EventBridge passes the rule's ARN and account when it assumes a target role ("Cross-service confused deputy
    // prevention in Amazon EventBridge"): no other rule can use this role.
    this.role = new iam.Role(this, 'Role', {
      description: "denyscope: forwards denials recorded in this account and Region to the organization's central event bus",
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { ...fromThisRule, StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      inlinePolicies: {
        PutEventsOnTheCentralBus: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.centralEventBusArn] })],
        }),
      },
    });

    this.rule = new events.CfnRule(this, 'Rule', {
      name: FORWARDING_RULE_NAME,
      description: "denyscope: access denials recorded by CloudTrail, sent to the organization's central event bus",
      // Read-only calls (Describe*, List*, Get*, KMS Decrypt) reach a rule only in this state, in member accounts too.
      state: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
      eventPattern: forwardedDenialsPattern(props.services),
      // No RetryPolicy: EventBridge does not take one for an event bus target; its default retries apply.
      targets: [
        {
          id: 'CentralEventBus',
          arn: props.centralEventBusArn,
          roleArn: this.role.roleArn,
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        },
      ],
    });
  }
}
