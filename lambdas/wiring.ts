import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbIncidentReader } from './adapters/dynamodb-incident-reader';
import { DynamoDbIncidentStore } from './adapters/dynamodb-incident-store';
import { CachedMuteSource, DynamoDbMuteReader } from './adapters/dynamodb-mute-store';
import type { DigestConfig, HandlerConfig } from './handler-config';
import type { DigestRunDeps } from '../core/incidents/digest-run';
import { createIncidentPipeline, type ChannelSelector, type IncidentPipeline } from '../core/incidents/pipeline';
import {
  systemClock,
  type Clock,
  type DiagnosisDeepener,
  type DigestSender,
  type Enricher,
  type IncidentStore,
  type Notifier,
} from '../core/incidents/ports';
import { Router } from '../core/incidents/routes';

/** What the alert pipeline needs: the store's settings, its client, and the channels, which differ per place it runs. */
export interface AlertPipelineParts {
  readonly config: Pick<HandlerConfig, 'incidentsTableName' | 'retentionDays' | 'dedupWindowMinutes'> &
    Partial<Pick<HandlerConfig, 'acknowledgeHours' | 'autoResolveDays' | 'alertOnConsoleReads' | 'mutes'>>;
  /** The incidents table's client (items as plain objects). */
  readonly documents: DynamoDBDocumentClient;
  /** In delivery order. */
  readonly notifiers: readonly Notifier[];
  /** The alert routes (see IncidentPipelineDeps.channelsFor); absent: every notifier gets every alert. */
  readonly channelsFor?: ChannelSelector;
  readonly enricher?: Enricher;
  /** Deep diagnosis of each alert (the Lambda with deepDiagnosis on); see deep-diagnosis.ts. */
  readonly deepener?: DiagnosisDeepener;
  readonly clock?: Clock;
  /** See IncidentPipelineDeps.soleWriter. */
  readonly soleWriter?: boolean;
}

/** A warm Lambda reads the table's mutes at most this often: a new or removed mute applies within it. */
export const MUTE_CACHE_MS = 60_000;

export interface AlertPipeline {
  readonly pipeline: IncidentPipeline;
  readonly store: IncidentStore;
}

/**
 * The one wiring of the alert pipeline on the DynamoDB store: the Lambda module, `denyscope local`, the test harness
 * and the benchmark build it here and differ only in their clients and channels.
 */
export function createAlertPipeline(parts: AlertPipelineParts): AlertPipeline {
  const { config } = parts;
  const clock = parts.clock ?? systemClock;
  const store = new DynamoDbIncidentStore(parts.documents, { tableName: config.incidentsTableName, retentionDays: config.retentionDays });
  const mutes = new CachedMuteSource(
    config.mutes ?? [],
    new DynamoDbMuteReader(parts.documents, config.incidentsTableName),
    clock,
    MUTE_CACHE_MS,
  );
  const pipeline = createIncidentPipeline({
    store,
    notifiers: parts.notifiers,
    channelsFor: parts.channelsFor,
    enricher: parts.enricher,
    deepener: parts.deepener,
    clock,
    dedupWindowMinutes: config.dedupWindowMinutes,
    acknowledgeHours: config.acknowledgeHours,
    autoResolveDays: config.autoResolveDays,
    alertOnConsoleReads: config.alertOnConsoleReads,
    mutes,
    soleWriter: parts.soleWriter,
  });
  return { pipeline, store };
}

/** What the digest run needs: the store's settings, its client, and the channels (the stack's own, then the routes'). */
export interface DigestRunParts {
  readonly config: Pick<DigestConfig, 'incidentsTableName' | 'retentionDays' | 'autoResolveDays' | 'mutes' | 'routing'>;
  readonly documents: DynamoDBDocumentClient;
  /** The stack's own channels (stackChannels in lambdas/channels.ts): their ids decide which digests go to them. */
  readonly stackChannels: readonly DigestSender[];
  readonly routeChannels: readonly DigestSender[];
  readonly clock?: Clock;
}

/**
 * The one wiring of the digest run on the DynamoDB store, the alert pipeline's adapters: the reader (Query on the byCause
 * index), the store's conditional resolveIdle, and the mutes as the alert Lambda applies them (standing and table), read
 * afresh for each run.
 */
export function createDigestRunDeps(parts: DigestRunParts): Omit<DigestRunDeps, 'log'> {
  const { config } = parts;
  const clock = parts.clock ?? systemClock;
  return {
    incidents: new DynamoDbIncidentReader(parts.documents, config.incidentsTableName),
    states: new DynamoDbIncidentStore(parts.documents, { tableName: config.incidentsTableName, retentionDays: config.retentionDays }),
    mutes: new CachedMuteSource(config.mutes, new DynamoDbMuteReader(parts.documents, config.incidentsTableName), clock, 0),
    senders: [...parts.stackChannels, ...parts.routeChannels],
    router: config.routing === null ? null : new Router(config.routing),
    stackChannels: parts.stackChannels.map((channel) => channel.channel),
    autoResolveDays: config.autoResolveDays,
    clock,
  };
}
