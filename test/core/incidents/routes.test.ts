import { routedChannels, Router, type Route, type Routing } from '../../../core/incidents/routes';
import { diagnosisOf } from '../../support/incidents';

// Causes as the error messages name them (AWS's DynamoDB AccessDenied wording); severities as the README's table says.
const SCP = 'with an explicit deny in a service control policy'; // service-control-policy, high
const IDENTITY_EXPLICIT = 'with an explicit deny in an identity-based policy'; // identity-policy, medium
const IDENTITY_IMPLICIT = 'because no identity-based policy allows the dynamodb:PutItem action'; // identity-policy, low

const TEAM_A = '111111111111';
const TEAM_B = '222222222222';
const SANDBOX = '333333333333';

const everythingElse: Route = { name: 'everything-else', default: true, channels: ['sns'] };

function router(routes: Route[], accountOrganizationalUnits: Routing['accountOrganizationalUnits'] = {}): Router {
  return new Router({ routes: [...routes, everythingElse], accountOrganizationalUnits });
}

describe('Router', () => {
  it('sends an alert no route matches to the default route', () => {
    const decision = router([{ name: 'team-a', match: { accounts: [TEAM_A] }, channels: ['team-a'] }]).decide(
      diagnosisOf({ accountId: TEAM_B, reason: SCP }),
    );
    expect(decision).toEqual({ channels: ['sns'], routes: ['everything-else'] });
  });

  it('matches on the account', () => {
    const routes = router([{ name: 'team-a', match: { accounts: [TEAM_B, TEAM_A] }, channels: ['team-a'] }]);
    expect(routes.decide(diagnosisOf({ accountId: TEAM_A })).channels).toEqual(['team-a']);
    expect(routes.decide(diagnosisOf({ accountId: SANDBOX })).channels).toEqual(['sns']);
  });

  it('matches on the cause', () => {
    const routes = router([
      { name: 'security', match: { causes: ['resource-control-policy', 'service-control-policy'] }, channels: ['security'] },
    ]);
    expect(routes.decide(diagnosisOf({ reason: SCP })).channels).toEqual(['security']);
    expect(routes.decide(diagnosisOf({ reason: IDENTITY_EXPLICIT })).channels).toEqual(['sns']);
  });

  it('matches on the severity', () => {
    const routes = router([{ name: 'urgent', match: { severities: ['high', 'medium'] }, channels: ['pager'] }]);
    expect(routes.decide(diagnosisOf({ reason: SCP })).channels).toEqual(['pager']);
    expect(routes.decide(diagnosisOf({ reason: IDENTITY_EXPLICIT })).channels).toEqual(['pager']);
    expect(routes.decide(diagnosisOf({ reason: IDENTITY_IMPLICIT })).channels).toEqual(['sns']);
  });

  it('matches table names with * wildcards, and never a denial that names no table', () => {
    const routes = router([{ name: 'orders', match: { tables: ['orders-*-prod', 'Carts'] }, channels: ['orders'] }]);
    expect(routes.decide(diagnosisOf({ tableName: 'orders-eu-prod' })).channels).toEqual(['orders']);
    expect(routes.decide(diagnosisOf({ tableName: 'orders--prod' })).channels).toEqual(['orders']);
    expect(routes.decide(diagnosisOf({ tableName: 'Carts' })).channels).toEqual(['orders']);
    expect(routes.decide(diagnosisOf({ tableName: 'orders-eu-prod-copy' })).channels).toEqual(['sns']);
    expect(routes.decide(diagnosisOf({ tableName: 'carts' })).channels).toEqual(['sns']); // table names are case-sensitive
    expect(routes.decide({ ...diagnosisOf(), tableName: null }).channels).toEqual(['sns']);
  });

  it('matches an OU anywhere on the account’s path, so a route on a parent OU covers the OUs below it', () => {
    const paths = { [TEAM_A]: ['r-ab12', 'ou-ab12-workload1', 'ou-ab12-teamaaaa'], [TEAM_B]: ['r-ab12', 'ou-ab12-sandbox1'] };
    const routes = router([{ name: 'workloads', match: { organizationalUnits: ['ou-ab12-workload1'] }, channels: ['workloads'] }], paths);
    expect(routes.decide(diagnosisOf({ accountId: TEAM_A })).channels).toEqual(['workloads']);
    expect(routes.decide(diagnosisOf({ accountId: TEAM_B })).channels).toEqual(['sns']);
  });

  it('adds the default route, and says so, when an account’s OU path is not known', () => {
    const routes = router(
      [
        { name: 'workloads', match: { organizationalUnits: ['ou-ab12-workload1'] }, channels: ['workloads'] },
        { name: 'security', match: { causes: ['service-control-policy'] }, channels: ['security'] },
      ],
      { [TEAM_A]: ['r-ab12', 'ou-ab12-workload1'] },
    );
    expect(routes.decide(diagnosisOf({ accountId: SANDBOX, reason: SCP }))).toEqual({
      channels: ['security', 'sns'],
      routes: ['security', 'everything-else'],
      unknownOrganizationalUnitsOf: SANDBOX,
    });
  });

  it('requires every criterion given, and sends to the union of every route that matches', () => {
    const routes = router([
      { name: 'team-a-orders', match: { accounts: [TEAM_A], tables: ['Orders'] }, channels: ['team-a', 'orders'] },
      { name: 'security', match: { causes: ['service-control-policy'] }, channels: ['security', 'team-a'] },
    ]);
    expect(routes.decide(diagnosisOf({ accountId: TEAM_A, tableName: 'Orders', reason: SCP }))).toEqual({
      channels: ['team-a', 'orders', 'security'],
      routes: ['team-a-orders', 'security'],
    });
    // The account matches but the table does not: only the security route.
    expect(routes.decide(diagnosisOf({ accountId: TEAM_A, tableName: 'Invoices', reason: SCP })).channels).toEqual(['security', 'team-a']);
  });

  it('lists every channel a route can name', () => {
    expect(router([{ name: 'a', match: { accounts: [TEAM_A] }, channels: ['team-a', 'sns'] }]).channels).toEqual(['team-a', 'sns']);
  });
});

describe('routedChannels', () => {
  it('puts the channels every alert gets first, and logs the routes and a missing OU path', () => {
    const lines: { level: string; message: string; attributes?: Record<string, unknown> }[] = [];
    const log = {
      info: (message: string, attributes?: Record<string, unknown>) => lines.push({ level: 'info', message, attributes }),
      warn: (message: string, attributes?: Record<string, unknown>) => lines.push({ level: 'warn', message, attributes }),
      error: (message: string, attributes?: Record<string, unknown>) => lines.push({ level: 'error', message, attributes }),
    };
    const select = routedChannels(
      router([{ name: 'ou', match: { organizationalUnits: ['ou-ab12-workload1'] }, channels: ['sns', 'ou'] }]),
      ['terminal'],
    );
    expect(select(diagnosisOf({ accountId: SANDBOX }), log)).toEqual(['terminal', 'sns']);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', attributes: { accountId: SANDBOX, routes: ['everything-else'] } }),
      { level: 'info', message: 'Alert routed', attributes: { routes: ['everything-else'], channels: ['sns'] } },
    ]);
  });
});
