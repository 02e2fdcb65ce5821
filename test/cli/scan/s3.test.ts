import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ACCESS_DENIED, SLOW_DOWN, startLocalS3, type LocalS3 } from '../../support/s3';
import { dynamodbRecord, EXPLICIT_SCP, EXPLICIT_VPCE, IMPLICIT_IDENTITY } from '../fixtures';
import { runCli } from '../run-cli';

/**
 * `denyscope scan s3://...` against a real S3-compatible server (fauxqs) behind a proxy that records each request
 * and answers chosen objects with S3 errors. Keys follow the CloudTrail User Guide ("Finding your CloudTrail log
 * files", "CloudTrail log file name format"), written out here independently of the code under test.
 */

const ORG = 'o-exampleorg1';
const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const NOW = new Date('2026-11-22T12:00:00Z');

/** AWSLogs/[o-ORG/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz */
function logKey(options: { org?: string; account: string; region: string; delivered: string; unique: string }): string {
  const [date, time] = options.delivered.split('T');
  const [year, month, day] = date.split('-');
  const stamp = `${year}${month}${day}T${time.replace(':', '').slice(0, 4)}Z`;
  const organization = options.org === undefined ? '' : `${options.org}/`;
  return `AWSLogs/${organization}${options.account}/CloudTrail/${options.region}/${year}/${month}/${day}/${options.account}_CloudTrail_${options.region}_${stamp}_${options.unique}.json.gz`;
}

const logFile = (records: readonly Record<string, unknown>[]): Buffer => gzipSync(JSON.stringify({ Records: records }));
const denialAt = (eventId: string, time: string, reason = EXPLICIT_SCP) => dynamodbRecord({ eventId, time, reason });
const successAt = (eventId: string, time: string) => dynamodbRecord({ eventId, time });

let s3: LocalS3;
const savedEnv = { ...process.env };

// The organization trail: two accounts, two regions, four days (files delivered a few minutes after their events;
// one delivered just after midnight holds the previous day's last events).
const ORG_FILES: Array<{ key: string; records: Record<string, unknown>[] }> = [
  {
    key: logKey({ org: ORG, account: ACCOUNT, region: 'us-east-1', delivered: '2026-11-18T10:05', unique: 'AAAAAAAAAAAAAAA1' }),
    records: [denialAt('d18', '2026-11-18T10:00:00Z'), successAt('s18', '2026-11-18T10:01:00Z')],
  },
  {
    key: logKey({ org: ORG, account: ACCOUNT, region: 'us-east-1', delivered: '2026-11-19T09:05', unique: 'AAAAAAAAAAAAAAA2' }),
    records: [denialAt('d19a', '2026-11-19T09:00:00Z', EXPLICIT_VPCE)],
  },
  {
    key: logKey({ org: ORG, account: ACCOUNT, region: 'us-east-1', delivered: '2026-11-19T23:50', unique: 'AAAAAAAAAAAAAAA3' }),
    records: [denialAt('d19b', '2026-11-19T23:45:00Z')],
  },
  {
    key: logKey({ org: ORG, account: ACCOUNT, region: 'us-east-1', delivered: '2026-11-20T00:04', unique: 'AAAAAAAAAAAAAAA4' }),
    records: [denialAt('d19c', '2026-11-19T23:58:00Z'), denialAt('d20a', '2026-11-20T00:01:00Z', IMPLICIT_IDENTITY())],
  },
  {
    key: logKey({ org: ORG, account: ACCOUNT, region: 'us-east-1', delivered: '2026-11-20T12:05', unique: 'AAAAAAAAAAAAAAA5' }),
    records: [denialAt('d20b', '2026-11-20T12:00:00Z'), successAt('s20', '2026-11-20T12:01:00Z')],
  },
  {
    key: logKey({ org: ORG, account: ACCOUNT, region: 'eu-west-1', delivered: '2026-11-20T08:05', unique: 'AAAAAAAAAAAAAAA6' }),
    records: [denialAt('d20eu', '2026-11-20T08:00:00Z')],
  },
  {
    key: logKey({ org: ORG, account: OTHER_ACCOUNT, region: 'us-east-1', delivered: '2026-11-20T07:05', unique: 'AAAAAAAAAAAAAAA7' }),
    records: [denialAt('d20other', '2026-11-20T07:00:00Z')],
  },
  {
    key: logKey({ org: ORG, account: ACCOUNT, region: 'us-east-1', delivered: '2026-11-21T10:05', unique: 'AAAAAAAAAAAAAAA8' }),
    records: [denialAt('d21', '2026-11-21T10:00:00Z')],
  },
];

beforeAll(async () => {
  s3 = await startLocalS3();
  process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
  process.env.AWS_REGION = 'us-east-1';
  await s3.createBucket('org-trail');
  for (const file of ORG_FILES) await s3.put('org-trail', file.key, logFile(file.records));
  // Not logs: digests next to the logs, and a folder marker.
  await s3.put(
    'org-trail',
    `AWSLogs/${ORG}/${ACCOUNT}/CloudTrail-Digest/us-east-1/2026/11/20/${ACCOUNT}_CloudTrail-Digest_us-east-1_x_us-east-1_20261120T010000Z.json.gz`,
    gzipSync('{}'),
  );
  await s3.put('org-trail', `AWSLogs/${ORG}/${ACCOUNT}/CloudTrail/us-east-1/2026/11/20/`, '');

  await s3.createBucket('account-trail');
  await s3.put(
    'account-trail',
    `trails/${logKey({ account: ACCOUNT, region: 'us-east-1', delivered: '2026-11-20T10:05', unique: 'BBBBBBBBBBBBBBB1' })}`,
    logFile([denialAt('p1', '2026-11-20T10:00:00Z'), successAt('p2', '2026-11-20T10:01:00Z')]),
  );
  await s3.put(
    'account-trail',
    `trails/${logKey({ account: ACCOUNT, region: 'us-west-2', delivered: '2026-11-20T11:05', unique: 'BBBBBBBBBBBBBBB2' })}`,
    logFile([denialAt('p3', '2026-11-20T11:00:00Z', EXPLICIT_VPCE)]),
  );
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await s3?.stop();
});

beforeEach(() => {
  s3.requests.length = 0;
});

const scan = (...args: string[]) => runCli(['scan', ...args], { now: NOW, env: { AWS_ENDPOINT_URL_S3: s3.endpoint } });
const ids = (report: { diagnoses: Array<{ eventId: string }> }) => report.diagnoses.map((diagnosis) => diagnosis.eventId);
/** Listings and reads run concurrently: they are compared as sets, in key order; results come in listing order. */
const listedPrefixes = () =>
  s3.requests
    .filter((request) => request.query.get('list-type') === '2')
    .map((request) => `${request.query.get('prefix')}${request.query.has('delimiter') ? ' (folders)' : ''}`)
    .sort();
const readKeys = () =>
  s3.requests
    .filter((request) => request.method === 'GET' && !request.query.has('list-type'))
    .map((request) => request.path.split('/').slice(2).join('/'))
    .sort();

describe('scan s3:// in the organization layout', () => {
  it('finds the organization, accounts and regions, and reads every log file in key order', async () => {
    const run = await scan('--json', 's3://org-trail/AWSLogs/');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ files: ORG_FILES.length, records: 11, denials: 9 });
    // Accounts, then regions (eu-west-1 before us-east-1), then keys: each in S3's key order.
    expect(ids(report)).toEqual(['d20eu', 'd18', 'd19a', 'd19b', 'd19c', 'd20a', 'd20b', 'd21', 'd20other']);
    expect(readKeys()).toEqual(ORG_FILES.map((file) => file.key).sort());
  });

  it('finds AWSLogs under a bucket or a trail prefix', async () => {
    const report = JSON.parse((await scan('--json', 's3://org-trail')).stdout);
    expect(report).toMatchObject({ files: ORG_FILES.length, denials: 9 });
  });

  it('--since and --until list only the day folders that can hold the period, and count only its denials', async () => {
    const run = await scan('--json', '--since', '2026-11-19T23:55:00Z', '--until', '2026-11-20T10:00:00Z', 's3://org-trail/AWSLogs/');
    expect(run.code).toBe(0);
    // Day of --since to the day of --until plus an hour; never the 18th, the 21st or the whole region folder.
    const days = (account: string, region: string) =>
      ['19', '20'].map((day) => `AWSLogs/${ORG}/${account}/CloudTrail/${region}/2026/11/${day}/`);
    expect(listedPrefixes()).toEqual(
      [
        'AWSLogs/ (folders)',
        `AWSLogs/${ORG}/ (folders)`,
        `AWSLogs/${ORG}/${ACCOUNT}/CloudTrail/ (folders)`,
        `AWSLogs/${ORG}/${OTHER_ACCOUNT}/CloudTrail/ (folders)`,
        ...days(ACCOUNT, 'eu-west-1'),
        ...days(ACCOUNT, 'us-east-1'),
        ...days(OTHER_ACCOUNT, 'us-east-1'),
      ].sort(),
    );
    // Files delivered before --since are not read (09:05 and 23:50 on the 19th), nor after --until plus an hour
    // (12:05 on the 20th); the one delivered at 00:04 holds an event of 23:58 the day before, and one of 00:01.
    expect(readKeys()).toEqual([ORG_FILES[5], ORG_FILES[3], ORG_FILES[6]].map((file) => file.key).sort());
    expect(ids(JSON.parse(run.stdout))).toEqual(['d20eu', 'd19c', 'd20a', 'd20other']);
  });

  it('reads a file delivered after midnight for events of the day before --until, and filters records by time exactly', async () => {
    const run = await scan(
      '--json',
      '--since',
      '2026-11-19T23:50:00Z',
      '--until',
      '2026-11-19T23:59:00Z',
      '--account',
      ACCOUNT,
      '--region',
      'us-east-1',
      's3://org-trail/AWSLogs/',
    );
    expect(listedPrefixes()).toEqual(
      [
        'AWSLogs/ (folders)',
        `AWSLogs/${ORG}/ (folders)`,
        ...['19', '20'].map((day) => `AWSLogs/${ORG}/${ACCOUNT}/CloudTrail/us-east-1/2026/11/${day}/`),
      ].sort(),
    );
    expect(readKeys()).toEqual([ORG_FILES[2], ORG_FILES[3]].map((file) => file.key).sort());
    // 23:45 is before --since, 00:01 after --until: only 23:58 is in the period.
    expect(ids(JSON.parse(run.stdout))).toEqual(['d19c']);
  });

  it('--account and --region narrow the listing', async () => {
    const run = await scan('--json', '--account', ACCOUNT, '--region', 'us-east-1', '--since', '2026-11-21', 's3://org-trail/AWSLogs/');
    expect(listedPrefixes()).toEqual(
      [
        'AWSLogs/ (folders)',
        `AWSLogs/${ORG}/ (folders)`,
        `AWSLogs/${ORG}/${ACCOUNT}/CloudTrail/us-east-1/2026/11/21/`,
        `AWSLogs/${ORG}/${ACCOUNT}/CloudTrail/us-east-1/2026/11/22/`,
      ].sort(),
    );
    expect(ids(JSON.parse(run.stdout))).toEqual(['d21']);
  });

  it('starts from a folder given deeper in the layout', async () => {
    const run = await scan('--json', `s3://org-trail/AWSLogs/${ORG}/${ACCOUNT}/CloudTrail/eu-west-1/`);
    expect(ids(JSON.parse(run.stdout))).toEqual(['d20eu']);
    expect(listedPrefixes()).toEqual([`AWSLogs/${ORG}/${ACCOUNT}/CloudTrail/eu-west-1/`]);
  });
});

describe('scan s3:// in the layout of an account trail', () => {
  it('finds the account and its regions under a trail prefix', async () => {
    const run = await scan('--json', 's3://account-trail/trails/');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({
      files: 2,
      records: 3,
      denials: 2,
      byCause: { 'service-control-policy': 1, 'vpc-endpoint-policy': 1 },
    });
    expect(listedPrefixes()).toEqual(
      [
        'trails/ (folders)',
        'trails/AWSLogs/ (folders)',
        `trails/AWSLogs/${ACCOUNT}/CloudTrail/ (folders)`,
        `trails/AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/`,
        `trails/AWSLogs/${ACCOUNT}/CloudTrail/us-west-2/`,
      ].sort(),
    );
  });
});

describe('scan s3:// with more than 1,000 log files in a day', () => {
  it('lists page after page (ListObjectsV2 answers at most 1,000 keys) and reads every object', async () => {
    await s3.createBucket('busy-trail');
    const keys = Array.from({ length: 1_001 }, (_, index) =>
      logKey({
        account: ACCOUNT,
        region: 'us-east-1',
        delivered: `2026-11-20T${String(Math.floor(index / 60) % 24).padStart(2, '0')}:${String(index % 60).padStart(2, '0')}`,
        unique: `C${String(index).padStart(15, '0')}`,
      }),
    );
    const body = logFile([successAt('x', '2026-11-20T00:00:00Z'), denialAt('y', '2026-11-20T00:00:00Z')]);
    for (let start = 0; start < keys.length; start += 25)
      await Promise.all(keys.slice(start, start + 25).map((key) => s3.put('busy-trail', key, body)));
    s3.requests.length = 0;

    const run = await scan(
      '--json',
      '--since',
      '2026-11-20',
      '--until',
      '2026-11-20T23:59:59Z',
      '--region',
      'us-east-1',
      's3://busy-trail/AWSLogs/',
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({ files: 1_001, records: 2_002, denials: 1_001 });
    const dayListings = s3.requests.filter(
      (request) => request.query.get('prefix') === `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/11/20/`,
    );
    expect(dayListings.length).toBeGreaterThanOrEqual(2);
    expect(dayListings.slice(1).every((request) => request.query.has('continuation-token'))).toBe(true);
    expect(readKeys()).toEqual(keys.sort());
  }, 60_000);
});

describe('scan s3:// objects that cannot be read: named, skipped, exit 1', () => {
  const target = ORG_FILES[4].key;
  const location = `s3://org-trail/AWSLogs/${ORG}/${ACCOUNT}/CloudTrail/us-east-1/`;

  it('retries a throttled object with back-off and reads it', async () => {
    s3.failObject('org-trail', target, SLOW_DOWN);
    const run = await scan('--json', location);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(readKeys().filter((key) => key === target)).toHaveLength(2);
    expect(ids(JSON.parse(run.stdout))).toContain('d20b');
  });

  it('names an object still throttled after --max-attempts', async () => {
    s3.failObject('org-trail', target, SLOW_DOWN, 2);
    const run = await scan('--json', '--max-attempts', '2', location);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `denyscope: s3://org-trail/${target}: cannot be read: throttled by S3 (SlowDown, after 2 attempts: Please reduce your request rate.) (skipped)\n`,
    );
    const report = JSON.parse(run.stdout);
    expect(report.errors).toEqual([{ file: `s3://org-trail/${target}`, message: expect.stringContaining('SlowDown') }]);
    expect(ids(report)).not.toContain('d20b');
    expect(report.files).toBe(6);
  });

  it('names an object the caller may not read, and one encrypted with a KMS key the caller cannot use (with the key ARN when S3 names it)', async () => {
    const keyArn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    s3.failObject('org-trail', ORG_FILES[0].key, ACCESS_DENIED);
    s3.failObject('org-trail', ORG_FILES[1].key, {
      status: 403,
      code: 'AccessDenied',
      message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/reader/s is not authorized to perform: kms:Decrypt on resource: ${keyArn} because no identity-based policy allows the kms:Decrypt action`,
    });
    s3.failObject('org-trail', ORG_FILES[2].key, {
      status: 403,
      code: 'AccessDenied',
      message:
        'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.',
    });
    const run = await scan(location);
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(`denyscope: s3://org-trail/${ORG_FILES[0].key}: cannot be read: access denied (Access Denied) (skipped)`);
    expect(lines[1]).toContain(
      `s3://org-trail/${ORG_FILES[1].key}: cannot be read: encrypted with a KMS key ${keyArn} the caller cannot use`,
    );
    expect(lines[2]).toContain(
      `s3://org-trail/${ORG_FILES[2].key}: cannot be read: encrypted with a KMS key the caller cannot use (AccessDenied: The ciphertext refers`,
    );
    expect(run.stdout).toContain('3 inputs could not be read and were skipped');
  });

  it('names a corrupt gzip object, one too large to read, and one that inflates past --max-file-size', async () => {
    await s3.createBucket('bad-trail');
    const day = (unique: string, minute: string) =>
      logKey({ account: ACCOUNT, region: 'us-east-1', delivered: `2026-11-20T10:${minute}`, unique });
    const good = logFile([denialAt('g1', '2026-11-20T10:00:00Z')]);
    await s3.put('bad-trail', day('DDDDDDDDDDDDDDD1', '01'), good.subarray(0, good.length - 8));
    await s3.put('bad-trail', day('DDDDDDDDDDDDDDD2', '02'), Buffer.concat([good, Buffer.alloc(70_000)]));
    await s3.put('bad-trail', day('DDDDDDDDDDDDDDD3', '03'), gzipSync(Buffer.alloc(8 * 1024 * 1024)));
    await s3.put('bad-trail', day('DDDDDDDDDDDDDDD4', '04'), good);
    s3.requests.length = 0;
    const run = await scan('--json', '--max-file-size', '64KiB', 's3://bad-trail/AWSLogs/');
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^denyscope: s3:\/\/bad-trail\/\S+DDDDDDDDDDDDDDD1\.json\.gz: corrupt or truncated gzip data \(.*unexpected end of file\) \(skipped\)$/,
      ),
      `denyscope: s3://bad-trail/${day('DDDDDDDDDDDDDDD2', '02')}: too large (over 64 KiB) (skipped)`,
      `denyscope: s3://bad-trail/${day('DDDDDDDDDDDDDDD3', '03')}: too large after decompression (over 64 KiB) (skipped)`,
    ]);
    // Too large by its listed size: never downloaded.
    expect(readKeys()).not.toContain(day('DDDDDDDDDDDDDDD2', '02'));
    expect(JSON.parse(run.stdout)).toMatchObject({ files: 4, records: 1, denials: 1 });
  });
});

describe('scan s3:// usage errors: exit 2, one line, nothing on stdout', () => {
  const expectUsageError = async (args: string[], fragment: string) => {
    const run = await scan(...args);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(fragment);
  };

  it('a bucket that does not exist', async () => {
    await expectUsageError(['s3://no-such-bucket/AWSLogs/'], 's3://no-such-bucket/AWSLogs/: no such bucket');
  });

  it('a folder inside AWSLogs that is not a CloudTrail log folder', async () => {
    await expectUsageError([`s3://org-trail/AWSLogs/${ORG}/${ACCOUNT}/CloudTrail-Digest/`], 'is not a CloudTrail log folder');
  });

  it('bad locations and option values', async () => {
    await expectUsageError(['s3://B/x'], 'is not an S3 location');
    await expectUsageError(['s3://org-trail/', '/tmp'], 'not both');
    await expectUsageError(['--jobs', '2', 's3://org-trail/'], '--jobs applies to local files');
    await expectUsageError(['--account', '12345', 's3://org-trail/'], '--account');
    await expectUsageError(['--region', 'US-EAST-1', 's3://org-trail/'], '--region');
    await expectUsageError(['--concurrency', '0', 's3://org-trail/'], '--concurrency');
    await expectUsageError(['--max-attempts', 'many', 's3://org-trail/'], '--max-attempts');
    await expectUsageError(['--account', ACCOUNT, '/tmp'], '--account applies to s3:// locations only');
  });
});

describe('the built CLI (dist/)', () => {
  const root = path.resolve(__dirname, '..', '..', '..');
  beforeAll(() => {
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build-cli.mjs')], { cwd: root });
  }, 60_000);

  /** The files a bundle file imports statically (what loads at start), transitively. */
  function staticClosure(entry: string): string[] {
    const seen = new Set<string>();
    const pending = [entry];
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const source = readFileSync(path.join(root, 'cli', 'dist', file), 'utf8');
      for (const match of source.matchAll(/\bimport\s*(?:[\w${}\s,*]*from\s*)?"\.\/([\w.-]+\.js)"/g)) pending.push(match[1]);
    }
    return [...seen];
  }

  it('loads the S3 client only for s3:// locations: it is in no file the CLI or the scan worker loads at start', () => {
    const bundle = (file: string) => readFileSync(path.join(root, 'cli', 'dist', file), 'utf8');
    const atStart = [...staticClosure('denyscope.js'), ...staticClosure('scan-worker.js')];
    expect(atStart.length).toBeGreaterThan(2);
    for (const file of atStart) expect([file, bundle(file).includes('ListObjectsV2')]).toEqual([file, false]);
    const lazy = /import\("\.\/(s3-source-[\w-]+\.js)"\)/.exec(atStart.map(bundle).join('\n'));
    expect(lazy).not.toBeNull();
    expect(bundle(lazy![1])).toContain('ListObjectsV2');
  });

  it('scans s3:// as a user runs it', async () => {
    // Spawned without waiting synchronously: the proxy it talks to runs in this process.
    const child = spawn(
      process.execPath,
      [path.join(root, 'cli', 'bin', 'denyscope.mjs'), 'scan', '--json', 's3://account-trail/trails/'],
      {
        cwd: root,
        env: { PATH: process.env.PATH, AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(stdout)).toMatchObject({ files: 2, records: 3, denials: 2 });
  });
});
