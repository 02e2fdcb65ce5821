import { readFileSync } from 'node:fs';
import { diagnose, InputError, isDenial, readRecords, type Diagnosis } from '../../lambdas/diagnosis';
import { describeFileError } from '../input';
import { matchesFilter, type ScanFilter } from './filters';
import { countInto, emptyGroups, type FileScanResult } from './summary';

/** Reads, diagnoses, filters and counts one input. Runs in a scan worker or in the main thread. */
export function scanContent(content: Buffer, source: string, filter: ScanFilter, limit: number): FileScanResult {
  let records;
  try {
    records = readRecords(content, source);
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
    if (diagnosis === null || !matchesFilter(diagnosis, filter)) continue;
    denials += 1;
    countInto(groups, diagnosis);
    if (diagnoses.length < limit) diagnoses.push(diagnosis);
  }
  return { source, records: records.length, denials, groups, diagnoses, error: null };
}

export function scanFile(file: string, filter: ScanFilter, limit: number): FileScanResult {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (error) {
    return failedScan(file, `${file}: ${describeFileError(error)}`);
  }
  return scanContent(content, file, filter, limit);
}

export function failedScan(source: string, message: string): FileScanResult {
  return { source, records: 0, denials: 0, groups: emptyGroups(), diagnoses: [], error: message };
}
