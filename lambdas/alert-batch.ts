import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { CAUSE_DIMENSION, METRIC } from '../core/contract';
import { InputError, diagnose, readRecords, type Cause, type CloudTrailRecord, type Diagnosis } from '../core/diagnosis';
import { incidentIdFor, withStableEventId } from '../core/incidents/identity';
import type { IncidentPipeline, PipelineOutcome } from '../core/incidents/pipeline';
import type { PipelineLog } from '../core/incidents/ports';

export interface AlertHandlerDeps {
  readonly pipeline: IncidentPipeline;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * Messages of a batch processed at once. Concurrent events of one incident are safe (conditional writes);
   * the limit keeps a batch from bursting the table or the Slack webhook. See bench/lambda.bench.ts.
   */
  readonly concurrency?: number;
}

export type AlertHandler = (
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'> & Partial<Context>,
) => Promise<SQSBatchResponse>;

/** Raw bodies of unprocessable messages are logged up to this many characters. */
export const RAW_BODY_LOG_LIMIT = 2_048;
const DEFAULT_CONCURRENCY = 4;

type PerCauseMetric = typeof METRIC.denials | typeof METRIC.incidentsOpened | typeof METRIC.alertsSent | typeof METRIC.alertsSuppressed;
type PipelineMetric = typeof METRIC.duplicates | typeof METRIC.notifyFailures | typeof METRIC.unprocessableMessages;

/**
 * The SQS batch handler: each message body is an EventBridge event. Unparseable, unknown or non-denial
 * messages are logged raw (truncated), counted and acknowledged; a message that fails for a transient
 * reason (store error, undelivered alert, another delivery of the same event in progress) is returned in
 * batchItemFailures, alone, so SQS retries it and finally moves it to the dead-letter queue.
 */
export function createAlertHandler(deps: AlertHandlerDeps): AlertHandler {
  const { pipeline, logger, metrics } = deps;
  const concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;

  return async (event, context) => {
    if (context.awsRequestId !== undefined) logger.addContext(context as Context);
    const tally = new MetricTally();
    const budget = { remainingMs: () => context.getRemainingTimeInMillis() };
    const failures: string[] = [];
    try {
      await forEachWithConcurrency(event.Records, concurrency, async (message) => {
        try {
          const retry = await processMessage(message);
          if (retry) failures.push(message.messageId);
        } catch (error) {
          logger.error('Message failed; SQS will retry it', { messageId: message.messageId, error });
          failures.push(message.messageId);
        }
      });
    } finally {
      tally.publish(metrics);
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };

    /** True when the message must be retried. */
    async function processMessage(message: SQSRecord): Promise<boolean> {
      const denials = denialsOf(message);
      if (denials === null) return false;
      let retry = false;
      for (const { diagnosis, record } of denials) {
        const log = keyedLog(logger, { messageId: message.messageId, eventId: diagnosis.eventId, incidentId: incidentIdFor(diagnosis) });
        let outcome: PipelineOutcome;
        try {
          outcome = await pipeline.process(diagnosis, { budget, log, record });
        } catch (error) {
          log.error('Event failed; SQS will retry its message', { error });
          return true; // the message's other events are duplicates on the retry, so nothing is done twice
        }
        tally.count(outcome, diagnosis.cause);
        logOutcome(log, outcome);
        if (outcome.kind === 'busy' || (outcome.kind === 'alerted' && !outcome.complete)) retry = true;
      }
      return retry;
    }

    /**
     * The denials a message holds, each with its record (deep diagnosis evaluates it), or null when it was unprocessable (already logged and counted). Any failure
     * to read or diagnose it is the message's own, which no retry can cure: it is acknowledged, not retried.
     * The remediation is built here, so a failure building it is one of these too.
     */
    function denialsOf(message: SQSRecord): { diagnosis: Diagnosis; record: CloudTrailRecord }[] | null {
      let records;
      let denials: { diagnosis: Diagnosis; record: CloudTrailRecord }[];
      try {
        records = readRecords(message.body, `SQS message ${message.messageId}`);
        denials = records.flatMap((record) => {
          const diagnosis = diagnose(record);
          if (diagnosis === null) return [];
          const stable = withStableEventId(diagnosis, record);
          void stable.remediation;
          return [{ diagnosis: stable, record }];
        });
      } catch (error) {
        if (error instanceof InputError) return unprocessable(message, error.message);
        return unprocessable(message, `cannot be read or diagnosed: ${String(error)}`, error);
      }
      if (denials.length === 0) {
        return unprocessable(message, records.length === 0 ? 'holds no CloudTrail record' : 'not an access denial');
      }
      return denials;
    }

    function unprocessable(message: SQSRecord, reason: string, error?: unknown): null {
      logger.warn('Unprocessable message acknowledged', {
        messageId: message.messageId,
        reason,
        rawBody: message.body.slice(0, RAW_BODY_LOG_LIMIT),
        rawBodyLength: message.body.length,
        ...(error === undefined ? {} : { error }),
      });
      tally.add(METRIC.unprocessableMessages);
      return null;
    }
  };
}

function logOutcome(log: PipelineLog, outcome: PipelineOutcome): void {
  switch (outcome.kind) {
    case 'duplicate':
      log.info('Duplicate event: already recorded');
      return;
    case 'busy':
      log.info('Another delivery of this event is being processed; SQS will retry this one');
      return;
    case 'suppressed':
      log.info('Occurrence recorded; alert suppressed', {
        count: outcome.incident.count,
        reason: outcome.reason,
        ...(outcome.incident.mutedBy === null ? {} : { mutedBy: outcome.incident.mutedBy }),
      });
      return;
    case 'alerted':
      log.info(outcome.complete ? 'Alert delivered' : 'Alert partly delivered; retrying the message', {
        count: outcome.incident.count,
        channels: outcome.incident.alert?.channels,
      });
  }
}

/**
 * Log lines keyed by message, event and incident. Keys are passed per line rather than with appendKeys,
 * because messages are processed concurrently and appended keys are shared by the whole logger.
 */
function keyedLog(logger: Logger, keys: Record<string, string>): PipelineLog {
  return {
    info: (message, attributes) => logger.info(message, { ...keys, ...attributes }),
    warn: (message, attributes) => logger.warn(message, { ...keys, ...attributes }),
    error: (message, attributes) => logger.error(message, { ...keys, ...attributes }),
  };
}

/** Counts per invocation, emitted once at the end: one EMF document per cause instead of one per event. */
class MetricTally {
  private readonly perCause = new Map<Cause, Map<PerCauseMetric, number>>();
  private readonly plain = new Map<PipelineMetric, number>();

  add(name: PipelineMetric, value = 1): void {
    this.plain.set(name, (this.plain.get(name) ?? 0) + value);
  }

  addForCause(name: PerCauseMetric, cause: Cause): void {
    const counts = this.perCause.get(cause) ?? new Map<PerCauseMetric, number>();
    counts.set(name, (counts.get(name) ?? 0) + 1);
    this.perCause.set(cause, counts);
  }

  count(outcome: PipelineOutcome, cause: Cause): void {
    if (outcome.kind === 'duplicate') {
      this.add(METRIC.duplicates);
      return;
    }
    if (outcome.kind === 'busy') return;
    if (outcome.counted) this.addForCause(METRIC.denials, cause);
    if (outcome.newIncident) this.addForCause(METRIC.incidentsOpened, cause);
    if (outcome.kind === 'suppressed') this.addForCause(METRIC.alertsSuppressed, cause);
    if (outcome.kind === 'alerted') {
      if (outcome.complete) this.addForCause(METRIC.alertsSent, cause);
      if (outcome.failedChannels.length > 0) this.add(METRIC.notifyFailures, outcome.failedChannels.length);
    }
  }

  publish(metrics: Metrics): void {
    // One EMF document per cause (publishing clears the cause dimension), then one for the rest.
    for (const [cause, counts] of this.perCause) {
      metrics.addDimension(CAUSE_DIMENSION, cause);
      for (const [name, value] of counts) metrics.addMetric(name, MetricUnit.Count, value);
      metrics.publishStoredMetrics();
    }
    if (this.plain.size === 0) return;
    for (const [name, value] of this.plain) metrics.addMetric(name, MetricUnit.Count, value);
    metrics.publishStoredMetrics();
  }
}

async function forEachWithConcurrency<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
