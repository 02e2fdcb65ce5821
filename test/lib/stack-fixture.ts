import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccessDeniedAlertsProps } from '../../lib/access-denied-alerts';
import { WatchedServices } from '../../lib/constructs/denial-patterns';
import { DenyscopeStack } from '../../lib/denyscope-stack';
import { DenyscopeMemberStack } from '../../lib/member-stack';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The feature flags of cdk.json, so tests synthesize what `cdk synth` synthesizes. */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')).context;
}

/** A DenyscopeStack in a fresh app; the alert Lambda is the pre-built asset (the jest global setup builds it). */
export function buildStack(alerts: AccessDeniedAlertsProps = {}, options: { outdir?: string } = {}) {
  const app = new App({ context: cdkJsonContext(), outdir: options.outdir });
  const stack = new DenyscopeStack(app, 'Denyscope', { alerts });
  return { app, stack };
}

/** The settings of an organization deployment that tests vary. */
export const ORGANIZATION_ID = 'o-abcdefghij';
export const ORGANIZATION: AccessDeniedAlertsProps = {
  mode: 'organization',
  organizationId: ORGANIZATION_ID,
  memberRegions: ['eu-west-1', 'ap-southeast-2'],
  memberOrganizationalUnits: ['ou-ab12-abcdefgh', 'ou-ab12-12345678'],
};

/** A DenyscopeMemberStack (the management account's, or the StackSet's template) in a fresh app. */
export function buildMemberStack(services: WatchedServices = ['dynamodb'], options: { outdir?: string } = {}) {
  const app = new App({ context: cdkJsonContext(), outdir: options.outdir });
  const stack = new DenyscopeMemberStack(app, 'DenyscopeMember', { services });
  return { app, stack };
}

/** {@link buildStack}, synthesized to a Template. */
export function synthStack(alerts: AccessDeniedAlertsProps = {}, options: { outdir?: string } = {}) {
  const { app, stack } = buildStack(alerts, options);
  return { app, stack, template: Template.fromStack(stack) };
}

/** The ARN the alert Lambda's role gets in rule patterns evaluated by tests (CloudFormation resolves the real one). */
export const OWN_ROLE_ARN = 'arn:aws:iam::111122223333:role/denyscope-alert-handler';

/** Which rules of a template: those on the default bus, those on a custom bus (the organization's), or all. */
export type BusFilter = 'default' | 'custom' | 'any';

/** Every EventBridge rule pattern in the template (on `bus`), with the Lambda role's ARN resolved to OWN_ROLE_ARN. */
export function rulePatterns(template: Template, bus: BusFilter = 'any'): Record<string, unknown>[] {
  const roles = new Set(Object.keys(template.findResources('AWS::IAM::Role')));
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve);
    if (node === null || typeof node !== 'object') return node;
    const getAtt = (node as Record<string, unknown>)['Fn::GetAtt'];
    if (Array.isArray(getAtt) && roles.has(getAtt[0]) && getAtt[1] === 'Arn') return OWN_ROLE_ARN;
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolve(value)]));
  };
  const onBus = (properties: Record<string, unknown>) =>
    bus === 'any' || (bus === 'custom') === (properties.EventBusName !== undefined && properties.EventBusName !== 'default');
  return Object.values(template.findResources('AWS::Events::Rule'))
    .filter((rule) => onBus(rule.Properties))
    .map((rule) => resolve(rule.Properties.EventPattern) as Record<string, unknown>);
}
