import { reflectStateChange, stateReflectorsFor } from '../../cli/incidents/state-reflectors';
import { PagerDutyEvents, PagerDutyStateReflector } from '../../lambdas/adapters/pagerduty-notifier';
import { StaticSecret } from '../../lambdas/adapters/secret-value';
import { SlackBotNotifier, SlackStateReflector, SlackWebApi } from '../../lambdas/adapters/slack-bot-notifier';
import type { Incident } from '../../core/incidents/model';
import type { StateReflector } from '../../core/incidents/ports';
import { diagnosisOf, incidentOf } from '../support/incidents';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../support/pagerduty-server';
import { startSlackStandIn, type SlackStandIn } from '../support/slack-server';

let slack: SlackStandIn;
let pagerDuty: PagerDutyStandIn;
const budget = { remainingMs: () => 60_000 };

beforeAll(async () => {
  [slack, pagerDuty] = await Promise.all([startSlackStandIn(), startPagerDutyStandIn()]);
});
afterAll(async () => {
  await Promise.all([slack?.stop(), pagerDuty?.stop()]);
});

describe('reflectStateChange', () => {
  it('updates the Slack root and resolves in PagerDuty, reporting each channel; a throwing channel is a failure', async () => {
    const api = new SlackWebApi({ token: new StaticSecret(slack.botToken), apiBaseUrl: slack.apiUrl });
    const incident = incidentOf(diagnosisOf());
    const root = (await new SlackBotNotifier({ api, channelId: 'C0ALERTS01', warn: () => undefined }).notify(incident, budget)) as {
      reference: string;
    };
    const resolved = {
      ...incident,
      threads: { slack: root.reference, pagerduty: incident.id },
      state: 'resolved',
      resolvedAt: '2026-11-21T08:00:00.000Z',
    } as Incident;
    const broken: StateReflector = {
      channel: 'broken',
      reflect: async () => {
        throw new Error('connection reset');
      },
    };
    const events = new PagerDutyEvents({ routingKey: new StaticSecret(pagerDuty.routingKey), eventsUrl: pagerDuty.eventsUrl });
    const outcomes = await reflectStateChange(
      resolved,
      [new SlackStateReflector(api), broken, new PagerDutyStateReflector(events)],
      budget,
    );
    expect(outcomes).toEqual([
      { channel: 'slack', result: { status: 'sent' } },
      { channel: 'broken', result: { status: 'failed', detail: expect.stringContaining('connection reset') } },
      { channel: 'pagerduty', result: { status: 'sent', reference: incident.id } },
    ]);
    expect(JSON.stringify(slack.messages('C0ALERTS01')[0].blocks)).toContain('*State:* resolved at 2026-11-21T08:00:00.000Z');
    expect(pagerDuty.events).toEqual([{ routing_key: pagerDuty.routingKey, event_action: 'resolve', dedup_key: incident.id }]);
  });

  it('configures no channel without options', async () => {
    expect(await stateReflectorsFor({}, 'eu-west-1')).toEqual([]);
  });
});
