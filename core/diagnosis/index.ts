/**
 * The diagnosis core: pure (no AWS SDK, no I/O), shared by the Lambda, the CLI and the local mode.
 *
 *   const records = readRecords(bytes, 'trail.json.gz');     // every supported input shape; throws InputError
 *   for (const record of records) {
 *     const diagnosis = diagnose(record);                     // null when the record is not a denial
 *   }
 *
 * Missing values: string fields of a Diagnosis the record does not have are 'unknown', except eventTime, which is
 * '' when the input has no parseable time (a plain-text error message carries none).
 */
export * from './types';
export type { CloudTrailRecord, CloudTrailUserIdentity, CloudTrailResource } from './record';
export {
  InputError,
  readRecords,
  errorMessageRecord,
  inputTooLarge,
  tooLargeProblem,
  exactSize,
  MAX_INPUT_BYTES,
  MAX_JSON_DEPTH,
} from './input';
export { CloudTrailLogFileReader } from './log-file';
export { isDenial, diagnose, diagnoseWith, DENIAL_ERROR_CODES, type DiagnosisEvaluator, type DiagnosisFacts } from './diagnose';
export { remediate } from './remediation';
export { parseAccessDeniedMessage, causeOfPolicyType, type AccessDeniedMessage } from './message';
export { normalizeEventTime } from './time';
export { shellQuote } from './shell';
