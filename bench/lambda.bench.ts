/**
 * Alert Lambda benchmarks (issue 4 "Performance"): `npx tsx bench/lambda.bench.ts`.
 * 1. Cold start: bundle size and module-init time of lambdas/alert-handler.ts built like the stack builds it,
 *    next to a minimal handler that only creates the same SDK clients.
 * 2. Cost per event: DynamoDB calls and capacity units, and notifications, per path (SDK middleware on dynalite).
 * 3. Storm: 10,000 events over 5 incidents through the handler in SQS-sized batches, against dynalite.
 * 4. Deep diagnosis: the AWS calls one alert's deep diagnosis makes, cold and with the container's read cache warm,
 *    counted by the local AWS stand-in (test/support/aws-standin.ts) answering the real wire formats.
 * Environment: BENCH_INIT_RUNS (default 15), BENCH_STORM_EVENTS (default 10000), BENCH_STORM_CONCURRENCY (default "1,4,10"),
 * BENCH_PARTS (default "cold,cost,storm,deep": which of the four to run).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { build } from 'esbuild';
import { ALERT_HANDLER_BUILD_OPTIONS, alertHandlerBuilds } from '../scripts/build-lambda.mjs';
import { HANDLER_ENV, METRICS_NAMESPACE, SERVICE_NAME } from '../core/contract';
import { diagnose, readRecords } from '../core/diagnosis';
import { createEvidenceDeepener } from '../lambdas/deep-diagnosis-evidence';
import { startAwsStandIn } from '../test/support/aws-standin';
import { DENY_DELETES_ARN, ROLE_ARN, standInEnvironment, WORLD } from '../test/support/policy-world';
import { createAlertHandler } from '../lambdas/alert-batch';
import type { Incident } from '../core/incidents/model';
import { createAlertPipeline } from '../lambdas/wiring';
import type { DeliveryResult, Notifier } from '../core/incidents/ports';
import { denialEvent, lambdaContext, sqsEvent, sqsMessage } from '../test/support/denial-events';
import { startDynalite, type LocalDynamo } from '../test/support/dynalite';
import { ManualClock, STACK_HANDLER_ENV } from '../test/support/handler-harness';

const REPO_ROOT = path.resolve(__dirname, '..');
const INIT_RUNS = Number(process.env.BENCH_INIT_RUNS ?? 15);
const STORM_EVENTS = Number(process.env.BENCH_STORM_EVENTS ?? 10_000);
const STORM_CONCURRENCY = (process.env.BENCH_STORM_CONCURRENCY ?? '1,4,10').split(',').map(Number);
const PARTS = new Set((process.env.BENCH_PARTS ?? 'cold,cost,storm,deep').split(','));
const STORM_INCIDENTS = 5;
const SQS_BATCH_SIZE = 10;

// ---------------------------------------------------------------------------------------------- 1. cold start

/** The same SDK clients the handler creates, and nothing else: the baseline for module init. */
const MINIMAL_HANDLER = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { KMSClient } from '@aws-sdk/client-kms';
const dynamodb = new DynamoDBClient({});
const documents = DynamoDBDocumentClient.from(dynamodb);
const clients = [documents, new SNSClient({}), new SecretsManagerClient({}), new KMSClient({})];
export const handler = async () => ({ batchItemFailures: [], clients: clients.length });
`;

interface BuiltHandler {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  /** Set over the stack's environment. */
  readonly env: Record<string, string>;
}

/** esbuild with the options of the deployed asset (scripts/build-lambda.mjs); the variants change only the externals. */
async function buildHandlers(outDir: string): Promise<BuiltHandler[]> {
  const common = { ...ALERT_HANDLER_BUILD_OPTIONS, logLevel: 'error' } as const;
  const variants: { name: string; entry?: boolean; source?: string; external: string[]; env?: Record<string, string> }[] = [
    { name: 'alert-handler (as deployed: @aws-sdk/* from the runtime)', entry: true, external: ['@aws-sdk/*'] },
    { name: 'minimal handler, same SDK clients (@aws-sdk/* from the runtime)', source: MINIMAL_HANDLER, external: ['@aws-sdk/*'] },
    { name: 'alert-handler, SDK bundled', entry: true, external: [] },
    { name: 'minimal handler, SDK bundled', source: MINIMAL_HANDLER, external: [] },
    // tracing=true: Powertools Tracer (aws-xray-sdk-core) loaded at init.
    {
      name: 'alert-handler with tracing=true (@aws-sdk/* from the runtime)',
      entry: true,
      external: ['@aws-sdk/*'],
      env: { [HANDLER_ENV.tracing]: 'true' },
    },
  ];
  const built: BuiltHandler[] = [];
  for (const [index, variant] of variants.entries()) {
    const file = path.join(outDir, `variant-${index}`, 'index.js');
    // Externals resolve from the repository's node_modules, as they would from the Lambda runtime's.
    const options = { ...common, external: variant.external, nodePaths: [path.join(REPO_ROOT, 'node_modules')] };
    if (variant.entry) {
      // The handler as the asset holds it: index.js, and deep diagnosis in its own file beside it.
      for (const handlerBuild of alertHandlerBuilds(path.dirname(file), options))
        await build({ ...handlerBuild, absWorkingDir: REPO_ROOT });
    } else {
      await build({ ...options, outfile: file, stdin: { contents: variant.source ?? '', resolveDir: REPO_ROOT, loader: 'ts' } });
    }
    built.push({ name: variant.name, file, bytes: statSync(file).size, env: variant.env ?? {} });
  }
  return built;
}

const HANDLER_ENVIRONMENT = {
  ...STACK_HANDLER_ENV,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
};

/** Milliseconds to require() the bundle in a fresh node process (module init: imports + module-scope code). */
function initTimeMs({ file, env }: BuiltHandler): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`;
  const result = spawnSync(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH, NODE_PATH: path.join(REPO_ROOT, 'node_modules'), ...HANDLER_ENVIRONMENT, ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`loading ${file} failed: ${result.stderr}`);
  return Number(result.stdout);
}

async function coldStart(): Promise<void> {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'denyscope-bench-'));
  try {
    const handlers = await buildHandlers(outDir);
    const samples = new Map<string, number[]>(handlers.map((handler) => [handler.name, []]));
    for (const handler of handlers) initTimeMs(handler); // warm the file cache
    // Interleaved, so drift on a shared machine hits every variant alike.
    for (let run = 0; run < INIT_RUNS; run += 1) {
      for (const handler of handlers) samples.get(handler.name)?.push(initTimeMs(handler));
    }
    console.log(`\n## 1. Cold start: bundle size and module init (median of ${INIT_RUNS} fresh node processes)\n`);
    // The minimum is the least disturbed by other load on a shared machine; the median is what a cold start usually costs.
    console.log('| bundle | size | init min | init median | init p90 | vs minimal (min) | vs minimal (median) |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    const stats = handlers.map((handler) => {
      const values = samples.get(handler.name) ?? [];
      return { min: Math.min(...values), median: percentile(values, 50), p90: percentile(values, 90) };
    });
    // Each handler is compared with the minimal handler built the same way (SDK external: index 1, bundled: index 3).
    const baselineOf = (index: number): number => (index === 2 || index === 3 ? 3 : 1);
    handlers.forEach((handler, index) => {
      const own = stats[index];
      const baseline = stats[baselineOf(index)];
      console.log(
        `| ${handler.name} | ${(handler.bytes / 1024).toFixed(0)} KiB | ${own.min.toFixed(1)} ms | ${own.median.toFixed(1)} ms | ${own.p90.toFixed(1)} ms | ` +
          `${(own.min / baseline.min).toFixed(2)}x | ${(own.median / baseline.median).toFixed(2)}x |`,
      );
    });
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------ 2. cost per event

interface CallTally {
  calls: Map<string, number>;
  capacityUnits: number;
  capacityReported: boolean;
  /** Calls that failed, whose capacity DynamoDB does not return. */
  capacityFailures: number;
}

/** Counts every DynamoDB call through the client and asks for ReturnConsumedCapacity=TOTAL. */
function instrument(dynamo: LocalDynamo): CallTally {
  const tally: CallTally = { calls: new Map(), capacityUnits: 0, capacityReported: false, capacityFailures: 0 };
  dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      const command = String(context.commandName).replace(/Command$/, '');
      const result = await next(args).catch((error: unknown) => {
        const failed = `${command} (${(error as { name?: string }).name ?? 'failed'})`;
        tally.calls.set(failed, (tally.calls.get(failed) ?? 0) + 1);
        tally.capacityFailures += 1;
        throw error;
      });
      tally.calls.set(command, (tally.calls.get(command) ?? 0) + 1);
      const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity;
      if (consumed?.CapacityUnits !== undefined) {
        tally.capacityReported = true;
        tally.capacityUnits += consumed.CapacityUnits;
      }
      return result;
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
  return tally;
}

/** Stands in for SNS and Slack: counts alerts, no network. */
class CountingNotifier implements Notifier {
  sent = 0;
  constructor(readonly channel: Notifier['channel']) {}
  async notify(_incident: Incident): Promise<DeliveryResult> {
    this.sent += 1;
    return { status: 'sent' };
  }
}

function quietHandler(dynamo: LocalDynamo, tableName: string, notifiers: Notifier[], concurrency: number, clock = new ManualClock()) {
  return createAlertHandler({
    // ERROR: the acknowledged non-denial's raw-body warning would interrupt the report.
    logger: new Logger({ serviceName: SERVICE_NAME, logLevel: 'ERROR' }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
    concurrency,
    pipeline: createAlertPipeline({
      config: { incidentsTableName: tableName, retentionDays: 90, dedupWindowMinutes: 60 },
      documents: dynamo.documents,
      notifiers,
      clock,
    }).pipeline,
  });
}

async function costPerEvent(dynamo: LocalDynamo, tally: CallTally): Promise<void> {
  const tableName = await dynamo.createTable();
  const sns = new CountingNotifier('sns');
  const slack = new CountingNotifier('slack');
  const clock = new ManualClock();
  const handler = quietHandler(dynamo, tableName, [sns, slack], 1, clock);
  const event = (eventId: string, eventTime: string, extra: Record<string, string> = {}) =>
    denialEvent({ eventId, eventTime, roleName: 'cost', ...extra });
  const paths: [string, Record<string, unknown>, number][] = [
    ['new incident (alert on SNS and Slack)', event('cost-1', '2026-11-20T09:15:00Z'), 0],
    ['repeat within the window', event('cost-2', '2026-11-20T09:16:00Z'), 1],
    ['repeat within the window, older than the last seen', event('cost-3', '2026-11-20T09:14:00Z'), 1],
    ['repeat after the window (alert on SNS and Slack)', event('cost-4', '2026-11-20T10:20:00Z'), 61],
    ['duplicate (same eventID again)', event('cost-4', '2026-11-20T10:20:00Z'), 1],
    ['not a denial (acknowledged)', event('cost-5', '2026-11-20T10:21:00Z', { errorCode: 'ThrottlingException' }), 0],
  ];
  console.log('\n## 2. Cost per event (DynamoDB calls counted by SDK middleware against dynalite)\n');
  console.log('| path | DynamoDB calls | writes | capacity units | notifications |');
  console.log('|---|---|---:|---:|---:|');
  for (const [name, body, minutesLater] of paths) {
    clock.advanceMinutes(minutesLater);
    tally.calls.clear();
    tally.capacityUnits = 0;
    tally.capacityReported = false;
    tally.capacityFailures = 0;
    const notificationsBefore = sns.sent + slack.sent;
    await handler(sqsEvent(sqsMessage(body)), lambdaContext());
    const calls = [...tally.calls.entries()].map(([command, count]) => `${command} x${count}`).join(', ') || 'none';
    const writes = [...tally.calls.entries()]
      .filter(([command]) => !/^(Get|Query|Describe)/.test(command))
      .reduce((sum, [, count]) => sum + count, 0);
    let capacity = tally.capacityUnits.toFixed(1);
    if (tally.calls.size === 0) capacity = '0';
    else if (!tally.capacityReported) capacity = 'not reported (a failed conditional write returns no ConsumedCapacity)';
    else if (tally.capacityFailures > 0)
      capacity += ` (+ ${tally.capacityFailures} failed conditional write${tally.capacityFailures === 1 ? '' : 's'}, not reported)`;
    console.log(`| ${name} | ${calls} | ${writes} | ${capacity} | ${sns.sent + slack.sent - notificationsBefore} |`);
  }
}

// ------------------------------------------------------------------------------------------------ 3. storm

async function storm(concurrency: number): Promise<string> {
  // A fresh dynalite per run: its in-memory store slows as it grows, which would favour whichever run goes first.
  const dynamo = await startDynalite('child');
  try {
    return await stormOn(dynamo, concurrency);
  } finally {
    await dynamo.stop();
  }
}

async function stormOn(dynamo: LocalDynamo, concurrency: number): Promise<string> {
  const tableName = await dynamo.createTable();
  const sns = new CountingNotifier('sns');
  const handler = quietHandler(dynamo, tableName, [sns, new CountingNotifier('slack')], concurrency);
  const events = Array.from({ length: STORM_EVENTS }, (_, index) =>
    sqsMessage(denialEvent({ eventId: `storm-${index}`, roleName: `storm-role-${index % STORM_INCIDENTS}` })),
  );
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  for (let offset = 0; offset < events.length; offset += SQS_BATCH_SIZE) {
    const batchStarted = performance.now();
    const { batchItemFailures } = await handler(sqsEvent(...events.slice(offset, offset + SQS_BATCH_SIZE)), lambdaContext());
    latencies.push(performance.now() - batchStarted);
    failures += batchItemFailures.length;
  }
  const seconds = (performance.now() - started) / 1000;
  return `| ${concurrency} | ${STORM_EVENTS} | ${(STORM_EVENTS / seconds).toFixed(0)} | ${sns.sent} | ${failures} | ${percentile(latencies, 50).toFixed(1)} ms | ${percentile(latencies, 99).toFixed(1)} ms |`;
}

// ---------------------------------------------------------------------------------------- 4. deep diagnosis

/** The AWS calls of one alert's deep diagnosis of an identity-policy denial (no authorization id), cold then warm. */
async function deepDiagnosisCalls(): Promise<void> {
  const standIn = await startAwsStandIn(WORLD);
  const saved = { ...process.env };
  Object.assign(process.env, standInEnvironment(standIn.endpoint));
  try {
    const event = denialEvent({
      eventName: 'DeleteItem',
      roleName: 'app',
      reason: `with an explicit deny in an identity-based policy: ${DENY_DELETES_ARN}.`,
    });
    (
      event.detail as { userIdentity: { sessionContext: { sessionIssuer: { arn: string } } } }
    ).userIdentity.sessionContext.sessionIssuer.arn = ROLE_ARN;
    const record = readRecords(JSON.stringify(event), 'bench')[0];
    const diagnosis = diagnose(record);
    if (diagnosis === null) throw new Error('bench event is not a denial');
    const deepener = createEvidenceDeepener({ organizationReaderRoleArn: null });
    const calls = async (): Promise<Map<string, number>> => {
      standIn.requests.length = 0;
      await deepener.deepen(diagnosis, record, 30_000);
      const counted = new Map<string, number>();
      for (const request of standIn.requests) {
        const name = `${request.service}:${request.operation}`;
        counted.set(name, (counted.get(name) ?? 0) + 1);
      }
      return counted;
    };
    const cold = await calls();
    const warm = await calls();
    console.log('\n## 4. Deep diagnosis: AWS calls of one alert (identity-policy denial of a role, table with a KMS key)\n');
    console.log('| call | cold container | warm (within the read cache TTL) |');
    console.log('|---|---:|---:|');
    for (const name of [...cold.keys()].sort()) console.log(`| ${name} | ${cold.get(name)} | ${warm.get(name) ?? 0} |`);
    const total = (counts: Map<string, number>) => [...counts.values()].reduce((sum, count) => sum + count, 0);
    console.log(`| **total** | ${total(cold)} | ${total(warm)} |`);
  } finally {
    process.env = saved;
    await standIn.stop();
  }
}

// --------------------------------------------------------------------------------------------------- main

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log('# denyscope alert Lambda benchmark\n');
  console.log(
    `Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, Node.js ${process.version}, ${os.platform()} ${os.arch()}`,
  );
  if (PARTS.has('cold')) await coldStart();
  process.env.POWERTOOLS_METRICS_DISABLED = 'true'; // EMF lines would flood the report; counting them is not what is measured
  if (PARTS.has('cost')) {
    // A separate process, as DynamoDB is remote: the handler and the store do not share one event loop.
    const dynamo = await startDynalite('child');
    try {
      await costPerEvent(dynamo, instrument(dynamo));
    } finally {
      await dynamo.stop();
    }
  }
  if (PARTS.has('deep')) await deepDiagnosisCalls();
  if (!PARTS.has('storm')) return;
  console.log(
    `\n## 3. Storm: ${STORM_EVENTS} events over ${STORM_INCIDENTS} incidents, SQS batches of ${SQS_BATCH_SIZE}, dynalite in a child process\n`,
  );
  console.log(
    '| messages processed at once per batch | events | events/s | alerts (must be 5) | batch item failures | p50 batch | p99 batch |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const concurrency of STORM_CONCURRENCY) console.log(await storm(concurrency));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
