import { gzipSync } from 'node:zlib';
import { scanContent, type ScanSettings } from '../../../cli/scan/file-scan';
import { parseScanFilter } from '../../../cli/scan/filters';
import { readCloudTrailLogFile } from '../../../core/diagnosis';
import { dynamodbRecord, EXPLICIT_SCP, EXPLICIT_VPCE, IMPLICIT_IDENTITY, logFile } from '../fixtures';

const settings = (summaries: boolean): ScanSettings => ({ filter: parseScanFilter({}, new Date('2026-11-21T00:00:00Z')), summaries });

const records = [
  dynamodbRecord({ eventId: 'a1', reason: EXPLICIT_SCP }),
  dynamodbRecord({ eventId: 'a2' }),
  dynamodbRecord({ eventId: 'a3', role: 'reporting', table: 'customers', action: 'GetItem', reason: IMPLICIT_IDENTITY('GetItem') }),
  dynamodbRecord({ eventId: 'a4', reason: EXPLICIT_VPCE, errorCode: 'AccessDeniedException' }),
  { ...dynamodbRecord({ eventId: 'a5' }), errorCode: 'ConditionalCheckFailedException', errorMessage: 'The conditional request failed' },
];

describe('scanContent of a CloudTrail log file', () => {
  it('gives the same result through the fast log-file reader as through readRecords', () => {
    const text = logFile(records);
    expect(readCloudTrailLogFile(gzipSync(text))).not.toBeNull();
    // JSON.parse skips leading whitespace, so readRecords reads the same records; the fast reader declines it.
    const fullPath = Buffer.from(` ${text}`);
    expect(readCloudTrailLogFile(fullPath)).toBeNull();
    for (const summaries of [false, true]) {
      for (const maxDiagnoses of [0, 1, 100]) {
        const fast = scanContent(gzipSync(text), 'trail.json.gz', settings(summaries), maxDiagnoses);
        expect(fast).toEqual(scanContent(fullPath, 'trail.json.gz', settings(summaries), maxDiagnoses));
        expect(fast).toMatchObject({ records: 5, denials: 3, error: null });
      }
    }
  });

  it.each([
    ['invalid JSON inside a record', logFile(records).replace('"eventTime":', '"eventTime":,'), /^trail\.json\.gz: invalid JSON \(/],
    ['a truncated log file', logFile(records).slice(0, -100), /^trail\.json\.gz: invalid JSON \(/],
    ['trailing garbage', `${logFile(records)}]`, /^trail\.json\.gz: invalid JSON \(/],
  ])('reports %s (valid gzip) as corrupt, with readRecords\'s message', (_, text, message) => {
    const result = scanContent(gzipSync(text), 'trail.json.gz', settings(false), 100);
    expect(result).toMatchObject({ records: 0, denials: 0, diagnoses: [] });
    expect(result.error).toMatch(message);
    expect(result.error).toBe(scanContent(Buffer.from(text), 'trail.json.gz', settings(false), 100).error);
  });
});
