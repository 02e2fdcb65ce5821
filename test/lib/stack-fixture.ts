import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccessDeniedAlertsProps } from '../../lib/access-denied-alerts';
import { DenyscopeStack } from '../../lib/denyscope-stack';

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

/** {@link buildStack}, synthesized to a Template. */
export function synthStack(alerts: AccessDeniedAlertsProps = {}, options: { outdir?: string } = {}) {
  const { app, stack } = buildStack(alerts, options);
  return { app, stack, template: Template.fromStack(stack) };
}

/** The ARN the alert Lambda's role gets in rule patterns evaluated by tests (CloudFormation resolves the real one). */
export const OWN_ROLE_ARN = 'arn:aws:iam::111122223333:role/denyscope-alert-handler';

/** Every EventBridge rule pattern in the template, with the Lambda role's ARN resolved to OWN_ROLE_ARN. */
export function rulePatterns(template: Template): Record<string, unknown>[] {
  const roles = new Set(Object.keys(template.findResources('AWS::IAM::Role')));
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve);
    if (node === null || typeof node !== 'object') return node;
    const getAtt = (node as Record<string, unknown>)['Fn::GetAtt'];
    if (Array.isArray(getAtt) && roles.has(getAtt[0]) && getAtt[1] === 'Arn') return OWN_ROLE_ARN;
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolve(value)]));
  };
  return Object.values(template.findResources('AWS::Events::Rule')).map((rule) => resolve(rule.Properties.EventPattern) as Record<string, unknown>);
}
