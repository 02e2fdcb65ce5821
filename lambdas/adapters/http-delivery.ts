import type { DeliveryBudget } from '../../core/incidents/ports';

/** Time kept back from the budget so the handler can still record the outcome after the last attempt. */
export const BUDGET_RESERVE_MS = 1_000;
const DEFAULT_RETRY_AFTER_SECONDS = 1;

/** What one HTTP attempt came to: a final answer, or a reason to try again (after Retry-After, when the server gave one). */
export type HttpAttempt<T> =
  { readonly kind: 'done'; readonly value: T } | { readonly kind: 'retry'; readonly detail: string; readonly retryAfterMs?: number };

export interface RetryOptions {
  readonly maxAttempts?: number;
  /** First back-off without Retry-After (5xx, network errors); doubles each attempt. */
  readonly backoffMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `attempt` until it is done, waiting Retry-After (429) or backing off (5xx, network errors) in between, only
 * while the delivery budget allows. Gives up with the last reason: `{ kind: 'gave-up', detail }`.
 */
export async function withHttpRetries<T>(
  attempt: () => Promise<HttpAttempt<T>>,
  budget: DeliveryBudget,
  options: RetryOptions,
): Promise<{ kind: 'done'; value: T } | { kind: 'gave-up'; detail: string }> {
  const maxAttempts = options.maxAttempts ?? 5;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let tries = 1; ; tries += 1) {
    const outcome = await attempt();
    if (outcome.kind === 'done') return outcome;
    const waitMs = outcome.retryAfterMs ?? (options.backoffMs ?? 250) * 2 ** (tries - 1);
    if (tries >= maxAttempts) return { kind: 'gave-up', detail: `${outcome.detail}; gave up after ${tries} attempts` };
    if (waitMs > budget.remainingMs() - BUDGET_RESERVE_MS) {
      return { kind: 'gave-up', detail: `${outcome.detail}; retry in ${waitMs} ms does not fit the remaining time` };
    }
    await sleep(waitMs);
  }
}

/** One request's timeout: the configured one, or less when the budget has less left. */
export function requestTimeoutMs(budget: DeliveryBudget, configuredMs = 5_000): number {
  return Math.max(1, Math.min(configuredMs, budget.remainingMs() - BUDGET_RESERVE_MS));
}

/** Retry-After in milliseconds (seconds in the header); a missing or unreadable header counts as one second. */
export function retryAfterMs(header: string | null): number {
  const seconds = header === null ? Number.NaN : Number(header.trim());
  return (Number.isFinite(seconds) && seconds >= 0 ? seconds : DEFAULT_RETRY_AFTER_SECONDS) * 1_000;
}

/** A failed fetch described by its error's name and code only: fetch's messages can quote the URL, which may be a secret. */
export function networkErrorCode(error: unknown): string {
  // Duck-typed: fetch's errors may come from another realm (vm contexts), where instanceof Error fails.
  const { name, cause } = (error ?? {}) as { name?: unknown; cause?: { code?: unknown } };
  const errorName = typeof name === 'string' ? name : 'unknown error';
  return typeof cause?.code === 'string' ? `${errorName} ${cause.code}` : errorName;
}
