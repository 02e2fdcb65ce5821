import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb-incident-store';
import { CAUSES, diagnose, readRecords, type Diagnosis } from '../../../core/diagnosis';
import { createIncidentPipeline } from '../../../core/incidents/pipeline';
import { NO_FILTERS, type Notifier } from '../../../core/incidents/ports';
import { INCIDENT_SORT_KEY, incidentPk } from '../../../core/incidents/schema';
import { DynamoDbIncidentReader } from '../../../lambdas/adapters/dynamodb-incident-reader';
import { denialEvent } from '../../support/denial-events';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';
import { runDenyscope, temporaryDir, TEST_NOW } from '../local/harness';

const SCP = 'with an explicit deny in a service control policy';
const IMPLICIT_IDENTITY = 'because no identity-based policy allows the dynamodb:PutItem action';
const RESOURCE_POLICY = 'because no resource-based policy allows the dynamodb:GetItem action';
const OTHER_ACCOUNT = '444455556666';
const role = (name: string, account = '111122223333') => `arn:aws:iam::${account}:role/${name}`;

/** The fixture incidents: name → the events folded into it (the last one is lastSeen). */
const FIXTURE: Record<string, Parameters<typeof denialEvent>[0][]> = {
  scpOrders: [
    { eventId: 'a-1', eventTime: '2026-11-18T08:00:00Z' },
    { eventId: 'a-2', eventTime: '2026-11-19T08:00:00Z' },
    { eventId: 'a-3', eventTime: '2026-11-20T09:15:00Z' },
  ],
  implicitInvoices: [
    { eventId: 'b-1', eventTime: '2026-10-05T10:00:00Z', roleName: 'reporting', tableName: 'Invoices', reason: IMPLICIT_IDENTITY },
  ],
  otherAccount: [{ eventId: 'c-1', eventTime: '2026-09-01T10:00:00Z', roleName: 'reporting', accountId: OTHER_ACCOUNT }],
  resourcePolicyCarts: [
    { eventId: 'd-1', eventTime: '2026-11-24T10:00:00Z', eventName: 'GetItem', tableName: 'Carts', reason: RESOURCE_POLICY },
  ],
  busy: Array.from({ length: 12 }, (_, index) => ({
    eventId: `e-${String(index).padStart(2, '0')}`,
    eventTime: `2026-11-21T00:${String(index).padStart(2, '0')}:00Z`,
    roleName: 'batch',
    eventName: 'DeleteItem',
    reason: SCP,
  })),
};

type IncidentJson = Record<string, unknown> & { id: string; lastSeen: string };

describe('denyscope incidents', () => {
  let dynamo: LocalDynamo;
  let tableName: string;
  const ids: Record<string, string> = {};
  const commands: string[] = [];

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
    for (const [name, events] of Object.entries(FIXTURE)) {
      for (const options of events) {
        const diagnosis = diagnose(readRecords(JSON.stringify(denialEvent(options)), name)[0]) as Diagnosis;
        const outcome = await pipeline.process(diagnosis, { budget: { remainingMs: () => 60_000 }, log });
        if (outcome.kind === 'suppressed' || outcome.kind === 'alerted') ids[name] = outcome.incident.id;
      }
    }
    dynamo.client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  const where = () => ['incidents', '--endpoint', dynamo.endpoint, '--table', tableName];
  const listJson = async (...args: string[]): Promise<IncidentJson[]> => {
    const run = await runDenyscope([...where(), 'list', '--json', ...args]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    return (JSON.parse(run.stdout) as { incidents: IncidentJson[] }).incidents;
  };
  const idsOf = (incidents: IncidentJson[]) => incidents.map((incident) => Object.entries(ids).find(([, id]) => id === incident.id)?.[0]);

  describe('list', () => {
    it('lists every incident newest first with exactly the documented fields', async () => {
      const incidents = await listJson();
      expect(idsOf(incidents)).toEqual(['resourcePolicyCarts', 'busy', 'scpOrders', 'implicitInvoices', 'otherAccount']);
      expect(incidents[2]).toEqual({
        id: ids.scpOrders,
        cause: 'service-control-policy',
        denial: 'explicit',
        principal: role('orders-api'),
        action: 'dynamodb:PutItem',
        resource: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
        tableName: 'Orders',
        accountId: '111122223333',
        region: 'eu-west-1',
        count: 3,
        firstSeen: '2026-11-18T08:00:00.000Z',
        lastSeen: '2026-11-20T09:15:00.000Z',
        alerted: true,
        state: 'open',
        acknowledgedBy: null,
        acknowledgedAt: null,
        resolvedAt: null,
        mutedBy: null,
      });
    });

    it('filters by cause, principal, table and account, alone and combined', async () => {
      expect(idsOf(await listJson('--cause', 'service-control-policy'))).toEqual(['busy', 'scpOrders', 'otherAccount']);
      expect(idsOf(await listJson('--cause', 'identity-policy'))).toEqual(['implicitInvoices']);
      expect(idsOf(await listJson('--principal', role('reporting')))).toEqual(['implicitInvoices']);
      expect(idsOf(await listJson('--principal', role('reporting', OTHER_ACCOUNT)))).toEqual(['otherAccount']);
      expect(idsOf(await listJson('--table', 'Orders'))).toEqual(['busy', 'scpOrders', 'otherAccount']);
      expect(idsOf(await listJson('--table', 'Orders', '--account', '111122223333'))).toEqual(['busy', 'scpOrders']);
      expect(idsOf(await listJson('--account', OTHER_ACCOUNT))).toEqual(['otherAccount']);
      expect(idsOf(await listJson('--cause', 'service-control-policy', '--principal', role('batch')))).toEqual(['busy']);
      expect(idsOf(await listJson('--cause', 'resource-policy', '--table', 'Orders'))).toEqual([]);
    });

    it('filters by period (ISO or a duration back from now) and limits, still newest first', async () => {
      expect(idsOf(await listJson('--since', '2026-11-01'))).toEqual(['resourcePolicyCarts', 'busy', 'scpOrders']);
      expect(idsOf(await listJson('--since', '2026-09-15', '--until', '2026-11-20T23:00:00Z'))).toEqual(['scpOrders', 'implicitInvoices']);
      expect(idsOf(await listJson('--until', '2026-10-31'))).toEqual(['implicitInvoices', 'otherAccount']);
      // TEST_NOW is 2026-11-25T12:00Z: 7d reaches back to 2026-11-18T12:00Z.
      expect(idsOf(await listJson('--since', '7d'))).toEqual(['resourcePolicyCarts', 'busy', 'scpOrders']);
      expect(idsOf(await listJson('--since', '36h'))).toEqual(['resourcePolicyCarts']);
      expect(idsOf(await listJson('--since', '24h'))).toEqual([]);
      expect(idsOf(await listJson('--since', '100d', '--table', 'Orders', '--limit', '2'))).toEqual(['busy', 'scpOrders']);
      expect(idsOf(await listJson('--limit', '1'))).toEqual(['resourcePolicyCarts']);
      expect(idsOf(await listJson('--since', '90d', '--limit', '4'))).toEqual([
        'resourcePolicyCarts',
        'busy',
        'scpOrders',
        'implicitInvoices',
      ]);
    });

    it('prints a table sized to the terminal, and says when nothing matches', async () => {
      const wide = await runDenyscope([...where(), 'list'], { columns: 200 });
      const lines = wide.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(6);
      expect(lines[0]).toMatch(/LAST SEEN\s+ID\s+STATE\s+CAUSE\s+COUNT\s+ACTION\s+RESOURCE\s+PRINCIPAL/);
      expect(lines[1]).toContain(ids.resourcePolicyCarts);
      expect(lines[1]).toContain('2026-11-24 10:00:00Z');
      const narrow = await runDenyscope([...where(), 'list'], { columns: 80 });
      const visible = (line: string) => line.replace(/\u001b\[\d+m/g, '');
      for (const line of narrow.stdout.trimEnd().split('\n')) expect(visible(line).length).toBeLessThanOrEqual(80);
      expect(narrow.stdout).toContain('…');
      const none = await runDenyscope([...where(), 'list', '--cause', 'mfa-required']);
      expect(none.stdout).toBe(`no incidents match in table ${tableName} at ${dynamo.endpoint}\n`);
    });

    it('accepts the connection options after the subcommand too', async () => {
      const run = await runDenyscope([
        'incidents',
        '--table',
        tableName,
        'list',
        '--endpoint',
        dynamo.endpoint,
        '--json',
        '--table',
        'Carts',
      ]);
      expect(run.code).toBe(0);
      expect(idsOf(JSON.parse(run.stdout).incidents)).toEqual(['resourcePolicyCarts']);
    });
  });

  describe('show', () => {
    it('returns the incident with its diagnosis, remediation and recent occurrences (--json)', async () => {
      const run = await runDenyscope([...where(), 'show', ids.scpOrders, '--json']);
      expect(run.code).toBe(0);
      const detail = JSON.parse(run.stdout) as { incident: Record<string, unknown>; occurrences: Record<string, unknown>[] };
      expect(Object.keys(detail)).toEqual(['incident', 'occurrences']);
      expect(Object.keys(detail.incident)).toEqual([
        'id',
        'cause',
        'denial',
        'principal',
        'action',
        'resource',
        'tableName',
        'accountId',
        'region',
        'count',
        'firstSeen',
        'lastSeen',
        'alerted',
        'state',
        'acknowledgedBy',
        'acknowledgedAt',
        'resolvedAt',
        'mutedBy',
        'policyType',
        'policyArn',
        'resolvedBy',
        'stateNote',
        'countAtLastAlert',
        'lastEventId',
        'alert',
        'enrichment',
        'diagnosis',
      ]);
      expect(detail.incident.alert).toEqual({
        eventId: 'a-1',
        sequence: 1,
        claimedAt: TEST_NOW.toISOString(),
        occurrencesSincePreviousAlert: 1,
        reopenedFrom: null,
        channels: { sns: { status: 'sent', at: TEST_NOW.toISOString() } },
      });
      expect(detail.incident).toMatchObject({
        id: ids.scpOrders,
        count: 3,
        policyType: 'service control policy',
        policyArn: null,
        lastEventId: 'a-3',
        alerted: true,
      });
      expect(detail.incident.diagnosis).toMatchObject({
        eventId: 'a-3',
        cause: 'service-control-policy',
        remediation: { summary: expect.any(String) },
      });
      expect(detail.occurrences).toEqual(
        ['a-3', 'a-2', 'a-1'].map((eventId, index) => ({
          eventId,
          eventTime: ['2026-11-20T09:15:00.000Z', '2026-11-19T08:00:00.000Z', '2026-11-18T08:00:00.000Z'][index],
          principalArn: 'arn:aws:sts::111122223333:assumed-role/orders-api/i-0abc123',
          recordedAt: TEST_NOW.toISOString(),
        })),
      );
    });

    it('keeps the 10 most recent occurrences of a busy incident', async () => {
      const run = await runDenyscope([...where(), 'show', ids.busy, '--json']);
      const detail = JSON.parse(run.stdout) as { incident: { count: number }; occurrences: { eventId: string }[] };
      expect(detail.incident.count).toBe(12);
      expect(detail.occurrences.map((occurrence) => occurrence.eventId)).toEqual([
        'e-11',
        'e-10',
        'e-09',
        'e-08',
        'e-07',
        'e-06',
        'e-05',
        'e-04',
        'e-03',
        'e-02',
      ]);
    });

    it('prints the history, the diagnosis as explain does, and the occurrences', async () => {
      const run = await runDenyscope([...where(), 'show', ids.implicitInvoices]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        new RegExp(`^Incident ${ids.implicitInvoices}: 1 occurrence, first seen 2026-10-05 10:00:00Z, last seen 2026-10-05 10:00:00Z\n`),
      );
      expect(run.stdout).toContain('Last alert: 2026-11-25 12:00:00Z (sns sent)');
      expect(run.stdout).toContain('identity-policy');
      expect(run.stdout).toContain('Recent occurrences');
      expect(run.stdout).toContain('b-1');
    });

    it('an unknown incident id: one line, exit 1', async () => {
      const run = await runDenyscope([...where(), 'show', 'inc-0000000000000000']);
      expect(run).toEqual({
        code: 1,
        stdout: '',
        stderr: `denyscope: no incident inc-0000000000000000 in table ${tableName} at ${dynamo.endpoint}\n`,
      });
      const bad = await runDenyscope([...where(), 'show', 'not an id!']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^denyscope: "not an id!" is not an incident id/);
    });
  });

  describe('stats', () => {
    it('counts incidents and their occurrences by cause, principal and table (--json)', async () => {
      const run = await runDenyscope([...where(), 'stats', '--json']);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({
        since: null,
        until: null,
        incidents: 5,
        occurrences: 18,
        byCause: {
          'service-control-policy': { incidents: 3, occurrences: 16 },
          'identity-policy': { incidents: 1, occurrences: 1 },
          'resource-policy': { incidents: 1, occurrences: 1 },
        },
        byPrincipal: {
          [role('orders-api')]: { incidents: 2, occurrences: 4 },
          [role('batch')]: { incidents: 1, occurrences: 12 },
          [role('reporting')]: { incidents: 1, occurrences: 1 },
          [role('reporting', OTHER_ACCOUNT)]: { incidents: 1, occurrences: 1 },
        },
        byTable: {
          Orders: { incidents: 3, occurrences: 16 },
          Carts: { incidents: 1, occurrences: 1 },
          Invoices: { incidents: 1, occurrences: 1 },
        },
      });
    });

    it('over a period and an account, in text', async () => {
      const json = await runDenyscope([...where(), 'stats', '--since', '2026-11-01', '--account', '111122223333', '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({ since: '2026-11-01T00:00:00.000Z', incidents: 3, occurrences: 16 });
      const text = await runDenyscope([...where(), 'stats', '--since', '30d']);
      expect(text.stdout).toMatch(/^3 incidents, 16 occurrences \(since 2026-10-26T12:00:00.000Z\) in table /);
      expect(text.stdout).toMatch(/INCIDENTS\s+OCCURRENCES\s+CAUSE\n\s+2\s+15\s+service-control-policy\n/);
    });
  });

  describe('query cost', () => {
    it('every read is a Query, never a Scan, whatever the filters', async () => {
      const reader = new DynamoDbIncidentReader(dynamo.documents, tableName);
      commands.length = 0;
      const variants = [
        NO_FILTERS,
        { ...NO_FILTERS, since: '2026-09-01T00:00:00.000Z' },
        { ...NO_FILTERS, since: '2026-09-01T00:00:00.000Z', until: '2026-11-01T00:00:00.000Z', accountId: OTHER_ACCOUNT },
        { ...NO_FILTERS, cause: 'service-control-policy' as const },
        { ...NO_FILTERS, principal: role('batch') },
        { ...NO_FILTERS, tableName: 'Orders', cause: 'service-control-policy' as const },
      ];
      for (const filters of variants) {
        await reader.listIncidents(filters, 2, TEST_NOW);
        await reader.allIncidents(filters, TEST_NOW);
      }
      expect(await reader.countIncidents()).toBe(5);
      expect((await reader.showIncident(ids.busy, 10))?.occurrences).toHaveLength(10);
      expect(await reader.showIncident('inc-missing', 10)).toBeNull();
      expect(commands.length).toBeGreaterThan(0);
      expect(new Set(commands)).toEqual(new Set(['QueryCommand']));
    });

    it('a bounded period walks only the month buckets it covers', async () => {
      const reader = new DynamoDbIncidentReader(dynamo.documents, tableName);
      commands.length = 0;
      const incidents = await reader.allIncidents(
        { ...NO_FILTERS, since: '2026-10-15T00:00:00.000Z', until: '2026-11-30T00:00:00.000Z' },
        TEST_NOW,
      );
      expect(incidents.map((incident) => incident.id)).toEqual([ids.resourcePolicyCarts, ids.busy, ids.scpOrders]);
      expect(commands).toEqual(['QueryCommand', 'QueryCommand']); // 2026-11, then 2026-10
    });

    it('a long period costs one Query per cause, not one per month', async () => {
      const reader = new DynamoDbIncidentReader(dynamo.documents, tableName);
      commands.length = 0;
      const incidents = await reader.allIncidents(
        { ...NO_FILTERS, since: '2001-01-01T00:00:00.000Z', until: '2026-10-31T00:00:00.000Z' },
        TEST_NOW,
      );
      expect(incidents.map((incident) => incident.id)).toEqual([ids.implicitInvoices, ids.otherAccount]);
      expect(commands).toHaveLength(CAUSES.length);
    });
  });

  describe('errors: one clear line and a non-zero exit', () => {
    it('bad filter values exit 2 before touching the store', async () => {
      const cases: [string[], RegExp][] = [
        [['list', '--since', 'yesterday'], /--since must be an ISO 8601 time .* got "yesterday"/],
        [['list', '--until', '2026-13-45'], /--until must be an ISO 8601 time/],
        [['list', '--since', '2026-11-20', '--until', '2026-11-01'], /--since .* is later than --until/],
        [['list', '--cause', 'bad-luck'], /--cause "bad-luck" is not a cause; valid causes: identity-policy, /],
        [['list', '--limit', '0'], /--limit must be a positive integer, got "0"/],
        [['list', '--account', '12345'], /--account must be a 12-digit AWS account id, got "12345"/],
        [['list', '--principal', ' '], /--principal must not be empty/],
        [['stats', '--since', 'last week'], /--since must be an ISO 8601 time/],
      ];
      commands.length = 0;
      for (const [args, message] of cases) {
        const run = await runDenyscope([...where(), ...args]);
        expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code: 2, stdout: '' });
        expect(run.stderr).toMatch(new RegExp(`^denyscope: ${message.source}`));
        expect(run.stderr.trim().split('\n')).toHaveLength(1);
      }
      expect(commands).toEqual([]);
    });

    it('a malformed item: one line naming the item key and the field, exit 1', async () => {
      const { Item } = await dynamo.documents.send(
        new GetCommand({ TableName: tableName, Key: { pk: incidentPk(ids.scpOrders), sk: INCIDENT_SORT_KEY } }),
      );
      // A copy under another id, out of every index, whose count is not a number (a hand edit, another writer).
      const id = 'inc-malformed';
      const { gsiMonth: _month, gsiCause: _cause, gsiPrincipal: _principal, gsiTable: _table, ...fields } = Item ?? {};
      await dynamo.documents.send(
        new PutCommand({ TableName: tableName, Item: { ...fields, id, pk: incidentPk(id), sk: INCIDENT_SORT_KEY, count: 'three' } }),
      );
      const run = await runDenyscope([...where(), 'show', id]);
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 1, stdout: '' });
      expect(run.stderr).toMatch(
        new RegExp(
          `^denyscope: table ${tableName} at .*: incidents table item pk=INCIDENT#${id} sk=META: field count: .*expected number.*\n$`,
        ),
      );
    });

    it('an unreachable endpoint', async () => {
      const run = await runDenyscope(['incidents', '--endpoint', 'http://127.0.0.1:1', 'list']);
      expect(run).toEqual({
        code: 1,
        stdout: '',
        stderr: 'denyscope: cannot reach table denyscope-incidents at http://127.0.0.1:1: ECONNREFUSED\n',
      });
    });

    it('a table that does not exist', async () => {
      const run = await runDenyscope(['incidents', '--endpoint', dynamo.endpoint, '--table', 'no-such-table', 'stats']);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`denyscope: table no-such-table at ${dynamo.endpoint} does not exist (check --table)\n`);
    });

    it('an endpoint that is not a URL', async () => {
      const run = await runDenyscope(['incidents', '--endpoint', 'localhost:8000', 'list']);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe('denyscope: --endpoint must be an http(s) URL, got "localhost:8000"\n');
    });

    it('--region after `list` with --table is taken for the deployed table by mistake: says where --table goes', async () => {
      const run = await runDenyscope(['incidents', 'list', '--table', 'denyscope-Incidents', '--region', 'eu-west-1']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/name it before the subcommand \(denyscope incidents --table NAME --region R list\)/);
    });

    describe('a deployed table without credentials', () => {
      const saved = { ...process.env };
      const scratch = temporaryDir('no-credentials');
      beforeAll(() => {
        for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
        Object.assign(process.env, {
          AWS_ACCESS_KEY_ID: '',
          AWS_SECRET_ACCESS_KEY: '',
          AWS_SESSION_TOKEN: '',
          AWS_SHARED_CREDENTIALS_FILE: path.join(scratch.dir, 'no-credentials'),
          AWS_CONFIG_FILE: path.join(scratch.dir, 'no-config'),
          // No instance metadata service here: fail at once instead of waiting for its timeout.
          AWS_EC2_METADATA_DISABLED: 'true',
        });
      });
      afterAll(() => {
        process.env = saved;
        scratch.remove();
      });

      it('says the credentials are missing', async () => {
        const run = await runDenyscope(['incidents', '--table', 'denyscope-Incidents', '--region', 'eu-west-1', 'list']);
        expect(run.code).toBe(1);
        expect(run.stdout).toBe('');
        expect(run.stderr).toBe(
          'denyscope: no AWS credentials for table denyscope-Incidents in eu-west-1: configure the standard chain (AWS_PROFILE, `aws configure`, `aws sso login`, environment variables or an instance role)\n',
        );
      });

      it('says the region is missing', async () => {
        const run = await runDenyscope(['incidents', '--table', 'denyscope-Incidents', 'stats']);
        expect(run.code).toBe(1);
        expect(run.stderr).toBe('denyscope: no region for table denyscope-Incidents: pass --region or set AWS_REGION\n');
      });
    });
  });
});

describe('denyscope incidents on the local store', () => {
  const data = temporaryDir('incidents-local');
  afterAll(() => data.remove());

  it('reads what `local` recorded in the data dir', async () => {
    const recorded = await runDenyscope(['local', '--data-dir', data.dir, '--json']);
    const summary = JSON.parse(recorded.stdout) as { incidents: number };
    const list = await runDenyscope(['incidents', '--data-dir', data.dir, 'list', '--json', '--limit', '100']);
    expect(list.code).toBe(0);
    const incidents = (JSON.parse(list.stdout) as { incidents: IncidentJson[] }).incidents;
    expect(incidents).toHaveLength(summary.incidents);
    expect(incidents.map((incident) => incident.lastSeen)).toEqual([...incidents.map((incident) => incident.lastSeen)].sort().reverse());
    // --data-dir after the subcommand works the same.
    const stats = await runDenyscope(['incidents', 'stats', '--data-dir', data.dir, '--json']);
    expect(JSON.parse(stats.stdout)).toMatchObject({ incidents: summary.incidents });
    const show = await runDenyscope(['incidents', '--data-dir', data.dir, 'show', incidents[0].id, '--json']);
    expect(JSON.parse(show.stdout).incident.id).toBe(incidents[0].id);
  });

  it('renders attacker-chosen event values harmlessly: no escape sequence reaches the terminal', async () => {
    const store = path.join(data.dir, 'hostile');
    const hostile = denialEvent({
      eventId: 'evil-1',
      roleName: 'x\u001b]0;pwned\u0007',
      sessionName: 's\u001b[2J',
      tableName: 'T\u001b[31mred',
    });
    const recorded = await runDenyscope(['local', '-', '--data-dir', store], { stdin: JSON.stringify(hostile) });
    expect(recorded.code).toBe(0);
    const list = await runDenyscope(['incidents', '--data-dir', store, 'list']);
    const id = /inc-[0-9a-f]{16}/.exec(list.stdout)?.[0] ?? '';
    const show = await runDenyscope(['incidents', '--data-dir', store, 'show', id]);
    const stats = await runDenyscope(['incidents', '--data-dir', store, 'stats']);
    for (const output of [recorded.stdout, list.stdout, show.stdout, stats.stdout]) {
      expect(output).toContain('red');
      expect(output).not.toMatch(/[\u001b\u0007]/);
    }
  });

  it('no local store yet: says how to make one', async () => {
    const missing = path.join(data.dir, 'nothing-here');
    const run = await runDenyscope(['incidents', '--data-dir', missing, 'list']);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `denyscope: no local store at ${missing}: run \`denyscope local\` first, or name a deployed table with --table NAME --region R\n`,
    });
  });

  it('a data dir that `local` never wrote to', async () => {
    const empty = path.join(data.dir, 'empty');
    mkdirSync(empty);
    const run = await runDenyscope(['incidents', '--data-dir', empty, 'list']);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `denyscope: no incidents recorded in ${empty} yet: run \`denyscope local\` first\n`,
    });
  });

  it('a data dir in use by another denyscope process', async () => {
    const busy = path.join(data.dir, 'busy');
    mkdirSync(busy);
    writeFileSync(path.join(busy, 'denyscope.lock'), String(process.ppid));
    const run = await runDenyscope(['incidents', '--data-dir', busy, 'list']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`denyscope: data dir ${busy} is in use by another denyscope process (pid ${process.ppid})\n`);
  });
});
