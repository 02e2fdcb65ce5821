import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDbIncidentStore } from '../../lambdas/adapters/dynamodb-incident-store';
import { diagnose, readRecords, type Diagnosis } from '../../core/diagnosis';
import { createIncidentPipeline } from '../../core/incidents/pipeline';
import type { Notifier } from '../../core/incidents/ports';
import { CORPUS_RECORDS_DIR, corpusAvailable } from '../support/corpus';
import { denialEvent } from '../support/denial-events';
import { startDynalite, type LocalDynamo } from '../support/dynalite';
import { runDenyscope, temporaryDir, TEST_NOW } from './local/harness';

const IMPLICIT = 'because no identity-based policy allows the dynamodb:PutItem action';

/** Seeded through the pipeline, as `denyscope local` and the Lambda write them; TEST_NOW is 2026-11-25T12:00Z. */
const EVENTS: Parameters<typeof denialEvent>[0][] = [
  { eventId: 'old-1', eventTime: '2026-11-10T08:00:00Z', roleName: 'old' },
  ...Array.from({ length: 4 }, (_, index) => ({ eventId: `loud-${index}`, eventTime: `2026-11-25T0${index}:00:00Z`, roleName: 'loud' })),
  { eventId: 'quiet-1', eventTime: '2026-11-25T10:00:00Z', roleName: 'quiet', reason: IMPLICIT },
];

describe('denyscope digest', () => {
  let dynamo: LocalDynamo;
  let tableName: string;

  beforeAll(async () => {
    dynamo = await startDynalite();
    tableName = await dynamo.createTable();
    const sent: Notifier = { channel: 'sns', notify: async () => ({ status: 'sent' }) };
    const pipeline = createIncidentPipeline({
      store: new DynamoDbIncidentStore(dynamo.documents, { tableName, retentionDays: 90 }),
      notifiers: [sent],
      clock: { now: () => TEST_NOW },
      dedupWindowMinutes: 60,
    });
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    for (const options of EVENTS) {
      const diagnosis = diagnose(readRecords(JSON.stringify(denialEvent(options)), 'digest')[0]) as Diagnosis;
      await pipeline.process(diagnosis, { budget: { remainingMs: () => 60_000 }, log });
    }
  });
  afterAll(async () => {
    await dynamo?.stop();
  });

  const digest = (...args: string[]) => runDenyscope(['digest', '--endpoint', dynamo.endpoint, '--table', tableName, ...args]);

  it('prints the last 24 hours as JSON from the table', async () => {
    const run = await digest('--json');
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      since: '2026-11-24T12:00:00.000Z',
      until: '2026-11-25T12:00:00.000Z',
      newIncidents: {
        total: 2,
        byCause: [
          { cause: 'identity-policy', incidents: 1 },
          { cause: 'service-control-policy', incidents: 1 },
        ],
      },
      open: 3,
      acknowledged: 0,
    });
    expect((result.noisiest as { principal: string; count: number }[]).map(({ principal, count }) => [principal, count])).toEqual([
      ['arn:aws:iam::111122223333:role/loud', 4],
      ['arn:aws:iam::111122223333:role/quiet', 1],
    ]);
  });

  it('takes a longer period with --since and prints text', async () => {
    const run = await digest('--since', '30d');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('New incidents: 3\n  service control policy: 2\n  identity-based policy: 1');
  });

  it('lists the table’s mutes that end within 48 hours and those without an end', async () => {
    const mute = (...args: string[]) => runDenyscope(['mute', '--endpoint', dynamo.endpoint, '--table', tableName, ...args]);
    expect((await mute('--cause', 'kms-key-unusable', '--until', 'never', '--reason', 'retired key')).code).toBe(0);
    expect((await mute('--action', 'dynamodb:Scan', '--for', '1d', '--reason', 'nightly export')).code).toBe(0);
    expect((await mute('--action', 'dynamodb:Query', '--for', '7d', '--reason', 'load test')).code).toBe(0);
    const run = await digest('--json');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { mutesExpiringSoon: { reason: string }[]; mutesWithoutExpiry: { reason: string }[] };
    expect(result.mutesExpiringSoon.map(({ reason }) => reason)).toEqual(['nightly export']);
    expect(result.mutesWithoutExpiry.map(({ reason }) => reason)).toEqual(['retired key']);
  });

  it('rejects an unreadable --since with exit 2 and one line', async () => {
    const run = await digest('--since', 'yesterday-ish');
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('--since');
  });
});

/** A denied DynamoDB call from a console session, as CloudTrail records one (`readOnly`, and the console's user agent). */
function consoleCall(eventId: string, eventTime: string, fields: Record<string, unknown> = {}, eventName = 'Scan'): string {
  const event = denialEvent({ eventId, eventTime, roleName: 'browser', eventName });
  return JSON.stringify({
    ...event,
    detail: { ...(event.detail as object), readOnly: true, userAgent: 'console.amazonaws.com', ...fields },
  });
}

describe('denyscope digest: console reads recorded by `denyscope local`', () => {
  const data = temporaryDir('digest-console');
  afterAll(() => data.remove());

  /** Runs `local` on these lines, then returns `digest --json` over every incident of its store. */
  async function digestAfterLocal(name: string, lines: string[], ...localArgs: string[]) {
    const file = path.join(data.dir, `${name}.json`);
    writeFileSync(file, lines.join('\n'));
    const dataDir = path.join(data.dir, name);
    const local = await runDenyscope(['local', file, '--data-dir', dataDir, '--json', ...localArgs]);
    expect({ code: local.code, stderr: local.stderr }).toEqual({ code: 0, stderr: '' });
    const run = await runDenyscope(['digest', '--data-dir', dataDir, '--since', '2020-01-01', '--json']);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    return {
      summary: JSON.parse(local.stdout) as Record<string, number>,
      digest: JSON.parse(run.stdout) as { consoleReads: { action: string; count: number }[]; consoleReadsTotal: number },
    };
  }

  it('lists reads from console sessions that were recorded and not alerted, most occurrences first', async () => {
    const { summary, digest } = await digestAfterLocal('quiet', [
      consoleCall('c-1', '2026-11-20T09:00:00Z'),
      consoleCall('c-2', '2026-11-20T09:05:00Z', { userAgent: 'Mozilla/5.0', sessionCredentialFromConsole: 'true' }),
      consoleCall('c-3', '2026-11-20T09:10:00Z', {}, 'DescribeTable'),
      // A write from the console alerts as usual, and is no console read.
      consoleCall('c-4', '2026-11-20T09:15:00Z', { readOnly: false }, 'PutItem'),
    ]);
    expect(summary).toMatchObject({ denials: 4, consoleReads: 3, alerts: 1 });
    expect(digest.consoleReads.map(({ action, count }) => [action, count])).toEqual([
      ['dynamodb:Scan', 2],
      ['dynamodb:DescribeTable', 1],
    ]);
    expect(digest.consoleReadsTotal).toBe(2);
  });

  it('leaves out console reads that alerted (--alert-on-console-reads) and incidents whose latest occurrence alerted', async () => {
    const loud = await digestAfterLocal('loud', [consoleCall('l-1', '2026-11-20T09:00:00Z')], '--alert-on-console-reads');
    expect(loud.summary).toMatchObject({ consoleReads: 0, alerts: 1 });
    expect(loud.digest).toMatchObject({ consoleReads: [], consoleReadsTotal: 0 });
    // The same role's Scan from the SDK is the same incident: its latest occurrence alerted.
    const then = await digestAfterLocal('then-sdk', [
      consoleCall('t-1', '2026-11-20T09:00:00Z'),
      consoleCall('t-2', '2026-11-20T09:30:00Z', { userAgent: 'aws-sdk-js/3.0.0' }),
    ]);
    expect(then.summary).toMatchObject({ consoleReads: 1, alerts: 1, incidents: 1 });
    expect(then.digest).toMatchObject({ consoleReads: [], consoleReadsTotal: 0 });
  });

  (corpusAvailable ? it : it.skip)(
    'lists the corpus’s real console read (an SCP denial of a Support read from an SSO console session)',
    async () => {
      const dataDir = path.join(data.dir, 'corpus');
      const file = path.join(data.dir, 'jsherz-1.json');
      copyFileSync(path.join(CORPUS_RECORDS_DIR, 'jsherz-1.json'), file);
      expect((await runDenyscope(['local', file, '--data-dir', dataDir, '--json'])).stdout).toContain('"consoleReads":1');
      const run = await runDenyscope(['digest', '--data-dir', dataDir, '--since', '2023-10-24T00:00:00Z']);
      expect(run.stdout).toContain(
        'Console reads, recorded and not alerted: 1\n  1 × support:DescribeTrustedAdvisorChecks on account 123123123123 by arn:aws:iam::123123123123:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_administrator-access_0c88b0f85221b941 (open, inc-',
      );
    },
  );
});
