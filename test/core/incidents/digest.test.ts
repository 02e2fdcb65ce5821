import { computeDigest } from '../../../core/incidents/digest';
import type { Mute } from '../../../core/incidents/mutes';
import type { Incident } from '../../../core/incidents/model';
import { renderDigestSlackMessage } from '../../../core/render/digest-messages';
import { renderDigestText } from '../../../core/render/digest-text';
import { diagnosisOf, incidentOf, INJECTION, poisonedIncident } from '../../support/incidents';

const NOW = new Date('2026-11-25T09:00:00.000Z');
const SINCE = new Date('2026-11-24T09:00:00.000Z');
const IMPLICIT = 'because no identity-based policy allows the dynamodb:PutItem action';

function incident(name: string, fields: Partial<Incident> & { state?: string }, reason?: string): Incident {
  return incidentOf(diagnosisOf({ roleName: name, ...(reason ? { reason } : {}) }), fields as Partial<Incident>);
}

const mute = (id: string, until: string | null, createdAt = '2026-11-01T00:00:00.000Z'): Mute => ({
  id,
  principal: 'arn:aws:iam::111122223333:role/scanner',
  action: null,
  resource: null,
  cause: null,
  account: null,
  until,
  reason: 'security scanner',
  createdBy: 'arn:aws:iam::111122223333:user/alice',
  createdAt,
});

const incidents = [
  // New in the period: two SCP incidents, one implicit identity-policy incident.
  incident('new-a', { firstSeen: '2026-11-24T10:00:00.000Z', lastSeen: '2026-11-25T08:00:00.000Z', count: 40 }),
  incident('new-b', { firstSeen: '2026-11-25T08:30:00.000Z', lastSeen: '2026-11-25T08:30:00.000Z', count: 2, state: 'acknowledged' }),
  incident('new-c', { firstSeen: '2026-11-24T12:00:00.000Z', lastSeen: '2026-11-24T12:00:00.000Z', count: 7 }, IMPLICIT),
  // Older, still seen in the period.
  incident('old-seen', { firstSeen: '2026-11-01T00:00:00.000Z', lastSeen: '2026-11-24T23:00:00.000Z', count: 500 }),
  // Older, not seen in the period; resolved.
  incident('old-quiet', { firstSeen: '2026-11-01T00:00:00.000Z', lastSeen: '2026-11-02T00:00:00.000Z', count: 900, state: 'resolved' }),
];

describe('computeDigest', () => {
  const digest = computeDigest(
    incidents,
    [
      mute('m-later', '2026-11-30T00:00:00.000Z'),
      mute('m-tomorrow', '2026-11-26T09:00:00.000Z'),
      mute('m-soon', '2026-11-25T12:00:00.000Z'),
      mute('m-expired', '2026-11-25T08:00:00.000Z'),
      mute('m-never-newer', null, '2026-11-10T00:00:00.000Z'),
      mute('m-never', null),
    ],
    { now: NOW, since: SINCE, noisiest: 3 },
  );

  it('counts incidents first seen in the period, by cause, most first', () => {
    expect(digest.newIncidents).toEqual({
      total: 3,
      byCause: [
        { cause: 'service-control-policy', incidents: 2 },
        { cause: 'identity-policy', incidents: 1 },
      ],
    });
  });

  it('ranks incidents seen in the period by occurrences; quiet ones are left out however loud they were', () => {
    expect(digest.noisiest.map((entry) => [entry.principal.split('/').pop(), entry.count, entry.state])).toEqual([
      ['old-seen', 500, 'open'],
      ['new-a', 40, 'open'],
      ['new-c', 7, 'open'],
    ]);
  });

  it('counts open and acknowledged over every incident; items without a state read as open', () => {
    expect({ open: digest.open, acknowledged: digest.acknowledged }).toEqual({ open: 3, acknowledged: 1 });
  });

  it('lists mutes ending within 48 hours (soonest first, expired left out) and every mute without expiry', () => {
    expect(digest.mutesExpiringSoon.map((rule) => rule.id)).toEqual(['m-soon', 'm-tomorrow']);
    expect(digest.mutesWithoutExpiry.map((rule) => rule.id)).toEqual(['m-never', 'm-never-newer']);
  });
});

describe('computeDigest: console reads', () => {
  const consoleRead = (name: string, count: number, lastSeen: string, fields: Partial<Incident> = {}) =>
    incident(name, { firstSeen: '2026-11-20T00:00:00.000Z', lastSeen, count, lastQuietReason: 'console-read', ...fields });
  const seen = '2026-11-25T08:00:00.000Z';
  const digest = computeDigest(
    [
      consoleRead('reader-few', 3, seen),
      consoleRead('reader-many', 30, '2026-11-24T10:00:00.000Z'),
      consoleRead('reader-tie-later', 3, '2026-11-25T08:30:00.000Z'),
      consoleRead('reader-before-period', 90, '2026-11-24T08:59:59.000Z'),
      // Its latest occurrence alerted (console reads alert), or was muted, or stayed quiet in the window: not listed.
      consoleRead('reader-alerted', 50, seen, { lastQuietReason: null }),
      consoleRead('reader-muted', 50, seen, { lastQuietReason: 'muted', mutedBy: 'mute-1' }),
      consoleRead('reader-window', 50, seen, { lastQuietReason: 'window' }),
    ],
    [],
    { now: NOW, since: SINCE, consoleReads: 2 },
  );

  it('lists incidents seen in the period whose latest occurrence was a quiet console read, most occurrences first, capped', () => {
    expect(digest.consoleReads.map((entry) => [entry.principal.split('/').pop(), entry.count])).toEqual([
      ['reader-many', 30],
      ['reader-tie-later', 3],
    ]);
    expect(digest.consoleReadsTotal).toBe(3);
  });

  it('says how many console reads the text leaves out past the cap', () => {
    const { body } = renderDigestText(digest);
    expect(body).toContain(
      'Console reads, recorded and not alerted: 3\n  30 × dynamodb:PutItem on Orders by arn:aws:iam::111122223333:role/reader-many',
    );
    expect(body).toContain('role/reader-tie-later (open, ');
    expect(body).toContain('\n  and 1 more\n');
    expect(body).not.toContain('reader-few');
  });

  it('is empty when no console read stayed quiet, and reads old incidents (no quiet reason kept) as not console reads', () => {
    const none = computeDigest([incident('plain', { lastSeen: seen })], [], { now: NOW, since: SINCE });
    expect({ consoleReads: none.consoleReads, consoleReadsTotal: none.consoleReadsTotal }).toEqual({
      consoleReads: [],
      consoleReadsTotal: 0,
    });
    expect(renderDigestText(none).body).toContain('Console reads, recorded and not alerted: 0\n\n');
  });
});

describe('digest renderings', () => {
  const poisonedMute = { ...mute('m-1', null), reason: `scanner${INJECTION}` };
  const digest = computeDigest(incidents, [poisonedMute], { now: NOW, since: SINCE });

  it('says each part in the text', () => {
    const { subject, body } = renderDigestText(digest);
    expect(subject).toBe('[denyscope] digest: 3 new, 3 open, 1 acknowledged');
    expect(body).toContain('New incidents: 3\n  service control policy: 2\n  identity-based policy: 1');
    expect(body).toContain('Mutes without expiry\n  m-1 principal=arn:aws:iam::111122223333:role/scanner (scanner');
  });

  it('keeps an attacker-chosen console read to one line in text and to escaped text in Slack', () => {
    const reader = { ...poisonedIncident(), lastSeen: '2026-11-25T08:00:00.000Z', lastQuietReason: 'console-read' as const };
    const poisonedDigest = computeDigest([reader], [], { now: NOW, since: SINCE });
    expect(poisonedDigest.consoleReadsTotal).toBe(1);
    const section = renderDigestText(poisonedDigest)
      .body.split('\n\n')
      .find((part) => part.startsWith('Console reads'));
    expect(section?.split('\n')).toEqual([
      'Console reads, recorded and not alerted: 1',
      expect.stringMatching(/^ {2}1001 × dynamodb:PutItem<!channel>.*\\r\\nforged line/),
    ]);
    expect(section).not.toContain('\u001b');
    const slack = JSON.stringify(renderDigestSlackMessage(poisonedDigest, null));
    expect(slack).not.toContain('<!channel>');
    expect(slack).toContain('&lt;!channel&gt;');
  });

  it('keeps an attacker-chosen reason to one line in text and to escaped text in Slack', () => {
    const { body } = renderDigestText(digest);
    expect(body).not.toContain('\nforged line');
    expect(body).not.toContain('\u001b');
    const slack = JSON.stringify(renderDigestSlackMessage(digest, null));
    expect(slack).not.toContain('<!channel>');
    expect(slack).toContain('&lt;!channel&gt;');
  });
});
