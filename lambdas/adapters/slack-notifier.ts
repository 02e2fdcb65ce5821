import type { AlertChannel, Incident } from '../../core/incidents/model';
import type { DeliveryBudget, DeliveryResult, Notifier, WebhookUrlProvider } from '../../core/incidents/ports';
import { renderSlackMessage } from '../../core/render/slack-message';

export interface SlackNotifierOptions {
  /** 'slack' for the stack's webhook; a route channel's name for that channel's webhook. @default 'slack' */
  readonly channel?: AlertChannel;
  readonly webhookUrls: WebhookUrlProvider;
  /** Called once per container when no webhook URL is configured. */
  readonly warn: (message: string) => void;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly maxAttempts?: number;
  /** First 5xx back-off; doubles each attempt. */
  readonly backoffMs?: number;
  readonly requestTimeoutMs?: number;
}

/** Time kept back from the budget so the handler can still record the outcome after the last attempt. */
const BUDGET_RESERVE_MS = 1_000;
const DEFAULT_RETRY_AFTER_SECONDS = 1;

/**
 * Posts the alert to a Slack incoming webhook with Node's fetch. Not @slack/webhook: it hides response
 * headers and does not retry 429, and this needs Retry-After. 429 waits Retry-After, 5xx and network
 * errors back off, both only while the Lambda's remaining time allows; any other 4xx fails at once.
 * The webhook URL is a secret: it never appears in a result, an error or a log line.
 */
export class SlackNotifier implements Notifier {
  readonly channel: AlertChannel;
  private warnedUnconfigured = false;
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: SlackNotifierOptions) {
    this.channel = options.channel ?? 'slack';
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async notify(incident: Incident, budget: DeliveryBudget): Promise<DeliveryResult> {
    const url = await this.options.webhookUrls.webhookUrl();
    if (url === null) {
      if (!this.warnedUnconfigured) {
        this.warnedUnconfigured = true;
        const which = this.channel === 'slack' ? '' : ` for channel ${this.channel}`;
        this.options.warn(`No Slack webhook URL configured${which}: Slack alerts are skipped`);
      }
      return { status: 'skipped', detail: 'no Slack webhook URL configured' };
    }
    const body = JSON.stringify(renderSlackMessage(incident));
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.post(url, body, budget);
      if (outcome.kind === 'done') return outcome.result;
      const waitMs = outcome.retryAfterMs ?? (this.options.backoffMs ?? 250) * 2 ** (attempt - 1);
      if (attempt >= maxAttempts) return { status: 'failed', detail: `${outcome.detail}; gave up after ${attempt} attempts` };
      if (waitMs > budget.remainingMs() - BUDGET_RESERVE_MS) {
        return { status: 'failed', detail: `${outcome.detail}; retry in ${waitMs} ms does not fit the remaining time` };
      }
      await this.sleep(waitMs);
    }
  }

  private async post(
    url: string,
    body: string,
    budget: DeliveryBudget,
  ): Promise<{ kind: 'done'; result: DeliveryResult } | { kind: 'retry'; detail: string; retryAfterMs?: number }> {
    const timeoutMs = Math.max(1, Math.min(this.options.requestTimeoutMs ?? 5_000, budget.remainingMs() - BUDGET_RESERVE_MS));
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
    if (response.ok) return { kind: 'done', result: { status: 'sent' } };
    const detail = `HTTP ${response.status}${responseText ? ` ${JSON.stringify(responseText)}` : ''}`;
    if (response.status === 429) return { kind: 'retry', detail, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
    if (response.status >= 500) return { kind: 'retry', detail };
    return { kind: 'done', result: { status: 'failed', detail } };
  }
}

function retryAfterMs(header: string | null): number {
  const seconds = header === null ? Number.NaN : Number(header.trim());
  return (Number.isFinite(seconds) && seconds >= 0 ? seconds : DEFAULT_RETRY_AFTER_SECONDS) * 1_000;
}

function networkErrorCode(error: unknown): string {
  // Duck-typed: fetch's errors may come from another realm (vm contexts), where instanceof Error fails.
  const { name, cause } = (error ?? {}) as { name?: unknown; cause?: { code?: unknown } };
  const errorName = typeof name === 'string' ? name : 'unknown error';
  return typeof cause?.code === 'string' ? `${errorName} ${cause.code}` : errorName;
}
