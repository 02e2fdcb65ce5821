import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { collectInputs } from '../../cli/scan/files';
import { parseScanFilter } from '../../cli/scan/filters';
import { createFileQueue, takeFile, THIS_THREAD } from '../../cli/scan/file-queue';
import { defaultJobs, runPool, scanInputs } from '../../cli/scan/pool';
import { createProgress, formatDuration } from '../../cli/scan/progress';
import { validatePolicySource } from '../../cli/policies';
import { readPolicySource } from '../../cli/policies-source';
import type { FileScanResult } from '../../cli/scan/summary';
import { dynamodbRecord, EXPLICIT_SCP, EXPLICIT_VPCE, gzip, IMPLICIT_IDENTITY, logFile, roleArn, sessionArn, writeFile } from './fixtures';
import { runCli } from './run-cli';

let root: string;
let trail: string;
const NOW = new Date('2026-11-21T00:00:00Z');

// Three log files, seven records, five denials:
//   19th a.json.gz       scp (orders-api/orders/PutItem 10:00), success, identity (reporting/customers/GetItem 11:00)
//   20th b.json (plain)  vpce (orders-api/orders/PutItem 09:00), identity (orders-api/orders/PutItem 09:30), success
//   20th c.json (gzip)   identity (checkout/inventory/DeleteItem 12:00)
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'denyscope-scan-'));
  trail = path.join(root, 'AWSLogs');
  const day = (d: string) => path.join(trail, '111122223333', 'CloudTrail', 'us-east-1', '2026', '11', d);
  writeFile(
    path.join(day('19'), 'a.json.gz'),
    gzip(
      logFile([
        dynamodbRecord({ eventId: 'a1', time: '2026-11-19T10:00:00Z', reason: EXPLICIT_SCP }),
        dynamodbRecord({ eventId: 'a2', time: '2026-11-19T10:30:00Z' }),
        dynamodbRecord({
          eventId: 'a3',
          role: 'reporting',
          session: 'rep-1',
          table: 'customers',
          action: 'GetItem',
          time: '2026-11-19T11:00:00Z',
          reason: IMPLICIT_IDENTITY('GetItem'),
        }),
      ]),
    ),
  );
  writeFile(
    path.join(day('20'), 'b.json'),
    logFile([
      dynamodbRecord({ eventId: 'b1', time: '2026-11-20T09:00:00Z', reason: EXPLICIT_VPCE }),
      dynamodbRecord({ eventId: 'b2', time: '2026-11-20T09:30:00Z', reason: IMPLICIT_IDENTITY() }),
      dynamodbRecord({ eventId: 'b3', time: '2026-11-20T09:45:00Z' }),
    ]),
  );
  writeFile(
    path.join(day('20'), 'c.json'),
    gzip(
      logFile([
        dynamodbRecord({
          eventId: 'c1',
          role: 'checkout',
          table: 'inventory',
          action: 'DeleteItem',
          time: '2026-11-20T12:00:00Z',
          reason: IMPLICIT_IDENTITY('DeleteItem'),
        }),
      ]),
    ),
  );
  // Not logs: walking skips digest directories and hidden files.
  writeFile(
    path.join(trail, '111122223333', 'CloudTrail-Digest', 'us-east-1', 'digest.json.gz'),
    gzip('{"digestStartTime":"2026-11-20T00:00:00Z"}'),
  );
  writeFile(path.join(trail, '.DS_Store'), 'not json');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const scanJson = async (...args: string[]) => {
  const run = await runCli(['scan', '--json', ...args], { now: NOW });
  expect(run).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(run.stdout);
};

describe('scan --json', () => {
  it('reports totals, counts by cause/principal/action/table and the diagnoses in file order', async () => {
    const report = await scanJson(root);
    expect(Object.keys(report)).toEqual([
      'files',
      'records',
      'denials',
      'byCause',
      'byPrincipal',
      'byAction',
      'byTable',
      'diagnoses',
      'errors',
    ]);
    expect(report.files).toBe(3);
    expect(report.records).toBe(7);
    expect(report.denials).toBe(5);
    expect(report.byCause).toEqual({ 'identity-policy': 3, 'service-control-policy': 1, 'vpc-endpoint-policy': 1 });
    expect(report.byPrincipal).toEqual({ [roleArn('orders-api')]: 3, [roleArn('checkout')]: 1, [roleArn('reporting')]: 1 });
    expect(report.byAction).toEqual({ 'dynamodb:PutItem': 3, 'dynamodb:DeleteItem': 1, 'dynamodb:GetItem': 1 });
    expect(report.byTable).toEqual({ orders: 3, customers: 1, inventory: 1 });
    expect(report.diagnoses.map((d: { eventId: string }) => d.eventId)).toEqual(['a1', 'a3', 'b1', 'b2', 'c1']);
    expect(report.diagnoses[0]).toMatchObject({ cause: 'service-control-policy', principal: roleArn('orders-api'), tableName: 'orders' });
    expect(report.errors).toEqual([]);
  });

  it('gives the same report from a pool of worker threads as from one thread', async () => {
    for (const limit of ['100', '2']) {
      const oneThread = await scanJson('--jobs', '1', '--limit', limit, root);
      expect(await scanJson('--jobs', '2', '--limit', limit, root)).toEqual(oneThread);
    }
  });

  it('evaluates every denial against --policies with worker threads too, under --limit and the filters', async () => {
    const store = path.resolve(__dirname, '..', '..', 'cli', 'samples', 'policies.json');
    // The fixture's denials: five, three of them identity-policy (the comment above the tree).
    for (const [options, denials] of [
      [[], 5],
      [['--limit', '2'], 5],
      [['--cause', 'identity-policy'], 3],
    ] as const) {
      const oneThread = await scanJson('--jobs', '1', '--policies', store, ...options, root);
      const decisions = Object.values(oneThread.byDecision as Record<string, number>);
      expect(decisions.reduce((sum, count) => sum + count, 0)).toBe(denials);
      expect(await scanJson('--jobs', '2', '--policies', store, ...options, root)).toEqual(oneThread);
    }
  });

  it('reads stdin for "-"', async () => {
    const lines = [dynamodbRecord({ eventId: 's1', reason: EXPLICIT_SCP }), dynamodbRecord({ eventId: 's2' })]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const run = await runCli(['scan', '--json', '-'], { stdin: lines });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ files: 1, records: 2, denials: 1, byCause: { 'service-control-policy': 1 } });
  });

  it('reads files named on the command line whatever their name, detecting gzip by content', async () => {
    const report = await scanJson(path.join(trail, '111122223333', 'CloudTrail', 'us-east-1', '2026', '11', '20', 'c.json'));
    expect(report).toMatchObject({ files: 1, records: 1, denials: 1 });
  });
});

describe('scan filters: records counts every record read, the rest only matching denials', () => {
  const ids = (report: { diagnoses: Array<{ eventId: string }> }) => report.diagnoses.map((d) => d.eventId);

  it('--cause, one or several', async () => {
    const one = await scanJson('--cause', 'identity-policy', root);
    expect(one).toMatchObject({ records: 7, denials: 3, byCause: { 'identity-policy': 3 } });
    expect(ids(one)).toEqual(['a3', 'b2', 'c1']);
    expect(ids(await scanJson('--cause', 'identity-policy,vpc-endpoint-policy', root))).toEqual(['a3', 'b1', 'b2', 'c1']);
  });

  it('--principal matches the principal or the caller ARN', async () => {
    expect(ids(await scanJson('--principal', roleArn('orders-api'), root))).toEqual(['a1', 'b1', 'b2']);
    expect(ids(await scanJson('--principal', sessionArn('reporting', 'rep-1'), root))).toEqual(['a3']);
  });

  it('--table', async () => {
    expect(await scanJson('--table', 'customers', root)).toMatchObject({ denials: 1, byTable: { customers: 1 } });
  });

  it('--since and --until, ISO and relative', async () => {
    expect(ids(await scanJson('--since', '2026-11-20', root))).toEqual(['b1', 'b2', 'c1']);
    expect(ids(await scanJson('--until', '2026-11-19T23:59:59Z', root))).toEqual(['a1', 'a3']);
    expect(ids(await scanJson('--since', '2026-11-20T09:15:00Z', '--until', '2026-11-20 10:00', root))).toEqual(['b2']);
    expect(ids(await scanJson('--since', '2026-11-20T10:30:00+0100', root))).toEqual(['b2', 'c1']);
    expect(ids(await scanJson('--since', '24h', root))).toEqual(['b1', 'b2', 'c1']);
    expect(ids(await scanJson('--since', '2d', '--until', '1d', root))).toEqual(['a1', 'a3']);
  });

  it('--limit caps the diagnoses, never the counts', async () => {
    const report = await scanJson('--limit', '2', root);
    expect(report).toMatchObject({ denials: 5, byCause: { 'identity-policy': 3 } });
    expect(ids(report)).toEqual(['a1', 'a3']);
  });
});

describe('scan errors', () => {
  const expectOptionError = async (args: string[], ...fragments: string[]) => {
    const run = await runCli(['scan', ...args], { now: NOW });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    for (const fragment of fragments) expect(run.stderr).toContain(fragment);
  };

  it('rejects a cause that does not exist, listing the valid ones', async () => {
    // The causes of the README's table, in its order.
    const documented =
      'identity-policy, service-control-policy, resource-control-policy, vpc-endpoint-policy, permissions-boundary, session-policy, resource-policy, mfa-required, kms-key-access, kms-key-unusable, unknown';
    await expectOptionError(['--cause', 'scp', root], '--cause', '"scp"', documented);
  });

  it('rejects bad times', async () => {
    await expectOptionError(['--since', 'yesterday', root], '--since', '"yesterday"', '24h');
    await expectOptionError(['--until', '2026-13-45', root], '--until');
    await expectOptionError(['--until', '2026-02-30', root], '--until', '"2026-02-30"');
    await expectOptionError(['--since', '2026-11-20', '--until', '2026-11-19', root], 'later than --until');
  });

  it('rejects a --limit or --jobs that is not a positive integer', async () => {
    for (const limit of ['0', '-3', 'ten', '1.5']) await expectOptionError(['--limit', limit, root], '--limit', 'positive integer');
    await expectOptionError(['--jobs', '0', root], '--jobs');
  });

  it('rejects a PATH that does not exist, and no PATH at all', async () => {
    const missing = path.join(root, 'missing');
    await expectOptionError([missing], missing, 'no such file');
    await expectOptionError([], 'PATH');
  });

  it('names a corrupt file on stderr, skips it, still prints the totals, and exits 1', async () => {
    const tree = mkdtempSync(path.join(os.tmpdir(), 'denyscope-corrupt-'));
    try {
      writeFile(path.join(tree, '1-good.json'), logFile([dynamodbRecord({ eventId: 'g1', reason: EXPLICIT_SCP })]));
      const compressed = gzip(logFile([dynamodbRecord({ eventId: 'x1', reason: EXPLICIT_SCP })]));
      const truncated = writeFile(path.join(tree, '2-truncated.json.gz'), compressed.subarray(0, compressed.length - 20));
      const invalid = writeFile(path.join(tree, '3-invalid.json'), '{"Records": [ {');
      writeFile(path.join(tree, '4-good.json'), logFile([dynamodbRecord({ eventId: 'g2' })]));

      for (const jobs of ['1', '2']) {
        const run = await runCli(['scan', '--json', '--jobs', jobs, tree]);
        expect(run.code).toBe(1);
        const stderrLines = run.stderr.trimEnd().split('\n');
        expect(stderrLines).toHaveLength(2);
        expect(stderrLines[0]).toContain(truncated);
        expect(stderrLines[1]).toContain(invalid);
        const report = JSON.parse(run.stdout);
        expect(report).toMatchObject({ files: 4, records: 2, denials: 1 });
        expect(report.errors.map((e: { file: string }) => e.file)).toEqual([truncated, invalid]);
      }

      const human = await runCli(['scan', tree]);
      expect(human.code).toBe(1);
      expect(human.stdout).toContain('Scanned 4 files, 2 records: 1 denial');
      expect(human.stdout).toContain('2 inputs could not be read and were skipped');
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });
});

describe('scan reads only regular files, and goes on whatever one file holds', () => {
  let tree: string;
  beforeEach(() => {
    tree = mkdtempSync(path.join(os.tmpdir(), 'denyscope-odd-'));
    writeFile(path.join(tree, '1-good.json'), logFile([dynamodbRecord({ eventId: 'g1', reason: EXPLICIT_SCP })]));
  });
  afterEach(() => rmSync(tree, { recursive: true, force: true }));

  it('names and skips a named pipe, a socket and a device, met while walking or given, without opening them', async () => {
    const fifo = path.join(tree, '2-pipe.json');
    execFileSync('mkfifo', [fifo]);
    const socketPath = path.join(tree, '3-socket');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      for (const jobs of ['1', '2']) {
        // Opening the pipe for reading would block until a writer came: the scan ending at all shows it was not opened.
        const run = await runCli(['scan', '--json', '--jobs', jobs, tree, '/dev/null']);
        expect(run.code).toBe(1);
        expect(run.stderr.trimEnd().split('\n')).toEqual([
          `denyscope: ${fifo}: is a named pipe (FIFO), not a regular file; to read a pipe, give it on stdin as "-" (skipped)`,
          `denyscope: ${socketPath}: is a socket, not a regular file (skipped)`,
          'denyscope: /dev/null: is a character device, not a regular file (skipped)',
        ]);
        expect(JSON.parse(run.stdout)).toMatchObject({ files: 1, records: 1, denials: 1 });
      }
    } finally {
      server.close();
    }
  });

  it('refuses a file replaced by a named pipe after it was listed, instead of waiting on it', async () => {
    const replaced = writeFile(path.join(tree, '2-replaced.json'), logFile([dynamodbRecord({ eventId: 'r1', reason: EXPLICIT_SCP })]));
    const inputs = collectInputs([tree]).inputs;
    rmSync(replaced);
    execFileSync('mkfifo', [replaced]);
    for (const jobs of [1, 2]) {
      const results: FileScanResult[] = [];
      const settings = { filter: parseScanFilter({}, NOW), summaries: false, maxFileSize: 1024 * 1024 };
      await scanInputs(inputs, settings, jobs, process.stdin, { onResult: (result) => results.push(result), wantedDiagnoses: () => 100 });
      expect(results.map((result) => [result.source, result.error])).toEqual([
        [path.join(tree, '1-good.json'), null],
        [replaced, `${replaced}: is a named pipe (FIFO), not a regular file; to read a pipe, give it on stdin as "-"`],
      ]);
    }
  });

  it('names JSON nested 2,500 levels deep and goes on with the next file, in worker threads too', async () => {
    const deep = writeFile(path.join(tree, '2-deep.json'), `${'['.repeat(2500)}{}${']'.repeat(2500)}`);
    writeFile(path.join(tree, '3-good.json.gz'), gzip(logFile([dynamodbRecord({ eventId: 'g3', reason: EXPLICIT_SCP })])));
    for (const jobs of ['1', '2']) {
      const run = await runCli(['scan', '--json', '--jobs', jobs, tree]);
      expect(run.code).toBe(1);
      const stderrLines = run.stderr.trimEnd().split('\n');
      expect(stderrLines).toEqual([
        expect.stringMatching(new RegExp(`^denyscope: ${deep.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .* \\(skipped\\)$`)),
      ]);
      expect(JSON.parse(run.stdout)).toMatchObject({ files: 3, records: 2, denials: 2 });
    }
  });

  it('names a file over --max-file-size without reading it, and one that inflates past it', async () => {
    const big = writeFile(
      path.join(tree, '2-big.json'),
      logFile(Array.from({ length: 100 }, (_, index) => dynamodbRecord({ eventId: `b${index}` }))),
    );
    const bomb = writeFile(path.join(tree, '3-bomb.json.gz'), gzipSync(Buffer.alloc(32 * 1024 * 1024)));
    // The gzip file is small (under 64 KiB); only its text is too large.
    const run = await runCli(['scan', '--json', '--max-file-size', '64KiB', tree]);
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      `denyscope: ${big}: too large (over 64 KiB) (skipped)`,
      `denyscope: ${bomb}: too large after decompression (over 64 KiB) (skipped)`,
    ]);
  });

  it('rejects a --max-file-size that is not a size', async () => {
    for (const value of ['0', 'big', '-1GiB', '1PB']) {
      const run = await runCli(['scan', '--max-file-size', value, tree]);
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(run.stderr).toContain('--max-file-size');
    }
  });
});

describe('scan human output', () => {
  it('prints totals, then tables by cause, principal, action and table with their top remediation', async () => {
    const run = await runCli(['scan', root]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const out = run.stdout;
    expect(out).toContain('Scanned 3 files, 7 records: 5 denials');
    for (const title of ['By cause', 'By principal', 'By action', 'By table']) expect(out).toContain(title);
    expect(out).toContain('TOP REMEDIATION');
    expect(out).toMatch(/identity-policy\s+3\s+\S/);
    expect(out).toMatch(/orders\s+3\s+\S/);
    expect(out).not.toContain('\u001b');
  });

  it('says when nothing matched', async () => {
    const run = await runCli(['scan', '--table', 'nothing-here', root]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Scanned 3 files, 7 records: 0 denials');
    expect(run.stdout).toContain('No denials found.');
  });

  it('renders control characters from events harmless in the tables', async () => {
    const hostile = dynamodbRecord({ eventId: 'h1', role: 'r\u001b[2Jx', table: 't\u001b]0;pwned\u0007', reason: EXPLICIT_SCP });
    const run = await runCli(['scan', '-'], { stdin: JSON.stringify(hostile), tty: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('role/r\\u001B[2Jx');
    expect(run.stdout).toContain('t\\u001B]0;pwned\\u0007');
    expect(run.stdout.replace(/\u001b\[\d+m/g, '')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });
});

describe('scan progress', () => {
  const capture = (isTTY: boolean) => ({
    isTTY,
    text: '',
    write(chunk: string) {
      this.text += chunk;
    },
  });

  it('draws one self-overwriting line on a terminal once the scan runs long, and clears it on request', () => {
    const stderr = capture(true);
    let now = 0;
    const progress = createProgress(stderr, 'scanning', () => now);
    progress.update({ filesDone: 1, filesTotal: 10, records: 200, denials: 3 });
    expect(stderr.text).toBe('');
    now = 1500;
    progress.update({ filesDone: 5, filesTotal: 10, records: 1000, denials: 12 });
    expect(stderr.text).toBe('\r\u001b[Kscanning: 5/10 files, 1,000 records, 12 denials');
    progress.clear();
    expect(stderr.text.endsWith('\r\u001b[K')).toBe(true);
  });

  it('adds bytes and the rate, and the time left once every input is listed', () => {
    const stderr = capture(true);
    let now = 0;
    const progress = createProgress(stderr, 'scanning', () => now, 'objects');
    now = 2000;
    progress.update({
      filesDone: 40,
      filesTotal: 100,
      records: 8000,
      denials: 30,
      bytes: { done: 4 * 1024 * 1024, total: 10 * 1024 * 1024, listingDone: false },
    });
    expect(stderr.text).toBe('\r\u001b[Kscanning: 40/100+ objects, 4.0 MiB of 10.0 MiB, 8,000 records, 30 denials, 2.0 MiB/s');
    now = 4000;
    progress.update({
      filesDone: 80,
      filesTotal: 200,
      records: 16000,
      denials: 60,
      bytes: { done: 8 * 1024 * 1024, total: 20 * 1024 * 1024, listingDone: true },
    });
    expect(
      stderr.text.endsWith('\r\u001b[Kscanning: 80/200 objects, 8.0 MiB of 20.0 MiB, 16,000 records, 60 denials, 2.0 MiB/s, ETA 6s'),
    ).toBe(true);
  });

  it.each([
    [0, '0s'],
    [44.2, '45s'],
    [185, '3m05s'],
    [7830, '2h10m'],
  ])('says %d seconds as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('writes nothing when stderr is not a terminal', () => {
    const stderr = capture(false);
    let now = 0;
    const progress = createProgress(stderr, 'scanning', () => now);
    now = 5000;
    progress.update({ filesDone: 5, filesTotal: 10, records: 1000, denials: 12 });
    progress.clear();
    expect(stderr.text).toBe('');
  });
});

describe('the option parser', () => {
  it('exits 2 on a usage error (unknown option, missing value), nothing on stdout', async () => {
    for (const args of [
      ['scan', '--frobnicate', '.'],
      ['scan', '.', '--cause'],
      ['explain', '--nope'],
    ]) {
      const run = await runCli(args);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('error:');
    }
  });

  it('exits 0 after printing help', async () => {
    const run = await runCli(['scan', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--since <time>');
    expect(run.stdout).toContain('Exit status');
  });
});

describe('the pool of scan workers', () => {
  it('reports the file a dead worker was scanning as skipped, replaces it, and scans the rest', async () => {
    // A real worker that takes files from the shared queue and dies on one (a stand-in for an out-of-memory worker).
    const crashing = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { queue, taker } = workerData;
      for (;;) {
        const position = Atomics.add(queue.slots, 0, 1);
        if (position >= queue.paths.length) break;
        Atomics.store(queue.slots, 2 + position, taker);
        const path = queue.paths[position];
        if (path.includes('fatal')) process.exit(7);
        parentPort.postMessage({ position, result: { source: path, bytes: 1, records: 1, denials: 0, groups: {}, diagnoses: [], error: null } });
      }
      parentPort.postMessage({ done: true });`;
    const files = ['a', 'b', 'fatal', 'c', 'd', 'e', 'f'];
    const results = new Map<number, FileScanResult>();
    const settings = { filter: parseScanFilter({}, NOW), summaries: false, maxFileSize: 1024 };
    await runPool(createFileQueue(files, 0), settings, 2, (position, result) => results.set(position, result), {
      source: crashing,
      eval: true,
    });
    expect([...results.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const failed = [...results.values()].filter((result) => result.error !== null);
    expect(failed).toEqual([expect.objectContaining({ source: 'fatal', error: 'fatal: the scan worker stopped (exit code 7)' })]);
    expect([...results.values()].map((result) => result.source).sort()).toEqual([...files].sort());
  });

  it('does not restart a worker that stops before taking a file, and leaves the files to the other takers', async () => {
    const files = ['a', 'b'];
    const queue = createFileQueue(files, 0);
    const results = new Map<number, FileScanResult>();
    const settings = { filter: parseScanFilter({}, NOW), summaries: false, maxFileSize: 1024 };
    await runPool(queue, settings, 2, (position, result) => results.set(position, result), { source: 'process.exit(3)', eval: true });
    expect(results.size).toBe(0);
    expect(takeFile(queue, THIS_THREAD)).toMatchObject({ position: 0, path: 'a' });
  });

  it('names a file a worker took but died before saying it had, rather than wait for it', async () => {
    // Dies between taking the next position and writing its number beside it.
    const dying = `
      const { workerData } = require('node:worker_threads');
      Atomics.add(workerData.queue.slots, 0, 1);
      process.exit(9);`;
    const queue = createFileQueue(['a', 'b'], 0);
    const results = new Map<number, FileScanResult>();
    const settings = { filter: parseScanFilter({}, NOW), summaries: false, maxFileSize: 1024 };
    await runPool(queue, settings, 1, (position, result) => results.set(position, result), { source: dying, eval: true });
    expect([...results.entries()]).toEqual([
      [0, expect.objectContaining({ source: 'a', error: 'a: the scan worker stopped (exit code 9)' })],
    ]);
    expect(takeFile(queue, THIS_THREAD)).toMatchObject({ position: 1, path: 'b' });
  });
});

describe('the scan gate (scan --policies checks the store while the workers start)', () => {
  let tree: string;
  beforeAll(() => {
    tree = mkdtempSync(path.join(os.tmpdir(), 'denyscope-gate-'));
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f'])
      writeFile(path.join(tree, `${name}.json`), logFile([dynamodbRecord({ eventId: name, reason: EXPLICIT_SCP })]));
  });
  afterAll(() => rmSync(tree, { recursive: true, force: true }));
  const settings = { filter: parseScanFilter({}, NOW), summaries: false, maxFileSize: 1024 * 1024 };

  /** Scans the tree behind a gate; `answer` is its answer. */
  async function scanBehindGate(jobs: number, answer: () => Promise<boolean>) {
    const results: FileScanResult[] = [];
    let asked = 0;
    const completed = await scanInputs(
      collectInputs([tree]).inputs,
      settings,
      jobs,
      process.stdin,
      { onResult: (result) => results.push(result), wantedDiagnoses: () => 100 },
      () => {
        asked += 1;
        return answer();
      },
    );
    return { completed, asked, sources: results.map((result) => path.basename(result.source)) };
  }
  // Long enough for a worker to start and scan some of the files before the gate answers.
  const afterAWhile = (open: boolean) => () => new Promise<boolean>((resolve) => setTimeout(() => resolve(open), 1500));

  it.each([1, 2, 3])('a gate that closes stops the scan with --jobs %d: false, and the sink gets nothing', async (jobs) => {
    expect(await scanBehindGate(jobs, afterAWhile(false))).toEqual({ completed: false, asked: 1, sources: [] });
  });

  it.each([1, 2, 3])('a gate that opens late loses nothing with --jobs %d: every file, in order', async (jobs) => {
    expect(await scanBehindGate(jobs, afterAWhile(true))).toEqual({
      completed: true,
      asked: 1,
      sources: ['a.json', 'b.json', 'c.json', 'd.json', 'e.json', 'f.json'],
    });
  });

  it('with --policies, one worker leaves its denials to this thread, which evaluates them once the gate opens; more workers evaluate their own', async () => {
    const source = readPolicySource(path.resolve(__dirname, '..', '..', 'cli', 'samples', 'policies.json'));
    const withStore = { ...settings, policies: source };
    const scan = async (jobs: number) => {
      const results: FileScanResult[] = [];
      const sink = { onResult: (result: FileScanResult) => results.push(result), wantedDiagnoses: () => 4 };
      // This thread scans nothing before the gate opens: the workers take every file meanwhile, without the store.
      const gate = () => new Promise<boolean>((resolve) => setTimeout(() => resolve(validatePolicySource(source) !== null), 1500));
      expect(await scanInputs(collectInputs([tree]).inputs, withStore, jobs, process.stdin, sink, gate)).toBe(true);
      return results.map(({ source: file, denials, groups, diagnoses, denialRecords }) => ({
        file: path.basename(file),
        denials,
        decisions: Object.values(groups.byDecision).reduce((sum, group) => sum + group.count, 0),
        evaluations: diagnoses.map((diagnosis) => diagnosis.evaluation),
        denialRecords,
      }));
    };
    const oneThread = await scan(1);
    expect(oneThread.map(({ file, denials, decisions }) => [file, denials, decisions])).toEqual(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => [`${name}.json`, 1, 1]),
    );
    expect(oneThread.every(({ evaluations }) => evaluations.length === 1 && evaluations[0] !== null)).toBe(true);
    // One worker leaves its denials to this thread; two evaluate their own.
    expect(await scan(2)).toEqual(oneThread);
    expect(await scan(3)).toEqual(oneThread);
  });

  it('a gate that fails stops the workers and passes the failure on', async () => {
    await expect(scanBehindGate(2, () => Promise.reject(new Error('validator crashed')))).rejects.toThrow('validator crashed');
  });
});

describe('default number of scan workers', () => {
  const files = (count: number, size: number) =>
    Array.from({ length: count }, (_, index) => ({ kind: 'file' as const, path: `f${index}`, size }));

  it('is 1 for small inputs, which do not pay for starting workers', () => {
    expect(defaultJobs(files(3, 1000), 8)).toBe(1);
    expect(defaultJobs(files(1, 50_000_000), 8)).toBe(1);
  });

  it('is one per core for large inputs, never more than the files', () => {
    expect(defaultJobs(files(100, 100_000), 8)).toBe(8);
    expect(defaultJobs(files(3, 10_000_000), 8)).toBe(3);
  });
});
