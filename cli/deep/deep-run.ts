import { escapeSingleLine } from '../../core/render/escape';
import type { CliIo } from '../io';
import { useEvidenceGatherer } from './deep-diagnosis';
import type { DeepOptions } from './deep-options';

/**
 * Runs `work` with evidence from AWS available to diagnoseDeep (in this thread and in scan workers), then names on
 * stderr, once each, what could not be read of the evidence used. Returns work's result and whether anything was missing.
 */
export async function withAwsEvidence<T>(
  deep: DeepOptions,
  io: CliIo,
  work: () => Promise<T>,
): Promise<{ readonly result: T; readonly incomplete: boolean }> {
  // The AWS SDK is loaded only now: commands without --deep start without it.
  const { createAwsEvidence } = await import('./aws-evidence');
  const evidence = createAwsEvidence(deep, io.now);
  useEvidenceGatherer(evidence.gather);
  let result: T;
  try {
    result = await work();
  } finally {
    useEvidenceGatherer(null);
    evidence.destroy();
  }
  const failures = evidence.readFailures();
  for (const line of failures) io.stderr.write(`denyscope: could not read ${escapeSingleLine(line)}\n`);
  return { result, incomplete: failures.length > 0 };
}
