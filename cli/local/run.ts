import { InputError, readRecords, type Diagnosis } from '../../core/diagnosis';
import { diagnoseWithPolicies } from '../../core/policy/diagnosis-evaluation';
import type { PolicyStore } from '../../core/policy/store';
import { withStableEventId } from '../../core/incidents/identity';
import { describeError } from '../../core/incidents/errors';
import type { QuietReason } from '../../core/incidents/alert-policy';
import type { IncidentPipeline, PipelineOutcome } from '../../core/incidents/pipeline';
import type { PipelineLog } from '../../core/incidents/ports';
import { escapeSingleLine } from '../../core/render/escape';
import type { CliIo, OutputStream } from '../io';
import { readInputFile, readStream, STDIN_SOURCE } from '../input';
import type { ScanInput } from '../scan/files';
import type { Progress } from '../scan/progress';

/** `local --json`: exactly these counts (see the README). */
export interface LocalSummary {
  /** Records read. */
  events: number;
  /** Records diagnosed as denials. */
  denials: number;
  /** Denials whose eventID was already recorded. */
  duplicates: number;
  /** Incidents in the store after the run. */
  incidents: number;
  /** Incidents opened by this run. */
  newIncidents: number;
  /** Alerts raised by this run. */
  alerts: number;
  /** Repeats counted into an incident without an alert: inside the dedup window, or of an acknowledged incident. */
  suppressed: number;
  /** Denials counted without an alert because a mute matched them. */
  muted: number;
  /** Read-only denials from console sessions, counted without an alert (unless --alert-on-console-reads). */
  consoleReads: number;
  /** Inputs that could not be processed, each named on stderr. */
  errors: number;
  /** With `--routes` only: per channel the routes name, the alerts this run sent to it. */
  alertsByChannel?: Record<string, number>;
}

export function emptySummary(): LocalSummary {
  return {
    events: 0,
    denials: 0,
    duplicates: 0,
    incidents: 0,
    newIncidents: 0,
    alerts: 0,
    suppressed: 0,
    muted: 0,
    consoleReads: 0,
    errors: 0,
  };
}

export interface ProcessResult {
  /** Incidents whose alert failed on some channel (the pipeline logged why); a rerun of the same input retries them. */
  readonly undeliveredIncidents: readonly string[];
}

/**
 * Feeds every input through the same pipeline the Lambda runs, one denial at a time (so alerts print
 * in input order), and tallies what happened. An unreadable input or a denial that cannot be recorded
 * is named on stderr, counted in `errors`, and the run goes on.
 */
export async function processInputs(
  inputs: readonly ScanInput[],
  pipeline: IncidentPipeline,
  io: CliIo,
  summary: LocalSummary,
  progress: Progress,
  stopping: () => boolean,
  policies: PolicyStore | null = null,
): Promise<ProcessResult> {
  // Whatever goes to stderr first clears the progress line.
  const screen: CliIo = { ...io, stderr: withProgressCleared(io.stderr, progress) };
  const undelivered = new Set<string>();
  const log = stderrLog(screen);
  const budget = { remainingMs: () => Number.POSITIVE_INFINITY };
  let filesDone = 0;
  for (const input of inputs) {
    if (stopping()) break;
    const source = input.kind === 'stdin' ? STDIN_SOURCE : input.path;
    let diagnoses: Diagnosis[];
    try {
      const content = input.kind === 'stdin' ? await readStream(screen.stdin) : readInputFile(input.path);
      const records = readRecords(content, source);
      summary.events += records.length;
      diagnoses = records.flatMap((record) => {
        const diagnosis = diagnoseWithPolicies(record, policies);
        return diagnosis === null ? [] : [withStableEventId(diagnosis, record)];
      });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      reportError(screen, summary, `${error.message} (skipped)`);
      continue;
    }
    let failed = false;
    for (const diagnosis of diagnoses) {
      if (stopping()) break;
      summary.denials += 1;
      try {
        tally(await pipeline.process(diagnosis, { budget, log }), summary, undelivered);
      } catch (error) {
        failed = true;
        screen.stderr.write(
          `denyscope: ${escapeSingleLine(source)}: event ${escapeSingleLine(diagnosis.eventId)} not recorded: ${escapeSingleLine(describeError(error))}\n`,
        );
      }
      // One big file (a storm exported as JSON Lines) still shows progress; the progress line throttles itself.
      progress.update({ filesDone, filesTotal: inputs.length, records: summary.events, denials: summary.denials });
    }
    if (failed) summary.errors += 1;
    filesDone += 1;
    progress.update({ filesDone, filesTotal: inputs.length, records: summary.events, denials: summary.denials });
  }
  progress.clear();
  return { undeliveredIncidents: [...undelivered] };
}

const QUIET_COUNTER: Readonly<Record<QuietReason, 'suppressed' | 'muted' | 'consoleReads'>> = {
  window: 'suppressed',
  acknowledged: 'suppressed',
  muted: 'muted',
  'console-read': 'consoleReads',
};

function tally(outcome: PipelineOutcome, summary: LocalSummary, undelivered: Set<string>): void {
  // The sole writer finds no attempt in progress; were one found, its alert is not known to be delivered.
  if (outcome.kind === 'busy') {
    undelivered.add(outcome.incidentId);
    return;
  }
  if (outcome.kind === 'duplicate' || !outcome.counted) summary.duplicates += 1;
  if (outcome.kind === 'duplicate') return;
  if (outcome.newIncident) summary.newIncidents += 1;
  if (outcome.kind === 'suppressed') {
    if (outcome.counted) summary[QUIET_COUNTER[outcome.reason]] += 1;
    return;
  }
  summary.alerts += 1;
  if (!outcome.complete) undelivered.add(outcome.incident.id);
  if (summary.alertsByChannel !== undefined) {
    for (const [channel, delivery] of Object.entries(outcome.incident.alert?.channels ?? {})) {
      // The route channels only: the terminal prints every alert anyway.
      if (delivery?.status === 'sent' && channel in summary.alertsByChannel)
        summary.alertsByChannel[channel] = (summary.alertsByChannel[channel] ?? 0) + 1;
    }
  }
}

/** The progress line clears itself before anything else is written to the terminal. */
export function withProgressCleared(stream: OutputStream, progress: Progress): OutputStream {
  return {
    isTTY: stream.isTTY,
    columns: stream.columns,
    write: (chunk: string) => {
      progress.clear();
      return stream.write(chunk);
    },
  };
}

export function reportError(io: CliIo, summary: LocalSummary, message: string): void {
  summary.errors += 1;
  io.stderr.write(`denyscope: ${escapeSingleLine(message)}\n`);
}

/** The pipeline's own log lines: warnings and errors matter to a person at a terminal, info does not. */
function stderrLog(io: CliIo): PipelineLog {
  const write = (level: string, message: string, attributes?: Record<string, unknown>) =>
    io.stderr.write(
      `denyscope: ${level}: ${escapeSingleLine(message)}${attributes === undefined ? '' : ` ${escapeSingleLine(JSON.stringify(attributes))}`}\n`,
    );
  return {
    info: () => undefined,
    warn: (message, attributes) => write('warning', message, attributes),
    error: (message, attributes) => write('error', message, attributes),
  };
}
