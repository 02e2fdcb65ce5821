import { gzipSync } from 'node:zlib';
import { diagnose, InputError, isDenial, readRecords, type Diagnosis } from '../../../core/diagnosis';
import { scanBytes, scanStream, type ScanSettings } from '../../../cli/scan/file-scan';
import { matchesFilter, parseScanFilter, type ScanFilterOptions } from '../../../cli/scan/filters';
import { countInto, emptyGroups, type FileScanResult } from '../../../cli/scan/summary';
import { corpusManifest, describeWithCorpus, readCorpusFile } from '../../support/corpus';
import { dynamodbRecord, EXPLICIT_SCP, EXPLICIT_VPCE, IMPLICIT_IDENTITY, logFile } from '../fixtures';
import { COMPACT, randomLogFile, type WriteStyle } from './log-file-generator';

const MiB = 1024 * 1024;
const NOW = new Date('2026-11-21T00:00:00Z');
const settings = (options: { summaries?: boolean; maxFileSize?: number; filter?: ScanFilterOptions } = {}): ScanSettings => ({
  filter: parseScanFilter(options.filter ?? {}, NOW),
  summaries: options.summaries ?? false,
  maxFileSize: options.maxFileSize ?? 1024 * MiB,
});

/**
 * The oracle: what scanning gives when every record is parsed, as scan did before the prefilter: readRecords,
 * then isDenial, diagnose and the filters on each record.
 */
function parseEverything(bytes: Buffer, source: string, scanSettings: ScanSettings, maxDiagnoses: number): FileScanResult {
  const groups = emptyGroups();
  const diagnoses: Diagnosis[] = [];
  let records;
  try {
    records = readRecords(bytes, source);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { source, bytes: bytes.length, records: 0, denials: 0, groups, diagnoses, error: error.message };
  }
  let denials = 0;
  for (const record of records) {
    const diagnosis = isDenial(record) ? diagnose(record) : null;
    if (diagnosis === null || !matchesFilter(diagnosis, scanSettings.filter)) continue;
    denials += 1;
    countInto(groups, diagnosis, scanSettings.summaries);
    if (diagnoses.length < maxDiagnoses) diagnoses.push(diagnosis);
  }
  return { source, bytes: bytes.length, records: records.length, denials, groups, diagnoses, error: null };
}

/** scanBytes, and scanStream fed in chunks, both equal to parsing everything. */
async function expectSameAsParsingEverything(bytes: Buffer, scanSettings: ScanSettings, maxDiagnoses = 100): Promise<FileScanResult> {
  const expected = parseEverything(bytes, 'file', scanSettings, maxDiagnoses);
  const scanned = await scanBytes('file', bytes, scanSettings, maxDiagnoses);
  expect(scanned).toEqual(expected);
  const chunks = Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, index) => bytes.subarray(index * 4096, (index + 1) * 4096));
  expect(await scanStream('file', chunks, scanSettings, maxDiagnoses)).toEqual(expected);
  return scanned;
}

const records = [
  dynamodbRecord({ eventId: 'a1', reason: EXPLICIT_SCP }),
  dynamodbRecord({ eventId: 'a2' }),
  dynamodbRecord({ eventId: 'a3', role: 'reporting', table: 'customers', action: 'GetItem', reason: IMPLICIT_IDENTITY('GetItem') }),
  dynamodbRecord({ eventId: 'a4', reason: EXPLICIT_VPCE, errorCode: 'AccessDeniedException' }),
  { ...dynamodbRecord({ eventId: 'a5' }), errorCode: 'ConditionalCheckFailedException', errorMessage: 'The conditional request failed' },
];

describe('scanning with the byte prefilter gives what parsing every record gives', () => {
  it('on a log file, gzipped or not, with and without summaries, diagnoses capped or not', async () => {
    for (const bytes of [gzipSync(logFile(records)), Buffer.from(logFile(records))]) {
      for (const summaries of [false, true]) {
        for (const maxDiagnoses of [0, 1, 100]) {
          const result = await expectSameAsParsingEverything(bytes, settings({ summaries }), maxDiagnoses);
          expect(result).toMatchObject({ records: 5, denials: 3, error: null });
        }
      }
    }
  });

  it('with filters', async () => {
    const bytes = gzipSync(logFile(records));
    for (const filter of [
      { cause: 'identity-policy' },
      { table: 'customers' },
      { since: '2026-11-20T10:00:00Z' },
      { principal: 'arn:aws:iam::111122223333:role/reporting' },
    ]) {
      await expectSameAsParsingEverything(bytes, settings({ filter }));
    }
  });

  it.each<[string, WriteStyle]>([
    ['as CloudTrail writes them', COMPACT],
    ['with escaped keys and values', { escapes: 0.03, whitespace: 0, duplicateKeys: 0 }],
    ['with odd whitespace', { escapes: 0, whitespace: 0.3, duplicateKeys: 0 }],
    ['with duplicate errorCode keys', { escapes: 0, whitespace: 0, duplicateKeys: 0.5 }],
    ['with all of these', { escapes: 0.02, whitespace: 0.2, duplicateKeys: 0.3 }],
  ])('on generated log files %s', async (_, style) => {
    for (let seed = 1; seed <= 15; seed += 1) {
      const text = randomLogFile(seed * 31, 120, style);
      const result = await expectSameAsParsingEverything(gzipSync(text), settings());
      expect(result.records).toBe(120);
      expect(result.denials).toBeGreaterThan(0);
    }
  });
});

describeWithCorpus('scanning the shared corpus with the byte prefilter', () => {
  it.each(corpusManifest().map((entry) => [entry.file]))('%s: the same as parsing everything, plain and gzipped', async (file) => {
    const content = readCorpusFile(file);
    await expectSameAsParsingEverything(content, settings({ summaries: true }));
    await expectSameAsParsingEverything(gzipSync(content), settings());
  });

  it('every corpus record written as one log file: the same as parsing everything', async () => {
    const corpusRecords = corpusManifest().flatMap((entry) => {
      try {
        return readRecords(readCorpusFile(entry.file), entry.file) as Array<Record<string, unknown>>;
      } catch {
        return [];
      }
    });
    const eventVersionFirst = corpusRecords
      .filter((record) => typeof record.eventVersion === 'string')
      .map(({ eventVersion, ...rest }) => ({ eventVersion, ...rest }));
    const result = await expectSameAsParsingEverything(gzipSync(logFile(eventVersionFirst)), settings({ summaries: true }));
    expect(result.denials).toBeGreaterThan(10);
  });
});

describe('one input that cannot be scanned is a result with an error, never an exception', () => {
  it.each([
    [
      'invalid JSON inside a record that may be a denial',
      logFile(records).replace('"errorMessage":', '"errorMessage":,'),
      /^file: invalid JSON \(/,
    ],
    ['a truncated log file', logFile(records).slice(0, -100), /^file: invalid JSON \(/],
    ['trailing garbage', `${logFile(records)}]`, /^file: invalid JSON \(/],
  ])("names %s with readRecords's message", async (_, text, message) => {
    const result = await expectSameAsParsingEverything(gzipSync(text), settings());
    expect(result).toMatchObject({ records: 0, denials: 0, diagnoses: [] });
    expect(result.error).toMatch(message);
  });

  it("names a corrupt or truncated gzip file with readRecords's message", async () => {
    const compressed = gzipSync(logFile(records));
    for (const corrupt of [
      compressed.subarray(0, compressed.length - 10),
      Buffer.concat([compressed.subarray(0, 30), Buffer.alloc(40, 0xff), compressed.subarray(70)]),
    ]) {
      const result = await expectSameAsParsingEverything(corrupt, settings());
      expect(result.error).toMatch(/^file: corrupt or truncated gzip data \(/);
    }
  });

  it('names a gzip file that inflates past --max-file-size "too large after decompression", reading only that far', async () => {
    // 64 MiB of zeros in 64 KiB of gzip, limited to 1 MiB: the trailer says 64 MiB, so it is streamed and cut off.
    const bomb = gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
    const result = await scanBytes('bomb.json.gz', bomb, settings({ maxFileSize: MiB }), 100);
    expect(result).toMatchObject({ records: 0, error: 'bomb.json.gz: too large after decompression (over 1 MiB)' });
    // A trailer that lies (claims 10 bytes) changes nothing: zlib stops at the claim and the stream measures.
    const lying = Buffer.from(bomb);
    lying.writeUInt32LE(10, lying.length - 4);
    expect((await scanBytes('bomb.json.gz', lying, settings({ maxFileSize: MiB }), 100)).error).toBe(
      'bomb.json.gz: too large after decompression (over 1 MiB)',
    );
    expect((await scanStream('stdin', [bomb], settings({ maxFileSize: MiB }), 100)).error).toBe(
      'stdin: too large after decompression (over 1 MiB)',
    );
  });

  it('names an input larger than --max-file-size as read "too large"', async () => {
    const text = Buffer.from(logFile(records));
    const limit = text.length - 1;
    expect((await scanBytes('big.json', text, settings({ maxFileSize: limit }), 100)).error).toBe(
      `big.json: too large (over ${limit.toLocaleString('en-US')} bytes)`,
    );
    const chunks = [text.subarray(0, 100), text.subarray(100)];
    expect((await scanStream('stdin', chunks, settings({ maxFileSize: limit }), 100)).error).toBe(
      `stdin: too large (over ${limit.toLocaleString('en-US')} bytes)`,
    );
  });

  it("reads a gzip file of several members (its trailer gives the last member's size only)", async () => {
    const text = logFile(records);
    const members = Buffer.concat([gzipSync(text.slice(0, 1000)), gzipSync(text.slice(1000))]);
    expect(await expectSameAsParsingEverything(members, settings())).toMatchObject({ records: 5, denials: 3 });
  });

  it('names JSON nested thousands of levels deep, whatever the reader throws', async () => {
    for (const text of ['['.repeat(2500) + ']'.repeat(2500), `{"Records":${'['.repeat(100_000)}${']'.repeat(100_000)}}`]) {
      const result = await scanBytes('deep.json', Buffer.from(text), settings(), 100);
      expect(result).toMatchObject({ source: 'deep.json', records: 0, denials: 0 });
      expect(result.error).toMatch(/^deep\.json: /);
      expect(result.error).not.toContain('\n');
    }
  });
});
