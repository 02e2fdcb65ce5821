import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { HANDLER_ENV } from '../../core/contract';
import { diagnose, readRecords } from '../../core/diagnosis';
import { incidentIdFor } from '../../core/incidents/identity';
import type { Incident } from '../../core/incidents/model';
import { INCIDENT_SORT_KEY, incidentPk } from '../../core/incidents/schema';
import type { Evaluation } from '../../core/policy/types';
import { deepDiagnosisFor } from '../../lambdas/deep-diagnosis';
import { startAwsStandIn, type AwsStandIn } from '../support/aws-standin';
import { denialEvent, lambdaContext, sqsEvent, sqsMessage } from '../support/denial-events';
import { startDynalite, type LocalDynamo } from '../support/dynalite';
import { createHarness, ManualClock, OutputCapture, STACK_HANDLER_ENV } from '../support/handler-harness';
import {
  ACCOUNT,
  DENIED_DELETE_RECORD,
  DENY_DELETES,
  DENY_DELETES_ARN,
  ROLE_ARN,
  standInEnvironment,
  WORLD,
} from '../support/policy-world';
import { startSlackStandIn, unusedLoopbackPort, type SlackStandIn } from '../support/slack-server';

/**
 * Deep diagnosis in the alert Lambda: the handler and its wiring on dynalite and the Slack stand-in, reading evidence
 * from the local AWS stand-in (real wire formats) through the SDK's AWS_ENDPOINT_URL. The expected statements are the
 * stand-in world's documents (test/support/policy-world.ts), written by hand.
 */

let dynamo: LocalDynamo;
let slack: SlackStandIn;
let standIn: AwsStandIn;
let output: OutputCapture;
const savedEnvironment = { ...process.env };

beforeAll(async () => {
  [dynamo, slack] = await Promise.all([startDynalite(), startSlackStandIn()]);
  // Compiled once here: ts-jest compiling the lazily loaded module on the first alert would eat that alert's budget.
  await import('../../lambdas/deep-diagnosis-evidence');
});
afterAll(async () => {
  await Promise.all([dynamo?.stop(), slack?.stop()]);
});
beforeEach(async () => {
  standIn = await startAwsStandIn(WORLD);
  Object.assign(process.env, standInEnvironment(standIn.endpoint));
  slack.requests.length = 0;
  slack.always({ status: 200 });
  output = new OutputCapture();
  output.start();
});
afterEach(async () => {
  output.stop();
  await standIn.stop();
  process.env = { ...savedEnvironment };
});

const AUTHORIZATION_ID = 'abc123def456';
const DENIED_BY_IDENTITY_POLICY = `with an explicit deny in an identity-based policy: ${DENY_DELETES_ARN}.`;

/** A DeleteItem on the world's table by a session of the world's role (whose ARN has a path), denied as the message says. */
function deleteDenial(eventId: string, reason = DENIED_BY_IDENTITY_POLICY): Record<string, unknown> {
  const event = denialEvent({ eventId, eventName: 'DeleteItem', roleName: 'app', accountId: ACCOUNT, tableName: 'Orders', reason });
  const detail = event.detail as { userIdentity: { sessionContext: { sessionIssuer: { arn: string } } }; eventTime: string };
  detail.userIdentity.sessionContext.sessionIssuer.arn = ROLE_ARN;
  // Recent, so that AWS's authorization record (kept 24 hours) is still there.
  detail.eventTime = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return event;
}

function incidentIdOf(event: Record<string, unknown>): string {
  const diagnosis = diagnose(readRecords(JSON.stringify(event), 'test')[0]);
  if (diagnosis === null) throw new Error('test event is not a denial');
  return incidentIdFor(diagnosis);
}

async function setUp(deepDiagnosisTimeoutSeconds: number, clock = new ManualClock(new Date())) {
  const tableName = await dynamo.createTable();
  return {
    manualClock: clock,
    ...createHarness({
      dynamo,
      tableName,
      clock,
      slackWebhookUrl: slack.webhookUrl,
      deepener: deepDiagnosisFor({ deepDiagnosisTimeoutSeconds, organizationReaderRoleArn: null }),
    }),
  };
}

function evaluationOf(incident: Incident | null): Evaluation & { source?: string } {
  const evaluation = incident?.diagnosis.evaluation;
  if (!evaluation) throw new Error('the incident has no evaluation');
  return evaluation;
}

const awsReads = (): number => standIn.requests.length;

describe('deep diagnosis of an alert', () => {
  it('names the denying statement from the policies read from AWS, in the stored incident and the Slack alert', async () => {
    const harness = await setUp(30);
    const event = deleteDenial('deep-1');

    expect(await harness.handler(sqsEvent(sqsMessage(event)), lambdaContext())).toEqual({ batchItemFailures: [] });

    const evaluation = evaluationOf(await harness.incident(incidentIdOf(event)));
    expect(evaluation.source).toBe('fetched');
    expect(evaluation.decision).toBe('explicit-deny');
    expect(evaluation.deniedBy).toEqual([
      expect.objectContaining({
        policyType: 'identity-policy',
        policyArn: DENY_DELETES_ARN,
        sid: 'NoDeletes',
        statement: DENY_DELETES.Statement[0],
      }),
    ]);
    expect(standIn.requestsFor('iam', 'ListAttachedRolePolicies').length).toBeGreaterThan(0);
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0].body).toContain('NoDeletes');
  });

  it('reuses the stored evaluation for repeats: no AWS read until the next alert', async () => {
    const harness = await setUp(30);
    const first = deleteDenial('deep-repeat-1');
    await harness.handler(sqsEvent(sqsMessage(first)), lambdaContext());
    const readsForTheAlert = awsReads();
    expect(readsForTheAlert).toBeGreaterThan(0);

    harness.manualClock.advanceMinutes(5);
    await harness.handler(sqsEvent(sqsMessage(deleteDenial('deep-repeat-2'))), lambdaContext());

    expect(awsReads()).toBe(readsForTheAlert);
    expect(slack.requests).toHaveLength(1);
    const incident = await harness.incident(incidentIdOf(first));
    expect(incident?.count).toBe(2);
    expect(incident?.lastEventId).toBe('deep-repeat-2');
    expect(evaluationOf(incident).deniedBy.map((entry) => entry.sid)).toEqual(['NoDeletes']);
  });

  it('sends the alert when a read never answers, naming what could not be read', async () => {
    standIn.delay('iam', 'ListAttachedRolePolicies', 10 * 60_000);
    const harness = await setUp(1);
    const event = deleteDenial('deep-slow-1');

    expect(await harness.handler(sqsEvent(sqsMessage(event)), lambdaContext())).toEqual({ batchItemFailures: [] });

    await standIn.received('iam', 'ListAttachedRolePolicies');
    expect(slack.requests).toHaveLength(1);
    const evaluation = evaluationOf(await harness.incident(incidentIdOf(event)));
    expect(evaluation.missingPolicies).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`${ROLE_ARN}.*timed out`))]));
    expect(slack.requests[0].body).toContain('timed out');
  });

  it("takes the evaluation from AWS's authorization record when the message carries its id", async () => {
    await standIn.stop();
    standIn = await startAwsStandIn({
      ...WORLD,
      authorizationDetails: {
        [AUTHORIZATION_ID]: DENIED_DELETE_RECORD,
      },
    });
    Object.assign(process.env, standInEnvironment(standIn.endpoint));
    const harness = await setUp(30);
    const event = deleteDenial(
      'deep-record-1',
      `${DENIED_BY_IDENTITY_POLICY} Go to https://eu-west-1.console.aws.amazon.com/iam/home?region=eu-west-1#/authorization-details/${AUTHORIZATION_ID} for complete details, or call the GetRequestAuthorizationDetails API with the following authorization id: ${AUTHORIZATION_ID}`,
    );

    await harness.handler(sqsEvent(sqsMessage(event)), lambdaContext());

    const evaluation = evaluationOf(await harness.incident(incidentIdOf(event)));
    expect(evaluation.source).toBe('authorization-details');
    expect(evaluation.deniedBy.map((entry) => [entry.policyArn, entry.sid])).toEqual([[DENY_DELETES_ARN, 'NoDeletes']]);
    // AWS's record says it all: no policy is read.
    expect(standIn.requestsFor('iam')).toEqual([]);
    expect(standIn.requestsFor('iam-toolbox', 'GetRequestAuthorizationDetails')).toHaveLength(1);
  });
});

describe('lambdas/alert-handler module with deep diagnosis', () => {
  /** The module-scope handler wired from the stack environment, with dynalite, and every AWS read pointed at the stand-in. */
  async function moduleHandler(deepDiagnosisTimeoutSeconds: string) {
    const tableName = await dynamo.createTable();
    const unused = `http://127.0.0.1:${await unusedLoopbackPort()}`;
    Object.assign(process.env, {
      ...STACK_HANDLER_ENV,
      [HANDLER_ENV.incidentsTableName]: tableName,
      [HANDLER_ENV.deepDiagnosisTimeoutSeconds]: deepDiagnosisTimeoutSeconds,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      // SNS and Secrets Manager are not what these tests are about: their calls fail fast.
      AWS_ENDPOINT_URL_SNS: unused,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: unused,
      AWS_MAX_ATTEMPTS: '1',
      POWERTOOLS_TRACE_ENABLED: 'false',
    });
    let module: typeof import('../../lambdas/alert-handler') | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      module = require('../../lambdas/alert-handler') as typeof import('../../lambdas/alert-handler');
    });
    if (module === undefined) throw new Error('lambdas/alert-handler did not load');
    return { handler: module.handler, tableName };
  }

  async function storedDiagnosis(tableName: string, event: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    const { Item } = await dynamo.documents.send(
      new GetCommand({ TableName: tableName, Key: { pk: incidentPk(incidentIdOf(event)), sk: INCIDENT_SORT_KEY } }),
    );
    return Item?.deepDiagnosis as Record<string, unknown> | undefined;
  }

  it('reads the evidence of an alert from AWS when deep diagnosis is on', async () => {
    const { handler, tableName } = await moduleHandler('30');
    const event = deleteDenial('module-deep-on');
    await handler(sqsEvent(sqsMessage(event)), lambdaContext());
    expect(standIn.requestsFor('iam').length).toBeGreaterThan(0);
    expect(await storedDiagnosis(tableName, event)).toMatchObject({ eventId: 'module-deep-on', evaluation: { decision: 'explicit-deny' } });
  });

  it('makes no AWS read when deep diagnosis is off', async () => {
    const { handler, tableName } = await moduleHandler('0');
    const event = deleteDenial('module-deep-off');
    await handler(sqsEvent(sqsMessage(event)), lambdaContext());
    expect(standIn.requests).toEqual([]);
    expect(await storedDiagnosis(tableName, event)).toBeUndefined();
  });
});
