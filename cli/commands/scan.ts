import type { Command } from 'commander';
import { CAUSES, InputError } from '../../core/diagnosis';
import { EXIT, processIo, reportInputError, usageErrorsExitWith2, type CliIo } from '../io';
import { styleFor } from '../render/style';
import type { ScanSettings } from '../scan/file-scan';
import { collectInputs } from '../scan/files';
import { DEFAULT_LIMIT, OptionError, parseLimit, parseScanFilter, type ScanFilterOptions } from '../scan/filters';
import { defaultJobs, scanInputs } from '../scan/pool';
import { createProgress } from '../scan/progress';
import { renderScanText } from '../scan/report-text';
import { DIMENSIONS, rankGroups, ScanTotals, type Dimension } from '../scan/summary';

export interface ScanOptions extends ScanFilterOptions {
  readonly json?: boolean;
  readonly limit?: string;
  readonly jobs?: string;
}

export function registerScan(program: Command, io: CliIo = processIo()): void {
  program
    .command('scan')
    .description('Diagnose every denial in CloudTrail logs: files, directories (e.g. AWSLogs/ACCOUNT/CloudTrail/REGION/Y/M/D/*.json.gz) or stdin')
    .argument('[paths...]', 'files and directories to read recursively (gzip is detected by content); "-" reads stdin')
    .option('--json', 'print one JSON document: totals, counts by cause/principal/action/table, and the diagnoses')
    .option('--since <time>', 'only denials at or after this time: ISO 8601 (2026-11-20T09:15:00Z; no zone = UTC) or a duration before now (30m, 24h, 7d, 2w)')
    .option('--until <time>', 'only denials at or before this time (same forms as --since)')
    .option('--principal <arn>', 'only denials of this principal (role/user ARN or account id) or caller ARN')
    .option('--table <name>', 'only denials on this DynamoDB table')
    .option('--cause <causes>', `only these causes, comma-separated: ${CAUSES.join(', ')}`)
    .option('--limit <n>', `at most this many diagnoses in --json output (counts are never capped)`, String(DEFAULT_LIMIT))
    .option('--jobs <n>', 'worker threads (default: one per CPU core for inputs over 4 MB, else 1)')
    .addHelpText(
      'after',
      [
        '',
        '"records" counts every record read; "denials", the tables and the diagnoses count only denials that pass the filters.',
        'Hidden files and CloudTrail-Digest directories are skipped when walking directories.',
        'Exit status: 0 when every input was read, 1 when some were unreadable or corrupt (each named on stderr and skipped;',
        'the totals still print), 2 on a usage error, a bad option value or a PATH that does not exist (nothing on stdout).',
      ].join('\n'),
    )
    .exitOverride(usageErrorsExitWith2(io))
    .action(async (paths: string[], options: ScanOptions) => {
      io.setExitCode(await runScan(paths, options, io));
    });
}

/** The whole command without the option parser: returns the exit status. */
export async function runScan(paths: readonly string[], options: ScanOptions, io: CliIo): Promise<number> {
  let settings: ScanSettings;
  let limit: number;
  let jobs: number | null;
  let collected;
  try {
    if (paths.length === 0) throw new OptionError('scan needs at least one PATH: a file, a directory, or - for stdin');
    settings = { filter: parseScanFilter(options, io.now()), summaries: options.json !== true };
    limit = parseLimit(options.limit);
    jobs = parseJobs(options.jobs);
    collected = collectInputs(paths);
  } catch (error) {
    if (!(error instanceof OptionError || error instanceof InputError)) throw error;
    reportInputError(io, error.message);
    return EXIT.inputError;
  }

  const totals = new ScanTotals(limit);
  const progress = createProgress(io.stderr, 'scanning');
  const skip = (message: string): void => {
    progress.clear();
    reportInputError(io, `${message} (skipped)`);
  };
  for (const error of collected.errors) {
    totals.errors.push(error);
    skip(error.message);
  }
  const filesTotal = collected.inputs.length;
  await scanInputs(collected.inputs, settings, jobs ?? defaultJobs(collected.inputs), io.stdin, {
    onResult: (result) => {
      totals.add(result);
      if (result.error !== null) skip(result.error);
      progress.update({ filesDone: totals.files, filesTotal, records: totals.records, denials: totals.denials });
    },
    wantedDiagnoses: () => totals.wantedDiagnoses(),
  });
  progress.clear();

  if (options.json === true) {
    io.stdout.write(`${JSON.stringify(scanJson(totals), null, 2)}\n`);
  } else {
    io.stdout.write(renderScanText(totals, styleFor(io.stdout, io.env), io.stdout.isTTY === true ? io.stdout.columns : undefined));
  }
  return totals.errors.length > 0 ? EXIT.partial : EXIT.ok;
}

/** The --json document; counts are ordered most denials first. */
export function scanJson(totals: ScanTotals): Record<string, unknown> {
  const counts = {} as Record<Dimension, Record<string, number>>;
  for (const dimension of DIMENSIONS) {
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

function parseJobs(value: string | undefined): number | null {
  if (value === undefined) return null;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > 64) {
    throw new OptionError(`--jobs must be an integer from 1 to 64, got "${value}"`);
  }
  return Number(value);
}
