import { alertCutoff, isAlertDue, isRepeatAlert } from '../../../core/incidents/alert-policy';
import { incidentIdFor } from '../../../core/incidents/identity';
import { severityOf } from '../../../core/incidents/severity';
import { CAUSES } from '../../../core/diagnosis/types';

const identity = {
  accountId: '111122223333',
  principal: 'arn:aws:iam::111122223333:role/app',
  action: 'dynamodb:PutItem',
  resource: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
  cause: 'identity-policy' as const,
};

describe('incidentIdFor', () => {
  it('is deterministic: inc- and 16 hex digits', () => {
    expect(incidentIdFor(identity)).toMatch(/^inc-[0-9a-f]{16}$/);
    expect(incidentIdFor({ ...identity })).toBe(incidentIdFor(identity));
  });

  it('differs when any identity field differs', () => {
    const ids = new Set([
      incidentIdFor(identity),
      // The account counts where the resource names none (incidentAccountOf; see identity.test.ts).
      incidentIdFor({ ...identity, resource: null, accountId: '444455556666' }),
      incidentIdFor({ ...identity, principal: 'arn:aws:iam::111122223333:role/other' }),
      incidentIdFor({ ...identity, action: 'dynamodb:GetItem' }),
      incidentIdFor({ ...identity, resource: null }),
      incidentIdFor({ ...identity, cause: 'service-control-policy' }),
    ]);
    expect(ids.size).toBe(6);
  });

  it('keeps fields apart: moving text between fields changes the id', () => {
    expect(incidentIdFor({ ...identity, principal: 'a', action: 'b:c' })).not.toBe(
      incidentIdFor({ ...identity, principal: 'a:b', action: 'c' }),
    );
  });
});

describe('alert policy', () => {
  const now = new Date('2026-11-20T12:00:00.000Z');
  const alertAt = (claimedAt: string) => ({
    eventId: 'e',
    sequence: 1,
    claimedAt,
    occurrencesSincePreviousAlert: 1,
    reopenedFrom: null,
    channels: {},
  });

  it('alerts on the first occurrence', () => {
    expect(isAlertDue(null, now, 60)).toBe(true);
  });

  it('only counts inside the window and alerts again after it', () => {
    expect(isAlertDue(alertAt('2026-11-20T11:30:00.000Z'), now, 60)).toBe(false);
    expect(isAlertDue(alertAt('2026-11-20T11:00:00.000Z'), now, 60)).toBe(false);
    expect(isAlertDue(alertAt('2026-11-20T10:59:59.999Z'), now, 60)).toBe(true);
    expect(alertCutoff(now, 60)).toBe('2026-11-20T11:00:00.000Z');
  });

  it('calls an alert a repeat when occurrences preceded the previous alert', () => {
    expect(isRepeatAlert({ countAtLastAlert: 1, alert: { ...alertAt('x'), occurrencesSincePreviousAlert: 1 } })).toBe(false);
    expect(isRepeatAlert({ countAtLastAlert: 7, alert: { ...alertAt('x'), occurrencesSincePreviousAlert: 6 } })).toBe(true);
    expect(isRepeatAlert({ countAtLastAlert: 0, alert: null })).toBe(false);
  });
});

describe('severityOf', () => {
  it('gives every cause a severity', () => {
    for (const cause of CAUSES) expect(['high', 'medium', 'low']).toContain(severityOf(cause, 'explicit'));
  });

  it('is high when the fix is outside the account or the key is unusable, medium for other explicit denies, low for implicit ones', () => {
    expect(severityOf('service-control-policy', 'explicit')).toBe('high');
    expect(severityOf('resource-control-policy', 'explicit')).toBe('high');
    expect(severityOf('kms-key-unusable', 'unknown')).toBe('high');
    expect(severityOf('identity-policy', 'explicit')).toBe('medium');
    expect(severityOf('kms-key-access', 'implicit')).toBe('medium');
    expect(severityOf('identity-policy', 'implicit')).toBe('low');
    expect(severityOf('unknown', 'unknown')).toBe('low');
  });
});
