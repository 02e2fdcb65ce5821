import { readRecords } from '../../../core/diagnosis';
import { corpusManifest, describeWithCorpus, readCorpusFile } from '../../support/corpus';
import { lambdaContext, sqsEvent, sqsMessage } from '../../support/denial-events';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';
import { createHarness, OutputCapture } from '../../support/handler-harness';
import { startSlackStandIn, type SlackStandIn } from '../../support/slack-server';

/** The user agents CloudTrail records for the console's own calls (README, "Console reads"). */
const CONSOLE_USER_AGENTS = ['console.amazonaws.com', 'signin.amazonaws.com'];

/**
 * The alert handler on every real record of ../shared/corpus, one SQS message per file. The oracle is the manifest's
 * `kind`, written by whoever collected the record: a denial is alerted (or counted into an incident already alerted),
 * anything else is acknowledged as unprocessable; nothing is retried.
 */
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

  it('alerts on every denial the manifest lists, acknowledges every other file, and retries none', async () => {
    const { handler, incident } = createHarness({ dynamo, tableName: await dynamo.createTable(), slackWebhookUrl: slack.webhookUrl });
    const entries = corpusManifest();
    const messages = entries.map((entry) => sqsMessage(readCorpusFile(entry.file).toString('utf8'), entry.file));
    for (let offset = 0; offset < messages.length; offset += 10) {
      expect(await handler(sqsEvent(...messages.slice(offset, offset + 10)), lambdaContext())).toEqual({ batchItemFailures: [] });
    }

    const logs = output.json();
    const unprocessable = new Set(
      logs.filter((line) => line.message === 'Unprocessable message acknowledged').map((line) => line.messageId),
    );
    // Each event the handler recorded logs its outcome keyed by message (the corpus file) and incident.
    const recorded = logs.filter((line) => line.message === 'Alert delivered' || line.message === 'Occurrence recorded; alert suppressed');
    for (const entry of entries) {
      const incidentIds = new Set(recorded.filter((line) => line.messageId === entry.file).map((line) => String(line.incidentId)));
      if (entry.kind === 'denial') {
        expect({ file: entry.file, unprocessable: unprocessable.has(entry.file) }).toEqual({ file: entry.file, unprocessable: false });
        expect({ file: entry.file, recorded: incidentIds.size > 0 }).toEqual({ file: entry.file, recorded: true });
        // Read-only denials from console sessions are recorded, not alerted (CloudTrail's own fields say which).
        const consoleRead = readRecords(readCorpusFile(entry.file), entry.file).every(
          (record) =>
            record.readOnly === true &&
            (record.sessionCredentialFromConsole === 'true' || CONSOLE_USER_AGENTS.includes(String(record.userAgent))),
        );
        for (const id of incidentIds)
          expect({ file: entry.file, slack: (await incident(id))?.alert?.channels.slack?.status }).toEqual({
            file: entry.file,
            slack: consoleRead ? undefined : 'sent',
          });
      } else {
        expect({ file: entry.file, kind: entry.kind, unprocessable: unprocessable.has(entry.file), recorded: incidentIds.size }).toEqual({
          file: entry.file,
          kind: entry.kind,
          unprocessable: true,
          recorded: 0,
        });
      }
    }
    for (const request of slack.requests) expect(() => JSON.parse(request.body)).not.toThrow();
  });
});
