import type { Command } from 'commander';
import { InputError, readRecords, type CloudTrailRecord, type Diagnosis } from '../../core/diagnosis';
import { diagnoseWithPolicies } from '../../core/policy/diagnosis-evaluation';
import type { PolicyStore } from '../../core/policy/store';
import { escapeJson, escapeSingleLine } from '../../core/render/escape';
import { EXIT, processIo, reportInputError, usageErrorsExitWith2, type CliIo } from '../io';
import { diagnoseDeep } from '../deep/deep-diagnosis';
import { parseDeepOptions, type DeepOptions } from '../deep/deep-options';
import { withAwsEvidence } from '../deep/deep-run';
import { readInput } from '../input';
import { OptionError } from '../scan/filters';
import { renderDiagnosisText } from '../render/diagnosis-text';
import { styleFor } from '../render/style';

export interface ExplainOptions {
  readonly json?: boolean;
  readonly policies?: string;
  readonly deep?: boolean;
  readonly profile?: string;
  readonly region?: string;
  readonly orgRole?: string;
  readonly organization?: boolean;
}

/** Some of the evidence the evaluation used could not be read from AWS (--deep): the diagnoses still print. */
const EXIT_EVIDENCE_INCOMPLETE = 1;

export function registerExplain(program: Command, io: CliIo = processIo()): void {
  program
    .command('explain')
    .description(
      'Diagnose the denials in one input: a CloudTrail record, log file (plain or gzip), EventBridge or SQS event, lookup-events output, JSON Lines, or a pasted AWS error message',
    )
    .argument('[file]', 'file to read; "-" or nothing reads stdin')
    .option('--json', 'print {"diagnoses":[...]} in input order instead of text')
    .option(
      '--policies <store>',
      'evaluate each denial against this policy store (denyscope-policies/1): the denying statement, or the layers without an allow',
    )
    .option(
      '--deep',
      "evidence from AWS, with your credentials: AWS's authorization record of the denial, else the --policies store or the policies the denial needs, read now",
    )
    .option('--profile <name>', '--deep: the AWS shared config profile')
    .option(
      '--region <region>',
      "--deep: region of IAM and Organizations calls and of VPC endpoints (tables and keys use their ARN's region)",
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
        'Exit status: 0 when the input was read (even with no denials); 1 with --deep when some of the evidence used could not',
        'be read from AWS (each named on stderr; the diagnoses still print); 2 on an input or usage error (one line on stderr,',
        'nothing on stdout). --deep honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>.',
      ].join('\n'),
    )
    .exitOverride(usageErrorsExitWith2(io))
    .action(async (file: string | undefined, options: ExplainOptions) => {
      io.setExitCode(await runExplain(file, options, io));
    });
}

/** The whole command without the option parser: returns the exit status. */
export async function runExplain(file: string | undefined, options: ExplainOptions, io: CliIo): Promise<number> {
  let records: CloudTrailRecord[];
  let store: PolicyStore | null;
  let deep: DeepOptions | null;
  let source: string;
  if (file === undefined && (io.stdin as { isTTY?: boolean }).isTTY === true) {
    io.stderr.write('denyscope: reading stdin: paste a CloudTrail record or an AWS error message, then Ctrl-D\n');
  }
  try {
    deep = parseDeepOptions(options, options.region, options.policies !== undefined);
    if (deep === null && (options.profile ?? options.region) !== undefined)
      throw new OptionError(`${options.profile !== undefined ? '--profile' : '--region'} applies to --deep only`);
    // Loaded only with --policies: the store's reader brings zod.
    store = options.policies === undefined ? null : (await import('../policies')).loadPolicyStore(options.policies).store;
    const input = await readInput(file, io.stdin);
    source = input.source;
    records = readRecords(input.content, input.source);
  } catch (error) {
    if (!(error instanceof InputError || error instanceof OptionError)) throw error;
    reportInputError(io, error.message);
    return EXIT.inputError;
  }
  const isDiagnosis = (diagnosis: Diagnosis | null): diagnosis is Diagnosis => diagnosis !== null;
  let diagnoses: Diagnosis[];
  let incomplete = false;
  if (deep === null) {
    diagnoses = records.map((record) => diagnoseWithPolicies(record, store)).filter(isDiagnosis);
  } else {
    const run = await withAwsEvidence(deep, io, () => Promise.all(records.map((record) => diagnoseDeep(record, store))));
    diagnoses = run.result.filter(isDiagnosis);
    incomplete = run.incomplete;
  }

  if (options.json === true) {
    io.stdout.write(`${escapeJson({ diagnoses }, 2)}\n`);
  } else if (diagnoses.length === 0) {
    io.stdout.write(`no denials found in ${escapeSingleLine(source)}\n`);
  } else {
    const style = styleFor(io.stdout, io.env);
    io.stdout.write(diagnoses.map((diagnosis) => renderDiagnosisText(diagnosis, style)).join('\n'));
  }
  return incomplete ? EXIT_EVIDENCE_INCOMPLETE : EXIT.ok;
}
