import { METRIC } from '../../core/contract';
import { crossAccountCopies } from '../support/cross-account';
import { lambdaContext, sqsEvent, sqsMessage } from '../support/denial-events';
import { startDynalite, type LocalDynamo } from '../support/dynalite';
import { createHarness, OutputCapture } from '../support/handler-harness';
import { startSlackStandIn, type SlackStandIn } from '../support/slack-server';
import { runCli } from '../cli/run-cli';

const CALLER = '444455556666';
const OWNER = '777788889999';

describe('the two copies of a cross-account call through the alert handler (both member accounts forward to the central bus)', () => {
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

  it.each([
    ['in one batch (processed concurrently)', 'together'],
    ['in two batches', 'apart'],
  ])('%s: one incident under the owner account, counted once, one alert, the other copy a duplicate', async (_name, delivery) => {
    const tableName = await dynamo.createTable();
    const { handler, incident } = createHarness({ dynamo, tableName, slackWebhookUrl: slack.webhookUrl });
    const copies = crossAccountCopies({
      callerAccount: CALLER,
      ownerAccount: OWNER,
      sharedEventId: `shared-${delivery}`,
      eventIds: [`in-caller-${delivery}`, `in-owner-${delivery}`],
    });
    const batches = delivery === 'together' ? [copies.map((copy) => sqsMessage(copy))] : copies.map((copy) => [sqsMessage(copy)]);
    for (const batch of batches) expect(await handler(sqsEvent(...batch), lambdaContext())).toEqual({ batchItemFailures: [] });
    output.stop();

    const list = await runCli(['incidents', '--endpoint', dynamo.endpoint, '--table', tableName, 'list', '--json']);
    const incidents = (JSON.parse(list.stdout) as { incidents: Array<{ id: string; accountId: string; principal: string }> }).incidents;
    expect(incidents.map(({ accountId, principal }) => `${accountId} ${principal}`)).toEqual([
      `${OWNER} arn:aws:iam::${CALLER}:role/reporting`,
    ]);
    expect((await incident(incidents[0].id))?.count).toBe(1);
    expect(slack.requests).toHaveLength(1);
    expect(output.metric(METRIC.duplicates)).toBe(1);
  });
});
