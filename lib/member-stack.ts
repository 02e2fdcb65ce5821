import { CfnOutput, CfnParameter, LegacyStackSynthesizer, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DenialForwarding } from './constructs/denial-forwarding';
import { WatchedServices } from './constructs/denial-patterns';

/** The template parameter through which the StackSet (or `cdk deploy --parameters`) gives the central bus. */
export const CENTRAL_EVENT_BUS_PARAMETER = 'CentralEventBusArn';

/**
 * Member accounts are not CDK-bootstrapped: their template carries no bootstrap-version check, is deployed with the
 * caller's credentials (no bootstrap roles), and may hold no file or image asset (no bucket every member could read).
 */
export class MemberStackSynthesizer extends LegacyStackSynthesizer {
  override addFileAsset(): never {
    throw new Error('DenyscopeMemberStack: a member stack cannot hold file assets (member accounts are not bootstrapped)');
  }

  override addDockerImageAsset(): never {
    throw new Error('DenyscopeMemberStack: a member stack cannot hold image assets (member accounts are not bootstrapped)');
  }
}

const DESCRIPTION = "denyscope member: forwards access denials recorded by CloudTrail to the organization's central event bus";

export interface DenyscopeMemberStackProps extends Omit<StackProps, 'synthesizer'> {
  /** The same watched services as the central stack. */
  readonly services: WatchedServices;
}

/**
 * What runs in every member account and Region of an organization deployment: the rule forwarding denials to the
 * central event bus. The StackSet of the central stack deploys this template; the management account, where a
 * StackSet never deploys, gets it with `cdk deploy` (README).
 */
export class DenyscopeMemberStack extends Stack {
  readonly forwarding: DenialForwarding;

  constructor(scope: Construct, id: string, props: DenyscopeMemberStackProps) {
    super(scope, id, { description: DESCRIPTION, ...props, synthesizer: new MemberStackSynthesizer() });
    const centralEventBusArn = new CfnParameter(this, CENTRAL_EVENT_BUS_PARAMETER, {
      type: 'String',
      description: 'ARN of the denyscope-denials event bus of the central stack (its CentralEventBusArn output)',
      allowedPattern: '^arn:aws[a-z-]*:events:[a-z0-9-]+:\\d{12}:event-bus/[A-Za-z0-9._/-]+$',
      constraintDescription: 'the ARN of an event bus: arn:aws:events:REGION:ACCOUNT:event-bus/NAME',
    });
    this.forwarding = new DenialForwarding(this, 'Forwarding', {
      services: props.services,
      centralEventBusArn: centralEventBusArn.valueAsString,
    });
    new CfnOutput(this, 'ForwardingDeadLetterQueueUrl', {
      value: this.forwarding.deadLetterQueue.queueUrl,
      description: 'Denials EventBridge could not deliver to the central event bus',
    });
  }
}
