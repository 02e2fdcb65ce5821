import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { diagnose, readRecords, type Diagnosis } from '../../../core/diagnosis';
import { incidentIdFor } from '../../../core/incidents/identity';
import { createIncidentPipeline } from '../../../core/incidents/pipeline';
import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb-incident-store';
import { startAwsStandIn, type AwsStandIn } from '../../support/aws-standin';
import { denialEvent, type DenialEventOptions } from '../../support/denial-events';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';
import { runBuiltCli } from '../run-cli';

const CALLER = 'arn:aws:sts::111122223333:assumed-role/oncall/alice';
// Each step starts the binary (and the local store): on a loaded machine a dozen of them take longer than jest's default.
jest.setTimeout(120_000);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function denyscope(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  // The STS stand-in is given per command (withSts), never inherited.
  return runBuiltCli(args, { env: { AWS_ENDPOINT_URL: undefined, AWS_ENDPOINT_URL_STS: undefined, ...env } });
}

const diagnosisOf = (options: DenialEventOptions): Diagnosis =>
  diagnose(readRecords(JSON.stringify(denialEvent(options)), 'test')[0]) as Diagnosis;

let dynamo: LocalDynamo;
let standIn: AwsStandIn;
let tableName: string;
let dir: string;
const withSts = () => ({ AWS_ENDPOINT_URL_STS: standIn.endpoint });

beforeAll(async () => {
  dynamo = await startDynalite();
  standIn = await startAwsStandIn({ accountId: '111122223333', callerArn: CALLER });
  dir = mkdtempSync(path.join(os.tmpdir(), 'denyscope-lifecycle-'));
});
afterAll(async () => {
  await dynamo?.stop();
  await standIn?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh table with one incident per role name, each alerted once; returns their ids. */
async function incidents(...roles: string[]): Promise<string[]> {
  tableName = await dynamo.createTable();
  const pipeline = createIncidentPipeline({
    store: new DynamoDbIncidentStore(dynamo.documents, { tableName, retentionDays: 90 }),
    notifiers: [{ channel: 'sns', notify: () => Promise.resolve({ status: 'sent' as const }) }],
    clock: { now: () => new Date() },
    dedupWindowMinutes: 60,
  });
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const ids: string[] = [];
  for (const roleName of roles) {
    const diagnosis = diagnosisOf({ eventId: `evt-${roleName}`, roleName });
    await pipeline.process(diagnosis, { budget: { remainingMs: () => 60_000 }, log });
    ids.push(incidentIdFor(diagnosis));
  }
  return ids;
}

const where = () => ['--endpoint', dynamo.endpoint, '--table', tableName];
const show = async (id: string) => {
  const run = await denyscope(['incidents', ...where(), 'show', id, '--json']);
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as { incident: Record<string, unknown> }).incident;
};

describe('denyscope incidents ack | resolve | reopen (built binary)', () => {
  it('walks an incident through its states, recording who acted (the STS caller) and the note', async () => {
    const [id] = await incidents('orders-api');
    expect(await show(id)).toMatchObject({ state: 'open', acknowledgedBy: null, acknowledgedAt: null, resolvedAt: null, mutedBy: null });

    const ack = await denyscope(['incidents', ...where(), 'ack', id, '--note', 'looking into it'], withSts());
    expect(ack).toEqual({ code: 0, stdout: `incident ${id} acknowledged: now acknowledged\n`, stderr: '' });
    expect(standIn.requestsFor('sts', 'GetCallerIdentity')).toHaveLength(1);
    const acknowledged = await show(id);
    expect(acknowledged).toMatchObject({ state: 'acknowledged', acknowledgedBy: CALLER, stateNote: 'looking into it' });
    expect(Date.parse(acknowledged.acknowledgedAt as string)).not.toBeNaN();
    const text = await denyscope(['incidents', ...where(), 'show', id]);
    expect(text.stdout).toContain(`State: acknowledged by ${CALLER} at `);
    expect(text.stdout).toContain(': looking into it');

    const list = async (state: string) => {
      const run = await denyscope(['incidents', ...where(), 'list', '--json', '--state', state]);
      return (JSON.parse(run.stdout) as { incidents: { id: string; state: string }[] }).incidents.map((incident) => incident.state);
    };
    expect(await list('acknowledged')).toEqual(['acknowledged']);
    expect(await list('open')).toEqual([]);

    const again = await denyscope(['incidents', ...where(), 'ack', id], withSts());
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`denyscope: incident ${id} is acknowledged: \`ack\` applies to open incidents; nothing changed\n`);

    expect((await denyscope(['incidents', ...where(), 'resolve', id, '--note', 'fixed the SCP'], withSts())).code).toBe(0);
    expect(await show(id)).toMatchObject({ state: 'resolved', resolvedBy: CALLER, acknowledgedBy: null, stateNote: 'fixed the SCP' });
    const twice = await denyscope(['incidents', ...where(), 'resolve', id], withSts());
    expect(twice.code).toBe(1);
    expect(twice.stderr.split('\n')).toEqual([expect.stringContaining('is resolved: `resolve` applies to open or acknowledged'), '']);

    expect((await denyscope(['incidents', ...where(), 'reopen', id], withSts())).code).toBe(0);
    expect(await show(id)).toMatchObject({ state: 'open', resolvedAt: null, stateNote: null });
    const reopenOpen = await denyscope(['incidents', ...where(), 'reopen', id], withSts());
    expect(reopenOpen.code).toBe(1);
  });

  it('exits 1 with one line for an unknown id, 2 for a malformed one or an empty note', async () => {
    await incidents('orders-api');
    const unknown = await denyscope(['incidents', ...where(), 'ack', 'inc-0000000000000000'], withSts());
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(`denyscope: no incident inc-0000000000000000 in table ${tableName} at ${dynamo.endpoint}\n`);
    expect((await denyscope(['incidents', ...where(), 'ack', 'not an id'])).code).toBe(2);
    expect((await denyscope(['incidents', ...where(), 'ack', 'inc-0000000000000000', '--note', ' '])).code).toBe(2);
  });

  it('lets one of two people acting at once win; the other exits 1 saying what the state is now', async () => {
    // Two acks: whichever order the processes read and write in, exactly one applies (the store test races the writes
    // themselves on one read).
    const ids = await incidents('a', 'b', 'c');
    for (const id of ids) {
      const runs = await Promise.all([
        denyscope(['incidents', ...where(), 'ack', id, '--note', 'first'], withSts()),
        denyscope(['incidents', ...where(), 'ack', id, '--note', 'second'], withSts()),
      ]);
      expect(runs.map((run) => run.code).sort()).toEqual([0, 1]);
      const [winner, loser] = runs[0].code === 0 ? runs : [runs[1], runs[0]];
      expect(winner.stdout).toBe(`incident ${id} acknowledged: now acknowledged\n`);
      expect(loser.stderr).toMatch(
        new RegExp(`^denyscope: incident ${id} (is acknowledged|changed while this ran: it is now acknowledged)[^\n]*\n$`),
      );
      expect((await show(id)).stateNote).toBe(winner === runs[0] ? 'first' : 'second');
    }
  });

  it('records the OS user as the actor on the local store (no STS)', async () => {
    const dataDir = path.join(dir, 'store');
    const events = path.join(dir, 'events.json');
    writeFileSync(events, JSON.stringify(denialEvent({ eventId: 'local-1' })));
    expect((await denyscope(['local', '--json', '--data-dir', dataDir, events])).code).toBe(0);
    const id = incidentIdFor(diagnosisOf({ eventId: 'local-1' }));
    expect((await denyscope(['incidents', '--data-dir', dataDir, 'ack', id])).code).toBe(0);
    const run = await denyscope(['incidents', '--data-dir', dataDir, 'show', id, '--json']);
    expect((JSON.parse(run.stdout) as { incident: Record<string, unknown> }).incident.acknowledgedBy).toBe(os.userInfo().username);
  });
});

describe('denyscope mute | mutes (built binary)', () => {
  it('adds, lists and removes mutes, with the documented JSON', async () => {
    await incidents('orders-api');
    const added = await denyscope(
      ['mute', ...where(), '--action', 'dynamodb:*', '--principal', 'arn:aws:iam::*:role/orders-*', '--reason', 'load test'],
      withSts(),
    );
    expect(added.code).toBe(0);
    const id = /^(mute-[0-9a-f]+): muted until (\S+)\n$/.exec(added.stdout);
    expect(id).not.toBeNull();
    const forever = await denyscope(
      ['mute', ...where(), '--cause', 'kms-key-unusable', '--until', 'never', '--reason', 'retired key'],
      withSts(),
    );
    expect(forever.stdout).toMatch(/muted until never/);
    const list = await denyscope(['mutes', 'list', ...where(), '--json']);
    const mutes = (JSON.parse(list.stdout) as { mutes: Record<string, unknown>[] }).mutes;
    expect(mutes).toHaveLength(2);
    expect(Object.keys(mutes[0]).sort()).toEqual(
      ['id', 'principal', 'action', 'resource', 'cause', 'account', 'until', 'reason', 'createdBy', 'createdAt', 'source'].sort(),
    );
    expect(mutes[0]).toMatchObject({
      id: id?.[1],
      action: 'dynamodb:*',
      resource: null,
      cause: null,
      reason: 'load test',
      createdBy: CALLER,
      source: 'table',
    });
    // The default period is 7 days from when it was created.
    expect(Date.parse(mutes[0].until as string) - Date.parse(mutes[0].createdAt as string)).toBe(7 * 86_400_000);
    expect(mutes[1]).toMatchObject({ cause: 'kms-key-unusable', until: null });

    expect((await denyscope(['mutes', 'remove', ...where(), id?.[1] ?? ''])).code).toBe(0);
    const unknown = await denyscope(['mutes', 'remove', ...where(), id?.[1] ?? '']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^denyscope: no mute mute-[0-9a-f]+ in force in table .*\n$/);
    const after = await denyscope(['mutes', 'list', ...where(), '--json']);
    expect((JSON.parse(after.stdout) as { mutes: unknown[] }).mutes).toHaveLength(1);
  });

  it.each([
    [['--reason', 'x'], 'at least one criterion'],
    [['--action', 'dynamodb:Scan'], 'needs a reason'],
    [['--action', 'dynamodb:Scan', '--reason', 'x', '--for', '7 days'], '--for must be a duration'],
    [['--action', 'dynamodb:Scan', '--reason', 'x', '--for', '1d', '--until', '2099-01-01'], 'not both'],
    [['--action', 'dynamodb:Scan', '--reason', 'x', '--until', '2020-01-01'], 'not in the future'],
    [['--action', 'dynamodb:Scan', '--reason', 'x', '--until', 'tomorrow'], 'until must be an ISO 8601 time'],
    [['--cause', 'scp', '--reason', 'x'], 'is not a cause'],
  ])('exits 2 with one line for %j', async (args, message) => {
    const run = await denyscope(['mute', ...where(), ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([expect.stringContaining(message)]);
  });
});

describe('denyscope local: the alert policy as options, mutes and the summary (built binary)', () => {
  it('alerts on every new occurrence with a zero window, counts muted denials apart, and checks its options', async () => {
    const dataDir = path.join(dir, 'policy');
    const write = (name: string, ids: string[]) => {
      const file = path.join(dir, name);
      writeFileSync(file, ids.map((eventId) => JSON.stringify(denialEvent({ eventId }))).join('\n'));
      return file;
    };
    const summary = async (...args: string[]) => {
      const run = await denyscope(['local', '--json', '--data-dir', dataDir, ...args]);
      expect(run.stderr).toBe('');
      return JSON.parse(run.stdout) as Record<string, number>;
    };
    expect(await summary('--dedup-window-minutes', '0', write('a.json', ['p-1', 'p-2', 'p-3']))).toMatchObject({
      alerts: 3,
      suppressed: 0,
      muted: 0,
    });
    expect(await summary(write('b.json', ['p-4', 'p-5']))).toMatchObject({ alerts: 0, suppressed: 2, muted: 0 });
    expect((await denyscope(['mute', '--data-dir', dataDir, '--action', 'dynamodb:PutItem', '--for', '1h', '--reason', 'test'])).code).toBe(
      0,
    );
    expect(await summary('--dedup-window-minutes', '0', write('c.json', ['p-6', 'p-7']))).toMatchObject({
      alerts: 0,
      suppressed: 0,
      muted: 2,
    });
    const bad = await denyscope(['local', '--data-dir', dataDir, '--acknowledge-hours', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('denyscope: --acknowledge-hours must be a whole number of at least 0, got "soon"\n');
  });
});
