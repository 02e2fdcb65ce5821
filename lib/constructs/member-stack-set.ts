import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aws } from 'aws-cdk-lib';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import { Construct } from 'constructs';
import { CENTRAL_EVENT_BUS_PARAMETER, DenyscopeMemberStack } from '../member-stack';
import { WatchedServices } from './denial-patterns';

export interface MemberStackSetProps {
  readonly services: WatchedServices;
  readonly centralEventBusArn: string;
  /** OU (ou-...) or root (r-...) ids whose accounts, present and future, get the member stack. */
  readonly organizationalUnits: readonly string[];
  readonly regions: readonly string[];
  readonly callAs: 'SELF' | 'DELEGATED_ADMIN';
}

/** Management events of global services (IAM, STS's global endpoint, Organizations) reach EventBridge in this Region only (commercial partition). */
export const GLOBAL_SERVICE_EVENTS_REGION = 'us-east-1';

/**
 * How a StackSet operation (creation, template update, auto-deployment) rolls out: Regions in parallel, a share of
 * each Region's accounts at a time, and a Region stops once a small share of its accounts failed, so a template that
 * fails everywhere stops early instead of failing in every account. SOFT_FAILURE_TOLERANCE keeps the pace when single
 * accounts fail (an SCP, a quota). The README ("Deploy for an AWS Organization") states the values.
 */
export const OPERATION_PREFERENCES: cloudformation.CfnStackSet.OperationPreferencesProperty = {
  regionConcurrencyType: 'PARALLEL',
  maxConcurrentPercentage: 25,
  failureTolerancePercentage: 10,
  concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
};

/**
 * The StackSet that deploys {@link DenyscopeMemberStack} to every account of the chosen OUs, in the chosen Regions,
 * and to accounts that join them later (service-managed permissions, automatic deployment). aws-cdk-lib's L1
 * CfnStackSet with the template inline: the member template is small and has no asset, so it needs neither the
 * file-asset bucket that the experimental cdk-stacksets library publishes templates through nor its bootstrap.
 */
export class MemberStackSet extends Construct {
  readonly stackSet: cloudformation.CfnStackSet;
  /** The member stack's CloudFormation template, as the StackSet carries it. */
  readonly memberTemplate: Record<string, unknown>;
  readonly regions: readonly string[];

  constructor(scope: Construct, id: string, props: MemberStackSetProps) {
    super(scope, id);
    this.memberTemplate = this.synthesizeMemberTemplate(props.services);
    this.regions = [...new Set([...props.regions, GLOBAL_SERVICE_EVENTS_REGION])];
    this.stackSet = new cloudformation.CfnStackSet(this, 'StackSet', {
      stackSetName: `${Aws.STACK_NAME}-members`,
      description: 'denyscope: forwards the access denials of each member account and Region to the central event bus',
      permissionModel: 'SERVICE_MANAGED',
      callAs: props.callAs,
      // An account that leaves the OUs loses its forwarding rule (outside the organization the bus refuses it anyway).
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      // The member stack creates an IAM role (CloudFormation-named).
      capabilities: ['CAPABILITY_IAM'],
      // Auto-deployments and template updates queue instead of failing while another operation runs.
      managedExecution: { Active: true },
      operationPreferences: OPERATION_PREFERENCES,
      parameters: [{ parameterKey: CENTRAL_EVENT_BUS_PARAMETER, parameterValue: props.centralEventBusArn }],
      stackInstancesGroup: [{ deploymentTargets: { organizationalUnitIds: [...props.organizationalUnits] }, regions: [...this.regions] }],
      templateBody: JSON.stringify(this.memberTemplate),
    });
  }

  /**
   * The member stack is synthesized in an app of its own, with this app's context (feature flags): a stack of this
   * app could not be turned into a template while this one is being built, and the member template must not
   * reference anything of the central stack anyway (it is deployed in other accounts).
   */
  private synthesizeMemberTemplate(services: WatchedServices): Record<string, unknown> {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'denyscope-member-'));
    try {
      const app = new App({
        outdir,
        autoSynth: false,
        analyticsReporting: false,
        treeMetadata: false,
        context: { ...this.node.getAllContext(), 'aws:cdk:enable-path-metadata': false },
      });
      const stack = new DenyscopeMemberStack(app, 'DenyscopeMember', { services });
      return app.synth().getStackArtifact(stack.artifactId).template as Record<string, unknown>;
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }
}
