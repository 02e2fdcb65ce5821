import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { METRIC } from '../core/contract';
import { DigestDeliveryError, runDigest, type DigestRunDeps, type DigestRunResult } from '../core/incidents/digest-run';

/**
 * What the schedule sends (lib/constructs/digest-schedule.ts): the time the run was scheduled for, so that a retried or
 * redriven run covers the same period. An invocation by hand may leave it out: the period then ends now.
 */
export interface DigestEvent {
  readonly scheduledTime?: string;
}

export type DigestHandler = (
  event: DigestEvent | null | undefined,
  context: Pick<Context, 'getRemainingTimeInMillis'> & Partial<Context>,
) => Promise<DigestRunResult>;

export interface DigestHandlerDeps {
  readonly run: Omit<DigestRunDeps, 'log'>;
  readonly logger: Logger;
  /** DigestDeliveryFailures: the channels that did not take their digest, which the stack alarms on. */
  readonly metrics: Metrics;
}

/**
 * The digest Lambda's handler. It throws (so that Lambda retries the asynchronous invocation and then keeps it in the
 * dead-letter queue) when the event is malformed, the table cannot be read, or no channel took the digest; a channel
 * that failed while another took it is logged with its reason, and the run succeeds.
 */
export function createDigestHandler(deps: DigestHandlerDeps): DigestHandler {
  const { logger } = deps;
  const log = {
    info: (message: string, attributes?: Record<string, unknown>) => logger.info(message, { ...attributes }),
    warn: (message: string, attributes?: Record<string, unknown>) => logger.warn(message, { ...attributes }),
    error: (message: string, attributes?: Record<string, unknown>) => logger.error(message, { ...attributes }),
  };
  const countFailures = (failures: number) => {
    deps.metrics.addMetric(METRIC.digestDeliveryFailures, MetricUnit.Count, failures);
    deps.metrics.publishStoredMetrics();
  };
  return async (event, context) => {
    if (context.awsRequestId !== undefined) logger.addContext(context as Context);
    try {
      const periodEnd = scheduledTimeOf(event);
      const result = await runDigest(
        { ...deps.run, log },
        { ...(periodEnd ? { periodEnd } : {}), budget: { remainingMs: () => context.getRemainingTimeInMillis() } },
      );
      countFailures(result.sent.filter((sent) => sent.result.status === 'failed').length);
      logger.info('Digest run done', { since: result.since, until: result.until, resolved: result.resolved, digests: result.sent.length });
      return result;
    } catch (error) {
      if (error instanceof DigestDeliveryError) countFailures(error.sent.filter((sent) => sent.result.status === 'failed').length);
      logger.error(error instanceof DigestDeliveryError ? 'Digest run failed: no channel took it' : 'Digest run failed', {
        error,
        ...(event?.scheduledTime ? { scheduledTime: event.scheduledTime } : {}),
      });
      throw error;
    }
  };
}

/** The event's scheduledTime as a date; a value that is not an ISO 8601 time fails the run with one line naming it. */
function scheduledTimeOf(event: DigestEvent | null | undefined): Date | undefined {
  const value: unknown = event?.scheduledTime;
  if (value === undefined) return undefined;
  const time = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(time.getTime()))
    throw new Error(`Digest event: scheduledTime must be an ISO 8601 time such as 2026-11-25T09:00:00Z, got ${JSON.stringify(value)}`);
  return time;
}
