import { runCli } from '../cli/run-cli';
import { denialEvent, lambdaContext, sqsEvent, sqsMessage } from '../support/denial-events';
import { startDynalite, type LocalDynamo } from '../support/dynalite';
import { createHarness, OutputCapture } from '../support/handler-harness';
import { startSlackStandIn, type SlackStandIn } from '../support/slack-server';

const CENTRAL_ACCOUNT = '111122223333';
const MEMBER_ACCOUNT = '444455556666';
const MEMBER_REGION = 'ap-southeast-2';

/**
 * An event as the central bus's rules deliver it to the queue: recorded by the member account's CloudTrail
 * (recipientAccountId, awsRegion, resource ARNs of the member), forwarded by its rule. EventBridge keeps the event's
 * own account and Region on delivery to another account's bus; the `envelope` variant checks that the incident does not
 * depend on that (it reads the CloudTrail record under `detail`).
 */
function forwardedDenial(
  eventId: string,
  envelope: { account: string; region: string } = { account: MEMBER_ACCOUNT, region: MEMBER_REGION },
) {
  return { ...denialEvent({ eventId, accountId: MEMBER_ACCOUNT, region: MEMBER_REGION, tableName: 'Payments' }), ...envelope };
}

describe('a denial forwarded from a member account, through the alert handler', () => {
  let dynamo: LocalDynamo;
  let slack: SlackStandIn;
  let output: OutputCapture;

  beforeAll(async () => {
    [dynamo, slack] = await Promise.all([startDynalite(), startSlackStandIn()]);
  });
  afterAll(async () => {
    await Promise.all([dynamo?.stop(), slack?.stop()]);
  });
  beforeEach(() => {
    slack.requests.length = 0;
    output = new OutputCapture();
    output.start();
  });
  afterEach(() => output.stop());

  const listJson = async (tableName: string, ...filters: string[]) => {
    const run = await runCli(['incidents', '--endpoint', dynamo.endpoint, '--table', tableName, 'list', '--json', ...filters]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    return (JSON.parse(run.stdout) as { incidents: Array<{ id: string; accountId: string; region: string; tableName: string }> }).incidents;
  };

  it.each([
    ["as EventBridge delivers it (the member's account and Region)", { account: MEMBER_ACCOUNT, region: MEMBER_REGION }],
    ['even with the central account and Region on the envelope', { account: CENTRAL_ACCOUNT, region: 'eu-west-1' }],
  ])('records and alerts it under the member account and Region, %s', async (_name, envelope) => {
    const tableName = await dynamo.createTable();
    const { handler } = createHarness({ dynamo, tableName, slackWebhookUrl: slack.webhookUrl });
    expect(await handler(sqsEvent(sqsMessage(forwardedDenial('fwd-1', envelope))), lambdaContext())).toEqual({ batchItemFailures: [] });

    const [incident] = await listJson(tableName);
    expect(incident).toMatchObject({ accountId: MEMBER_ACCOUNT, region: MEMBER_REGION, tableName: 'Payments' });
    expect((await listJson(tableName, '--account', MEMBER_ACCOUNT)).map(({ id }) => id)).toEqual([incident.id]);
    expect(await listJson(tableName, '--account', CENTRAL_ACCOUNT)).toEqual([]);

    expect(slack.requests).toHaveLength(1);
    const slackText = slack.requests[0].body;
    expect(slackText).toContain(MEMBER_ACCOUNT);
    expect(slackText).toContain(MEMBER_REGION);
    expect(slackText).not.toContain(CENTRAL_ACCOUNT);
  });

  it("folds one record that reached the queue twice (the central account's own rules and its member stack) into one occurrence and one alert", async () => {
    const tableName = await dynamo.createTable();
    const { handler, incident } = createHarness({ dynamo, tableName, slackWebhookUrl: slack.webhookUrl });
    const record = forwardedDenial('twice-1');
    await handler(sqsEvent(sqsMessage(record)), lambdaContext());
    await handler(sqsEvent(sqsMessage(record)), lambdaContext());
    const [listed] = await listJson(tableName);
    expect((await incident(listed.id))?.count).toBe(1);
    expect(slack.requests).toHaveLength(1);
  });
});
