import { matchingMute, muteProblem, parseStandingMutes, type Mute, type MuteCriteria } from '../../../core/incidents/mutes';
import { diagnosisOf } from '../../support/incidents';

const NOW = new Date('2026-11-20T10:00:00.000Z');
const NONE: MuteCriteria = { principal: null, action: null, resource: null, cause: null, account: null };

function mute(id: string, criteria: Partial<MuteCriteria>, extra: Partial<Mute> = {}): Mute {
  return {
    ...NONE,
    ...criteria,
    id,
    until: '2026-11-27T10:00:00.000Z',
    reason: 'known noise',
    createdBy: 'tester',
    createdAt: '2026-11-19T00:00:00.000Z',
    ...extra,
  };
}

// The test event: role orders-api (session i-0abc...) denied dynamodb:PutItem on table Orders by an SCP in 111122223333.
const denial = diagnosisOf({ reason: 'with an explicit deny in a service control policy' });

describe('mute matching', () => {
  it('takes the event the way the diagnosis reads it', () => {
    expect(denial).toMatchObject({
      principal: 'arn:aws:iam::111122223333:role/orders-api',
      action: 'dynamodb:PutItem',
      resource: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
      cause: 'service-control-policy',
      accountId: '111122223333',
    });
    expect(denial.principalArn).toMatch(/^arn:aws:sts::111122223333:assumed-role\/orders-api\//);
  });

  it('matches a principal by the role ARN policies attach to or by the caller (session) ARN', () => {
    expect(matchingMute([mute('m1', { principal: 'arn:aws:iam::111122223333:role/orders-api' })], denial, NOW)?.id).toBe('m1');
    expect(matchingMute([mute('m1', { principal: denial.principalArn })], denial, NOW)?.id).toBe('m1');
    expect(matchingMute([mute('m1', { principal: 'arn:aws:sts::111122223333:assumed-role/orders-api/*' })], denial, NOW)?.id).toBe('m1');
    expect(matchingMute([mute('m1', { principal: 'arn:aws:iam::111122223333:role/other' })], denial, NOW)).toBeNull();
  });

  it('treats * as a whole-value, case-sensitive wildcard', () => {
    const matches = (criteria: Partial<MuteCriteria>) => matchingMute([mute('m', criteria)], denial, NOW) !== null;
    expect(matches({ action: 'dynamodb:*' })).toBe(true);
    expect(matches({ action: '*' })).toBe(true);
    expect(matches({ action: 'dynamodb:Put*' })).toBe(true);
    expect(matches({ action: 'dynamodb:Put' })).toBe(false); // the whole value, not a prefix
    expect(matches({ action: 'Put*' })).toBe(false);
    expect(matches({ action: 'dynamodb:putitem' })).toBe(false); // case-sensitive
    expect(matches({ resource: 'arn:aws:dynamodb:*:*:table/Ord*' })).toBe(true);
    expect(matches({ resource: 'arn:aws:dynamodb:*:*:table/Ord' })).toBe(false);
    expect(matches({ cause: 'service-control-policy' })).toBe(true);
    expect(matches({ cause: 'identity-policy' })).toBe(false);
    expect(matches({ account: '1111*' })).toBe(true);
    expect(matches({ account: '444455556666' })).toBe(false);
    expect(matches({ action: 'dynamodb:Put?tem' })).toBe(false); // only * is a wildcard
  });

  it('needs every criterion given to match', () => {
    expect(matchingMute([mute('m', { action: 'dynamodb:PutItem', account: '444455556666' })], denial, NOW)).toBeNull();
    expect(matchingMute([mute('m', { action: 'dynamodb:PutItem', account: '111122223333' })], denial, NOW)?.id).toBe('m');
  });

  it('ignores ended mutes; a mute without end never ends', () => {
    expect(matchingMute([mute('m', { action: '*' }, { until: '2026-11-20T10:00:00.000Z' })], denial, NOW)).toBeNull();
    expect(matchingMute([mute('m', { action: '*' }, { until: '2026-11-20T10:00:00.001Z' })], denial, NOW)?.id).toBe('m');
    expect(matchingMute([mute('m', { action: '*' }, { until: null })], denial, new Date('2036-01-01T00:00:00Z'))?.id).toBe('m');
  });

  it('names the oldest of several matching mutes, whatever their order', () => {
    const newer = mute('a-newer', { action: '*' }, { createdAt: '2026-11-19T12:00:00.000Z' });
    const older = mute('z-older', { cause: 'service-control-policy' }, { createdAt: '2026-11-18T12:00:00.000Z' });
    expect(matchingMute([newer, older], denial, NOW)?.id).toBe('z-older');
    expect(matchingMute([older, newer], denial, NOW)?.id).toBe('z-older');
  });
});

describe('mute rules', () => {
  it('refuses a mute with no criterion, no reason, an unknown cause or a bad account', () => {
    expect(muteProblem(NONE, 'noise')).toMatch(/at least one criterion/);
    expect(muteProblem({ ...NONE, action: 'dynamodb:Scan' }, ' ')).toMatch(/needs a reason/);
    expect(muteProblem({ ...NONE, cause: 'scp' }, 'noise')).toMatch(/"scp" is not a cause/);
    expect(muteProblem({ ...NONE, cause: 'kms-*' }, 'noise')).toBeNull();
    expect(muteProblem({ ...NONE, account: 'prod' }, 'noise')).toMatch(/12-digit/);
    expect(muteProblem({ ...NONE, action: 'dynamodb:Scan' }, 'noise')).toBeNull();
  });

  it('reads standing mutes from the configuration, with stable ids, and names the entry that is wrong', () => {
    const [standing] = parseStandingMutes([{ action: 'dynamodb:Scan', until: 'never', reason: 'nightly export' }]);
    expect(standing).toMatchObject({ action: 'dynamodb:Scan', until: null, reason: 'nightly export', createdAt: '' });
    expect(parseStandingMutes([{ action: 'dynamodb:Scan', until: 'never', reason: 'nightly export' }])[0].id).toBe(standing.id);
    expect(parseStandingMutes([{ action: 'dynamodb:Query', until: 'never', reason: 'nightly export' }])[0].id).not.toBe(standing.id);
    expect(parseStandingMutes([{ cause: 'identity-policy', until: '2026-12-31', reason: 'migration' }])[0].until).toBe(
      '2026-12-31T00:00:00.000Z',
    );
    expect(() => parseStandingMutes([{ action: 'x', reason: 'r' }])).toThrow('mutes[0]: a mute needs an end');
    expect(() => parseStandingMutes([{ action: 'x', until: 'soon', reason: 'r' }])).toThrow('mutes[0]: until must be an ISO 8601 time');
    expect(() => parseStandingMutes([{ until: 'never', reason: 'r' }])).toThrow('mutes[0]: a mute needs at least one criterion');
    expect(() => parseStandingMutes([{ action: 'x', until: 'never', reason: 'r', role: 'y' }])).toThrow('mutes[0]: unknown key(s) role');
    expect(() => parseStandingMutes({})).toThrow('mutes must be a list');
  });

  it('reads the list given as JSON text (`-c mutes=...`) as the list itself, and says when the text is not JSON', () => {
    const list = [{ action: 'dynamodb:Scan', until: 'never', reason: 'nightly export' }];
    expect(parseStandingMutes(JSON.stringify(list))).toEqual(parseStandingMutes(list));
    expect(() => parseStandingMutes('[{"action": "dynamodb:Scan",')).toThrow(
      /^mutes is text that is not JSON \(.+\): give a list of mutes$/,
    );
    expect(() => parseStandingMutes('{"action": "dynamodb:Scan"}')).toThrow('mutes must be a list');
    expect(() => parseStandingMutes('[{"action": "x", "until": "never"}]')).toThrow('mutes[0]: a mute needs a reason');
  });
});
