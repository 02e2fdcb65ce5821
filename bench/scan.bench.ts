/**
 * Benchmark: `denyscope scan --json` over a CloudTrail log tree as S3 delivers it, side by side, in one run, with
 * (a) the jq filter of AWS's troubleshooting article, (b) a Node program that only gunzips the same files with the
 * same number of threads (the floor for this data), and, for context, a loop that gunzips and parses every record.
 * Also the peak memory of each, and of a scan of a decompression bomb (1.2 GB of zeros, gzipped).
 *
 *   npx tsx bench/scan.bench.ts [--records 100000] [--runs 3] [--baseline DIR]
 *
 * --baseline DIR also measures the CLI of another built checkout (e.g. `git archive <commit>` unpacked, with
 * node_modules, after `node scripts/build-cli.mjs`), so a change is judged before/after within one run.
 *
 * The tree is generated deterministically into bench/.data/ (reused when present) and the CLI runs as a user
 * runs it (node cli/bin/denyscope.mjs, the built bundle). Prints a Markdown table and the machine.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { randomSource } from '../test/cli/scan/log-file-generator';

const ROOT = path.resolve(__dirname, '..');
const CLI_BIN = 'cli/bin/denyscope.mjs';

/** The CLI launcher of a checkout: cli/bin/ since the npm workspaces, bin/ before. */
function cliBinaryIn(checkout: string): string {
  const current = path.join(checkout, CLI_BIN);
  return existsSync(current) ? current : path.join(checkout, 'bin', 'denyscope.mjs');
}
const DATA = path.join(ROOT, 'bench', '.data');
const GENERATOR_VERSION = 1;

const JQ_FILTER =
  '.Records[] | select(.eventType == "AwsApiCall" and .errorCode != null and (.errorCode | ascii_downcase | (contains("accessdenied") or contains("unauthorized")))) | [.eventTime, .userIdentity.arn, .eventID, .eventSource, .eventName, .errorCode, .errorMessage] | @csv';

// ---------------------------------------------------------------- deterministic generator (seeded: every run generates the same tree)

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const ORG_POLICY = 'arn:aws:organizations::999988887777:policy/o-a1b2c3d4e5/service_control_policy/p-examplescp1';
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const REGIONS = ['us-east-1', 'eu-west-1'];
const DAYS = ['2026/11/16', '2026/11/17', '2026/11/18', '2026/11/19', '2026/11/20'];
const TABLES = ['orders', 'customers', 'inventory', 'sessions', 'audit-log'];
const ROLES = ['orders-api', 'reporting', 'checkout-worker', 'inventory-sync', 'admin-console'];
const SUCCESS_CALLS = ['GetItem', 'PutItem', 'Query', 'UpdateItem', 'GetItem', 'Query', 'BatchGetItem', 'DeleteItem', 'DescribeTable'];

type Rng = () => number;
const pick = <T>(rng: Rng, values: readonly T[]): T => values[Math.floor(rng() * values.length)];
const hex = (rng: Rng, length: number): string => Array.from({ length }, () => Math.floor(rng() * 16).toString(16)).join('');
const uuid = (rng: Rng): string => `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-a${hex(rng, 3)}-${hex(rng, 12)}`;
const upperId = (rng: Rng, length: number): string =>
  Array.from({ length }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[Math.floor(rng() * 32)]).join('');

interface Call {
  role: string;
  session: string;
  region: string;
  table: string;
  eventName: string;
  time: string;
}

function assumedRoleIdentity(rng: Rng, call: Call, account = ACCOUNT, mfa = 'false'): Record<string, unknown> {
  const roleId = `AROA${upperId(rng, 17)}`;
  return {
    type: 'AssumedRole',
    principalId: `${roleId}:${call.session}`,
    arn: `arn:aws:sts::${account}:assumed-role/${call.role}/${call.session}`,
    accountId: account,
    accessKeyId: `ASIA${upperId(rng, 16)}`,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: roleId,
        arn: `arn:aws:iam::${account}:role/${call.role}`,
        accountId: account,
        userName: call.role,
      },
      attributes: { creationDate: call.time.replace(/T\d\d/, 'T00'), mfaAuthenticated: mfa },
      ec2RoleDelivery: '2.0',
    },
  };
}

function dynamodbRecord(rng: Rng, call: Call, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const tableArn = `arn:aws:dynamodb:${call.region}:${ACCOUNT}:table/${call.table}`;
  const management = call.eventName === 'DescribeTable';
  return {
    eventVersion: '1.09',
    userIdentity: assumedRoleIdentity(rng, call),
    eventTime: call.time,
    eventSource: 'dynamodb.amazonaws.com',
    eventName: call.eventName,
    awsRegion: call.region,
    sourceIPAddress: `10.0.${Math.floor(rng() * 255)}.${Math.floor(rng() * 255)}`,
    userAgent: 'aws-sdk-js/3.600.0 ua/2.1 os/linux#5.10.219-208.866.amzn2.x86_64 lang/js md/nodejs#20.15.0 api/dynamodb#3.600.0 m/E,N',
    requestParameters: management
      ? { tableName: call.table }
      : {
          tableName: call.table,
          key: { pk: `ORDER#${hex(rng, 10)}`, sk: `ITEM#${Math.floor(rng() * 100)}` },
          consistentRead: false,
          projectionExpression: '#pk, #sk, #status, #total, #updatedAt',
          expressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#status': 'status', '#total': 'total', '#updatedAt': 'updatedAt' },
          returnConsumedCapacity: 'NONE',
        },
    responseElements: null,
    requestID: upperId(rng, 52),
    eventID: uuid(rng),
    readOnly: ['GetItem', 'Query', 'BatchGetItem', 'DescribeTable'].includes(call.eventName),
    resources: [{ accountId: ACCOUNT, type: 'AWS::DynamoDB::Table', ARN: tableArn }],
    eventType: 'AwsApiCall',
    apiVersion: '2012-08-10',
    managementEvent: management,
    recipientAccountId: ACCOUNT,
    vpcEndpointId: 'vpce-0a1b2c3d4e5f67890',
    vpcEndpointAccountId: ACCOUNT,
    eventCategory: management ? 'Management' : 'Data',
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: `dynamodb.${call.region}.amazonaws.com`,
    },
    ...extra,
  };
}

/** The denial kinds in the mix, each with the errorMessage AWS writes for it. */
const DENIALS: ReadonlyArray<(rng: Rng, call: Call) => Record<string, unknown>> = [
  (rng, call) => denied(rng, call, 'because no identity-based policy allows the dynamodb:ACTION action'),
  (rng, call) => denied(rng, call, `with an explicit deny in a service control policy: ${ORG_POLICY}`),
  (rng, call) => denied(rng, call, 'with an explicit deny in a VPC endpoint policy'),
  (rng, call) => denied(rng, call, 'because no permissions boundary allows the dynamodb:ACTION action'),
  (rng, call) => denied(rng, call, 'with an explicit deny in a resource control policy'),
  (rng, call) => denied(rng, call, ''),
  (rng, call) => {
    // Cross-account caller refused by the table's resource-based policy.
    const record = denied(rng, call, 'because no resource-based policy allows the dynamodb:ACTION action', OTHER_ACCOUNT);
    return { ...record, userIdentity: assumedRoleIdentity(rng, call, OTHER_ACCOUNT) };
  },
  (rng, call) => {
    const caller = `arn:aws:sts::${ACCOUNT}:assumed-role/${call.role}/${call.session}`;
    return dynamodbRecord(rng, call, {
      errorCode: 'AccessDenied',
      errorMessage: `KMS key access denied error: com.amazonaws.services.kms.model.AWSKMSException: User: ${caller} is not authorized to perform: kms:Decrypt on resource: ${KEY_ARN} because no resource-based policy allows the kms:Decrypt action (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: ${uuid(rng)}; Proxy: null)`,
    });
  },
  (rng, call) => {
    // An IAM user with a long-term key, refused by a deny-unless-MFA statement.
    const user = `arn:aws:iam::${ACCOUNT}:user/ops-${call.session.slice(-4)}`;
    const record = dynamodbRecord(rng, call, {
      errorCode: 'AccessDenied',
      errorMessage: `User: ${user} is not authorized to perform: dynamodb:${call.eventName} on resource: arn:aws:dynamodb:${call.region}:${ACCOUNT}:table/${call.table} with an explicit deny in an identity-based policy`,
    });
    return {
      ...record,
      userIdentity: {
        type: 'IAMUser',
        principalId: `AIDA${upperId(rng, 17)}`,
        arn: user,
        accountId: ACCOUNT,
        accessKeyId: `AKIA${upperId(rng, 16)}`,
        userName: user.split('/')[1],
      },
    };
  },
];

function denied(rng: Rng, call: Call, reason: string, callerAccount = ACCOUNT): Record<string, unknown> {
  const caller = `arn:aws:sts::${callerAccount}:assumed-role/${call.role}/${call.session}`;
  const resource = `arn:aws:dynamodb:${call.region}:${ACCOUNT}:table/${call.table}`;
  const message = `User: ${caller} is not authorized to perform: dynamodb:${call.eventName} on resource: ${resource}${reason === '' ? '' : ` ${reason.replace('ACTION', call.eventName)}`}`;
  return dynamodbRecord(rng, call, { errorCode: 'AccessDenied', errorMessage: message, responseElements: null });
}

/** ~3.6% denials (nine kinds), ~1.5% other errors, the rest successes. */
function generateRecord(rng: Rng, call: Call): Record<string, unknown> {
  const roll = rng();
  if (roll < 0.036)
    return pick(rng, DENIALS)(rng, { ...call, eventName: pick(rng, ['GetItem', 'PutItem', 'Query', 'UpdateItem', 'DeleteItem', 'Scan']) });
  if (roll < 0.046)
    return dynamodbRecord(
      rng,
      { ...call, eventName: 'UpdateItem' },
      { errorCode: 'ConditionalCheckFailedException', errorMessage: 'The conditional request failed' },
    );
  if (roll < 0.051)
    return dynamodbRecord(rng, call, {
      errorCode: 'ThrottlingException',
      errorMessage: 'Rate of requests exceeds the allowed throughput.',
    });
  return dynamodbRecord(rng, call);
}

interface Tree {
  readonly root: string;
  readonly files: string[];
  readonly records: number;
  readonly bytes: number;
}

function generateTree(records: number): Tree {
  const root = path.join(DATA, `trail-${records}`);
  // The manifest sits beside the tree, not in it: scan would (rightly) call it a corrupt log file.
  const manifestFile = `${root}.manifest.json`;
  if (existsSync(manifestFile)) {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Tree & { version: number };
    if (manifest.version === GENERATOR_VERSION) return manifest;
  }
  rmSync(root, { recursive: true, force: true });
  const rng = randomSource(20261120);
  const recordsPerFile = 200;
  const fileCount = Math.ceil(records / recordsPerFile);
  const files: string[] = [];
  let bytes = 0;
  for (let index = 0; index < fileCount; index += 1) {
    const region = REGIONS[index % REGIONS.length];
    const day = DAYS[Math.floor((index / fileCount) * DAYS.length)];
    const minuteOfDay = Math.floor((((index * DAYS.length) % fileCount) / fileCount) * 1440);
    const stamp = `${day.replace(/\//g, '-')}T${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
    const count = Math.min(recordsPerFile, records - index * recordsPerFile);
    const batch = Array.from({ length: count }, (_, n) => {
      const role = pick(rng, ROLES);
      const call: Call = {
        role,
        session: `i-0${hex(rng, 16)}`,
        region,
        table: pick(rng, TABLES),
        eventName: pick(rng, SUCCESS_CALLS),
        time: `${stamp}:${String(Math.floor((n / count) * 60)).padStart(2, '0')}Z`,
      };
      return generateRecord(rng, call);
    });
    const directory = path.join(root, 'AWSLogs', ACCOUNT, 'CloudTrail', region, day);
    mkdirSync(directory, { recursive: true });
    const name = `${ACCOUNT}_CloudTrail_${region}_${stamp.replace(/[-:]/g, '')}Z_${upperId(rng, 16)}.json.gz`;
    const content = gzipSync(JSON.stringify({ Records: batch }));
    writeFileSync(path.join(directory, name), content);
    files.push(path.join(directory, name));
    bytes += content.length;
  }
  const tree: Tree = { root, files, records, bytes };
  writeFileSync(manifestFile, JSON.stringify({ ...tree, version: GENERATOR_VERSION }));
  return tree;
}

/** 1.2 GB of zeros, gzipped (about 1.2 MB): a file that inflates to more than scan's default limit of 1 GiB. */
async function generateBomb(): Promise<string> {
  const file = path.join(DATA, 'bomb-zeros-1.2GB.json.gz');
  if (existsSync(file)) return file;
  const zeros = Buffer.alloc(1024 * 1024);
  const chunks = function* (): Generator<Buffer> {
    for (let written = 0; written < 1_200_000_000; written += zeros.length) yield zeros;
  };
  await pipeline(Readable.from(chunks()), createGzip({ level: 9 }), createWriteStream(`${file}.partial`));
  renameSync(`${file}.partial`, file);
  return file;
}

// ---------------------------------------------------------------- measurement

interface Measured {
  /** Median wall-clock seconds. */
  readonly seconds: number;
  /** Median CPU seconds (user + system, the command and its children): fairer than wall time on a busy machine. */
  readonly cpuSeconds: number;
  /** Median peak resident memory, MB. */
  readonly peakMb: number;
  /** Wall-clock seconds of each run, in run order: ratios are taken between runs of the same round. */
  readonly rounds: readonly number[];
  readonly output: string;
  readonly stderr: string;
}

interface Run {
  readonly command: string;
  readonly args: readonly string[];
  readonly expectedStatus?: number;
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs a command `runs` times under /usr/bin/time and keeps the medians (the machine may be shared). */
function measure(runs: number, command: string, args: readonly string[], expectedStatus = 0): Measured {
  return measureRounds(runs, { only: { command, args, expectedStatus } }).only;
}

/**
 * Runs every command once per round, for `runs` rounds, so that a change in a shared machine's load weighs on all of
 * them alike, and keeps each one's medians and its time in each round.
 */
function measureRounds(runs: number, commands: Readonly<Record<string, Run>>): Record<string, Measured> {
  const names = Object.keys(commands);
  const wall = new Map<string, number[]>(names.map((name) => [name, []]));
  const cpu = new Map<string, number[]>(names.map((name) => [name, []]));
  const peak = new Map<string, number[]>(names.map((name) => [name, []]));
  const outputs = new Map<string, { output: string; stderr: string }>();
  const timeFile = path.join(DATA, 'time.txt');
  for (let run = 0; run < runs; run += 1) {
    for (const name of names) {
      const { command, args, expectedStatus = 0 } = commands[name];
      const result = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, command, ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        maxBuffer: 1 << 30,
      });
      if (result.status !== expectedStatus)
        throw new Error(`${command} ${args.join(' ').slice(0, 200)} exited ${result.status}: ${result.stderr}`);
      const [elapsed, user, system, maxRssKb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      wall.get(name)!.push(elapsed);
      cpu.get(name)!.push(user + system);
      peak.get(name)!.push(maxRssKb / 1024);
      outputs.set(name, { output: result.stdout, stderr: result.stderr });
    }
  }
  const measured: Record<string, Measured> = {};
  for (const name of names) {
    measured[name] = {
      seconds: median(wall.get(name)!),
      cpuSeconds: median(cpu.get(name)!),
      peakMb: median(peak.get(name)!),
      rounds: wall.get(name)!,
      ...outputs.get(name)!,
    };
  }
  return measured;
}

/** The median and the range over the rounds of `ratio(round)`. */
function ratioOverRounds(runs: number, ratio: (round: number) => number): { median: number; low: number; high: number } {
  const ratios = Array.from({ length: runs }, (_, round) => ratio(round));
  return { median: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios) };
}

/**
 * Only gunzips the files, in as many worker threads as scan uses (files dealt out in turn), as `node -e` code:
 * argv: the file list, the thread count, and "sized" to gunzip into one buffer sized from the gzip trailer (as scan
 * does; the floor) or "plain" for gunzipSync as usually written.
 */
const GUNZIP_ONLY = `
const { Worker } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const [list, threadCount, mode] = process.argv.slice(1);
const files = JSON.parse(readFileSync(list, 'utf8'));
const threads = Number(threadCount);
const work = \`
  const { parentPort, workerData } = require('node:worker_threads');
  const { readFileSync } = require('node:fs');
  const { gunzipSync } = require('node:zlib');
  let bytes = 0;
  for (const file of workerData.files) {
    const gzip = readFileSync(file);
    const options = workerData.mode === 'sized' ? { chunkSize: Math.max(gzip.readUInt32LE(gzip.length - 4) + 1, 65536) } : {};
    bytes += gunzipSync(gzip, options).length;
  }
  parentPort.postMessage(bytes);
\`;
let total = 0;
let finished = 0;
for (let thread = 0; thread < threads; thread += 1) {
  const share = files.filter((_, index) => index % threads === thread);
  new Worker(work, { eval: true, workerData: { files: share, mode } }).on('message', (bytes) => {
    total += bytes;
    if (++finished === threads) process.stdout.write(String(total));
  });
}
`;

/** The third field of jq's @csv line (the eventID): the first two (time, ARN) hold no quote or comma. */
const CSV_THIRD_FIELD = /^(?:"[^"]*",){2}"([^"]*)"/;

/** Gunzips and parses every record, one thread: what scanning cost before the prefilter, at the least. */
const PARSE_EVERYTHING = `
const { readFileSync } = require('node:fs');
const { gunzipSync } = require('node:zlib');
let records = 0;
for (const file of JSON.parse(readFileSync(process.argv[1], 'utf8'))) records += JSON.parse(gunzipSync(readFileSync(file))).Records.length;
process.stdout.write(String(records));
`;

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

function stringArgument(name: string): string | null {
  const index = process.argv.indexOf(name);
  return index === -1 ? null : process.argv[index + 1];
}

async function main(): Promise<void> {
  const records = argument('--records', 100_000);
  const runs = argument('--runs', 3);
  const threads = os.availableParallelism();
  mkdirSync(DATA, { recursive: true });
  const tree = generateTree(records);
  const bomb = await generateBomb();
  const fileList = path.join(DATA, `files-${records}.json`);
  writeFileSync(fileList, JSON.stringify(tree.files));
  process.stderr.write(
    `tree: ${tree.files.length} files, ${records} records, ${(tree.bytes / 1e6).toFixed(1)} MB gzipped, in ${path.relative(ROOT, tree.root)}\n`,
  );

  // Bench the current sources, as `npm ci` would have built them.
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { cwd: ROOT, stdio: 'inherit' });

  const scanArgs = (cli: string, ...options: string[]): Run => ({
    command: process.execPath,
    args: [cli, 'scan', '--json', ...options, tree.root],
  });
  const baselineDirectory = stringArgument('--baseline');
  const baselineCli = baselineDirectory === null ? null : cliBinaryIn(path.resolve(baselineDirectory));
  // Every program runs once per round, in turn, so a shared machine's changing load weighs on all of them alike.
  const measured = measureRounds(runs, {
    jq: {
      command: 'bash',
      args: [
        '-c',
        `set -o pipefail; find "$0" -name '*.json.gz' -print0 | sort -z | xargs -0 zcat | /usr/bin/jq -r '${JQ_FILTER}'`,
        tree.root,
      ],
    },
    gunzipFloor: { command: process.execPath, args: ['-e', GUNZIP_ONLY, fileList, String(threads), 'sized'] },
    gunzipPlain: { command: process.execPath, args: ['-e', GUNZIP_ONLY, fileList, String(threads), 'plain'] },
    parseAll: { command: process.execPath, args: ['-e', PARSE_EVERYTHING, fileList] },
    scan: scanArgs(CLI_BIN),
    scanOneThread: scanArgs(CLI_BIN, '--jobs', '1'),
    ...(baselineCli === null ? {} : { baselineScan: scanArgs(baselineCli), baselineScanOneThread: scanArgs(baselineCli, '--jobs', '1') }),
  });
  const { jq, gunzipFloor, gunzipPlain, parseAll, scan, scanOneThread } = measured;
  const scanBomb = measure(1, process.execPath, [CLI_BIN, 'scan', '--json', bomb], 1);
  const baseline =
    baselineCli === null
      ? null
      : {
          scan: measured.baselineScan!,
          scanOneThread: measured.baselineScanOneThread!,
          scanBomb: measure(1, process.execPath, [baselineCli, 'scan', '--json', bomb], 1),
        };

  const report = JSON.parse(scan.output) as { records: number; denials: number; files: number };
  if (Number(parseAll.output) !== records || report.records !== records || report.files !== tree.files.length) {
    throw new Error(
      `counts disagree: generated ${records} records in ${tree.files.length} files, parse-everything loop ${parseAll.output}, scan ${report.records} in ${report.files}`,
    );
  }
  if (gunzipFloor.output !== gunzipPlain.output) throw new Error('the gunzip-only programs disagree on the bytes');
  // Honesty: the timed scan printed what jq printed. The same denials, by eventID, in a run (not timed) that lists them all.
  const jqEventIds = jq.output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => CSV_THIRD_FIELD.exec(line)?.[1] ?? line);
  const listed = JSON.parse(
    execFileSync(process.execPath, [CLI_BIN, 'scan', '--json', '--limit', String(jqEventIds.length + 1), tree.root], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    }),
  ) as { denials: number; diagnoses: Array<{ eventId: string }> };
  const sameDenials =
    report.denials === jqEventIds.length &&
    listed.denials === report.denials &&
    JSON.stringify(listed.diagnoses.map((diagnosis) => diagnosis.eventId).sort()) === JSON.stringify([...jqEventIds].sort());
  if (!sameDenials) throw new Error(`scan and jq disagree on the denials: jq lists ${jqEventIds.length}, scan diagnoses ${report.denials}`);
  const bombError = (JSON.parse(scanBomb.output) as { errors: Array<{ message: string }> }).errors[0]?.message ?? '(none)';

  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const jqVersion = spawnSync('/usr/bin/jq', ['--version'], { encoding: 'utf8' }).stdout.trim();
  const row = (name: string, m: Measured) =>
    `| ${name} | ${m.seconds.toFixed(2)} | ${(jq.seconds / m.seconds).toFixed(1)}x | ${(m.seconds / gunzipFloor.seconds).toFixed(2)}x | ${m.cpuSeconds.toFixed(2)} | ${Math.round(m.peakMb)} |`;
  const load = os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
  // Ratios within each round; the floor of a round is the faster of its two gunzip-only programs.
  const floorOf = (round: number): number => Math.min(gunzipFloor.rounds[round], gunzipPlain.rounds[round]);
  const versusJq = ratioOverRounds(runs, (round) => jq.rounds[round] / scan.rounds[round]);
  const versusFloor = ratioOverRounds(runs, (round) => scan.rounds[round] / floorOf(round));
  const range = (ratio: { low: number; high: number }, digits: number) => `${ratio.low.toFixed(digits)}–${ratio.high.toFixed(digits)}`;
  const lines = [
    `Scan benchmark: ${records.toLocaleString('en-US')} records in ${tree.files.length} gzipped CloudTrail log files (${(tree.bytes / 1e6).toFixed(1)} MB), median of ${runs} rounds (each program once per round, in turn)`,
    '',
    '| what | wall s | speed vs jq | time vs gunzip only | CPU s | peak MB |',
    '|---|---:|---:|---:|---:|---:|',
    row('(a) jq filter from the AWS article (zcat \\| jq)', jq),
    row(`(b) Node, gunzip only, ${threads} threads, output sized from the gzip trailer (as scan does)`, gunzipFloor),
    row(`(b2) Node, gunzip only, ${threads} threads, \`gunzipSync(readFileSync(f))\``, gunzipPlain),
    row('(p) Node, gunzip + `JSON.parse` of every file, 1 thread', parseAll),
    row(
      `(c) \`denyscope scan --json\` (default: ${threads} threads, one per core: the main thread and ${threads - 1} worker${threads === 2 ? '' : 's'})`,
      scan,
    ),
    row('(c1) `denyscope scan --json --jobs 1`', scanOneThread),
    ...(baseline === null
      ? []
      : [
          row(`(c) baseline ${baselineDirectory}: default threads`, baseline.scan),
          row(`(c1) baseline ${baselineDirectory}: --jobs 1`, baseline.scanOneThread),
        ]),
    '',
    `Targets, as ratios within each round (median, range): scan at least 5x faster than jq: ${versusJq.median.toFixed(1)}x (${range(versusJq, 1)}; ${versusJq.median >= 5 ? 'met' : 'not met'}); at most 1.3x the time of gunzip only with the same threads (the faster of (b) and (b2)): ${versusFloor.median.toFixed(2)}x (${range(versusFloor, 2)}; ${versusFloor.median <= 1.3 ? 'met' : 'not met'}).`,
    ...(baseline === null
      ? []
      : [
          `Baseline, same rounds: ${ratioOverRounds(runs, (round) => jq.rounds[round] / baseline.scan.rounds[round]).median.toFixed(1)}x faster than jq, ${ratioOverRounds(runs, (round) => baseline.scan.rounds[round] / floorOf(round)).median.toFixed(2)}x the time of gunzip only.`,
        ]),
    `Denials: jq lists ${jqEventIds.length}, denyscope diagnoses ${report.denials}: the same eventIDs.`,
    `Decompression bomb (${(readFileSync(bomb).length / 1e6).toFixed(1)} MB of gzip, 1.2 GB of zeros): scan peaks at ${Math.round(scanBomb.peakMb)} MB in ${scanBomb.seconds.toFixed(2)} s, "${bombError}"${baseline === null ? '' : `; baseline peaks at ${Math.round(baseline.scanBomb.peakMb)} MB in ${baseline.scanBomb.seconds.toFixed(2)} s`}.`,
    ...(baseline === null
      ? []
      : [`Baseline --json output ${baseline.scan.output === scan.output ? 'identical to' : 'DIFFERS from'} this checkout's.`]),
    `Machine: ${cpu}, ${threads} cores, Node ${process.version}, ${jqVersion}; load average at the end ${load}.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

// The evaluate benchmark reuses the tree, its names and the measurement; run directly, this file is the scan benchmark.
export { ACCOUNT, OTHER_ACCOUNT, KEY_ARN, REGIONS, TABLES, ROLES, ROOT, DATA, randomSource, generateTree, measure, argument };
if (require.main === module) main();
