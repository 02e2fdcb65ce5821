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

/**
 * A DenyscopeStack in a fresh app. Bundling is skipped (context aws:cdk:bundling-stacks = []) unless
 * `bundle` is set: only the bundling test pays for esbuild.
 */
export function buildStack(alerts: AccessDeniedAlertsProps = {}, options: { bundle?: boolean; outdir?: string } = {}) {
  const context = { ...cdkJsonContext(), ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) };
  const app = new App({ context, outdir: options.outdir });
  const stack = new DenyscopeStack(app, 'Denyscope', { alerts });
  return { app, stack };
}

/** {@link buildStack}, synthesized to a Template. */
export function synthStack(alerts: AccessDeniedAlertsProps = {}, options: { bundle?: boolean; outdir?: string } = {}) {
  const { app, stack } = buildStack(alerts, options);
  return { app, stack, template: Template.fromStack(stack) };
}

/** Every EventBridge rule pattern in the template, parsed. */
export function rulePatterns(template: Template): Record<string, unknown>[] {
  return Object.values(template.findResources('AWS::Events::Rule')).map((rule) => rule.Properties.EventPattern);
}
