import type { Incident } from '../../core/incidents/model';
import type { DeliveryBudget, DeliveryResult, Notifier, StateReflector } from '../../core/incidents/ports';
import { severityOf } from '../../core/incidents/severity';
import { renderPagerDutyEvent, type PagerDutyAction } from '../../core/render/pagerduty-event';
import { networkErrorCode, requestTimeoutMs, withHttpRetries, type HttpAttempt, type RetryOptions } from './http-delivery';
import type { SecretValueProvider } from './secret-value';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
/** PagerDuty answers 429 without Retry-After; its guidance is to back off before retrying. */
const RATE_LIMIT_BACKOFF_MS = 2_000;

export interface PagerDutyEventsOptions extends RetryOptions {
  /** The routing key (the integration key of an Events API v2 integration), read from Secrets Manager; null: not configured. */
  readonly routingKey: SecretValueProvider;
  readonly eventsUrl?: string;
  readonly fetch?: typeof fetch;
  readonly requestTimeoutMs?: number;
}

/**
 * Sends incident events to the PagerDuty Events API v2: 202 is accepted; 400 (an invalid event) fails at once with
 * PagerDuty's errors; 429 and 5xx are retried inside the budget. The routing key never appears in a result or a log.
 */
export class PagerDutyEvents {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: PagerDutyEventsOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async send(incident: Incident, action: PagerDutyAction, budget: DeliveryBudget): Promise<DeliveryResult> {
    const routingKey = await this.options.routingKey.value();
    if (routingKey === null) return { status: 'skipped', detail: 'no PagerDuty routing key configured' };
    const event = renderPagerDutyEvent(incident, action);
    const body = JSON.stringify({ routing_key: routingKey, ...event });
    const outcome = await withHttpRetries(() => this.post(body, budget), budget, this.options);
    if (outcome.kind === 'gave-up') return { status: 'failed', detail: outcome.detail };
    return outcome.value === null ? { status: 'sent', reference: event.dedup_key } : { status: 'failed', detail: outcome.value };
  }

  /** Done with null (accepted) or the reason it was refused; retry otherwise. */
  private async post(body: string, budget: DeliveryBudget): Promise<HttpAttempt<string | null>> {
    let response: Response;
    try {
      response = await this.fetch(this.options.eventsUrl ?? PAGERDUTY_EVENTS_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(requestTimeoutMs(budget, this.options.requestTimeoutMs)),
      });
    } catch (error) {
      return { kind: 'retry', detail: `request failed (${networkErrorCode(error)})` };
    }
    const answer = (await response.json().catch(() => null)) as { message?: unknown; errors?: unknown } | null;
    if (response.status === 202) return { kind: 'done', value: null };
    const errors = Array.isArray(answer?.errors) ? answer.errors.map(String).join('; ') : '';
    const message = typeof answer?.message === 'string' ? answer.message : '';
    const detail = `HTTP ${response.status}${message ? ` ${message}` : ''}${errors ? `: ${errors}` : ''}`.slice(0, 300);
    if (response.status === 429) return { kind: 'retry', detail, retryAfterMs: RATE_LIMIT_BACKOFF_MS };
    if (response.status >= 500) return { kind: 'retry', detail };
    return { kind: 'done', value: detail };
  }
}

/** Channel 'pagerduty': high-severity incidents trigger (dedup key = incident id); others are skipped with the reason. */
export class PagerDutyNotifier implements Notifier {
  readonly channel = 'pagerduty';

  constructor(private readonly events: PagerDutyEvents) {}

  notify(incident: Incident, budget: DeliveryBudget): Promise<DeliveryResult> {
    const severity = severityOf(incident.cause, incident.denial);
    if (severity !== 'high')
      return Promise.resolve({ status: 'skipped', detail: `severity ${severity}: PagerDuty pages high severity only` });
    return this.events.send(incident, 'trigger', budget);
  }
}

/**
 * After `incidents ack|resolve|reopen` of an incident that paged: acknowledge, resolve, or trigger again (reopen),
 * under the same dedup key. An incident that never paged is left alone.
 */
export class PagerDutyStateReflector implements StateReflector {
  readonly channel = 'pagerduty';

  constructor(private readonly events: PagerDutyEvents) {}

  reflect(incident: Incident, budget: DeliveryBudget): Promise<DeliveryResult> {
    if (incident.threads[this.channel] === undefined) {
      return Promise.resolve({ status: 'skipped', detail: 'the incident did not page PagerDuty' });
    }
    const { state } = incident;
    const action: PagerDutyAction = state === 'resolved' ? 'resolve' : state === 'acknowledged' ? 'acknowledge' : 'trigger';
    return this.events.send(incident, action, budget);
  }
}
