import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { startAwsStandIn, type AwsStandIn, type RecordedAwsRequest } from '../support/aws-standin';
import {
  ACCOUNT,
  DENIED_DELETE_RECORD,
  DENY_DELETES,
  DENY_DELETES_ARN,
  ROLE_ARN,
  standInEnvironment,
  TABLE_ARN,
  WORLD,
} from '../support/policy-world';
import { runBuiltCli } from './run-cli';

// `explain --deep` and `scan --deep` as a user runs them: the built CLI, pointed at the local AWS stand-in through
// AWS_ENDPOINT_URL, which answers the real wire formats and logs every request.
const AUTHORIZATION_ID = 'a1b2c3d4e5f60718';

let standIn: AwsStandIn;
let dir: string;
beforeEach(async () => {
  standIn = await startAwsStandIn({
    ...WORLD,
    authorizationDetails: {
      [AUTHORIZATION_ID]: DENIED_DELETE_RECORD,
    },
  });
  dir = mkdtempSync(path.join(os.tmpdir(), 'denyscope-deep-'));
});
afterEach(async () => {
  await standIn.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI with the stand-in's endpoints and no AWS configuration of this machine. */
function denyscope(args: readonly string[], environment: Record<string, string> = standInEnvironment(standIn.endpoint)) {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    AWS_CONFIG_FILE: path.join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...environment,
  };
  return runBuiltCli(args, { env, inheritEnv: false });
}

const DENIED_BY_IDENTITY_POLICY = `User: arn:aws:sts::${ACCOUNT}:assumed-role/app/s1 is not authorized to perform: dynamodb:DeleteItem on resource: ${TABLE_ARN} with an explicit deny in an identity-based policy: ${DENY_DELETES_ARN}.`;
const WITH_AUTHORIZATION_ID = `${DENIED_BY_IDENTITY_POLICY} Go to https://eu-west-1.console.aws.amazon.com/iam/home?region=eu-west-1#/authorization-details/${AUTHORIZATION_ID} for complete details, or call the GetRequestAuthorizationDetails API with the following authorization id: ${AUTHORIZATION_ID}`;

/** A denial of the stand-in's role on its table, as CloudTrail records it. */
function denial(eventId: string, message = DENIED_BY_IDENTITY_POLICY, eventTime = '2026-11-27T09:00:00Z'): Record<string, unknown> {
  return {
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
    eventTime,
    eventSource: 'dynamodb.amazonaws.com',
    eventName: 'DeleteItem',
    awsRegion: 'eu-west-1',
    errorCode: 'AccessDenied',
    errorMessage: message,
    requestParameters: { tableName: 'Orders', key: { pk: { S: 'o-1' }, sk: { S: 'v1' } } },
    resources: [{ accountId: ACCOUNT, type: 'AWS::DynamoDB::Table', ARN: TABLE_ARN }],
    eventID: eventId,
    recipientAccountId: ACCOUNT,
    tlsDetails: { tlsVersion: 'TLSv1.3' },
    sourceIPAddress: '203.0.113.7',
  };
}

function writeEvents(name: string, records: readonly Record<string, unknown>[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify({ Records: records }));
  return file;
}

const evaluationsOf = (run: Run) =>
  (JSON.parse(run.stdout) as { diagnoses: { evaluation: Record<string, unknown> | null }[] }).diagnoses.map(
    (diagnosis) => diagnosis.evaluation,
  );

/** A request is the same read as another when it asks the same operation with the same parameters (a page has its own marker). */
const readsOf = (requests: readonly RecordedAwsRequest[]) => requests.map((request) => `${request.operation} ${request.parameters}`);

it('explain --deep gives the same evaluation as explain --policies on the store `policies capture` wrote from the same server', async () => {
  const events = writeEvents('events.json', [denial('e-1')]);
  const store = path.join(dir, 'store.json');
  const capture = await denyscope(['policies', 'capture', '--from-events', events, '--organization', '--out', store]);
  expect(capture.code).toBe(0);

  const deep = await denyscope(['explain', events, '--deep', '--organization', '--json']);
  const offline = await denyscope(['explain', events, '--policies', store, '--json']);
  expect(deep).toMatchObject({ code: 0, stderr: '' });
  expect(offline.code).toBe(0);
  const [fetched] = evaluationsOf(deep);
  const [stored] = evaluationsOf(offline);
  expect(fetched).toEqual({ ...stored, source: 'fetched' });
  expect(stored).toMatchObject({
    source: 'store',
    decision: 'explicit-deny',
    deniedBy: [{ policyArn: DENY_DELETES_ARN, sid: 'NoDeletes' }],
    agreesWithMessage: true,
  });
  // The remediation is built from the evaluation too: the same precise fix either way.
  const remediation = (run: Run) => (JSON.parse(run.stdout) as { diagnoses: { remediation: unknown }[] }).diagnoses[0].remediation;
  expect(remediation(deep)).toEqual(remediation(offline));
});

it('each read once per run: a second denial of the same principal and table costs no AWS call', async () => {
  const one = await denyscope(['explain', writeEvents('one.json', [denial('e-1')]), '--deep', '--json']);
  const cold = readsOf(standIn.requests);
  standIn.requests.length = 0;
  const two = await denyscope(['explain', writeEvents('two.json', [denial('e-1'), denial('e-2')]), '--deep', '--json']);
  expect(one.code).toBe(0);
  expect(two.code).toBe(0);
  expect(evaluationsOf(two)).toEqual([evaluationsOf(one)[0], evaluationsOf(one)[0]]);
  expect(readsOf(standIn.requests).sort()).toEqual([...cold].sort());
  expect(new Set(cold).size).toBe(cold.length);
  // Counted by hand from WORLD, whose lists come in pages of 2: the role's 1 inline and 3 attached policies (2 pages)
  // and its boundary, each managed one by GetPolicy then GetPolicyVersion; 3 tags (2 pages); the table's policy, 3 tags
  // (2 pages) and description; its key's policy, 3 grants (2 pages) and state. No VPC endpoint, no organization.
  const byOperation: Record<string, number> = {};
  for (const request of standIn.requests) byOperation[request.operation] = (byOperation[request.operation] ?? 0) + 1;
  expect(byOperation).toEqual({
    GetRole: 1,
    ListRolePolicies: 1,
    GetRolePolicy: 1,
    ListAttachedRolePolicies: 2,
    GetPolicy: 4,
    GetPolicyVersion: 4,
    ListRoleTags: 2,
    GetResourcePolicy: 1,
    ListTagsOfResource: 2,
    DescribeTable: 1,
    GetKeyPolicy: 1,
    ListGrants: 2,
    DescribeKey: 1,
  });
});

it("a message with an authorization id: AWS's record is the evidence, and nothing else is read", async () => {
  const recent = new Date(Date.now() - 60_000).toISOString();
  const events = writeEvents('events.json', [denial('e-1', WITH_AUTHORIZATION_ID, recent)]);
  const run = await denyscope(['explain', events, '--deep', '--json']);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  expect(evaluationsOf(run)[0]).toMatchObject({
    source: 'authorization-details',
    decision: 'explicit-deny',
    deniedBy: [{ policyType: 'identity-policy', policyArn: DENY_DELETES_ARN, sid: 'NoDeletes', statement: DENY_DELETES.Statement[0] }],
    missingPolicies: [],
  });
  expect(standIn.requests.map((request) => request.operation)).toEqual(['GetRequestAuthorizationDetails', 'GetRequestAuthorizationPolicy']);
  const text = await denyscope(['explain', events, '--deep']);
  expect(text.stdout).toContain("evidence: AWS's own record of the denial (IAM Access Troubleshooter)");
  expect(text.stdout).toContain('NoDeletes');
});

it("with --policies, AWS's record still comes first; a denial without an id is evaluated against the store with no AWS call", async () => {
  const store = path.join(dir, 'store.json');
  expect((await denyscope(['policies', 'capture', '--principal', ROLE_ARN, '--resource', TABLE_ARN, '--out', store])).code).toBe(0);
  standIn.requests.length = 0;
  const recent = new Date(Date.now() - 60_000).toISOString();
  const events = writeEvents('events.json', [denial('e-1', WITH_AUTHORIZATION_ID, recent), denial('e-2')]);
  const run = await denyscope(['explain', events, '--deep', '--policies', store, '--json']);
  expect(run.code).toBe(0);
  expect(evaluationsOf(run).map((evaluation) => evaluation?.source)).toEqual(['authorization-details', 'store']);
  expect(new Set(standIn.requests.map((request) => request.service))).toEqual(new Set(['iam-toolbox']));
});

it('reads the stand-in denies: named in missingPolicies and on stderr, the evaluation still from the fetched policies, exit 1', async () => {
  standIn.fail({ service: 'iam', operation: 'ListRolePolicies', fault: 'AccessDenied' });
  const events = writeEvents('events.json', [denial('e-1')]);
  const run = await denyscope(['explain', events, '--deep', '--json']);
  expect(run.code).toBe(1);
  const unreadable = `identity policies of ${ROLE_ARN}: access denied (iam:ListRolePolicies)`;
  expect(run.stderr).toBe(`denyscope: could not read ${unreadable}\n`);
  const [evaluation] = evaluationsOf(run);
  expect(evaluation).toMatchObject({ source: 'fetched', missingPolicies: expect.arrayContaining([unreadable]) });
  // The table's policy was read, so the identity policies are the only unknown: the deny that AWS applied is not seen.
  expect(evaluation?.decision).toBe('allow');
});

it('nothing can be read (no credentials): the evaluation is the message alone, saying why; exit 1', async () => {
  const events = writeEvents('events.json', [denial('e-1')]);
  const { AWS_ACCESS_KEY_ID: _key, AWS_SECRET_ACCESS_KEY: _secret, ...withoutCredentials } = standInEnvironment(standIn.endpoint);
  const run = await denyscope(['explain', events, '--deep', '--json'], withoutCredentials);
  expect(run.code).toBe(1);
  const [evaluation] = evaluationsOf(run);
  expect(evaluation).toMatchObject({
    source: 'message',
    decision: 'explicit-deny',
    deniedBy: [],
    missingAllow: [],
    agreesWithMessage: null,
  });
  expect(evaluation?.missingPolicies).toEqual(
    expect.arrayContaining([expect.stringMatching(new RegExp(`^identity policies of ${ROLE_ARN}: no AWS credentials`))]),
  );
  expect(run.stderr).toMatch(/^denyscope: could not read identity policies of .*: no AWS credentials/m);
  expect(standIn.requests).toEqual([]);
});

it('without --deep, evaluation stays null and nothing is read; --org-role and --organization need --deep', async () => {
  const events = writeEvents('events.json', [denial('e-1')]);
  const plain = await denyscope(['explain', events, '--json']);
  expect(evaluationsOf(plain)).toEqual([null]);
  expect(standIn.requests).toEqual([]);
  expect(await denyscope(['explain', events, '--org-role', `arn:aws:iam::${ACCOUNT}:role/reader`])).toMatchObject({
    code: 2,
    stderr: 'denyscope: --org-role applies to --deep only\n',
  });
  expect(await denyscope(['explain', events, '--deep', '--org-role', 'reader'])).toMatchObject({
    code: 2,
    stderr: 'denyscope: --org-role must be an IAM role ARN, got "reader"\n',
  });
});

it('scan --deep with workers: every denial evaluated from the fetched policies, each read once across the workers', async () => {
  const files: string[] = [];
  for (let index = 0; index < 4; index += 1) {
    const file = path.join(dir, `logs-${index}.json.gz`);
    writeFileSync(file, gzipSync(JSON.stringify({ Records: [denial(`e-${index}-a`), denial(`e-${index}-b`)] })));
    files.push(file);
  }
  const run = await denyscope(['scan', ...files, '--deep', '--jobs', '2', '--json']);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  const report = JSON.parse(run.stdout) as {
    denials: number;
    byDecision: Record<string, number>;
    byStatement: Record<string, number>;
    diagnoses: { evaluation: { source: string } }[];
  };
  expect(report.denials).toBe(8);
  expect(report.byDecision).toEqual({ 'explicit-deny': 8 });
  expect(Object.values(report.byStatement)).toEqual([8]);
  expect(report.diagnoses.map((diagnosis) => diagnosis.evaluation.source)).toEqual(Array(8).fill('fetched'));
  const reads = readsOf(standIn.requests);
  expect(new Set(reads).size).toBe(reads.length);
});
