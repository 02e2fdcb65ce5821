import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dynamodbRecord, EXPLICIT_SCP, EXPLICIT_VPCE, gzip, IMPLICIT_IDENTITY, logFile, roleArn, SCP_ARN, sessionArn, writeFile } from './fixtures';
import { runCli } from './run-cli';

const DIAGNOSIS_FIELDS = [
  'eventId', 'eventTime', 'eventSource', 'eventName', 'region', 'accountId', 'principal', 'principalArn', 'action', 'resource',
  'tableName', 'cause', 'denial', 'policyType', 'policyArn', 'policyChain', 'mfaAuthenticated', 'viaVpcEndpoint', 'crossAccount',
  'confidence', 'hypotheses', 'errorCode', 'errorMessage', 'remediation',
].sort();

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'denyscope-explain-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const scpDenial = dynamodbRecord({ eventId: 'evt-scp', reason: EXPLICIT_SCP });
const identityDenial = dynamodbRecord({ eventId: 'evt-identity', action: 'GetItem', table: 'customers', reason: IMPLICIT_IDENTITY('GetItem') });
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

  it('prints {"diagnoses":[]} when the input holds no denial', async () => {
    const file = writeFile(path.join(dir, 'ok.json'), JSON.stringify(success));
    const run = await runCli(['explain', '--json', file]);
    expect(run).toEqual({ code: 0, stdout: '{\n  "diagnoses": []\n}\n', stderr: '' });
  });
});

describe('explain inputs', () => {
  it('reads stdin when no FILE is given, and for "-"', async () => {
    for (const args of [['explain', '--json'], ['explain', '-', '--json']]) {
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
    expect(JSON.parse(run.stdout).diagnoses[0]).toMatchObject({ cause: 'service-control-policy', principal: 'arn:aws:iam::111122223333:role/app' });
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
      expect(stdout).toContain('\uFFFD');
      // Only our own SGR colour codes may reach the terminal: ESC followed by "[<digits>m".
      expect(stdout.replace(/\u001b\[\d+m/g, '')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    }
  });
});
