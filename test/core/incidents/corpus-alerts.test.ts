import { diagnose, InputError, readRecords, type Diagnosis } from '../../../core/diagnosis';
import { incidentIdFor } from '../../../core/incidents/identity';
import { corpusManifest, describeWithCorpus, readCorpusFile } from '../../support/corpus';
import { lambdaContext, sqsEvent, sqsMessage } from '../../support/denial-events';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';
import { createHarness, OutputCapture } from '../../support/handler-harness';
import { startSlackStandIn, type SlackStandIn } from '../../support/slack-server';

/** The denials the diagnosis core finds in a file, or [] when it cannot read it. */
function denialsIn(file: string): Diagnosis[] {
  try {
    return readRecords(readCorpusFile(file), file)
      .map((record) => diagnose(record))
      .filter((diagnosis): diagnosis is Diagnosis => diagnosis !== null);
  } catch (error) {
    if (error instanceof InputError) return [];
    throw error;
  }
}

describeWithCorpus('alert handler on the real CloudTrail records of ../shared/corpus', () => {
  let dynamo: LocalDynamo;
  let slack: SlackStandIn;
  const output = new OutputCapture();

  beforeAll(async () => {
    [dynamo, slack] = await Promise.all([startDynalite(), startSlackStandIn()]);
  });
  afterAll(async () => {
    await Promise.all([dynamo?.stop(), slack?.stop()]);
  });
  beforeEach(() => output.start());
  afterEach(() => output.stop());

  it('alerts on every denial, acknowledges every other file, and retries none', async () => {
    const { handler, incident } = createHarness({ dynamo, tableName: await dynamo.createTable(), slackWebhookUrl: slack.webhookUrl });
    const entries = corpusManifest();
    const messages = entries.map((entry) => sqsMessage(readCorpusFile(entry.file).toString('utf8'), entry.file));
    for (let offset = 0; offset < messages.length; offset += 10) {
      expect(await handler(sqsEvent(...messages.slice(offset, offset + 10)), lambdaContext())).toEqual({ batchItemFailures: [] });
    }

    const unprocessable = new Set(output.json().filter((line) => line.message === 'Unprocessable message acknowledged').map((line) => line.messageId));
    let alerted = 0;
    for (const entry of entries) {
      const denials = denialsIn(entry.file);
      if (denials.length === 0) {
        expect(unprocessable).toContain(entry.file); // not a denial, or malformed: logged and acknowledged
        continue;
      }
      for (const diagnosis of denials) {
        expect((await incident(incidentIdFor(diagnosis)))?.alert?.channels.slack?.status).toBe('sent');
        alerted += 1;
      }
    }
    expect(alerted).toBeGreaterThanOrEqual(entries.filter((entry) => entry.kind === 'denial').length);
    expect(slack.requests.length).toBeGreaterThan(0);
    for (const request of slack.requests) expect(() => JSON.parse(request.body)).not.toThrow();
  });
});
