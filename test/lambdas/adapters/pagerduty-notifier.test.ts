import { PagerDutyEvents, PagerDutyNotifier, PagerDutyStateReflector } from '../../../lambdas/adapters/pagerduty-notifier';
import { StaticSecret } from '../../../lambdas/adapters/secret-value';
import type { Incident } from '../../../core/incidents/model';
import { diagnosisOf, incidentOf, poisonedIncident } from '../../support/incidents';
import { PAGERDUTY_EVENT_SCHEMA, startPagerDutyStandIn, type PagerDutyStandIn } from '../../support/pagerduty-server';

let pagerDuty: PagerDutyStandIn;
const budget = { remainingMs: () => 60_000 };

beforeAll(async () => {
  pagerDuty = await startPagerDutyStandIn();
});
afterAll(async () => {
  await pagerDuty?.stop();
});
beforeEach(() => {
  pagerDuty.events.length = 0;
  pagerDuty.script();
});

function events(routingKey: string | null = pagerDuty.routingKey) {
  const sleeps: number[] = [];
  const client = new PagerDutyEvents({
    routingKey: new StaticSecret(routingKey),
    eventsUrl: pagerDuty.eventsUrl,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    backoffMs: 100,
  });
  return { client, sleeps };
}

// The default test event is denied by a service control policy: severity high.
const high = incidentOf(diagnosisOf());
const low = incidentOf(diagnosisOf({ reason: 'because no identity-based policy allows the dynamodb:PutItem action' }));

describe('PagerDutyNotifier against an Events API v2 stand-in', () => {
  it('triggers a high-severity incident with the incident id as dedup key, in the documented schema', async () => {
    expect(await new PagerDutyNotifier(events().client).notify(high, budget)).toEqual({ status: 'sent', reference: high.id });
    const [event] = pagerDuty.events;
    expect(PAGERDUTY_EVENT_SCHEMA.parse(event)).toBeTruthy();
    expect(event).toMatchObject({
      event_action: 'trigger',
      dedup_key: high.id,
      payload: { severity: 'critical', source: high.resource, group: high.accountId, class: 'service-control-policy' },
    });
    expect(event.event_action === 'trigger' && event.payload.summary).toContain('dynamodb:PutItem denied on Orders');
  });

  it('skips incidents below high severity, naming the severity', async () => {
    expect(await new PagerDutyNotifier(events().client).notify(low, budget)).toEqual({
      status: 'skipped',
      detail: 'severity low: PagerDuty pages high severity only',
    });
    expect(pagerDuty.events).toHaveLength(0);
  });

  it('keeps a poisoned event to single lines and the summary within 1024 characters', async () => {
    // Every string poisoned but the cause, which decides the severity (a stored cause is one of the known ones).
    const poisoned: Incident = { ...poisonedIncident(), cause: 'service-control-policy', action: `dynamodb:PutItem${'x'.repeat(3_000)}` };
    expect(await new PagerDutyNotifier(events().client).notify(poisoned, budget)).toMatchObject({ status: 'sent' });
    const [event] = pagerDuty.events;
    expect(event.event_action).toBe('trigger');
    if (event.event_action !== 'trigger') return;
    expect(event.payload.summary.length).toBeLessThanOrEqual(1024);
    for (const value of [event.payload.summary, event.payload.source, ...Object.values(event.payload.custom_details ?? {})]) {
      expect(String(value)).not.toMatch(/[\r\n\u001b]/);
    }
  });

  it('backs off and retries on 429 and 5xx', async () => {
    pagerDuty.script({ status: 429 }, { status: 502 });
    const { client, sleeps } = events();
    expect(await new PagerDutyNotifier(client).notify(high, budget)).toMatchObject({ status: 'sent' });
    expect(sleeps).toEqual([2000, 200]);
  });

  it('fails at once on 400 with PagerDuty’s errors, without the routing key', async () => {
    const wrongKey = 'WR0NGKEYWR0NGKEYWR0NGKEYWR0NGKEY';
    const result = await new PagerDutyNotifier(events(wrongKey).client).notify(high, budget);
    expect(result).toEqual({ status: 'failed', detail: 'HTTP 400 Event object is invalid: Invalid routing key' });
    expect(JSON.stringify(result)).not.toContain(wrongKey);
  });

  it('skips when no routing key is configured', async () => {
    expect(await new PagerDutyNotifier(events(null).client).notify(high, budget)).toEqual({
      status: 'skipped',
      detail: 'no PagerDuty routing key configured',
    });
  });
});

describe('PagerDutyStateReflector', () => {
  const paged = { ...high, threads: { pagerduty: high.id } };
  const inState = (state: string, incident: Incident = paged) => ({ ...incident, state }) as Incident;

  it.each([
    ['resolved', 'resolve'],
    ['acknowledged', 'acknowledge'],
    ['open', 'trigger'],
  ])('sends %s as %s under the incident’s dedup key', async (state, action) => {
    expect(await new PagerDutyStateReflector(events().client).reflect(inState(state), budget)).toMatchObject({ status: 'sent' });
    expect(pagerDuty.events).toHaveLength(1);
    expect(pagerDuty.events[0]).toMatchObject({ event_action: action, dedup_key: high.id });
  });

  it('leaves an incident that never paged alone', async () => {
    expect(await new PagerDutyStateReflector(events().client).reflect(inState('resolved', high), budget)).toEqual({
      status: 'skipped',
      detail: 'the incident did not page PagerDuty',
    });
    expect(pagerDuty.events).toHaveLength(0);
  });
});
