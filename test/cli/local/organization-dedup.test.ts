import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crossAccountCopies } from '../../support/cross-account';
import { denialEvent } from '../../support/denial-events';
import { REPO_ROOT, runDenyscope, temporaryDir } from './harness';

const BIN = path.join(REPO_ROOT, 'cli', 'bin', 'denyscope.mjs');
const ORDERS_ACCOUNT = '111122223333';
const ANALYTICS_ACCOUNT = '444455556666';
const LEDGER_ACCOUNT = '777788889999';
const SHARED_EVENT_ID = '5f0a1c2e-3d4b-4e6f-8a9b-0c1d2e3f4a5b';

/** The built CLI in a child process, as a user runs it; bounded so that a hang fails the test instead of stalling it. */
function denyscope(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/**
 * The teams' routes: each account's team gets the alerts of its tables (the incident's account: the denied table's
 * owner, also for a cross-account caller), security gets every SCP denial, the default route the rest.
 */
const ROUTES = {
  channels: {
    'orders-team': { type: 'slack', secretName: 'denyscope/slack-orders' },
    'ledger-team': { type: 'sns' },
    security: { type: 'sns' },
  },
  routes: [
    { name: 'orders', match: { accounts: [ORDERS_ACCOUNT] }, channels: ['orders-team'] },
    { name: 'ledger', match: { accounts: [LEDGER_ACCOUNT] }, channels: ['ledger-team'] },
    { name: 'security', match: { causes: ['service-control-policy'] }, channels: ['security'] },
    { name: 'everything-else', default: true, channels: ['sns'] },
  ],
};

/** The JSON summary of a run of the built `denyscope local` on the input, into the data dir, with the routes. */
function runLocal(input: string, dataDir: string, routesFile: string): unknown {
  const run = denyscope(['local', '--data-dir', dataDir, '--routes', routesFile, '--json', input]);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout);
}

/** `denyscope incidents --data-dir DIR <args> --json`, in-process (the same commands as the binary). */
async function incidentsJson<T>(dataDir: string, ...args: string[]): Promise<T> {
  const run = await runDenyscope(['incidents', '--data-dir', dataDir, ...args, '--json']);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout) as T;
}

const listed = async (dataDir: string, ...filters: string[]) =>
  (await incidentsJson<{ incidents: ListedIncident[] }>(dataDir, 'list', ...filters)).incidents;

interface ListedIncident {
  readonly id: string;
  readonly accountId: string;
  readonly region: string;
  readonly principal: string;
  readonly tableName: string | null;
  readonly cause: string;
  readonly count: number;
}

/**
 * What the member accounts' trails recorded, one file per account and Region as the central queue would receive them:
 * 3 accounts, 2 Regions, 6 denied calls, one of them cross-account and so recorded twice (7 records).
 */
function writeOrganizationEvents(dir: string): void {
  const [inAnalytics, inLedger] = crossAccountCopies({
    callerAccount: ANALYTICS_ACCOUNT,
    ownerAccount: LEDGER_ACCOUNT,
    region: 'eu-west-1',
    roleName: 'reporting',
    tableName: 'Ledger',
    eventTime: '2026-11-20T11:00:00Z',
    sharedEventId: SHARED_EVENT_ID,
    eventIds: ['c0000000-0000-4000-8000-00000000a001', 'c0000000-0000-4000-8000-00000000b001'],
  });
  const files: Record<string, Array<Record<string, unknown>>> = {
    [`${ORDERS_ACCOUNT}-eu-west-1`]: [
      denialEvent({ accountId: ORDERS_ACCOUNT, region: 'eu-west-1', eventId: 'o-eu-1', eventTime: '2026-11-20T09:00:00Z' }),
      denialEvent({ accountId: ORDERS_ACCOUNT, region: 'eu-west-1', eventId: 'o-eu-2', eventTime: '2026-11-20T09:05:00Z' }),
    ],
    [`${ORDERS_ACCOUNT}-us-east-1`]: [
      denialEvent({ accountId: ORDERS_ACCOUNT, region: 'us-east-1', eventId: 'o-us-1', eventTime: '2026-11-20T09:10:00Z' }),
    ],
    [`${ANALYTICS_ACCOUNT}-eu-west-1`]: [
      denialEvent({
        accountId: ANALYTICS_ACCOUNT,
        region: 'eu-west-1',
        roleName: 'reporting',
        tableName: 'Reports',
        eventName: 'Query',
        reason: 'because no identity-based policy allows the dynamodb:Query action',
        eventId: 'a-eu-1',
        eventTime: '2026-11-20T10:00:00Z',
      }),
      inAnalytics,
    ],
    [`${LEDGER_ACCOUNT}-eu-west-1`]: [inLedger],
    [`${LEDGER_ACCOUNT}-us-east-1`]: [
      denialEvent({
        accountId: LEDGER_ACCOUNT,
        region: 'us-east-1',
        roleName: 'ledger-writer',
        tableName: 'Ledger',
        reason: 'because no permissions boundary allows the dynamodb:PutItem action',
        eventId: 'l-us-1',
        eventTime: '2026-11-20T10:30:00Z',
      }),
    ],
  };
  mkdirSync(dir, { recursive: true });
  for (const [name, events] of Object.entries(files)) {
    writeFileSync(path.join(dir, `${name}.jsonl`), events.map((event) => JSON.stringify(event)).join('\n'));
  }
}

describe('denyscope local (built) on an organization with routes: 3 accounts, 2 Regions, one cross-account call recorded twice', () => {
  const work = temporaryDir('org-dedup');
  const input = path.join(work.dir, 'events');
  const dataDir = path.join(work.dir, 'data');
  const routesFile = path.join(work.dir, 'routes.json');
  afterAll(() => work.remove());

  let incidents: ListedIncident[] = [];

  it('opens one incident per denied call pattern, and counts the second copy as a duplicate', () => {
    writeOrganizationEvents(input);
    writeFileSync(routesFile, JSON.stringify(ROUTES));
    expect(runLocal(input, dataDir, routesFile)).toEqual({
      events: 7,
      denials: 7,
      duplicates: 1,
      incidents: 5,
      newIncidents: 5,
      alerts: 5,
      // The second Orders denial in eu-west-1, inside the dedup window of the first.
      suppressed: 1,
      muted: 0,
      consoleReads: 0,
      errors: 0,
      // Worked out by hand: Orders' two incidents (SCP denials: their team and security), the Reports incident of the
      // analytics account (no team route: the default), and Ledger's two, the cross-account one included.
      alertsByChannel: { 'orders-team': 2, 'ledger-team': 2, security: 2, sns: 1 },
    });
  });

  it('lists each incident under the account and Region that own the denied table, the copies as one', async () => {
    incidents = await listed(dataDir);
    const summary = incidents
      .map(({ accountId, region, tableName, principal, count }) => `${accountId} ${region} ${tableName} ${principal} x${count}`)
      .sort();
    expect(summary).toEqual([
      `${ORDERS_ACCOUNT} eu-west-1 Orders arn:aws:iam::${ORDERS_ACCOUNT}:role/orders-api x2`,
      `${ORDERS_ACCOUNT} us-east-1 Orders arn:aws:iam::${ORDERS_ACCOUNT}:role/orders-api x1`,
      `${ANALYTICS_ACCOUNT} eu-west-1 Reports arn:aws:iam::${ANALYTICS_ACCOUNT}:role/reporting x1`,
      `${LEDGER_ACCOUNT} eu-west-1 Ledger arn:aws:iam::${ANALYTICS_ACCOUNT}:role/reporting x1`,
      `${LEDGER_ACCOUNT} us-east-1 Ledger arn:aws:iam::${LEDGER_ACCOUNT}:role/ledger-writer x1`,
    ]);
  });

  it('finds the cross-account incident under the owner account and by the caller role, not under the caller account', async () => {
    const ledger = await listed(dataDir, '--account', LEDGER_ACCOUNT);
    expect(ledger.map(({ tableName, region }) => `${tableName} ${region}`).sort()).toEqual(['Ledger eu-west-1', 'Ledger us-east-1']);
    expect((await listed(dataDir, '--account', ANALYTICS_ACCOUNT)).map(({ tableName }) => tableName)).toEqual(['Reports']);
    const byCaller = await listed(dataDir, '--principal', `arn:aws:iam::${ANALYTICS_ACCOUNT}:role/reporting`);
    expect(byCaller.map(({ tableName, accountId }) => `${tableName} ${accountId}`).sort()).toEqual([
      `Ledger ${LEDGER_ACCOUNT}`,
      `Reports ${ANALYTICS_ACCOUNT}`,
    ]);
  });

  it('shows the cross-account incident with one occurrence: the copy processed first, carrying the sharedEventID', async () => {
    const ledger = incidents.find(({ accountId, region }) => accountId === LEDGER_ACCOUNT && region === 'eu-west-1');
    const detail = await incidentsJson<{
      incident: { count: number; cause: string; diagnosis: { sharedEventId: string | null; eventId: string; accountId: string } };
      occurrences: Array<{ eventId: string }>;
    }>(dataDir, 'show', String(ledger?.id));
    expect(detail.incident).toMatchObject({ count: 1, cause: 'resource-policy' });
    expect(detail.occurrences).toHaveLength(1);
    // Whichever copy came first (the files are read in name order: the caller's account first) is the one recorded.
    expect(detail.occurrences[0].eventId).toBe('c0000000-0000-4000-8000-00000000a001');
    expect(detail.incident.diagnosis).toMatchObject({
      eventId: 'c0000000-0000-4000-8000-00000000a001',
      accountId: ANALYTICS_ACCOUNT,
      sharedEventId: SHARED_EVENT_ID,
    });
  });

  it('the same input again: every record a duplicate, no incident opened, no alert', async () => {
    expect(runLocal(input, dataDir, routesFile)).toEqual({
      events: 7,
      denials: 7,
      duplicates: 7,
      incidents: 5,
      newIncidents: 0,
      alerts: 0,
      suppressed: 0,
      muted: 0,
      consoleReads: 0,
      errors: 0,
      alertsByChannel: { 'orders-team': 0, 'ledger-team': 0, security: 0, sns: 0 },
    });
    const again = await listed(dataDir);
    expect(again.map(({ id, count }) => `${id} x${count}`).sort()).toEqual(incidents.map(({ id, count }) => `${id} x${count}`).sort());
  });
});
