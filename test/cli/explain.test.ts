import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, truncateSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  dynamodbRecord,
  EXPLICIT_SCP,
  EXPLICIT_VPCE,
  gzip,
  IMPLICIT_IDENTITY,
  logFile,
  roleArn,
  SCP_ARN,
  sessionArn,
  writeFile,
} from './fixtures';
import { gzipBomb } from '../support/gzip-bomb';
import { runCli } from './run-cli';
import { MAX_INPUT_BYTES, MAX_JSON_DEPTH } from '../../core/diagnosis';

const DIAGNOSIS_FIELDS = [
  'eventId',
  'sharedEventId',
  'eventTime',
  'eventSource',
  'eventName',
  'region',
  'accountId',
  'principal',
  'principalArn',
  'action',
  'resource',
  'tableName',
  'cause',
  'denial',
  'policyType',
  'policyArn',
  'policyChain',
  'authorizationId',
  'mfaAuthenticated',
  'viaVpcEndpoint',
  'crossAccount',
  'readOnly',
  'consoleSession',
  'confidence',
  'hypotheses',
  'errorCode',
  'errorMessage',
  'evaluation',
  'remediation',
].sort();

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'denyscope-explain-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const scpDenial = dynamodbRecord({ eventId: 'evt-scp', reason: EXPLICIT_SCP });
const identityDenial = dynamodbRecord({
  eventId: 'evt-identity',
  action: 'GetItem',
  table: 'customers',
  reason: IMPLICIT_IDENTITY('GetItem'),
});
const success = dynamodbRecord({ eventId: 'evt-ok' });

describe('explain --json', () => {
  it('prints exactly {"diagnoses":[...]} in input order, with every contract field', async () => {
    const file = writeFile(path.join(dir, 'trail.json'), logFile([scpDenial, success, identityDenial]));
    const run = await runCli(['explain', file, '--json']);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    const output = JSON.parse(run.stdout);
    expect(Object.keys(output)).toEqual(['diagnoses']);
    expect(output.diagnoses.map((d: { eventId: string }) => d.eventId)).toEqual(['evt-scp', 'evt-identity']);
    const [scp, identity] = output.diagnoses;
    expect(Object.keys(scp).sort()).toEqual(DIAGNOSIS_FIELDS);
    expect(scp).toMatchObject({
      eventId: 'evt-scp',
      eventTime: '2026-11-20T09:15:00.000Z',
      eventSource: 'dynamodb.amazonaws.com',
      eventName: 'PutItem',
      region: 'us-east-1',
      accountId: '111122223333',
      principal: roleArn('orders-api'),
      principalArn: sessionArn('orders-api', 'i-0123456789abcdef0'),
      action: 'dynamodb:PutItem',
      resource: 'arn:aws:dynamodb:us-east-1:111122223333:table/orders',
      tableName: 'orders',
      cause: 'service-control-policy',
      denial: 'explicit',
      policyArn: SCP_ARN,
      confidence: 'certain',
      crossAccount: false,
      errorCode: 'AccessDenied',
      remediation: { policySnippet: null },
    });
    expect(identity).toMatchObject({ cause: 'identity-policy', denial: 'implicit', action: 'dynamodb:GetItem', tableName: 'customers' });
    expect(identity.remediation.policySnippet).not.toBeNull();
  });

  it('writes invisible characters of event values as JSON escapes: none reaches the terminal raw, the values are intact', async () => {
    const trojan = '\u202Eevil\u2066\u2028\u0085\u009b2J';
    const file = writeFile(
      path.join(dir, 'trojan.json'),
      JSON.stringify(dynamodbRecord({ eventId: `evt${trojan}`, table: `orders${trojan}`, reason: EXPLICIT_SCP })),
    );
    const run = await runCli(['explain', file, '--json']);
    expect(run.stdout.replace(/\n/g, '')).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
    expect(run.stdout).toContain('"eventId": "evt\\u202Eevil\\u2066\\u2028\\u0085\\u009B2J"');
    expect(JSON.parse(run.stdout).diagnoses[0].eventId).toBe(`evt${trojan}`);
  });

  it('prints {"diagnoses":[]} when the input holds no denial', async () => {
    const file = writeFile(path.join(dir, 'ok.json'), JSON.stringify(success));
    const run = await runCli(['explain', '--json', file]);
    expect(run).toEqual({ code: 0, stdout: '{\n  "diagnoses": []\n}\n', stderr: '' });
  });
});

describe('explain inputs', () => {
  it('reads stdin when no FILE is given, and for "-"', async () => {
    for (const args of [
      ['explain', '--json'],
      ['explain', '-', '--json'],
    ]) {
      const run = await runCli(args, { stdin: JSON.stringify(scpDenial) });
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).diagnoses).toHaveLength(1);
    }
  });

  it('detects gzip by its magic bytes on a file named .json', async () => {
    const file = writeFile(path.join(dir, 'really-gzip.json'), gzip(logFile([identityDenial])));
    const run = await runCli(['explain', file, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).diagnoses[0].eventId).toBe('evt-identity');
  });

  it('reads an AWS error message pasted on stdin', async () => {
    const message =
      'An error occurred (AccessDeniedException) when calling the GetItem operation: User: arn:aws:sts::111122223333:assumed-role/app/s1 is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:111122223333:table/orders with an explicit deny in a service control policy';
    const run = await runCli(['explain', '--json'], { stdin: message });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).diagnoses[0]).toMatchObject({
      cause: 'service-control-policy',
      principal: 'arn:aws:iam::111122223333:role/app',
    });
  });
});

describe('explain input errors: exit 2, one line on stderr naming the input, nothing on stdout', () => {
  const expectInputError = (run: { code: number; stdout: string; stderr: string }, ...fragments: string[]) => {
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.endsWith('\n')).toBe(true);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    for (const fragment of fragments) expect(run.stderr).toContain(fragment);
  };

  it('a missing file', async () => {
    const file = path.join(dir, 'nope.json');
    expectInputError(await runCli(['explain', file]), file, 'no such file');
  });

  it('a directory', async () => {
    expectInputError(await runCli(['explain', dir]), dir, 'is a directory');
  });

  it('invalid JSON', async () => {
    const file = writeFile(path.join(dir, 'broken.json'), '{"Records": [');
    expectInputError(await runCli(['explain', file, '--json']), file, 'invalid JSON');
  });

  it('a truncated gzip', async () => {
    const compressed = gzip(logFile([scpDenial]));
    const file = writeFile(path.join(dir, 'cut.json.gz'), compressed.subarray(0, compressed.length - 20));
    expectInputError(await runCli(['explain', file]), file, 'gzip');
  });

  it('JSON of an unknown shape on stdin', async () => {
    expectInputError(await runCli(['explain'], { stdin: '{"hello":"world"}' }), 'stdin');
  });

  it('empty stdin', async () => {
    expectInputError(await runCli(['explain', '-']), 'stdin');
  });

  it('a path that cannot be opened (a file used as a directory)', async () => {
    const file = writeFile(path.join(dir, 'plain.json'), JSON.stringify(scpDenial));
    const below = path.join(file, 'child.json');
    expectInputError(await runCli(['explain', below]), below, 'cannot read');
  });

  it('JSON nested 2,500 levels (a 5 KB file)', async () => {
    const file = writeFile(path.join(dir, 'deep.json'), `${'['.repeat(2_500)}${']'.repeat(2_500)}`);
    expectInputError(await runCli(['explain', file]), `${file}: nested deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('a JSON file with text before it is invalid JSON, not a pasted message', async () => {
    const file = writeFile(path.join(dir, 'junk.json'), `\u0000\u0001${logFile([scpDenial])}`);
    expectInputError(await runCli(['explain', file, '--json']), `${file}: invalid JSON at byte 0`);
  });

  it('a named pipe (FIFO) is refused without waiting for a writer', async () => {
    const fifo = path.join(dir, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    expectInputError(await runCli(['explain', fifo]), `${fifo}: is a named pipe (FIFO)`, '"-"');
  });

  it('a symbolic link to a named pipe is refused too', async () => {
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const link = path.join(dir, 'link.json');
    symlinkSync(fifo, link);
    expectInputError(await runCli(['explain', link]), `${link}: is a named pipe (FIFO)`);
  });

  it.each([
    ['/dev/zero', 'a character device'],
    ['/dev/null', 'a character device'],
  ])('a device (%s) is refused without being read', async (device, kind) => {
    expectInputError(await runCli(['explain', device]), `${device}: is ${kind}, not a regular file`);
  });

  it('a socket', async () => {
    const socketPath = path.join(dir, 'listening.sock');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      expectInputError(await runCli(['explain', socketPath]), `${socketPath}: is a socket, not a regular file`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a file over the size limit is refused by its size, before it is read', async () => {
    const file = path.join(dir, 'sparse.json');
    writeFile(file, '');
    truncateSync(file, MAX_INPUT_BYTES + 1); // sparse: no disk space used
    expectInputError(await runCli(['explain', file]), `${file}: too large (over 64 MiB)`);
  });

  it('stdin over the size limit', async () => {
    expectInputError(await runCli(['explain', '-'], { stdin: Buffer.alloc(MAX_INPUT_BYTES + 1, 0x20) }), 'stdin: too large (over 64 MiB)');
  });

  it('a gzip file that inflates beyond the limit', async () => {
    const file = writeFile(path.join(dir, 'bomb.json.gz'), gzipBomb(MAX_INPUT_BYTES + 1));
    expectInputError(await runCli(['explain', file]), `${file}: too large after decompression (over 64 MiB)`);
  });

  const asRoot = process.getuid?.() === 0;
  (asRoot ? it.skip : it)('an unreadable file', async () => {
    const file = writeFile(path.join(dir, 'secret.json'), JSON.stringify(scpDenial));
    chmodSync(file, 0o000);
    expectInputError(await runCli(['explain', file]), file, 'permission denied');
  });
  if (asRoot) console.warn('explain.test: running as root, so the unreadable-file case is skipped (root reads any file)');
});

describe('explain human output', () => {
  it('shows what was denied, to whom, why and what to do', async () => {
    const file = writeFile(path.join(dir, 'scp.json'), JSON.stringify(scpDenial));
    const run = await runCli(['explain', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('DENIED dynamodb:PutItem');
    expect(run.stdout).toContain('service-control-policy');
    // The cause in the same words as the alert e-mail's subject (README: "... denied on Orders: service control policy").
    expect(run.stdout).toMatch(/^ +why +service control policy — the message names "service control policy"$/m);
    expect(run.stdout).toContain(roleArn('orders-api'));
    expect(run.stdout).toContain(SCP_ARN);
    expect(run.stdout).toContain('Steps');
    expect(run.stdout).toContain('Commands');
    expect(run.stdout).toMatch(/aws organizations /);
  });

  it('prints one block per denial, in input order', async () => {
    const vpce = dynamodbRecord({ eventId: 'evt-vpce', reason: EXPLICIT_VPCE });
    const file = writeFile(path.join(dir, 'two.json'), logFile([scpDenial, vpce]));
    const run = await runCli(['explain', file]);
    const headlines = run.stdout.split('\n').filter((line) => line.startsWith('DENIED'));
    expect(headlines).toHaveLength(2);
    expect(headlines[0]).toContain('service-control-policy');
    expect(headlines[1]).toContain('vpc-endpoint-policy');
  });

  it('says so when there is no denial', async () => {
    const file = writeFile(path.join(dir, 'ok.json'), JSON.stringify(success));
    expect(await runCli(['explain', file])).toEqual({ code: 0, stdout: `no denials found in ${file}\n`, stderr: '' });
  });

  it('uses no colour when stdout is not a terminal, colour on a terminal, none with NO_COLOR', async () => {
    const file = writeFile(path.join(dir, 'scp.json'), JSON.stringify(scpDenial));
    expect((await runCli(['explain', file])).stdout).not.toContain('\u001b');
    expect((await runCli(['explain', file], { tty: true })).stdout).toContain('\u001b[1m');
    expect((await runCli(['explain', file], { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain('\u001b');
  });

  it('renders escape sequences and control characters from the event harmless', async () => {
    const hostile = '\u001b]0;pwned\u0007\u001b[2J\rfake\u009b31m';
    const record = dynamodbRecord({ eventId: `evt-\u001b[31mred`, session: `s${hostile}`, table: `t${hostile}`, reason: EXPLICIT_SCP });
    const file = writeFile(path.join(dir, 'hostile.json'), JSON.stringify(record));
    for (const tty of [false, true]) {
      const { stdout, code } = await runCli(['explain', file], { tty });
      expect(code).toBe(0);
      // Shown as visible escapes, not as raw characters.
      expect(stdout).toContain('\\u001B]0;pwned\\u0007\\u001B[2J\\rfake\\u009B31m');
      // Only our own SGR colour codes may reach the terminal: ESC followed by "[<digits>m".
      expect(stdout.replace(/\u001b\[\d+m/g, '')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    }
  });
});
