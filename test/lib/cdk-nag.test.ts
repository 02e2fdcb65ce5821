import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { AccessDeniedAlertsProps } from '../../lib/access-denied-alerts';
import { buildMemberStack, buildStack, ORGANIZATION, ORGANIZATION_ID } from './stack-fixture';

const CONFIGURATIONS: Array<[string, AccessDeniedAlertsProps]> = [
  ['defaults', { alertEmails: ['oncall@example.com'] }],
  [
    'every service, named tables, no trail, destroy on delete',
    { services: '*', dataEventTables: ['orders'], createTrail: false, removalPolicy: 'destroy' },
  ],
  [
    'an existing webhook secret',
    { existingSlackWebhookSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ops/slack-AbCdEf' },
  ],
  [
    'Slack bot, PagerDuty and the chat-notification topic',
    {
      slackBotTokenSecretName: 'denyscope/slack-bot',
      slackChannel: 'C0ALERTS01',
      pagerDutyRoutingKeySecretName: 'denyscope/pagerduty',
      chatNotificationsTopic: true,
    },
  ],
  ['organization (central stack)', { ...ORGANIZATION, alertEmails: ['oncall@example.com'] }],
  [
    'routes to SNS and Slack channels of their own',
    {
      routes: {
        channels: {
          security: { type: 'sns', emails: ['security@example.com'] },
          'team-a': { type: 'slack', secretName: 'denyscope/slack-team-a' },
        },
        routes: [
          { name: 'security', match: { causes: ['service-control-policy'] }, channels: ['security'] },
          { name: 'everything-else', default: true, channels: ['team-a', 'sns'] },
        ],
      },
    },
  ],
  [
    'organization trail as a delegated administrator, OU paths, every service, an existing incidents table',
    {
      ...ORGANIZATION,
      services: '*',
      organizationTrail: true,
      stackSetCallAs: 'DELEGATED_ADMIN',
      managementAccountId: '999988887777',
      principalOrgPaths: [`${ORGANIZATION_ID}/r-ab12/ou-ab12-abcdefgh/`],
      existingIncidentsTableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/Denyscope-Incidents',
      existingIncidentsTableKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    },
  ],
];

/** Every acknowledgement in the tree, with the construct it was made on. */
function acknowledgements(root: IConstruct): Array<{ construct: IConstruct; id: string; reason: string }> {
  return root.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ construct, id, reason }))),
    );
}

const violationsOf = (app: IConstruct, stack: Stack) =>
  new AwsSolutionsChecks(app)
    .validateScope(stack)
    .violations.map((violation) => `${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`);

describe('cdk-nag AwsSolutions (v3, CDK policy validation)', () => {
  it.each(CONFIGURATIONS)('finds nothing unacknowledged with %s', (_name, props) => {
    const { app, stack } = buildStack(props);
    expect(violationsOf(app, stack)).toEqual([]);
  });

  // The StackSet's template and the management account's stack are the same DenyscopeMemberStack.
  it.each([
    ['the default services', ['dynamodb']],
    ['every service', '*'],
  ] as const)('finds nothing unacknowledged in the member stack with %s', (_name, services) => {
    const { app, stack } = buildMemberStack(services);
    expect(violationsOf(app, stack)).toEqual([]);
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

  it.each([
    ['the single-account stack', () => buildStack({}).stack, 8],
    ["the organization's central stack", () => buildStack(ORGANIZATION).stack, 8],
    ['the member stack', () => buildMemberStack().stack, 1],
  ] as const)('acknowledges each finding of %s on one CloudFormation resource, with a reason', (_name, build, atLeast) => {
    const found = acknowledgements(build());
    expect(found.length).toBeGreaterThanOrEqual(atLeast);
    for (const { construct, id, reason } of found) {
      expect({ id, isOneResource: CfnResource.isCfnResource(construct) }).toEqual({ id, isOneResource: true });
      expect(reason.length).toBeGreaterThan(40);
    }
  });
});
