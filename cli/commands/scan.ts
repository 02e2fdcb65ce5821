import type { Command } from 'commander';
import { CAUSES, InputError } from '../../core/diagnosis';
import { escapeJson } from '../../core/render/escape';
import { EXIT, processIo, reportInputError, usageErrorsExitWith2, type CliIo } from '../io';
import { styleFor } from '../render/style';
import { parseByteSize } from '../scan/bytes';
import type { ScanSettings } from '../scan/file-scan';
import { collectInputs, type CollectedInputs } from '../scan/files';
import { DEFAULT_LIMIT, OptionError, parseLimit, parseScanFilter, type ScanFilterOptions } from '../scan/filters';
import { defaultJobs, scanInputs, type ScanGate } from '../scan/pool';
import { createProgress } from '../scan/progress';
import { renderScanText } from '../scan/report-text';
import { isS3Url, parseS3Url, type S3Location } from '../scan/s3-keys';
import type { S3ScanOptions } from '../scan/s3-source';
import { DIMENSIONS, POLICY_DIMENSIONS, rankGroups, ScanTotals, type Dimension } from '../scan/summary';
import { parseDeepOptions, type DeepOptions } from '../deep/deep-options';
import { readPolicySource, tuneForEvaluation, type PolicySource } from '../policies-source';
import { withAwsEvidence } from '../deep/deep-run';

export interface ScanOptions extends ScanFilterOptions {
  readonly json?: boolean;
  readonly limit?: string;
  readonly jobs?: string;
  readonly maxFileSize?: string;
  readonly account?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly concurrency?: string;
  readonly maxAttempts?: string;
  readonly policies?: string;
  readonly deep?: boolean;
  readonly orgRole?: string;
  readonly organization?: boolean;
}

const DEFAULT_MAX_FILE_SIZE = '1GiB';
const DEFAULT_CONCURRENCY = 16;

/** Options that only mean something for s3:// locations. */
const S3_OPTIONS = ['account', 'region', 'profile', 'concurrency', 'maxAttempts'] as const;
const optionName = (key: string): string => `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;

export function registerScan(program: Command, io: CliIo = processIo()): void {
  program
    .command('scan')
    .description(
      'Diagnose every denial in CloudTrail logs: files, directories (e.g. AWSLogs/ACCOUNT/CloudTrail/REGION/Y/M/D/*.json.gz), stdin, or S3 (s3://BUCKET/PREFIX)',
    )
    .argument(
      '[paths...]',
      'files and directories to read recursively (gzip is detected by content); "-" reads stdin; or s3://BUCKET/PREFIX locations',
    )
    .option('--json', 'print one JSON document: totals, counts by cause/principal/action/table, and the diagnoses')
    .option(
      '--since <time>',
      'only denials at or after this time: ISO 8601 (2026-11-20T09:15:00Z; no zone = UTC) or a duration before now (30m, 24h, 7d, 2w)',
    )
    .option('--until <time>', 'only denials at or before this time (same forms as --since)')
    .option('--principal <arn>', 'only denials of this principal (role/user ARN or account id) or caller ARN')
    .option('--table <name>', 'only denials on this DynamoDB table')
    .option('--cause <causes>', `only these causes, comma-separated: ${CAUSES.join(', ')}`)
    .option('--limit <n>', `at most this many diagnoses in --json output (counts are never capped)`, String(DEFAULT_LIMIT))
    .option(
      '--jobs <n>',
      'threads that scan local files, this one and n - 1 workers (default: one per CPU core for inputs over 4 MB, else 1)',
    )
    .option(
      '--max-file-size <size>',
      'skip an input larger than this, as read or once decompressed (e.g. 500MiB, 2GiB)',
      DEFAULT_MAX_FILE_SIZE,
    )
    .option('--account <ids>', "s3:// only: read only these accounts' logs, comma-separated")
    .option('--region <regions>', 's3:// only: read only the logs of these trail regions, comma-separated')
    .option('--profile <name>', 's3:// and --deep: the AWS profile for credentials and region (default: the standard AWS settings)')
    .option('--concurrency <n>', `s3:// only: objects read at once (default ${DEFAULT_CONCURRENCY})`)
    .option(
      '--max-attempts <n>',
      "s3:// only: attempts per S3 request, retries with back-off on throttling and 5xx included (default: the SDK's, 3)",
    )
    .option(
      '--policies <store>',
      'evaluate every denial against this policy store (denyscope-policies/1); --json then counts byDecision and byStatement',
    )
    .option(
      '--deep',
      "evaluate every denial with evidence from AWS, with your credentials (--profile): AWS's authorization record, else the --policies store or the policies it needs, read now",
    )
    .option(
      '--organization',
      "--deep: also read the accounts' organization paths and SCPs and RCPs (management account or delegated administrator)",
    )
    .option('--org-role <arn>', '--deep: read Organizations through this role; implies --organization')
    .addHelpText(
      'after',
      [
        '',
        '"records" counts every record read; "denials", the tables and the diagnoses count only denials that pass the filters.',
        'Hidden files and CloudTrail-Digest directories are skipped when walking directories; only regular files are read.',
        "With s3://, only the day folders that can hold the period's events are listed (CloudTrail's key layout, with or",
        'without an organization id); AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL point it at another S3-compatible endpoint.',
        'Exit status: 0 when every input was read, 1 when some were unreadable, corrupt or too large (each named on stderr',
        'and skipped; the totals still print) or, with --deep, when some of the evidence used could not be read from AWS (each',
        'named on stderr), 2 on a usage error, a bad option value or a PATH that does not exist (nothing on stdout).',
      ].join('\n'),
    )
    .exitOverride(usageErrorsExitWith2(io))
    .action(async (paths: string[], options: ScanOptions) => {
      io.setExitCode(await runScan(paths, options, io));
    });
}

type ScanTarget =
  | { readonly kind: 'local'; readonly jobs: number | null; readonly collected: CollectedInputs }
  | { readonly kind: 's3'; readonly locations: readonly S3Location[]; readonly options: S3ScanOptions };

/** The whole command without the option parser: returns the exit status. */
export async function runScan(paths: readonly string[], options: ScanOptions, io: CliIo): Promise<number> {
  let settings: ScanSettings;
  let limit: number;
  let target: ScanTarget;
  let deep: DeepOptions | null;
  try {
    if (paths.length === 0) throw new OptionError('scan needs at least one PATH: a file, a directory, - for stdin, or an s3:// location');
    // scan's --region selects trail regions of s3:// logs; deep reads use each denial's region and the SDK's for IAM.
    deep = parseDeepOptions(options, undefined, options.policies !== undefined);
    settings = {
      filter: parseScanFilter(options, io.now()),
      summaries: options.json !== true,
      maxFileSize: parseByteSize('--max-file-size', options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE),
      // Read now; validated while the workers start (checkPolicies), as its validator (zod) takes a while to load.
      policies: options.policies === undefined ? null : readPolicySource(options.policies),
      deep: deep !== null,
    };
    limit = parseLimit(options.limit);
    target = paths.some(isS3Url) ? s3Target(paths, options) : localTarget(paths, options, deep !== null);
  } catch (error) {
    if (!(error instanceof OptionError || error instanceof InputError)) throw error;
    reportInputError(io, error.message);
    return EXIT.inputError;
  }
  const gate = checkPolicies(settings.policies ?? null, io);
  if (deep === null) return scanTarget(target, settings, limit, options, io, gate);
  // --deep reads from AWS with the store: it is checked first.
  if (!(await gate())) return EXIT.inputError;
  const run = await withAwsEvidence(deep, io, () => scanTarget(target, settings, limit, options, io));
  return run.incomplete && run.result !== EXIT.inputError ? EXIT.partial : run.result;
}

/** Scans the target and prints the report: returns the exit status. Nothing is printed unless the gate opens. */
async function scanTarget(
  target: ScanTarget,
  settings: ScanSettings,
  limit: number,
  options: ScanOptions,
  io: CliIo,
  gate: ScanGate = () => Promise.resolve(true),
): Promise<number> {
  const totals = new ScanTotals(limit);
  const progress = createProgress(io.stderr, 'scanning', Date.now, target.kind === 's3' ? 'objects' : 'files');
  const skip = (message: string): void => {
    progress.clear();
    reportInputError(io, `${message} (skipped)`);
  };
  const listed = { inputs: 0, bytes: 0, done: target.kind === 'local' };
  const showProgress = (): void =>
    progress.update({
      filesDone: totals.files,
      filesTotal: listed.inputs,
      records: totals.records,
      denials: totals.denials,
      bytes: { done: totals.bytes, total: listed.bytes, listingDone: listed.done },
    });
  const sink = {
    onResult: (result: Parameters<ScanTotals['add']>[0]) => {
      totals.add(result);
      if (result.error !== null) skip(result.error);
      showProgress();
    },
    wantedDiagnoses: () => totals.wantedDiagnoses(),
  };

  if (target.kind === 'local') {
    for (const error of target.collected.errors) {
      totals.errors.push(error);
      skip(error.message);
    }
    const inputs = target.collected.inputs;
    listed.inputs = inputs.length;
    listed.bytes = inputs.reduce((sum, input) => sum + (input.kind === 'file' ? input.size : 0), 0);
    if (!(await scanInputs(inputs, settings, target.jobs ?? defaultJobs(inputs), io.stdin, sink, gate))) {
      progress.clear();
      return EXIT.inputError;
    }
  } else {
    if (!(await gate())) return EXIT.inputError;
    // The AWS SDK is loaded only now: scans of local files start without it.
    const { scanS3 } = await import('../scan/s3-source');
    const period = { sinceMs: settings.filter.sinceMs, untilMs: settings.filter.untilMs, nowMs: io.now().getTime() };
    try {
      await scanS3(target.locations, settings, target.options, period, io.env, {
        ...sink,
        onListed: (objects, bytes) => {
          listed.inputs += objects;
          listed.bytes += bytes;
          showProgress();
        },
        onListingDone: () => {
          listed.done = true;
        },
      });
    } catch (error) {
      if (!(error instanceof OptionError || error instanceof InputError)) throw error;
      progress.clear();
      reportInputError(io, error.message);
      return EXIT.inputError;
    }
  }
  progress.clear();

  if (options.json === true) {
    io.stdout.write(`${escapeJson(scanJson(totals, Boolean(settings.policies) || settings.deep === true), 2)}\n`);
  } else {
    io.stdout.write(renderScanText(totals, styleFor(io.stdout, io.env), io.stdout.isTTY === true ? io.stdout.columns : undefined));
  }
  return totals.errors.length > 0 ? EXIT.partial : EXIT.ok;
}

/**
 * Whether the --policies store is valid (always, without one): a malformed store is named in one line and stops the
 * scan before anything is printed (exit 2). V8 is tuned for evaluating every denial before any scan worker starts.
 */
function checkPolicies(source: PolicySource | null, io: CliIo): ScanGate {
  if (source === null) return () => Promise.resolve(true);
  tuneForEvaluation();
  return async () => {
    try {
      // Loaded only with --policies: the store's validator brings zod.
      (await import('../policies')).validatePolicySource(source);
      return true;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      reportInputError(io, error.message);
      return false;
    }
  };
}

function localTarget(paths: readonly string[], options: ScanOptions, deep: boolean): ScanTarget {
  for (const key of S3_OPTIONS) {
    // --profile also names the credentials of --deep's reads.
    if (key === 'profile' && deep) continue;
    if (options[key] !== undefined) throw new OptionError(`${optionName(key)} applies to s3:// locations only`);
  }
  return { kind: 'local', jobs: parseCount('--jobs', options.jobs, 64), collected: collectInputs(paths) };
}

function s3Target(paths: readonly string[], options: ScanOptions): ScanTarget {
  const local = paths.find((path) => !isS3Url(path));
  if (local !== undefined) throw new OptionError(`scan reads local paths or s3:// locations, not both in one run (got "${local}")`);
  if (options.jobs !== undefined) throw new OptionError('--jobs applies to local files; S3 objects are read --concurrency at a time');
  return {
    kind: 's3',
    locations: paths.map(parseS3Url),
    options: {
      profile: options.profile === undefined ? null : nonEmpty('--profile', options.profile),
      maxAttempts: parseCount('--max-attempts', options.maxAttempts, 20),
      concurrency: parseCount('--concurrency', options.concurrency, 256) ?? DEFAULT_CONCURRENCY,
      scope: {
        accounts: parseList('--account', options.account, /^\d{12}$/, 'a 12-digit account id'),
        regions: parseList('--region', options.region, /^[a-z]{2}(?:-[a-z]+)+-\d+$/, 'a region name such as us-east-1'),
      },
    },
  };
}

/** The --json document; counts are ordered most denials first. byDecision and byStatement only with --policies. */
export function scanJson(totals: ScanTotals, evaluated: boolean): Record<string, unknown> {
  const counts = {} as Partial<Record<Dimension, Record<string, number>>>;
  for (const dimension of DIMENSIONS) {
    if (!evaluated && POLICY_DIMENSIONS.has(dimension)) continue;
    // Null prototype: a key such as "__proto__" comes from an event and must stay a plain key.
    const byKey = Object.create(null) as Record<string, number>;
    for (const row of rankGroups(totals.groups[dimension])) byKey[row.key] = row.count;
    counts[dimension] = byKey;
  }
  return {
    files: totals.files,
    records: totals.records,
    denials: totals.denials,
    ...counts,
    diagnoses: totals.diagnoses,
    errors: totals.errors,
  };
}

function parseCount(option: string, value: string | undefined, max: number): number | null {
  if (value === undefined) return null;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > max) {
    throw new OptionError(`${option} must be an integer from 1 to ${max}, got "${value}"`);
  }
  return Number(value);
}

function parseList(option: string, value: string | undefined, pattern: RegExp, what: string): string[] | null {
  if (value === undefined) return null;
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const wrong = items.find((item) => !pattern.test(item));
  if (items.length === 0 || wrong !== undefined)
    throw new OptionError(`${option} takes a comma-separated list, each ${what}; got "${wrong ?? value}"`);
  return items;
}

function nonEmpty(option: string, value: string): string {
  if (value.trim() === '') throw new OptionError(`${option} must not be empty`);
  return value.trim();
}
