import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Diagnosis } from '../../core/diagnosis';
import { runCli } from './run-cli';

/**
 * --policies end to end: the bundled samples against cli/samples/policies.json, written by hand so that each sample event's
 * message is what AWS's evaluation logic gives for that store (each statement there says which rule it exercises).
 */

const REPO = path.resolve(__dirname, '..', '..');
const SAMPLES = path.join(REPO, 'cli', 'samples', 'events');
const STORE = path.join(REPO, 'cli', 'samples', 'policies.json');
const sample = (name: string): string => path.join(SAMPLES, name);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'denyscope-policies-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function explainJson(file: string, store = STORE): Promise<Diagnosis> {
  const run = await runCli(['explain', file, '--json', '--policies', store]);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(run.stdout).diagnoses[0] as Diagnosis;
}

describe('explain --policies --json on the samples', () => {
  it.each([
    ['service-control-policy-explicit.json', 'explicit-deny', ['service-control-policy OnlyTheWriterPutsOrders @ou-a1b2-prod0001'], []],
    ['resource-control-policy.json', 'explicit-deny', ['resource-control-policy OnlyOrganizationOrApprovedPartners @r-a1b2'], []],
    ['vpc-endpoint-policy.json', 'explicit-deny', ['vpc-endpoint-policy OrdersQueriesForReportingOnly'], []],
    ['vpc-endpoint-network-activity.json', 'explicit-deny', ['vpc-endpoint-policy NoScansThroughTheEndpoint'], []],
    ['identity-policy-explicit.json', 'explicit-deny', ['identity-policy NoDeletingProductionTables'], []],
    ['mfa-required.json', 'explicit-deny', ['identity-policy DenyAllExceptMfaSetupWithoutMFA'], []],
    ['identity-policy-implicit.json', 'implicit-deny', [], ['identity-policy']],
    ['transact-write-items-delete.json', 'implicit-deny', [], ['identity-policy']],
    ['permissions-boundary.json', 'implicit-deny', [], ['permissions-boundary']],
    ['session-policy.json', 'implicit-deny', [], ['session-policy']],
    ['resource-policy-cross-account.json', 'implicit-deny', [], ['resource-policy']],
    ['kms-key-access.json', 'implicit-deny', [], ['key-policy']],
    ['kms-decrypt-invoked-by-dynamodb.json', 'implicit-deny', [], ['key-policy']],
    ['unknown-no-message.json', 'implicit-deny', [], ['identity-policy']],
  ])('%s: %s', async (name, decision, deniedBy, missingAllow) => {
    const diagnosis = await explainJson(sample(name));
    const evaluation = diagnosis.evaluation!;
    expect(evaluation.decision).toBe(decision);
    expect(
      evaluation.deniedBy.map((entry) => `${entry.policyType} ${entry.sid}${entry.target === null ? '' : ` @${entry.target}`}`),
    ).toEqual(deniedBy);
    expect(evaluation.missingAllow.map((entry) => entry.policyType)).toEqual(missingAllow);
    // The message names a policy type for all but one sample, and the store was written to agree with each.
    expect(evaluation.agreesWithMessage).toBe(name === 'unknown-no-message.json' ? null : true);
    if (evaluation.agreesWithMessage === true) expect(diagnosis.confidence).toBe('certain');
  });

  it('the cause stays what the message says; a deny-unless-MFA evaluated as an identity-policy deny agrees and becomes certain', async () => {
    const diagnosis = await explainJson(sample('mfa-required.json'));
    expect(diagnosis).toMatchObject({ cause: 'mfa-required', confidence: 'certain' });
  });

  it('the remediation names the statement to narrow and a command that opens exactly that policy', async () => {
    const { remediation } = await explainJson(sample('service-control-policy-explicit.json'));
    expect(remediation.summary).toContain('"OnlyTheWriterPutsOrders"');
    expect(remediation.commands.map((command) => command.command)).toEqual([
      'aws organizations describe-policy --policy-id p-examplescp1 --query Policy.Content --output text',
    ]);
    expect(remediation.policySnippet).toBeNull();
  });

  it('for an implicit deny, the layer to add an allow to and the statement to add there', async () => {
    const { remediation } = await explainJson(sample('session-policy.json'));
    expect(remediation.policySnippet).toEqual({
      attachTo: 'session policy passed to AssumeRole for arn:aws:iam::111122223333:role/data-loader',
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AllowDeniedCall',
            Effect: 'Allow',
            Action: 'dynamodb:BatchWriteItem',
            Resource: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
          },
        ],
      },
    });
  });

  it('without --policies every diagnosis has evaluation null', async () => {
    const run = await runCli(['explain', sample('service-control-policy-explicit.json'), '--json']);
    expect(JSON.parse(run.stdout).diagnoses[0].evaluation).toBeNull();
  });
});

describe('explain --policies, human output', () => {
  it('shows the denying statement as JSON under "why", the deciding condition line marked', async () => {
    const run = await runCli(['explain', sample('service-control-policy-explicit.json'), '--policies', STORE]);
    const lines = run.stdout.split('\n');
    const why = lines.findIndex((line) => line.trimStart().startsWith('why'));
    expect(lines[why + 1].trim()).toBe('evaluated: explicit deny (agrees with the message)');
    expect(lines.find((line) => line.includes('◀'))?.trim()).toBe(
      '"aws:PrincipalArn": "arn:aws:iam::*:role/orders-writer"   ◀ (request: arn:aws:iam::111122223333:role/app-backend) → true',
    );
  });

  it('shows the layers that lack an allow', async () => {
    const run = await runCli(['explain', sample('permissions-boundary.json'), '--policies', STORE]);
    expect(run.stdout).toContain('no allow in the permissions boundary: arn:aws:iam::111122223333:policy/developer-boundary');
  });

  it('escapes every value from the store: a Sid holding an escape sequence cannot reach the terminal', async () => {
    const store = JSON.parse(readFileSync(STORE, 'utf8'));
    store.organization.serviceControlPolicies['ou-a1b2-prod0001'][1].document.Statement[0].Sid = 'Evil\u001b[2J\nforged line';
    const file = path.join(dir, 'evil.json');
    writeFileSync(file, JSON.stringify(store));
    const run = await runCli(['explain', sample('service-control-policy-explicit.json'), '--policies', file]);
    expect(run.stdout).not.toContain('\u001b');
    expect(run.stdout.split('\n').some((line) => line.startsWith('forged line'))).toBe(false);
  });
});

describe('--policies store errors: exit 2, one line naming the file and the path inside it', () => {
  it.each([
    ['explain', (store: string) => ['explain', sample('session-policy.json'), '--policies', store]],
    ['scan', (store: string) => ['scan', SAMPLES, '--json', '--policies', store]],
    // Worker threads start while the main thread checks the store: still nothing printed but the one line.
    ['scan with workers', (store: string) => ['scan', SAMPLES, '--json', '--jobs', '2', '--policies', store]],
    [
      'evaluate',
      (store: string) => [
        'evaluate',
        '--policies',
        store,
        '--principal',
        '111122223333',
        '--action',
        'dynamodb:GetItem',
        '--resource',
        '*',
      ],
    ],
  ])('%s', async (_command, args) => {
    const file = path.join(dir, 'store.json');
    writeFileSync(
      file,
      JSON.stringify({
        format: 'denyscope-policies/1',
        principals: {
          'arn:aws:iam::111122223333:role/app': {
            policies: [
              { name: 'ok', document: { Statement: [] } },
              { name: 'bad', document: { Statement: 'Allow' } },
            ],
          },
        },
      }),
    );
    const run = await runCli(args(file));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `denyscope: ${file}: principals.arn:aws:iam::111122223333:role/app.policies[1].document: Statement must be an object or an array\n`,
    );
    const missing = await runCli(args(path.join(dir, 'absent.json')));
    expect(missing).toMatchObject({
      code: 2,
      stdout: '',
      stderr: `denyscope: ${path.join(dir, 'absent.json')}: no such file or directory\n`,
    });
  });
});

describe('scan --policies --json', () => {
  it('counts byDecision, and byStatement (policy + Sid) for explicit denials', async () => {
    const run = await runCli(['scan', SAMPLES, '--json', '--policies', STORE]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.byDecision).toEqual({ 'explicit-deny': 6, 'implicit-deny': 8, allow: 2 });
    expect(report.byStatement).toEqual({
      'arn:aws:iam::111122223333:policy/ProtectProductionTables NoDeletingProductionTables': 1,
      'arn:aws:iam::111122223333:policy/RequireMFA DenyAllExceptMfaSetupWithoutMFA': 1,
      'arn:aws:organizations::123456789012:policy/o-a1b2c3d4e5/resource_control_policy/p-examplercp1 OnlyOrganizationOrApprovedPartners': 1,
      'arn:aws:organizations::123456789012:policy/o-a1b2c3d4e5/service_control_policy/p-examplescp1 OnlyTheWriterPutsOrders': 1,
      'vpce-0a1b2c3d4e5f67890 OrdersQueriesForReportingOnly': 1,
      'vpce-0a1b2c3d4e5f67890 NoScansThroughTheEndpoint': 1,
    });
  });

  it('without --policies the report has no byDecision or byStatement', async () => {
    const report = JSON.parse((await runCli(['scan', SAMPLES, '--json'])).stdout);
    expect(report).not.toHaveProperty('byDecision');
    expect(report).not.toHaveProperty('byStatement');
  });
});

describe('denyscope evaluate: would this call be allowed?', () => {
  const base = [
    'evaluate',
    '--policies',
    STORE,
    '--action',
    'dynamodb:PutItem',
    '--resource',
    'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
  ];

  it('exit 3 for a denied call, with the statement', async () => {
    const run = await runCli([...base, '--principal', 'arn:aws:iam::111122223333:role/app-backend']);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('DENIED dynamodb:PutItem');
    expect(run.stdout).toContain('statement "OnlyTheWriterPutsOrders"');
  });

  it('exit 0 for an allowed call', async () => {
    const run = await runCli([
      ...base,
      '--action',
      'dynamodb:UpdateItem',
      '--principal',
      'arn:aws:iam::111122223333:role/app-backend',
      '--absent',
      'aws:SourceVpce',
    ]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('ALLOWED dynamodb:UpdateItem');
  });

  it('exit 4 when the outcome turns on a key not given; giving it decides', async () => {
    const store = JSON.parse(readFileSync(STORE, 'utf8'));
    store.organization.serviceControlPolicies['r-a1b2'].push({
      id: 'p-office',
      name: 'OfficeOnly',
      document: {
        Statement: [
          {
            Sid: 'FromTheOfficeOnly',
            Effect: 'Deny',
            Action: '*',
            Resource: '*',
            Condition: { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
          },
        ],
      },
    });
    const file = path.join(dir, 'office.json');
    writeFileSync(file, JSON.stringify(store));
    const call = [
      'evaluate',
      '--policies',
      file,
      '--principal',
      'arn:aws:iam::111122223333:role/app-backend',
      '--action',
      'dynamodb:UpdateItem',
      '--resource',
      'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
      '--absent',
      'aws:SourceVpce',
    ];
    const unknown = await runCli([...call, '--json']);
    expect(unknown.code).toBe(4);
    expect(JSON.parse(unknown.stdout).evaluation).toMatchObject({ decision: 'inconclusive', unresolvedKeys: ['aws:SourceIp'] });
    expect((await runCli([...call, '--context', 'aws:SourceIp=198.51.100.7'])).code).toBe(3);
    expect((await runCli([...call, '--context', 'aws:SourceIp=203.0.113.7'])).code).toBe(0);
  });

  it("a call through an endpoint meets the endpoint's policy; without aws:SourceVpce the store says it could not tell", async () => {
    const call = [
      'evaluate',
      '--policies',
      STORE,
      '--principal',
      'arn:aws:iam::111122223333:role/app-backend',
      '--action',
      'dynamodb:Query',
      '--resource',
      'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
    ];
    // Through the endpoint, its OrdersQueriesForReportingOnly statement denies everyone but the reporting role.
    expect((await runCli([...call, '--context', 'aws:SourceVpce=vpce-0a1b2c3d4e5f67890'])).code).toBe(3);
    const unknown = JSON.parse((await runCli([...call, '--json'])).stdout).evaluation;
    expect(unknown).toMatchObject({
      decision: 'allow',
      missingPolicies: ['VPC endpoint policy, if the call goes through an endpoint (aws:SourceVpce is unknown)'],
    });
  });

  it('--json prints the request and the evaluation', async () => {
    const run = await runCli([
      ...base,
      '--principal',
      'arn:aws:iam::111122223333:role/app-backend',
      '--context',
      'aws:SourceIp=203.0.113.7',
      '--json',
    ]);
    const output = JSON.parse(run.stdout);
    expect(Object.keys(output)).toEqual(['request', 'evaluation']);
    expect(output.request).toMatchObject({
      action: 'dynamodb:PutItem',
      context: { 'aws:SourceIp': ['203.0.113.7'] },
      principal: { type: 'assumed-role', arn: 'arn:aws:iam::111122223333:role/app-backend' },
    });
    expect(output.evaluation.decision).toBe('explicit-deny');
  });

  it.each([
    [['--principal', 'not-an-arn'], '--principal must be'],
    [['--principal', '111122223333', '--context', 'novalue'], '--context must be key=value'],
    [['--principal', '111122223333', '--action', 'GetItem'], '--action must be service:Action'],
  ])('exit 2 on a bad option value: %j', async (options, message) => {
    const run = await runCli([...base, ...options]);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
