import { AuthorizationDetailsClient } from '../../../lambdas/adapters/authorization-details';
import { EvidenceGatherer } from '../../../lambdas/adapters/evidence-gatherer';
import { AwsPolicySource } from '../../../lambdas/adapters/policy-sources/aws-policy-source';
import { diagnose, type CloudTrailRecord, type Diagnosis } from '../../../core/diagnosis';
import type { PolicyEvaluation } from '../../../core/policy/types';
import { startAwsStandIn, type AwsStandIn } from '../../support/aws-standin';
import {
  ACCOUNT,
  DENIED_DELETE_RECORD,
  DENY_DELETES_ARN,
  EXPECTED,
  ROLE_ARN,
  standInEnvironment,
  TABLE_ARN,
  WORLD,
} from '../../support/policy-world';

const ID = 'abc123def456';
const record = (message: string): CloudTrailRecord => ({
  eventID: 'e1',
  eventTime: '2026-11-27T09:00:00Z',
  eventSource: 'dynamodb.amazonaws.com',
  eventName: 'DeleteItem',
  awsRegion: 'eu-west-1',
  errorCode: 'AccessDenied',
  errorMessage: message,
  recipientAccountId: ACCOUNT,
  userIdentity: {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`,
    accountId: ACCOUNT,
    sessionContext: { sessionIssuer: { type: 'Role', arn: ROLE_ARN } },
  },
});
const BASE = `User: arn:aws:sts::${ACCOUNT}:assumed-role/app/s1 is not authorized to perform: dynamodb:DeleteItem on resource: ${TABLE_ARN} with an explicit deny in an identity-based policy: ${DENY_DELETES_ARN}.`;
const WITH_ID = `${BASE} Go to https://eu-west-1.console.aws.amazon.com/iam/home?region=eu-west-1#/authorization-details/${ID} for complete details, or call the GetRequestAuthorizationDetails API with the following authorization id: ${ID}`;
const NOT_EVALUATED: PolicyEvaluation = {
  decision: 'inconclusive',
  deniedBy: [],
  missingAllow: [],
  unresolvedKeys: [],
  missingPolicies: [],
  agreesWithMessage: null,
};

const savedEnvironment = { ...process.env };
let standIn: AwsStandIn;
let source: AwsPolicySource;
beforeEach(async () => {
  standIn = await startAwsStandIn({
    ...WORLD,
    authorizationDetails: {
      [ID]: DENIED_DELETE_RECORD,
    },
  });
  Object.assign(process.env, standInEnvironment(standIn.endpoint));
  source = new AwsPolicySource();
});
afterEach(async () => {
  source.destroy();
  await standIn.stop();
  process.env = { ...savedEnvironment };
});

const gatherer = () =>
  new EvidenceGatherer({
    authorizationDetails: new AuthorizationDetailsClient(),
    policySource: source,
    evaluate: () => NOT_EVALUATED,
    organization: false,
  });
const diagnosisOf = (message: string): [CloudTrailRecord, Diagnosis] => {
  const event = record(message);
  return [event, diagnose(event) as Diagnosis];
};
const NOW = new Date('2026-11-27T09:00:05Z');

it("AWS's record when the message has an id: nothing else is read", async () => {
  const evidence = await gatherer().gather(...diagnosisOf(WITH_ID), { budgetMs: 4_000, now: NOW });
  expect(evidence.authorization?.evaluation).toMatchObject({
    decision: 'explicit-deny',
    source: 'authorization-details',
    deniedBy: [{ policyArn: DENY_DELETES_ARN, sid: 'NoDeletes' }],
  });
  expect(evidence.fetched).toBeNull();
  expect(standIn.requests.every((request) => request.service === 'iam-toolbox')).toBe(true);
});

it('falls through to the policies the denial needs when AWS has no record, and says why', async () => {
  standIn.fail({ service: 'iam-toolbox', operation: 'GetRequestAuthorizationDetails', fault: 'NotFound' });
  const evidence = await gatherer().gather(...diagnosisOf(WITH_ID), { budgetMs: 4_000, now: NOW });
  expect(evidence.authorization).toBeNull();
  expect(evidence.fetched?.store.principals?.[ROLE_ARN]).toEqual(EXPECTED.role);
  expect(evidence.missingPolicies).toEqual([`authorization details ${ID}: does not exist (ResourceNotFoundException)`]);
});

it('a slow read: the budget ends it with what was read and names the rest as timed out', async () => {
  // Far longer than the test's own timeout: only the budget can end the gathering.
  standIn.delay('dynamodb', 'ListTagsOfResource', 120_000);
  const evidence = await gatherer().gather(...diagnosisOf(BASE), { budgetMs: 1_500, now: NOW });
  expect(evidence.missingPolicies).toContain(`tags of ${TABLE_ARN}: timed out`);
  expect(evidence.fetched?.store.resources?.[TABLE_ARN]?.tags).toBeUndefined();
});
