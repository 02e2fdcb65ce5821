import { GetObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { InputError, parseAccessDeniedMessage } from '../../core/diagnosis';
import { credentialsForEndpoint, silenceSdkNodeVersionNotice } from '../local/endpoints';
import { describeFailure, failedScan, scanStream, type ScanSettings } from './file-scan';
import { OptionError } from './filters';
import { tooLarge } from './gzip';
import { InOrder, type ScanSink } from './pool';
import {
  dayPrefixes,
  mayHoldPeriod,
  s3Url,
  trailPrefixes,
  type FolderLister,
  type Period,
  type S3Location,
  type TrailScope,
} from './s3-keys';
import type { FileScanResult } from './summary';

/**
 * `denyscope scan s3://...`: lists the log files of the period in CloudTrail's layout and streams each object
 * (gunzipped as it downloads) through the same scan as local files. Loaded only for s3:// locations, so scans of
 * local files never load the AWS SDK.
 */

export interface S3ScanOptions {
  readonly profile: string | null;
  /** Attempts per request, retries included (the SDK's standard retry strategy); null: the SDK's setting. */
  readonly maxAttempts: number | null;
  /** Objects read at once. */
  readonly concurrency: number;
  readonly scope: TrailScope;
}

export interface S3ScanSink extends ScanSink {
  /** More objects listed (to be read), with their size in bytes. */
  onListed(objects: number, bytes: number): void;
  /** Every object to be read is listed. */
  onListingDone(): void;
}

interface S3Object {
  readonly key: string;
  readonly size: number;
}

/** Listed, not yet read: the lister waits beyond this, so a huge listing does not fill memory with keys. */
const LISTED_AHEAD = 100_000;
/** Results waiting for an earlier, slower object are kept at most this many reads ahead of it. */
const READ_AHEAD_PER_SLOT = 8;
/** Day folders whose first page is requested before their turn. */
const LISTINGS_AHEAD = 4;
/** Without a region in the environment or profile, S3 answers from here and the client follows its redirects. */
const FALLBACK_REGION = 'us-east-1';

/**
 * Scans every location: first finds each one's trail folders (a usage error, thrown, when one is inside AWSLogs
 * but no CloudTrail log folder; an InputError for a missing bucket), then lists and reads. Results reach the sink
 * in listing order: locations in order, folders in key order, objects in key order. A folder that cannot be listed
 * and an object that cannot be read are results with an error; nothing else stops the scan.
 */
export async function scanS3(
  locations: readonly S3Location[],
  settings: ScanSettings,
  options: S3ScanOptions,
  period: Period,
  env: NodeJS.ProcessEnv,
  sink: S3ScanSink,
): Promise<void> {
  const client = await createS3Client(options, env);
  try {
    const s3 = new S3Listing(client);
    // Each location's prefixes to list in full; a location not in CloudTrail's layout is listed whole.
    const plans: Array<{ location: S3Location; prefixes: string[] } | { location: S3Location; error: string }> = [];
    for (const location of locations) {
      try {
        const trail = await trailPrefixes(location, options.scope, s3.forBucket(location.bucket));
        const prefixes =
          trail === null
            ? [location.prefix]
            : trail.flatMap((folder) => (folder.byDay ? dayPrefixes(folder.prefix, period) : [folder.prefix]));
        plans.push({ location, prefixes });
      } catch (error) {
        if (error instanceof OptionError) throw error;
        if ((error as Error).name === 'NoSuchBucket') throw new InputError(s3Url(location.bucket, location.prefix), 'no such bucket');
        plans.push({ location, error: describeS3Failure(s3Url(location.bucket, location.prefix), 'cannot be listed', error) });
      }
    }

    const reader = new ObjectReader(client, settings, options.concurrency, sink);
    for (const plan of plans) {
      if ('error' in plan) {
        await reader.add({ failed: failedScan(s3Url(plan.location.bucket, plan.location.prefix), plan.error) });
        continue;
      }
      const { bucket } = plan.location;
      for await (const item of s3.objects(bucket, plan.prefixes)) {
        if ('error' in item) {
          await reader.add({
            failed: failedScan(s3Url(bucket, item.prefix), describeS3Failure(s3Url(bucket, item.prefix), 'cannot be listed', item.error)),
          });
        } else if (mayHoldPeriod(item.object.key, period)) {
          sink.onListed(1, item.object.size);
          await reader.add({ bucket, object: item.object });
        }
      }
    }
    sink.onListingDone();
    await reader.finished();
  } finally {
    client.destroy();
  }
}

/**
 * The S3 client: the standard credential, region and endpoint settings (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL,
 * profiles), --profile, and the SDK's standard retries with back-off on throttling and 5xx. A custom endpoint is
 * addressed path-style: local S3-compatible servers cannot answer bucket names as host names. Timeouts, so that
 * a stalled connection fails its object instead of hanging the scan.
 */
async function createS3Client(options: Pick<S3ScanOptions, 'profile' | 'maxAttempts'>, env: NodeJS.ProcessEnv): Promise<S3Client> {
  silenceSdkNodeVersionNotice();
  const endpoint =
    env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true' ? undefined : env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  if (endpoint !== undefined && !URL.canParse(endpoint))
    throw new OptionError(`the S3 endpoint from the environment is not a URL: "${endpoint}"`);
  const config: S3ClientConfig = {
    profile: options.profile ?? undefined,
    maxAttempts: options.maxAttempts ?? undefined,
    followRegionRedirects: true,
    forcePathStyle: endpoint !== undefined,
    // An emulator on this machine works with no AWS setup at all, unless credentials are given (a server that checks them).
    credentials:
      endpoint === undefined || options.profile !== null || env.AWS_ACCESS_KEY_ID !== undefined
        ? undefined
        : credentialsForEndpoint(endpoint),
    requestHandler: { connectionTimeout: 10_000, socketTimeout: 60_000 },
  };
  const client = new S3Client(config);
  try {
    await client.config.region();
    return client;
  } catch {
    client.destroy();
    return new S3Client({ ...config, region: FALLBACK_REGION });
  }
}

/** Listing with ListObjectsV2, one page (up to 1,000 keys) at a time. */
class S3Listing {
  constructor(private readonly client: S3Client) {}

  forBucket(bucket: string): FolderLister {
    return {
      folders: async (prefix) => {
        const folders: string[] = [];
        let token: string | undefined;
        do {
          const page = await this.client.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
          );
          for (const common of page.CommonPrefixes ?? []) if (common.Prefix !== undefined) folders.push(common.Prefix);
          token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
        } while (token !== undefined);
        return folders;
      },
    };
  }

  /**
   * Every object under the prefixes, in order. The first page of the next few prefixes is requested ahead, so a
   * day folder's listing is usually there when its turn comes. A prefix whose listing fails is one error item.
   */
  async *objects(bucket: string, prefixes: readonly string[]): AsyncGenerator<{ object: S3Object } | { prefix: string; error: unknown }> {
    const firstPages: Array<Promise<Page>> = [];
    let requested = 0;
    const requestAhead = (): void => {
      while (requested < prefixes.length && firstPages.length < LISTINGS_AHEAD) {
        const page = this.page(bucket, prefixes[requested++], undefined);
        // It may fail before its turn: the failure is reported when its turn comes, not as an unhandled rejection.
        page.catch(() => undefined);
        firstPages.push(page);
      }
    };
    requestAhead();
    for (const prefix of prefixes) {
      const first = firstPages.shift()!;
      requestAhead();
      try {
        for (let page = await first; ; page = await this.page(bucket, prefix, page.next)) {
          for (const object of page.objects) yield { object };
          if (page.next === undefined) break;
        }
      } catch (error) {
        yield { prefix, error };
      }
    }
  }

  private async page(bucket: string, prefix: string, token: string | undefined): Promise<Page> {
    const page = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    return {
      objects: (page.Contents ?? []).flatMap((entry) => (entry.Key === undefined ? [] : [{ key: entry.Key, size: entry.Size ?? 0 }])),
      next: page.IsTruncated === true ? page.NextContinuationToken : undefined,
    };
  }
}

interface Page {
  readonly objects: readonly S3Object[];
  readonly next: string | undefined;
}

type ReadItem = { readonly bucket: string; readonly object: S3Object } | { readonly failed: FileScanResult };

const sourceOf = (item: ReadItem): string => ('failed' in item ? item.failed.source : s3Url(item.bucket, item.object.key));

/**
 * Reads objects `concurrency` at a time, in the order they are added, and hands their results to the sink in that
 * order. `add` waits while too much is listed ahead of the reads.
 */
class ObjectReader {
  private readonly ordered: InOrder<FileScanResult>;
  /** Added, not started: `queue[head]` on. */
  private queue: Array<{ index: number; item: ReadItem }> = [];
  private head = 0;
  private added = 0;
  private delivered = 0;
  private reading = 0;
  private wakeLister: (() => void) | null = null;
  private wakeFinished: (() => void) | null = null;

  constructor(
    private readonly client: S3Client,
    private readonly settings: ScanSettings,
    private readonly concurrency: number,
    private readonly sink: ScanSink,
  ) {
    this.ordered = new InOrder<FileScanResult>((result) => {
      this.delivered += 1;
      sink.onResult(result);
    });
  }

  async add(item: ReadItem): Promise<void> {
    this.queue.push({ index: this.added++, item });
    this.pump();
    while (this.waiting() >= LISTED_AHEAD) await new Promise<void>((resolve) => (this.wakeLister = resolve));
  }

  private waiting(): number {
    return this.queue.length - this.head;
  }

  async finished(): Promise<void> {
    while (this.delivered < this.added) await new Promise<void>((resolve) => (this.wakeFinished = resolve));
  }

  private pump(): void {
    while (
      this.waiting() > 0 &&
      this.reading < this.concurrency &&
      this.queue[this.head].index - this.delivered < this.concurrency * READ_AHEAD_PER_SLOT
    ) {
      const { index, item } = this.queue[this.head++];
      this.reading += 1;
      void this.read(item)
        .catch((error: unknown) => failedScan(sourceOf(item), describeFailure(sourceOf(item), error)))
        .then((result) => {
          this.reading -= 1;
          this.ordered.deliver(index, result);
          this.pump();
        });
    }
    // Started items are dropped from the front now and then, so the queue does not keep every key listed.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.wake();
  }

  private wake(): void {
    if (this.waiting() < LISTED_AHEAD && this.wakeLister !== null) {
      const wake = this.wakeLister;
      this.wakeLister = null;
      wake();
    }
    if (this.delivered === this.added && this.wakeFinished !== null) {
      const wake = this.wakeFinished;
      this.wakeFinished = null;
      wake();
    }
  }

  private async read(item: ReadItem): Promise<FileScanResult> {
    if ('failed' in item) return item.failed;
    const source = sourceOf(item);
    if (item.object.size > this.settings.maxFileSize)
      return failedScan(source, `${source}: ${tooLarge(this.settings.maxFileSize).message}`);
    const maxDiagnoses = this.sink.wantedDiagnoses();
    let body;
    try {
      body = (await this.client.send(new GetObjectCommand({ Bucket: item.bucket, Key: item.object.key }))).Body;
    } catch (error) {
      return failedScan(source, describeS3Failure(source, 'cannot be read', error));
    }
    if (body === undefined) return failedScan(source, `${source}: cannot be read (no body in the response)`);
    return scanStream(source, body as AsyncIterable<Uint8Array>, this.settings, maxDiagnoses);
  }
}

/** What the SDK's errors carry (a network error has no $metadata). */
interface S3Failure {
  readonly name?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number };
}

const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ServiceUnavailable',
]);

/**
 * One line naming the object (or folder) and why it cannot be read. A KMS-encrypted object the caller may not
 * decrypt is said so, with the key's ARN when S3's message names it (the message is read by the same parser as
 * any access-denied message).
 */
function describeS3Failure(source: string, what: 'cannot be read' | 'cannot be listed', failure: unknown): string {
  const error = (typeof failure === 'object' && failure !== null ? failure : { message: String(failure) }) as S3Failure;
  const name = error.name ?? 'Error';
  const message = error.message ?? '';
  const attempts = error.$metadata?.attempts;
  const denied = parseAccessDeniedMessage(message);
  if (name.startsWith('KMS.') || denied.action?.toLowerCase().startsWith('kms:') === true || /customer master key|KMS key/i.test(message)) {
    const key = denied.action?.toLowerCase().startsWith('kms:') === true && denied.resource !== null ? ` ${denied.resource}` : '';
    return `${source}: ${what}: encrypted with a KMS key${key} the caller cannot use (${name}: ${message})`;
  }
  if (name === 'AccessDenied' || error.$metadata?.httpStatusCode === 403) return `${source}: ${what}: access denied (${message})`;
  if (name === 'NoSuchKey') return `${source}: ${what}: it no longer exists`;
  if (name === 'InvalidObjectState') return `${source}: ${what}: archived in an S3 Glacier storage class (restore it first)`;
  const retried = attempts !== undefined && attempts > 1 ? `, after ${attempts} attempts` : '';
  if (THROTTLING.has(name) || error.$metadata?.httpStatusCode === 503)
    return `${source}: ${what}: throttled by S3 (${name}${retried}: ${message})`;
  return `${source}: ${what} (${name}${retried}: ${message})`;
}
