import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Fixed, so that a member stack deployed by hand can be given the ARN before the central stack exists. */
export const CENTRAL_EVENT_BUS_NAME = 'denyscope-denials';

export interface OrganizationEventBusProps {
  readonly organizationId: string;
  /** Organization paths ending in `/*`; empty for the whole organization. */
  readonly principalOrgPaths: readonly string[];
}

/**
 * The custom event bus that receives the denials forwarded by every member account. Its resource policy lets
 * principals of the organization (optionally under the given paths) put events, and nobody else: the forwarding
 * roles of the member stacks are such principals. Only AWS services can emit events whose source starts with
 * `aws.`, which is all the central rules match, so a principal of the organization cannot forge a denial.
 */
export class OrganizationEventBus extends Construct {
  readonly bus: events.EventBus;

  constructor(scope: Construct, id: string, props: OrganizationEventBusProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: CENTRAL_EVENT_BUS_NAME,
      description: 'denyscope: access denials forwarded by the accounts of the organization',
    });
    // The bus's own Policy property (one document, no AWS::Events::EventBusPolicy per statement), naming the bus by
    // its fixed name: its ARN attribute would be a reference of the bus to itself.
    const busArn = Arn.format(
      { service: 'events', resource: 'event-bus', resourceName: CENTRAL_EVENT_BUS_NAME, arnFormat: ArnFormat.SLASH_RESOURCE_NAME },
      Stack.of(this),
    );
    const policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'OrganizationAccountsPutDenials',
          principals: [new iam.AnyPrincipal()],
          actions: ['events:PutEvents'],
          resources: [busArn],
          conditions: {
            StringEquals: { 'aws:PrincipalOrgID': props.organizationId },
            ...(props.principalOrgPaths.length > 0
              ? { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [...props.principalOrgPaths] } }
              : {}),
          },
        }),
      ],
    });
    (this.bus.node.defaultChild as events.CfnEventBus).policy = policy;
  }
}
