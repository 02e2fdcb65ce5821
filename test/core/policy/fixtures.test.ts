import * as fs from 'node:fs';
import * as path from 'node:path';
import { diagnose, type CloudTrailRecord, type Diagnosis } from '../../../core/diagnosis';
import { diagnoseWithPolicies } from '../../../core/policy/diagnosis-evaluation';
import { parsePolicyStore, parseValidatedPolicyStore } from '../../../core/policy/store';
import { loadSample, sampleFiles } from '../diagnosis/samples';

/**
 * One store per cause under test/fixtures/policies/, each a different way AWS's evaluation logic reaches that cause,
 * evaluated against the sample event of that cause. Each expectation follows from the store by the rule its describe
 * string names (IAM User Guide "Policy evaluation logic", Organizations SCP/RCP evaluation, KMS "Grants").
 */

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'policies');

function evaluated(fixture: string, sample: string, errorMessage?: string): Diagnosis {
  const store = parsePolicyStore(fs.readFileSync(path.join(FIXTURES, fixture), 'utf8'));
  const record = { ...(loadSample(sample).detail as CloudTrailRecord), ...(errorMessage === undefined ? {} : { errorMessage }) };
  const diagnosis = diagnoseWithPolicies(record, store);
  if (diagnosis === null) throw new Error(`${sample} is not a denial`);
  return diagnosis;
}

const sids = (d: Diagnosis) => d.evaluation!.deniedBy.map((entry) => `${entry.policyType}:${entry.sid}`);
const layers = (d: Diagnosis) =>
  d.evaluation!.missingAllow.map((entry) => (entry.target === null ? entry.policyType : `${entry.policyType}@${entry.target}`));

it('covers every cause with a store', () => {
  const covered = fs.readdirSync(FIXTURES).map((file) => file.replace(/(-explicit|-implicit)?\.json$/, ''));
  expect([...new Set(covered)].sort()).toEqual([
    'identity-policy',
    'kms-key-access',
    'kms-key-unusable',
    'mfa-required',
    'permissions-boundary',
    'resource-control-policy',
    'resource-policy',
    'service-control-policy',
    'session-policy',
    'unknown',
    'vpc-endpoint-policy',
  ]);
});

describe('identity-policy', () => {
  it('explicit: a Deny with NotResource covers every table but the scratch ones ("NotResource"); the message names another policy ARN, so they disagree', () => {
    const d = evaluated('identity-policy-explicit.json', 'identity-policy-explicit.json');
    expect(d.evaluation).toMatchObject({ decision: 'explicit-deny', agreesWithMessage: false });
    expect(sids(d)).toEqual(['identity-policy:DeletesOnlyOnScratchTables']);
  });

  it('implicit: the only allow needs a principal tag the role does not carry', () => {
    const d = evaluated('identity-policy-implicit.json', 'identity-policy-implicit.json');
    expect(d.evaluation).toMatchObject({ decision: 'implicit-deny', agreesWithMessage: true });
    expect(layers(d)).toEqual(['identity-policy']);
  });
});

describe('service-control-policy', () => {
  it("explicit: a change freeze at the account level; the message's p- id names it", () => {
    const d = evaluated('service-control-policy-explicit.json', 'service-control-policy-explicit.json');
    expect(d.evaluation).toMatchObject({ decision: 'explicit-deny', agreesWithMessage: true });
    expect(d.evaluation!.deniedBy[0]).toMatchObject({ sid: 'ChangeFreeze', target: '111122223333' });
  });

  it('implicit: an allow-list SCP at one OU level without the action ("SCP evaluation")', () => {
    const message =
      'User: arn:aws:sts::111122223333:assumed-role/app-backend/i-0a1b2c3d4e5f60718 is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/Orders because no service control policy allows the dynamodb:PutItem action';
    const d = evaluated('service-control-policy-implicit.json', 'service-control-policy-explicit.json', message);
    expect(d.evaluation).toMatchObject({ decision: 'implicit-deny', agreesWithMessage: true });
    expect(layers(d)).toEqual(['service-control-policy@ou-a1b2-workload']);
    expect(d.remediation.commands.map((command) => command.command)).toContain(
      'aws organizations attach-policy --policy-id p-FullAWSAccess --target-id ou-a1b2-workload',
    );
  });
});

it('resource-control-policy: an RCP lets in the organization and listed partners only ("RCP evaluation")', () => {
  const d = evaluated('resource-control-policy.json', 'resource-control-policy.json');
  expect(d.evaluation).toMatchObject({ decision: 'explicit-deny', agreesWithMessage: true });
  expect(sids(d)).toEqual(['resource-control-policy:OrganizationOrTrustedPartners']);
});

it('vpc-endpoint-policy: the endpoint policy denies queries by callers outside the analytics team', () => {
  const d = evaluated('vpc-endpoint-policy.json', 'vpc-endpoint-policy.json');
  expect(d.evaluation).toMatchObject({ decision: 'explicit-deny', agreesWithMessage: true });
  expect(sids(d)).toEqual(['vpc-endpoint-policy:AnalyticsQueriesOnly']);
});

it('permissions-boundary: the table policy names the role ARN, so the boundary still limits it ("Policy evaluation logic")', () => {
  const d = evaluated('permissions-boundary.json', 'permissions-boundary.json');
  expect(d.evaluation).toMatchObject({ decision: 'implicit-deny', agreesWithMessage: true });
  expect(layers(d)).toEqual(['permissions-boundary']);
});

it('session-policy: a managed session policy without the action', () => {
  const d = evaluated('session-policy.json', 'session-policy.json');
  expect(d.evaluation).toMatchObject({ decision: 'implicit-deny', agreesWithMessage: true });
  expect(d.evaluation!.missingAllow).toEqual([
    { policyType: 'session-policy', target: null, policies: ['arn:aws:iam::111122223333:policy/import-session'] },
  ]);
});

it('resource-policy: across accounts, the table policy names another role ("Cross-account policy evaluation logic")', () => {
  const d = evaluated('resource-policy.json', 'resource-policy-cross-account.json');
  expect(d.evaluation).toMatchObject({ decision: 'implicit-deny', agreesWithMessage: true });
  expect(layers(d)).toEqual(['resource-policy']);
});

it('mfa-required: a group\'s deny-unless-MFA meets a long-term key, which carries no MFA key ("aws:MultiFactorAuthPresent")', () => {
  const d = evaluated('mfa-required.json', 'mfa-required.json');
  expect(d.evaluation).toMatchObject({ decision: 'explicit-deny', agreesWithMessage: true });
  expect(sids(d)).toEqual(['identity-policy:DenyWithoutMFA']);
  expect(d.remediation.commands.map((command) => command.command)).toContain(
    'aws iam get-policy-version --policy-arn arn:aws:iam::111122223333:policy/RequireMFA --version-id "$(aws iam get-policy --policy-arn arn:aws:iam::111122223333:policy/RequireMFA --query Policy.DefaultVersionId --output text)"',
  );
});

it('kms-key-access: a grant for another table\'s encryption context, and a key policy for its administrator only ("Grants")', () => {
  const d = evaluated('kms-key-access.json', 'kms-key-access.json');
  expect(d.evaluation).toMatchObject({ decision: 'implicit-deny', agreesWithMessage: true });
  expect(layers(d)).toEqual(['key-policy']);
});

it("kms-key-unusable: the policies allow the call, and the remediation stays the key's state", () => {
  const d = evaluated('kms-key-unusable.json', 'kms-key-disabled.json');
  expect(d.evaluation).toMatchObject({ decision: 'allow', agreesWithMessage: null });
  expect(d.remediation).toEqual(diagnose(loadSample('kms-key-disabled.json').detail as CloudTrailRecord)!.remediation);
});

it('unknown: an allow on dynamodb:Attributes, which a BatchGetItem without projection does not show: inconclusive', () => {
  const d = evaluated('unknown.json', 'unknown-no-message.json');
  expect(d.evaluation).toMatchObject({ decision: 'inconclusive', unresolvedKeys: ['dynamodb:Attributes'], agreesWithMessage: null });
  expect(layers(d)).toEqual(['identity-policy']);
});

// A scan worker reads the store the main thread validated with parseValidatedPolicyStore (documents compiled on first
// use, shared by text): it must give every fixture the diagnosis the validated store gives, which the tests above check.
describe('a store re-read by a scan worker', () => {
  const samples = new Set(sampleFiles());
  it.each(fs.readdirSync(FIXTURES).filter((fixture) => samples.has(fixture)))('%s: the same evaluation and remediation', (fixture) => {
    const text = fs.readFileSync(path.join(FIXTURES, fixture), 'utf8');
    const record = loadSample(fixture).detail as CloudTrailRecord;
    const validated = diagnoseWithPolicies(record, parsePolicyStore(text))!;
    const reread = diagnoseWithPolicies(record, parseValidatedPolicyStore(text))!;
    expect(reread.evaluation).toEqual(validated.evaluation);
    expect(reread.remediation).toEqual(validated.remediation);
  });
});
