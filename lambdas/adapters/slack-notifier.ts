import type { AlertChannel, Incident } from '../../core/incidents/model';
import type { Digest } from '../../core/incidents/digest';
import type { DeliveryBudget, DeliveryResult, DigestSender, Notifier, WebhookUrlProvider } from '../../core/incidents/ports';
import { renderDigestSlackMessage } from '../../core/render/digest-messages';
import { renderSlackMessage } from '../../core/render/slack-message';
import { networkErrorCode, requestTimeoutMs, retryAfterMs, withHttpRetries, type HttpAttempt, type RetryOptions } from './http-delivery';

export interface SlackNotifierOptions extends RetryOptions {
  /** 'slack' for the stack's webhook; a route channel's name for that channel's webhook. @default 'slack' */
  readonly channel?: AlertChannel;
  readonly webhookUrls: WebhookUrlProvider;
  /** Called once per container when no webhook URL is configured. */
  readonly warn: (message: string) => void;
  readonly fetch?: typeof fetch;
  readonly requestTimeoutMs?: number;
}

/**
 * Posts the alert (or the daily digest) to a Slack incoming webhook with Node's fetch. Not @slack/webhook: it hides response
 * headers and does not retry 429, and this needs Retry-After. 429 waits Retry-After, 5xx and network
 * errors back off, both only while the Lambda's remaining time allows; any other 4xx fails at once.
 * The webhook URL is a secret: it never appears in a result, an error or a log line.
 */
export class SlackNotifier implements Notifier, DigestSender {
  readonly channel: AlertChannel;
  private warnedUnconfigured = false;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: SlackNotifierOptions) {
    this.channel = options.channel ?? 'slack';
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  notify(incident: Incident, budget: DeliveryBudget): Promise<DeliveryResult> {
    return this.deliver(JSON.stringify(renderSlackMessage(incident)), budget);
  }

  sendDigest(digest: Digest, route: string | null, budget: DeliveryBudget): Promise<DeliveryResult> {
    return this.deliver(JSON.stringify(renderDigestSlackMessage(digest, route)), budget);
  }

  private async deliver(body: string, budget: DeliveryBudget): Promise<DeliveryResult> {
    const url = await this.options.webhookUrls.webhookUrl();
    if (url === null) {
      if (!this.warnedUnconfigured) {
        this.warnedUnconfigured = true;
        const which = this.channel === 'slack' ? '' : ` for channel ${this.channel}`;
        this.options.warn(`No Slack webhook URL configured${which}: Slack alerts are skipped`);
      }
      return { status: 'skipped', detail: 'no Slack webhook URL configured' };
    }
    const outcome = await withHttpRetries(() => this.post(url, body, budget), budget, this.options);
    return outcome.kind === 'done' ? outcome.value : { status: 'failed', detail: outcome.detail };
  }

  private async post(url: string, body: string, budget: DeliveryBudget): Promise<HttpAttempt<DeliveryResult>> {
    const timeoutMs = requestTimeoutMs(budget, this.options.requestTimeoutMs);
    let response: Response;
    try {
      response = await this.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      // Only the error's name and code: fetch's messages can quote the URL.
      return { kind: 'retry', detail: `request failed (${networkErrorCode(error)})` };
    }
    const responseText = (await response.text().catch(() => '')).slice(0, 200);
    if (response.ok) return { kind: 'done', value: { status: 'sent' } };
    const detail = `HTTP ${response.status}${responseText ? ` ${JSON.stringify(responseText)}` : ''}`;
    if (response.status === 429) return { kind: 'retry', detail, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
    if (response.status >= 500) return { kind: 'retry', detail };
    return { kind: 'done', value: { status: 'failed', detail } };
  }
}
