import { METRIC } from '../../core/contract';
import { MAX_JSON_DEPTH } from '../../core/diagnosis';
import { RAW_BODY_LOG_LIMIT } from '../../lambdas/alert-batch';
import { denialEvent, lambdaContext, sqsEvent, sqsMessage } from '../support/denial-events';
import { startDynalite, type LocalDynamo } from '../support/dynalite';
import { createHarness, OutputCapture } from '../support/handler-harness';

/**
 * Faults the reader and the diagnosis never raise on their own (they throw InputError for bad input): a record
 * whose eventID says so makes diagnose() or the remediation throw a TypeError, as an unforeseen bug would.
 */
const DIAGNOSE_BUG = 'diagnose-bug';
const REMEDIATION_BUG = 'remediation-bug';
jest.mock('../../core/diagnosis/diagnose', () => {
  const actual = jest.requireActual('../../core/diagnosis/diagnose');
  return {
    ...actual,
    diagnose: (record: { eventID?: string }) => {
      if (record.eventID === DIAGNOSE_BUG) throw new TypeError('Cannot read properties of undefined (reading "arn")');
      return actual.diagnose(record);
    },
  };
});
jest.mock('../../core/diagnosis/remediation', () => {
  const actual = jest.requireActual('../../core/diagnosis/remediation');
  return {
    ...actual,
    remediate: (facts: { eventId: string }) => {
      if (facts.eventId === REMEDIATION_BUG) throw new TypeError('remediation bug');
      return actual.remediate(facts);
    },
  };
});

let dynamo: LocalDynamo;
let output: OutputCapture;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo?.stop();
});
beforeEach(() => {
  output = new OutputCapture();
  output.start();
});
afterEach(() => output.stop());

const acknowledged = () => output.json().filter((line) => line.message === 'Unprocessable message acknowledged');

/** A denial event without eventID (the pipeline hashes its record) whose request parameters nest `levels` deep. */
function deepEventWithoutEventId(levels: number): string {
  const event = denialEvent({ roleName: 'deep' });
  const detail = { ...(event.detail as Record<string, unknown>), eventID: undefined, requestParameters: null };
  const body = JSON.stringify({ ...event, detail });
  return body.replace('"requestParameters":null', `"requestParameters":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);
}

describe('alert handler: a message it cannot read or diagnose is logged raw (truncated), counted and acknowledged', () => {
  it('JSON nested 2,500 levels, and an event nested deeper than hashing its record could follow', async () => {
    const { handler } = createHarness({ dynamo, tableName: await dynamo.createTable(), slackWebhookUrl: null });
    const arrays = sqsMessage(`${'['.repeat(2_500)}${']'.repeat(2_500)}`);
    const deepEvent = sqsMessage(deepEventWithoutEventId(50_000));

    expect(await handler(sqsEvent(arrays, deepEvent), lambdaContext())).toEqual({ batchItemFailures: [] });

    const lines = acknowledged();
    expect(lines.map((line) => [line.messageId, line.reason])).toEqual(
      expect.arrayContaining([
        [arrays.messageId, `SQS message ${arrays.messageId}: nested deeper than ${MAX_JSON_DEPTH} levels`],
        [deepEvent.messageId, `SQS message ${deepEvent.messageId}: nested deeper than ${MAX_JSON_DEPTH} levels`],
      ]),
    );
    expect(lines).toHaveLength(2);
    const deepLine = lines.find((line) => line.messageId === deepEvent.messageId)!;
    expect(deepLine.rawBody).toBe(deepEvent.body.slice(0, RAW_BODY_LOG_LIMIT));
    expect(deepLine.rawBodyLength).toBe(deepEvent.body.length);
    expect(output.metric(METRIC.unprocessableMessages)).toBe(2);
  });

  it('an unforeseen error from the diagnosis or the remediation is a poison message too, not a retry', async () => {
    const { handler } = createHarness({ dynamo, tableName: await dynamo.createTable(), slackWebhookUrl: null });
    const diagnoseBug = sqsMessage(denialEvent({ eventId: DIAGNOSE_BUG }));
    const remediationBug = sqsMessage(denialEvent({ eventId: REMEDIATION_BUG }));

    expect(await handler(sqsEvent(diagnoseBug, remediationBug), lambdaContext())).toEqual({ batchItemFailures: [] });

    const lines = acknowledged();
    expect(lines.map((line) => [line.messageId, line.reason]).sort()).toEqual(
      [
        [diagnoseBug.messageId, 'cannot be read or diagnosed: TypeError: Cannot read properties of undefined (reading "arn")'],
        [remediationBug.messageId, 'cannot be read or diagnosed: TypeError: remediation bug'],
      ].sort(),
    );
    expect(lines.map((line) => line.rawBody)).toEqual(expect.arrayContaining([diagnoseBug.body, remediationBug.body]));
    expect(output.metric(METRIC.unprocessableMessages)).toBe(2);
  });

  it('a store failure is still retried: only reading and diagnosing failures are acknowledged', async () => {
    // A real store whose table does not exist: every write fails, as in an outage.
    const { handler } = createHarness({ dynamo, tableName: 'no-such-table', slackWebhookUrl: null });
    const good = sqsMessage(denialEvent({ eventId: 'good-1' }));
    const poison = sqsMessage(`${'['.repeat(2_500)}${']'.repeat(2_500)}`);

    expect(await handler(sqsEvent(good, poison), lambdaContext())).toEqual({ batchItemFailures: [{ itemIdentifier: good.messageId }] });
    expect(acknowledged().map((line) => line.messageId)).toEqual([poison.messageId]);
  });
});
