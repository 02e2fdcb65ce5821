import type { Digest } from '../../../core/incidents/digest';
import { digestDeliveries, runDigest, type DigestRunDeps } from '../../../core/incidents/digest-run';
import type { Incident } from '../../../core/incidents/model';
import type { DeliveryResult, DigestSender } from '../../../core/incidents/ports';
import { Router, type Route } from '../../../core/incidents/routes';
import { diagnosisOf, incidentOf } from '../../support/incidents';

const NOW = new Date('2026-12-10T09:00:00.000Z');
const IMPLICIT = 'because no identity-based policy allows the dynamodb:PutItem action';
const scp = incidentOf(diagnosisOf({ roleName: 'scp', accountId: '111111111111' }));
const implicit = incidentOf(diagnosisOf({ roleName: 'implicit', accountId: '222222222222', reason: IMPLICIT }));

const ROUTES: Route[] = [
  { name: 'scp', match: { causes: ['service-control-policy'] }, channels: ['security'] },
  { name: 'payments', match: { organizationalUnits: ['ou-ab12-payments1'] }, channels: ['payments'] },
  { name: 'rest', default: true, channels: ['sns', 'slack'] },
];
const routing = (accountOrganizationalUnits: Record<string, string[]> = {}) => new Router({ routes: ROUTES, accountOrganizationalUnits });

describe('digestDeliveries', () => {
  const ids = (incidents: readonly Incident[]) => incidents.map((incident) => incident.id);

  it('gives each route the incidents whose alerts it gets, the default route what no other matches, and routes with none their (empty) digest', () => {
    const deliveries = digestDeliveries([scp, implicit], routing({ '111111111111': ['r-ab12'], '222222222222': ['r-ab12'] }), [
      'sns',
      'slack',
    ]);
    expect(deliveries.map(({ route, incidents, channels }) => [route, ids(incidents), channels])).toEqual([
      ['scp', [scp.id], ['security']],
      ['payments', [], ['payments']],
      ['rest', [implicit.id], ['sns', 'slack']],
    ]);
  });

  it('gives the default route too the incidents of an account whose OU path is unknown, as alerts are routed', () => {
    const deliveries = digestDeliveries([scp, implicit], routing(), ['sns']);
    expect(deliveries.find(({ route }) => route === 'rest')?.incidents.map((incident) => incident.id)).toEqual([scp.id, implicit.id]);
  });

  it('sends the channels that get every alert (the chat-notification topic) one digest of every incident; PagerDuty none', () => {
    const deliveries = digestDeliveries([scp, implicit], routing(), ['sns', 'slack', 'chat-notifications', 'pagerduty']);
    expect(deliveries.at(-1)).toEqual({ route: null, incidents: [scp, implicit], channels: ['chat-notifications', 'pagerduty'] });
    expect(digestDeliveries([scp], null, ['sns', 'slack'])).toEqual([{ route: null, incidents: [scp], channels: ['sns', 'slack'] }]);
  });
});

class RecordingSender implements DigestSender {
  readonly digests: Array<{ digest: Digest; route: string | null }> = [];
  constructor(
    readonly channel: string,
    private readonly result: DeliveryResult | Error = { status: 'sent' },
  ) {}

  async sendDigest(digest: Digest, route: string | null): Promise<DeliveryResult> {
    this.digests.push({ digest, route });
    if (this.result instanceof Error) throw this.result;
    return this.result;
  }
}

function deps(overrides: Partial<DigestRunDeps> & { incidentsRead?: Incident[] }): DigestRunDeps & { lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: string, attributes?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(attributes ?? {})}`);
  };
  return {
    lines,
    incidents: { allIncidents: async () => overrides.incidentsRead ?? [] },
    states: { resolveIdle: async () => null },
    mutes: { activeMutes: async () => [] },
    senders: [],
    router: null,
    stackChannels: ['sns'],
    autoResolveDays: 14,
    clock: { now: () => NOW },
    log: { info: record('INFO'), warn: record('WARN'), error: record('ERROR') },
    ...overrides,
  };
}

const budget = { remainingMs: () => 60_000 };
const idle = incidentOf(diagnosisOf({ roleName: 'idle' }), { lastProcessedAt: '2026-11-01T00:00:00.000Z' });

describe('runDigest', () => {
  it('reports an idle incident as read when its resolution is not written (a concurrent occurrence won, or the write failed)', async () => {
    const sns = new RecordingSender('sns');
    const lost = deps({ incidentsRead: [idle], senders: [sns] });
    expect(await runDigest(lost, { budget })).toMatchObject({ resolved: 0 });
    expect(sns.digests[0].digest.open).toBe(1);

    const failing = deps({
      incidentsRead: [idle],
      senders: [sns],
      states: {
        resolveIdle: async () => {
          throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ThrottlingException' });
        },
      },
    });
    expect(await runDigest(failing, { budget })).toMatchObject({ resolved: 0 });
    expect(failing.lines).toContainEqual(expect.stringMatching(/^WARN Idle incident not resolved .*ThrottlingException/));
  });

  it('leaves alone the incidents that are not idle, and sends nothing to a channel that takes no digest', async () => {
    const resolveIdle = jest.fn(async () => null);
    const run = deps({
      incidentsRead: [incidentOf(diagnosisOf(), { lastProcessedAt: '2026-12-09T00:00:00.000Z' })],
      states: { resolveIdle },
      senders: [new RecordingSender('sns')],
      stackChannels: ['sns', 'pagerduty'],
    });
    expect((await runDigest(run, { budget })).sent.map(({ channel }) => channel)).toEqual(['sns']);
    expect(resolveIdle).not.toHaveBeenCalled();
    expect(run.lines).toContainEqual(expect.stringMatching(/^INFO Channel takes no digest .*"channel":"pagerduty"/));
  });

  it('fails only when a channel failed and none took it; a sender that throws counts as failed', async () => {
    const failed = { status: 'failed', detail: 'HTTP 500' } as const;
    const skipped = { status: 'skipped', detail: 'no Slack webhook URL configured' } as const;
    const mixed = deps({ senders: [new RecordingSender('sns'), new RecordingSender('slack', failed)], stackChannels: ['sns', 'slack'] });
    await expect(runDigest(mixed, { budget })).resolves.toMatchObject({ sent: [{ channel: 'sns' }, { channel: 'slack' }] });

    const none = deps({
      senders: [new RecordingSender('sns', new Error('socket hang up')), new RecordingSender('slack', skipped)],
      stackChannels: ['sns', 'slack'],
    });
    await expect(runDigest(none, { budget })).rejects.toThrow('No digest was delivered: sns: Error: socket hang up');
  });

  it('fails when the mutes cannot be read, before sending anything', async () => {
    const sns = new RecordingSender('sns');
    const run = deps({
      senders: [sns],
      mutes: {
        activeMutes: async () => {
          throw new Error('AccessDeniedException');
        },
      },
    });
    await expect(runDigest(run, { budget })).rejects.toThrow('AccessDeniedException');
    expect(sns.digests).toEqual([]);
  });
});
