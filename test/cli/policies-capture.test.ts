import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePolicyStore } from '../../core/policy/store';
import { startAwsStandIn, type AwsStandIn } from '../support/aws-standin';
import {
  ACCOUNT,
  EXPECTED,
  INDEX_ARN,
  KEY_ARN,
  ROLE_ARN,
  standInEnvironment,
  TABLE_ARN,
  USER_ARN,
  VPC_ENDPOINT,
  WORLD,
} from '../support/policy-world';
import { runCli } from './run-cli';
import { runBuiltCli } from './run-cli';

// The built CLI as a user runs it, pointed at the local AWS stand-in through AWS_ENDPOINT_URL.
const ROOT = path.resolve(__dirname, '..', '..');

let standIn: AwsStandIn;
let dir: string;
// The jest global setup built the CLI bundle from the current sources.
beforeEach(async () => {
  standIn = await startAwsStandIn(WORLD);
  dir = mkdtempSync(path.join(os.tmpdir(), 'denyscope-capture-'));
});
afterEach(async () => {
  await standIn.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the built CLI with the stand-in's endpoints and no AWS configuration of this machine. */
function denyscope(args: readonly string[]) {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    AWS_CONFIG_FILE: path.join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'),
    ...standInEnvironment(standIn.endpoint),
  };
  return runBuiltCli(args, { env, inheritEnv: false });
}

const denialEvent = {
  eventVersion: '1.09',
  userIdentity: {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`,
    accountId: ACCOUNT,
    sessionContext: {
      sessionIssuer: { type: 'Role', arn: ROLE_ARN, accountId: ACCOUNT, userName: 'app' },
      attributes: { mfaAuthenticated: 'false' },
    },
  },
  eventTime: '2026-11-27T09:00:00Z',
  eventSource: 'dynamodb.amazonaws.com',
  eventName: 'PutItem',
  awsRegion: 'eu-west-1',
  errorCode: 'AccessDenied',
  errorMessage: `User: arn:aws:sts::${ACCOUNT}:assumed-role/app/s1 is not authorized to perform: dynamodb:PutItem on resource: ${TABLE_ARN} with an explicit deny in a VPC endpoint policy`,
  requestParameters: { tableName: 'Orders' },
  resources: [{ accountId: ACCOUNT, type: 'AWS::DynamoDB::Table', ARN: TABLE_ARN }],
  eventID: 'e-1',
  recipientAccountId: ACCOUNT,
  vpcEndpointId: VPC_ENDPOINT,
};

it('named things: writes the store with every part, says so on stderr, exit 0; no credentials in it', async () => {
  const out = path.join(dir, 'store.json');
  const run = await denyscope([
    'policies',
    'capture',
    '--principal',
    ROLE_ARN,
    '--principal',
    USER_ARN,
    '--resource',
    INDEX_ARN,
    '--vpc-endpoint',
    VPC_ENDPOINT,
    '--organization',
    '--out',
    out,
  ]);
  expect(run).toMatchObject({ code: 0, stdout: '' });
  expect(run.stderr).toBe(`denyscope: wrote ${out}: 2 principals, 1 resource, 1 key, 1 VPC endpoint, 4 organization levels\n`);
  const written = JSON.parse(readFileSync(out, 'utf8'));
  expect(written).toEqual({
    format: 'denyscope-policies/1',
    capturedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    principals: { [ROLE_ARN]: EXPECTED.role, [USER_ARN]: EXPECTED.user },
    resources: { [TABLE_ARN]: EXPECTED.table },
    keys: { [KEY_ARN]: EXPECTED.key },
    vpcEndpoints: { [VPC_ENDPOINT]: EXPECTED.vpcEndpoint },
    organization: EXPECTED.organization,
  });
  expect(() => parsePolicyStore(readFileSync(out, 'utf8'))).not.toThrow();
  const text = readFileSync(out, 'utf8');
  expect(text).not.toContain('stand-in-secret');
  expect(text).not.toContain('AKIDSTANDIN');
});

it('--from-events: everything the denials need (the role from the session, the table and its key, the endpoint, the organization through --org-role)', async () => {
  const events = path.join(dir, 'events.json');
  writeFileSync(events, JSON.stringify({ Records: [denialEvent] }));
  const out = path.join(dir, 'store.json');
  const run = await denyscope([
    'policies',
    'capture',
    '--from-events',
    events,
    '--org-role',
    'arn:aws:iam::999988887777:role/OrganizationReader',
    '--out',
    out,
  ]);
  expect(run.stderr).toBe(`denyscope: wrote ${out}: 1 principal, 1 resource, 1 key, 1 VPC endpoint, 4 organization levels\n`);
  expect(run.code).toBe(0);
  const store = JSON.parse(readFileSync(out, 'utf8'));
  expect(store.principals).toEqual({ [ROLE_ARN]: EXPECTED.role });
  expect(store.resources).toEqual({ [TABLE_ARN]: EXPECTED.table });
  expect(store.keys).toEqual({ [KEY_ARN]: EXPECTED.key });
  expect(store.vpcEndpoints).toEqual({ [VPC_ENDPOINT]: EXPECTED.vpcEndpoint });
  expect(store.organization).toEqual(EXPECTED.organization);
  expect(standIn.requestsFor('sts', 'AssumeRole')).toHaveLength(1);
});

it('what cannot be read is named on stderr (escaped), the rest is written, exit 1', async () => {
  standIn.fail({ service: 'kms', operation: 'GetKeyPolicy', fault: 'AccessDenied' });
  standIn.fail({ service: 'organizations', operation: 'ListParents', fault: 'NotManagementAccount' });
  const out = path.join(dir, 'store.json');
  const run = await denyscope(['policies', 'capture', '--resource', TABLE_ARN, '--organization', '--out', out]);
  expect(run.code).toBe(1);
  expect(run.stderr.trimEnd().split('\n')).toEqual([
    `denyscope: could not read key policy of ${KEY_ARN}: access denied (kms:GetKeyPolicy)`,
    `denyscope: could not read organization path of account ${ACCOUNT}: access denied (organizations:ListParents): read from the organization's management account or a delegated administrator (--org-role ARN)`,
    `denyscope: wrote ${out}: 0 principals, 1 resource, 1 key, 0 VPC endpoints, 0 organization levels; 2 could not be read`,
  ]);
  const store = JSON.parse(readFileSync(out, 'utf8'));
  expect(store.keys[KEY_ARN]).toEqual({ state: 'Enabled', grants: EXPECTED.key.grants });
});

it('an account whose organization path cannot be read is left out of organization.accounts (unknown, not outside) and named', async () => {
  const partner = '444455556666';
  await standIn.stop();
  standIn = await startAwsStandIn({
    ...WORLD,
    organization: { ...WORLD.organization!, parents: { ...WORLD.organization!.parents, [partner]: 'ou-ab12-11111111' } },
  });
  standIn.fail({ service: 'organizations', operation: 'ListParents', matching: partner, fault: 'AccessDenied' });
  const out = path.join(dir, 'store.json');
  const run = await denyscope([
    'policies',
    'capture',
    '--principal',
    ROLE_ARN,
    '--resource',
    `arn:aws:kms:eu-west-1:${partner}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    '--organization',
    '--out',
    out,
  ]);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(
    `denyscope: could not read organization path of account ${partner}: access denied (organizations:ListParents)`,
  );
  const store = JSON.parse(readFileSync(out, 'utf8'));
  expect(store.organization.accounts).toEqual(EXPECTED.organization.accounts);
  expect(parsePolicyStore(readFileSync(out, 'utf8')).organization?.accounts?.has(partner)).toBe(false);
});

describe('usage errors: exit 2, one line, nothing written', () => {
  it.each([
    [['--principal', ROLE_ARN], '--out FILE is required'],
    [['--out', 'x.json'], 'nothing to capture'],
    [['--principal', 'arn:aws:s3:::bucket', '--out', 'x.json'], '--principal must be an IAM role or user ARN'],
    [['--resource', 'arn:aws:s3:::bucket', '--out', 'x.json'], '--resource must be a DynamoDB table, index or stream ARN or a KMS key ARN'],
    [['--vpc-endpoint', 'vpc-123', '--out', 'x.json'], '--vpc-endpoint must be a VPC endpoint id'],
    [['--principal', ROLE_ARN, '--org-role', 'me', '--out', 'x.json'], '--org-role must be an IAM role ARN'],
    [['--vpc-endpoint', VPC_ENDPOINT, '--organization', '--out', 'x.json'], '--organization needs accounts'],
    [['--from-events', '/nonexistent/events.json', '--out', 'x.json'], '/nonexistent/events.json: no such file or directory'],
  ])('%j', async (args, message) => {
    const run = await runCli(['policies', 'capture', ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(path.join(ROOT, 'x.json'))).toBe(false);
  });

  it('an unknown option', async () => {
    const run = await runCli(['policies', 'capture', '--frobnicate']);
    expect(run.code).toBe(2);
  });
});
