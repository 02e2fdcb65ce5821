import type { Command } from 'commander';
import { InputError, readRecords, type Diagnosis } from '../../core/diagnosis';
import { diagnoseWithPolicies } from '../../core/policy/diagnosis-evaluation';
import { escapeJson, escapeSingleLine } from '../../core/render/escape';
import { EXIT, processIo, reportInputError, usageErrorsExitWith2, type CliIo } from '../io';
import { readInput } from '../input';
import { renderDiagnosisText } from '../render/diagnosis-text';
import { styleFor } from '../render/style';

export interface ExplainOptions {
  readonly json?: boolean;
  readonly policies?: string;
}

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
    .addHelpText(
      'after',
      '\nExit status: 0 when the input was read (even with no denials), 2 on an input or usage error (one line on stderr, nothing on stdout).',
    )
    .exitOverride(usageErrorsExitWith2(io))
    .action(async (file: string | undefined, options: ExplainOptions) => {
      io.setExitCode(await runExplain(file, options, io));
    });
}

/** The whole command without the option parser: returns the exit status. */
export async function runExplain(file: string | undefined, options: ExplainOptions, io: CliIo): Promise<number> {
  let diagnoses: Diagnosis[];
  let source: string;
  if (file === undefined && (io.stdin as { isTTY?: boolean }).isTTY === true) {
    io.stderr.write('denyscope: reading stdin: paste a CloudTrail record or an AWS error message, then Ctrl-D\n');
  }
  try {
    // Loaded only with --policies: the store's reader brings zod.
    const store = options.policies === undefined ? null : (await import('../policies')).loadPolicyStore(options.policies).store;
    const input = await readInput(file, io.stdin);
    source = input.source;
    diagnoses = readRecords(input.content, input.source)
      .map((record) => diagnoseWithPolicies(record, store))
      .filter((diagnosis): diagnosis is Diagnosis => diagnosis !== null);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    reportInputError(io, error.message);
    return EXIT.inputError;
  }

  if (options.json === true) {
    io.stdout.write(`${escapeJson({ diagnoses }, 2)}\n`);
  } else if (diagnoses.length === 0) {
    io.stdout.write(`no denials found in ${escapeSingleLine(source)}\n`);
  } else {
    const style = styleFor(io.stdout, io.env);
    io.stdout.write(diagnoses.map((diagnosis) => renderDiagnosisText(diagnosis, style)).join('\n'));
  }
  return EXIT.ok;
}
