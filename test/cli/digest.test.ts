import { DynamoDbIncidentStore } from '../../lambdas/adapters/dynamodb-incident-store';
import { diagnose, readRecords, type Diagnosis } from '../../core/diagnosis';
import { createIncidentPipeline } from '../../core/incidents/pipeline';
import type { Notifier } from '../../core/incidents/ports';
import { denialEvent } from '../support/denial-events';
import { startDynalite, type LocalDynamo } from '../support/dynalite';
import { runDenyscope, TEST_NOW } from './local/harness';

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
