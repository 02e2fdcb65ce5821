import { readFileSync } from 'node:fs';
import { diagnose, InputError, isDenial, readCloudTrailLogFile, readRecords, type Diagnosis } from '../../core/diagnosis';
import { describeFileError } from '../input';
import { matchesFilter, type ScanFilter } from './filters';
import { countInto, emptyGroups, type FileScanResult } from './summary';

/** What every input of one scan is scanned with; plain data, sent once to each scan worker. */
export interface ScanSettings {
  readonly filter: ScanFilter;
  /**
   * Whether to tally remediation summaries per group (the human tables show them). Building a remediation is most
   * of a diagnosis's cost, so --json, which prints counts only, leaves them unbuilt.
   */
  readonly summaries: boolean;
}

/**
 * Reads, diagnoses, filters and counts one input, keeping at most `maxDiagnoses` diagnoses (in record order).
 * Runs in a scan worker or in the main thread.
 */
export function scanContent(content: Buffer, source: string, settings: ScanSettings, maxDiagnoses: number): FileScanResult {
  let records;
  try {
    // Log files as S3 delivers them take the fast reader; it returns null for anything it cannot vouch for.
    records = readCloudTrailLogFile(content) ?? readRecords(content, source);
  } catch (error) {
    if (error instanceof InputError) return failedScan(source, error.message);
    throw error;
  }
  const groups = emptyGroups();
  const diagnoses: Diagnosis[] = [];
  let denials = 0;
  for (const record of records) {
    // isDenial first: most records in a trail are successes, and diagnose() does more work.
    if (!isDenial(record)) continue;
    const diagnosis = diagnose(record);
    if (diagnosis === null || !matchesFilter(diagnosis, settings.filter)) continue;
    denials += 1;
    countInto(groups, diagnosis, settings.summaries);
    if (diagnoses.length < maxDiagnoses) diagnoses.push(diagnosis);
  }
  return { source, records: records.length, denials, groups, diagnoses, error: null };
}

export function scanFile(file: string, settings: ScanSettings, maxDiagnoses: number): FileScanResult {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (error) {
    return failedScan(file, `${file}: ${describeFileError(error)}`);
  }
  return scanContent(content, file, settings, maxDiagnoses);
}

export function failedScan(source: string, message: string): FileScanResult {
  return { source, records: 0, denials: 0, groups: emptyGroups(), diagnoses: [], error: message };
}
