import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LocalSummary } from '../../../cli/local/run';
import type { RoutesInput } from '../../../core/incidents/routes-schema';
import { denialEvent } from '../../support/denial-events';
import { REPO_ROOT, temporaryDir } from './harness';

// Causes as the error messages name them (AWS's DynamoDB AccessDenied wording).
const SCP = 'with an explicit deny in a service control policy';
const IDENTITY_EXPLICIT = 'with an explicit deny in an identity-based policy';
const IDENTITY_IMPLICIT = 'because no identity-based policy allows the dynamodb:PutItem action';

const TEAM_A = '111111111111'; // in OU ou-ab12-teamaaaa
const TEAM_B = '222222222222'; // in the sandbox OU
const UNLISTED = '333333333333'; // not in accountOrganizationalUnits

const ROUTES: RoutesInput = {
  channels: {
    security: { type: 'sns', emails: ['security@example.com'] },
    'team-a': { type: 'slack', secretName: 'denyscope/slack-team-a' },
    'team-b': { type: 'slack', secretName: 'denyscope/slack-team-b' },
  },
  accountOrganizationalUnits: { [TEAM_A]: ['r-ab12', 'ou-ab12-teamaaaa'], [TEAM_B]: ['r-ab12', 'ou-ab12-sandbox1'] },
  routes: [
    { name: 'security', match: { causes: ['service-control-policy', 'resource-control-policy'] }, channels: ['security'] },
    { name: 'team-a', match: { organizationalUnits: ['ou-ab12-teamaaaa'] }, channels: ['team-a'] },
    { name: 'team-b-orders', match: { accounts: [TEAM_B], tables: ['orders-*'] }, channels: ['team-b'] },
    { name: 'everything-else', default: true, channels: ['sns'] },
  ],
};

/**
 * Six denials of three accounts in two Regions, each its own incident, and the channels the routes above give them:
 * worked out by hand from the routes (security: SCP and RCP everywhere; team-a: its OU; team-b: its orders tables;
 * the default route for the rest, and for the unlisted account, whose OU path is unknown).
 */
const EVENTS: Array<[Parameters<typeof denialEvent>[0], string[]]> = [
  [{ accountId: TEAM_A, tableName: 'Orders', reason: IDENTITY_EXPLICIT }, ['team-a']],
  [{ accountId: TEAM_A, tableName: 'Invoices', reason: SCP, region: 'us-east-1' }, ['security', 'team-a']],
  [{ accountId: TEAM_B, tableName: 'orders-eu', reason: IDENTITY_IMPLICIT }, ['team-b']],
  [{ accountId: TEAM_B, tableName: 'Customers', reason: IDENTITY_IMPLICIT, region: 'us-east-1' }, ['sns']],
  [{ accountId: UNLISTED, tableName: 'Orders', reason: SCP }, ['security', 'sns']],
  [{ accountId: UNLISTED, tableName: 'Orders', reason: IDENTITY_IMPLICIT, region: 'us-east-1' }, ['sns']],
];

function expectedAlertsByChannel(): Record<string, number> {
  const counts: Record<string, number> = { security: 0, 'team-a': 0, 'team-b': 0, sns: 0 };
  for (const [, channels] of EVENTS) for (const channel of channels) counts[channel] += 1;
  return counts;
}

const work = temporaryDir('local-routes');
afterAll(() => work.remove());

const eventsFile = path.join(work.dir, 'events.jsonl');
const routesFile = path.join(work.dir, 'routes.json');
writeFileSync(
  eventsFile,
  EVENTS.map(([options], index) => JSON.stringify(denialEvent({ ...options, eventId: `route-event-${index}` }))).join('\n'),
);
writeFileSync(routesFile, JSON.stringify(ROUTES));

/** The built CLI (cli/bin/denyscope.mjs), as a user runs it. */
function runBuilt(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'cli', 'bin', 'denyscope.mjs'), ...args], {
      cwd: work.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('denyscope local --routes', () => {
  it('sends each alert to the channels of its routes, counts them per channel, and names the account with no OU path', async () => {
    const run = await runBuilt(['local', eventsFile, '--routes', routesFile, '--data-dir', path.join(work.dir, 'json'), '--json']);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as LocalSummary;
    expect(summary).toMatchObject({ denials: 6, newIncidents: 6, alerts: 6, duplicates: 0, errors: 0 });
    expect(summary.alertsByChannel).toEqual(expectedAlertsByChannel());
    // The unlisted account's two alerts: each says its OU path is unknown (and went to the default route as well).
    const warnings = run.stderr.split('\n').filter((line) => line.includes('Account not in accountOrganizationalUnits'));
    expect(warnings).toHaveLength(2);
    expect(warnings.every((line) => line.includes(UNLISTED))).toBe(true);

    const again = await runBuilt(['local', eventsFile, '--routes', routesFile, '--data-dir', path.join(work.dir, 'json'), '--json']);
    const second = JSON.parse(again.stdout) as LocalSummary;
    expect(second).toMatchObject({ duplicates: 6, alerts: 0 });
    expect(second.alertsByChannel).toEqual({ security: 0, 'team-a': 0, 'team-b': 0, sns: 0 });
  }, 120_000);

  it('prints which channels got each alert after its text, and the counts in the summary', async () => {
    const run = await runBuilt(['local', eventsFile, '--routes', routesFile, '--data-dir', path.join(work.dir, 'text')]);
    expect(run.code).toBe(0);
    const deliveries = run.stdout.split('\n').filter((line) => line.startsWith('→ channel '));
    expect(deliveries.map((line) => line.split(' ')[2]).sort()).toEqual(EVENTS.flatMap(([, channels]) => channels).sort());
    expect(run.stdout).toContain('Alerts by channel: security 2, team-a 2, team-b 1, sns 3.');
  }, 120_000);

  it('refuses a bad routes file with exit 2 and one line naming the file, the route and the field', async () => {
    const bad = path.join(work.dir, 'bad-routes.json');
    writeFileSync(
      bad,
      JSON.stringify({
        routes: [
          { name: 'team-a', match: { accounts: ['1111'] }, channels: ['sns'] },
          { name: 'everything-else', default: true, channels: ['sns'] },
        ],
      }),
    );
    const run = await runBuilt(['local', eventsFile, '--routes', bad, '--data-dir', path.join(work.dir, 'bad')]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`denyscope: --routes ${bad}: route "team-a", match.accounts[0]: not a 12-digit AWS account id (got "1111")\n`);

    writeFileSync(bad, '{"routes": [');
    const notJson = await runBuilt(['local', eventsFile, '--routes', bad, '--data-dir', path.join(work.dir, 'bad')]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(new RegExp(`^denyscope: --routes ${bad}: not JSON: .+\\n$`));

    const missing = await runBuilt(['local', eventsFile, '--routes', path.join(work.dir, 'none.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toEqual([expect.stringContaining('none.json')]);
  }, 120_000);
});
