import type { Incident } from '../../core/incidents/model';
import type { Digest } from '../../core/incidents/digest';
import type { DeliveryBudget, DeliveryResult, DigestSender, Notifier, StateReflector } from '../../core/incidents/ports';
import { renderDigestSlackMessage } from '../../core/render/digest-messages';
import { renderSlackMessage } from '../../core/render/slack-message';
import { renderSlackRoot, renderSlackRootUpdate } from '../../core/render/slack-thread';
import {
  BUDGET_RESERVE_MS,
  networkErrorCode,
  requestTimeoutMs,
  retryAfterMs,
  withHttpRetries,
  type HttpAttempt,
  type RetryOptions,
} from './http-delivery';
import type { SecretValueProvider } from './secret-value';

export const SLACK_API_BASE_URL = 'https://slack.com/api';
/** chat.postMessage: about one message per second per channel (Slack "Rate limits", special tier). */
const POST_INTERVAL_MS = 1_000;
/** Web API errors that say "try again later" rather than "this request is wrong" (Slack's method docs). */
const TRANSIENT_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

export interface SlackWebApiOptions extends RetryOptions {
  /** The bot token (xoxb-…), read from Secrets Manager; null: not configured. */
  readonly token: SecretValueProvider;
  readonly apiBaseUrl?: string;
  readonly fetch?: typeof fetch;
  readonly requestTimeoutMs?: number;
  /** Milliseconds since the epoch, for spacing posts per channel. */
  readonly now?: () => number;
}

/** What a Web API call came to: Slack's answer (ok: true), or why it failed, in one line without the token. */
export type SlackCall = { readonly ok: true; readonly answer: Record<string, unknown> } | { readonly ok: false; readonly detail: string };

/**
 * The few Slack Web API calls denyscope makes (chat.postMessage, chat.update), as JSON with the bot token as a
 * Bearer header. Slack answers API errors as HTTP 200 `{"ok": false, "error": "..."}`; rate limits as HTTP 429 with
 * Retry-After. 429, 5xx, network errors and Slack's transient errors are retried inside the budget; others fail
 * at once with Slack's error name (invalid_auth, channel_not_found, not_in_channel, ...). Posts to one channel are
 * spaced a second apart. The token never appears in a result or a log line.
 */
export class SlackWebApi {
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly nextPostAt = new Map<string, number>();

  constructor(private readonly options: SlackWebApiOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The token, or null when none is configured. */
  token(): Promise<string | null> {
    return this.options.token.value();
  }

  async postMessage(token: string, body: Record<string, unknown> & { channel: string }, budget: DeliveryBudget): Promise<SlackCall> {
    await this.waitForChannel(body.channel, budget);
    return this.call(token, 'chat.postMessage', body, budget);
  }

  update(token: string, body: Record<string, unknown> & { channel: string; ts: string }, budget: DeliveryBudget): Promise<SlackCall> {
    return this.call(token, 'chat.update', body, budget);
  }

  private async call(token: string, method: string, body: Record<string, unknown>, budget: DeliveryBudget): Promise<SlackCall> {
    const payload = JSON.stringify(body);
    const outcome = await withHttpRetries(() => this.attempt(token, method, payload, budget), budget, this.options);
    return outcome.kind === 'done' ? outcome.value : { ok: false, detail: `${method}: ${outcome.detail}` };
  }

  private async attempt(token: string, method: string, payload: string, budget: DeliveryBudget): Promise<HttpAttempt<SlackCall>> {
    let response: Response;
    try {
      response = await this.fetch(`${this.options.apiBaseUrl ?? SLACK_API_BASE_URL}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${token}` },
        body: payload,
        signal: AbortSignal.timeout(requestTimeoutMs(budget, this.options.requestTimeoutMs)),
      });
    } catch (error) {
      return { kind: 'retry', detail: `request failed (${networkErrorCode(error)})` };
    }
    const answer = await response.json().catch(() => null as unknown);
    const error = isRecord(answer) && typeof answer.error === 'string' ? answer.error.slice(0, 100) : null;
    const detail = `HTTP ${response.status}${error === null ? '' : ` ${error}`}`;
    if (response.status === 429) return { kind: 'retry', detail, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
    if (response.status >= 500) return { kind: 'retry', detail };
    if (!response.ok || !isRecord(answer)) return { kind: 'done', value: { ok: false, detail: `${method}: ${detail}` } };
    if (answer.ok === true) return { kind: 'done', value: { ok: true, answer } };
    if (error !== null && TRANSIENT_ERRORS.has(error)) return { kind: 'retry', detail: error };
    return { kind: 'done', value: { ok: false, detail: `${method}: ${error ?? 'ok:false without an error'}` } };
  }

  /** Keeps posts to one channel a second apart, when the wait fits the budget (otherwise Slack's 429 says when). */
  private async waitForChannel(channel: string, budget: DeliveryBudget): Promise<void> {
    const waitMs = (this.nextPostAt.get(channel) ?? 0) - this.now();
    if (waitMs > 0 && waitMs <= budget.remainingMs() - BUDGET_RESERVE_MS) await this.sleep(waitMs);
    this.nextPostAt.set(channel, Math.max(this.now(), this.nextPostAt.get(channel) ?? 0) + POST_INTERVAL_MS);
  }
}

/** A Slack message as the incident keeps it: "CHANNEL_ID/ts". */
export function slackThreadReference(channel: string, ts: string): string {
  return `${channel}/${ts}`;
}

export function parseSlackThreadReference(reference: string | undefined): { channel: string; ts: string } | null {
  const match = reference === undefined ? null : /^([A-Z0-9]+)\/(\d+\.\d+)$/.exec(reference);
  return match === null ? null : { channel: match[1], ts: match[2] };
}

export interface SlackBotNotifierOptions {
  readonly api: SlackWebApi;
  /** Where an incident's first alert is posted (a channel ID; the bot must be a member). */
  readonly channelId: string;
  /** Called once per container when no bot token is configured. */
  readonly warn: (message: string) => void;
}

/**
 * Slack with a bot token, channel id 'slack' (it replaces the webhook when a token is configured): an incident's
 * first alert is posted as its root message, whose "CHANNEL/ts" the pipeline keeps (Incident.threads.slack); each
 * later alert is a reply in that thread, and the root is updated with the live count, last seen and state. The daily
 * digest is a message of its own in the channel, in no thread.
 */
export class SlackBotNotifier implements Notifier, DigestSender {
  readonly channel = 'slack';
  private warnedUnconfigured = false;

  constructor(private readonly options: SlackBotNotifierOptions) {}

  async notify(incident: Incident, budget: DeliveryBudget): Promise<DeliveryResult> {
    const { api } = this.options;
    const token = await this.tokenOrWarn();
    if (token === null) return { status: 'skipped', detail: 'no Slack bot token configured' };
    const root = parseSlackThreadReference(incident.threads[this.channel]);
    if (root === null) {
      const posted = await api.postMessage(token, { channel: this.options.channelId, ...renderSlackRoot(incident) }, budget);
      if (!posted.ok) return { status: 'failed', detail: posted.detail };
      const { channel, ts } = posted.answer;
      if (typeof channel !== 'string' || typeof ts !== 'string')
        return { status: 'sent', detail: 'chat.postMessage answered without channel and ts' };
      return { status: 'sent', reference: slackThreadReference(channel, ts) };
    }
    const reply = await api.postMessage(token, { channel: root.channel, thread_ts: root.ts, ...renderSlackMessage(incident) }, budget);
    if (!reply.ok) return { status: 'failed', detail: reply.detail };
    // The reply is delivered: a root that cannot be updated is reported, not retried (a retry would post the reply again).
    const updated = await api.update(token, { channel: root.channel, ts: root.ts, ...renderSlackRootUpdate(incident) }, budget);
    return updated.ok ? { status: 'sent' } : { status: 'sent', detail: `thread reply sent; root message not updated (${updated.detail})` };
  }

  async sendDigest(digest: Digest, route: string | null, budget: DeliveryBudget): Promise<DeliveryResult> {
    const token = await this.tokenOrWarn();
    if (token === null) return { status: 'skipped', detail: 'no Slack bot token configured' };
    const posted = await this.options.api.postMessage(
      token,
      { channel: this.options.channelId, ...renderDigestSlackMessage(digest, route) },
      budget,
    );
    return posted.ok ? { status: 'sent' } : { status: 'failed', detail: posted.detail };
  }

  private async tokenOrWarn(): Promise<string | null> {
    const token = await this.options.api.token();
    if (token === null && !this.warnedUnconfigured) {
      this.warnedUnconfigured = true;
      this.options.warn('No Slack bot token configured: Slack alerts are skipped');
    }
    return token;
  }
}

/** After `incidents ack|resolve|reopen`: the incident's root message shows the new state (chat.update). */
export class SlackStateReflector implements StateReflector {
  readonly channel = 'slack';

  constructor(private readonly api: SlackWebApi) {}

  async reflect(incident: Incident, budget: DeliveryBudget): Promise<DeliveryResult> {
    const root = parseSlackThreadReference(incident.threads[this.channel]);
    if (root === null) return { status: 'skipped', detail: 'the incident has no Slack message to update' };
    const token = await this.api.token();
    if (token === null) return { status: 'skipped', detail: 'no Slack bot token configured' };
    const updated = await this.api.update(token, { channel: root.channel, ts: root.ts, ...renderSlackRootUpdate(incident) }, budget);
    return updated.ok ? { status: 'sent' } : { status: 'failed', detail: updated.detail };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
