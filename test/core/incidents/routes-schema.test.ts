import { checkRoutes, formatRoutesProblem } from '../../../core/incidents/routes-schema';

const DEFAULT_ROUTE = { name: 'everything-else', default: true, channels: ['sns'] };

/** The one-line problems of a routes value, or [] when it is valid. */
function problems(value: unknown): string[] {
  const result = checkRoutes(value);
  return result.ok ? [] : result.problems.map(formatRoutesProblem);
}

describe('checkRoutes', () => {
  it('accepts a complete configuration and applies the defaults', () => {
    const result = checkRoutes({
      channels: {
        security: { type: 'sns', emails: ['security@example.com'] },
        'team-a': { type: 'slack', secretName: 'denyscope/slack-team-a' },
        audit: { type: 'sns' },
      },
      accountOrganizationalUnits: { '111122223333': ['r-ab12', 'ou-ab12-11111111'] },
      routes: [
        { name: 'security', match: { causes: ['service-control-policy'], severities: ['high'] }, channels: ['security', 'audit'] },
        { name: 'team-a', match: { organizationalUnits: ['ou-ab12-11111111'], tables: ['orders-*'] }, channels: ['team-a'] },
        { name: 'account', match: { accounts: ['111122223333'] }, channels: ['slack'] },
        DEFAULT_ROUTE,
      ],
    });
    expect(result.ok).toBe(true);
    expect(result.ok && result.config.channels.audit).toEqual({ type: 'sns', emails: [] });
    expect(checkRoutes({ routes: [DEFAULT_ROUTE] })).toEqual({
      ok: true,
      config: { channels: {}, accountOrganizationalUnits: {}, routes: [DEFAULT_ROUTE] },
    });
  });

  it('names the route and the field of an impossible match', () => {
    const match = (criteria: Record<string, unknown>) =>
      problems({ routes: [{ name: 'team-a', match: criteria, channels: ['sns'] }, DEFAULT_ROUTE] });
    expect(match({ accounts: ['12345678901'] })).toEqual([
      'route "team-a", match.accounts[0]: not a 12-digit AWS account id (got "12345678901")',
    ]);
    expect(match({ organizationalUnits: ['ou-12'] })).toEqual([
      'route "team-a", match.organizationalUnits[0]: not an organizational unit id (ou-xxxx-xxxxxxxx) or root id (r-xxxx) (got "ou-12")',
    ]);
    expect(match({ causes: ['scp'] })).toEqual([
      expect.stringMatching(/^route "team-a", match\.causes\[0\]: not a cause \(one of identity-policy, .*\(got "scp"\)$/),
    ]);
    expect(match({ severities: ['critical'] })).toEqual([
      'route "team-a", match.severities[0]: not a severity (one of high, medium, low) (got "critical")',
    ]);
    expect(match({ tables: ['Orders?'] })).toEqual([expect.stringMatching(/^route "team-a", match\.tables\[0\]: a table name pattern is/)]);
    expect(match({ accounts: [] })).toEqual([
      'route "team-a", match.accounts: give at least one account id, or leave the criterion out (got [])',
    ]);
    expect(match({ regions: ['eu-west-1'] })).toEqual(['route "team-a", match: unknown key(s) "regions"']);
    expect(match({ organizationalUnits: ['ou-ab12-11111111'] })).toEqual([
      'route "team-a", match.organizationalUnits[0]: ou-ab12-11111111 is in no account\'s path in accountOrganizationalUnits, so the route can never match on it',
    ]);
    expect(match({ accounts: ['111122223333', '111122223333'] })).toEqual(['route "team-a", match.accounts: a value is listed twice']);
  });

  it('refuses an empty match on a route that is not the default, and a match on the default', () => {
    expect(problems({ routes: [{ name: 'team-a', channels: ['sns'] }, DEFAULT_ROUTE] })).toEqual([
      expect.stringMatching(/^route "team-a", match: empty: a route other than the default matches on at least one of/),
    ]);
    expect(problems({ routes: [{ name: 'team-a', match: {}, channels: ['sns'] }, DEFAULT_ROUTE] })).toHaveLength(1);
    expect(problems({ routes: [{ ...DEFAULT_ROUTE, match: { accounts: ['111122223333'] } }] })).toEqual([
      'route "everything-else", match: the default route matches what no other route does: it has no match',
    ]);
  });

  it('requires exactly one default route', () => {
    expect(problems({ routes: [{ name: 'a', match: { causes: ['unknown'] }, channels: ['sns'] }] })).toEqual([
      expect.stringMatching(/^routes: no default route/),
    ]);
    expect(problems({ routes: [DEFAULT_ROUTE, { ...DEFAULT_ROUTE, name: 'other' }] })).toEqual([
      'routes: one default route only, got "everything-else", "other"',
    ]);
    expect(problems({ routes: [] })).toEqual([expect.stringMatching(/^routes: give at least the default route/)]);
  });

  it('names an unknown channel, and a declared channel no route names', () => {
    expect(problems({ channels: { security: { type: 'sns' } }, routes: [{ ...DEFAULT_ROUTE, channels: ['sns', 'securty'] }] })).toEqual([
      'channel "security": no route names this channel',
      'route "everything-else", channels[1]: unknown channel "securty" (declared: sns, slack, security)',
    ]);
  });

  it('refuses duplicate names: routes, channels of a route, secrets of two channels', () => {
    expect(problems({ routes: [DEFAULT_ROUTE, { name: 'everything-else', match: { causes: ['unknown'] }, channels: ['sns'] }] })).toEqual([
      'route "everything-else", name: another route has this name',
    ]);
    expect(problems({ routes: [{ ...DEFAULT_ROUTE, channels: ['sns', 'sns'] }] })).toEqual([
      'route "everything-else", channels: a channel is listed twice',
    ]);
    expect(
      problems({
        channels: { a: { type: 'slack', secretName: 'denyscope/team' }, b: { type: 'slack', secretName: 'denyscope/team' } },
        routes: [{ ...DEFAULT_ROUTE, channels: ['a', 'b'] }],
      }),
    ).toEqual(['channel "b", secretName: denyscope/team is already the secret of channel "a"']);
  });

  it('refuses channel names that are not simple or that are the product’s own channel ids', () => {
    expect(problems({ channels: { Team_A: { type: 'sns' } }, routes: [{ ...DEFAULT_ROUTE, channels: ['Team_A'] }] })).toEqual([
      'channel "Team_A": a channel name is a lower-case letter then up to 39 of a-z 0-9 -',
    ]);
    expect(problems({ channels: { terminal: { type: 'sns' } }, routes: [{ ...DEFAULT_ROUTE, channels: ['terminal'] }] })).toEqual([
      expect.stringMatching(/^channel "terminal": the name is the product's own channel id/),
    ]);
  });

  it('names the field of a malformed channel', () => {
    expect(problems({ channels: { team: { type: 'slack' } }, routes: [{ ...DEFAULT_ROUTE, channels: ['team'] }] })).toEqual([
      'channel "team", secretName: missing',
    ]);
    expect(problems({ channels: { team: { type: 'sqs' } }, routes: [{ ...DEFAULT_ROUTE, channels: ['team'] }] })).toEqual([
      expect.stringMatching(/^channel "team", type: expected \{"type": "sns"/),
    ]);
    expect(
      problems({ channels: { team: { type: 'sns', emails: ['not-mail'] } }, routes: [{ ...DEFAULT_ROUTE, channels: ['team'] }] }),
    ).toEqual(['channel "team", emails[0]: not an e-mail address (got "not-mail")']);
  });

  it('checks the account OU paths', () => {
    expect(problems({ accountOrganizationalUnits: { '1234': ['r-ab12'] }, routes: [DEFAULT_ROUTE] })).toEqual([
      'accountOrganizationalUnits, "1234": not a 12-digit AWS account id',
    ]);
    expect(problems({ accountOrganizationalUnits: { '111122223333': ['ou-x'] }, routes: [DEFAULT_ROUTE] })).toEqual([
      expect.stringMatching(/^accountOrganizationalUnits, "111122223333", \[0\]: not an organizational unit id/),
    ]);
  });

  it('names a route without a name by its place', () => {
    expect(problems({ routes: [{ match: { causes: ['unknown'] }, channels: ['sns'] }, DEFAULT_ROUTE] })).toEqual([
      'routes[0], name: missing',
    ]);
    expect(problems({ routes: 5 })).toEqual([expect.stringMatching(/^routes: .*\(got 5\)$/)]);
    expect(problems([])).toEqual([expect.stringMatching(/\(got \[\]\)$/)]);
  });
});
