import { InputError } from '../../core/diagnosis';
import { readInputFile } from '../input';
import { describeFailure, failedScan, scanBytes, type ScanSettings } from './file-scan';
import type { FileScanResult } from './summary';

/**
 * Reads and scans one local file; never throws (see scanBytes). Only a regular file of at most --max-file-size is
 * read (readInputFile): one replaced by a named pipe or a device after it was listed is named and skipped, never waited on.
 */
export async function scanLocalFile(file: string, settings: ScanSettings, maxDiagnoses: number): Promise<FileScanResult> {
  let content: Buffer;
  try {
    content = readInputFile(file, settings.maxFileSize);
  } catch (error) {
    return failedScan(file, error instanceof InputError ? error.message : describeFailure(file, error));
  }
  return scanBytes(file, content, settings, maxDiagnoses);
}
