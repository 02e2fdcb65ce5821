import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnResource, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { AccessDeniedAlertsProps } from '../../lib/access-denied-alerts';
import { buildStack } from './stack-fixture';

const CONFIGURATIONS: Array<[string, AccessDeniedAlertsProps]> = [
  ['defaults', { alertEmails: ['oncall@example.com'] }],
  ['every service, named tables, no trail, destroy on delete', { services: '*', dataEventTables: ['orders'], createTrail: false, removalPolicy: 'destroy' }],
  ['an existing webhook secret', { existingSlackWebhookSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ops/slack-AbCdEf' }],
];

/** Every acknowledgement in the tree, with the construct it was made on. */
function acknowledgements(root: IConstruct): Array<{ construct: IConstruct; id: string; reason: string }> {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ construct, id, reason }))),
  );
}

describe('cdk-nag AwsSolutions (v3, CDK policy validation)', () => {
  it.each(CONFIGURATIONS)('finds nothing unacknowledged with %s', (_name, props) => {
    const { app, stack } = buildStack(props);
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.violations.map((violation) => `${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('passes synthesis with the pack registered as bin/app.ts does, and writes an empty validation report', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'denyscope-nag-'));
    try {
      const { app } = buildStack({}, { outdir });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      const assembly = app.synth(); // throws ValidationFailed on any unacknowledged finding
      const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
      const violations = (report.pluginReports as Array<{ violations?: unknown[] }>).flatMap((plugin) => plugin.violations ?? []);
      expect(violations).toEqual([]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('acknowledges each finding on one CloudFormation resource, with a reason', () => {
    const { stack } = buildStack({});
    const found = acknowledgements(stack);
    expect(found.length).toBeGreaterThanOrEqual(8);
    for (const { construct, id, reason } of found) {
      expect({ id, isOneResource: CfnResource.isCfnResource(construct) }).toEqual({ id, isOneResource: true });
      expect(reason.length).toBeGreaterThan(40);
    }
  });
});
