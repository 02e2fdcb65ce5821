import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ListTopicsCommand } from '@aws-sdk/client-sns';
import { diagnose, readRecords, type Diagnosis } from '../../../core/diagnosis';
import { incidentIdFor } from '../../../core/incidents/identity';
import { bundledSamplesDir } from '../../../cli/local/samples';
import { denialEvent, sqsEvent, sqsMessage } from '../../support/denial-events';
import { startFauxqs, type LocalSnsSqs } from '../../support/fauxqs';
import { startSlackStandIn, type SlackStandIn } from '../../support/slack-server';
import type { LocalSummary } from '../../../cli/local/run';
import { REPO_ROOT, runDenyscope, SAMPLES_DIR, temporaryDir, TEST_NOW } from './harness';

const SUMMARY_KEYS = [
  'events',
  'denials',
  'duplicates',
  'incidents',
  'newIncidents',
  'alerts',
  'suppressed',
  'muted',
  'consoleReads',
  'errors',
];

/** What the bundled samples must produce on a first run, derived from the samples themselves. */
function expectedFirstRun(): LocalSummary {
  const files = readdirSync(SAMPLES_DIR).filter((name) => name.endsWith('.json'));
  const records = files.flatMap((name) => readRecords(readFileSync(path.join(SAMPLES_DIR, name)), name));
  const diagnoses = records.map(diagnose).filter((d): d is Diagnosis => d !== null);
  const incidents = new Set(diagnoses.map(incidentIdFor)).size;
  return {
    events: records.length,
    denials: diagnoses.length,
    duplicates: 0,
    incidents,
    newIncidents: incidents,
    alerts: incidents,
    // Every sample event is processed within one dedup window: repeats of an incident are only counted.
    suppressed: diagnoses.length - incidents,
    // No sample is a console read, and no mute is set.
    muted: 0,
    consoleReads: 0,
    errors: 0,
  };
}

function parseSummary(stdout: string): LocalSummary {
  const summary = JSON.parse(stdout) as LocalSummary;
  expect(Object.keys(summary)).toEqual(SUMMARY_KEYS);
  return summary;
}

const event = (eventId: string, extra: Parameters<typeof denialEvent>[0] = {}) => denialEvent({ eventId, ...extra });

describe('denyscope local on the bundled samples', () => {
  const data = temporaryDir('local-samples');
  afterAll(() => data.remove());

  it('finds the samples from the package root', () => {
    expect(bundledSamplesDir()).toBe(SAMPLES_DIR);
    expect(bundledSamplesDir(path.join(REPO_ROOT, 'cli', 'dist'))).toBe(SAMPLES_DIR);
    expect(() => bundledSamplesDir('/')).toThrow(/cannot find the denyscope package root/);
  });

  it('prints every alert as the email text, then the summary; the samples cover every cause', async () => {
    const expected = expectedFirstRun();
    expect(expected.newIncidents).toBeGreaterThanOrEqual(11);
    const run = await runDenyscope(['local', '--data-dir', data.dir]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Running the bundled sample events/);
    // One email subject per alert, each followed by the incident line the email ends with.
    expect(run.stdout.match(/^\[denyscope\] /gm)).toHaveLength(expected.alerts);
    expect(run.stdout.match(/^Incident: inc-[0-9a-f]{16} /gm)).toHaveLength(expected.alerts);
    for (const cause of ['service control policy', 'VPC endpoint policy', 'permissions boundary']) expect(run.stdout).toContain(cause);
    expect(run.stdout).toContain(
      `${expected.events} events read, ${expected.denials} denials: ${expected.newIncidents} new incidents, ${expected.alerts} alerts, ${expected.suppressed} suppressed`,
    );
    expect(run.stdout).toContain(`${data.dir} holds ${expected.incidents} incidents`);
  });

  it('a second run into the same data dir: every denial a duplicate, no incident opened, no alert', async () => {
    const expected = expectedFirstRun();
    const json = await runDenyscope(['local', '--data-dir', data.dir, '--json']);
    expect(json.code).toBe(0);
    expect(parseSummary(json.stdout)).toEqual({
      ...expected,
      duplicates: expected.denials,
      newIncidents: 0,
      alerts: 0,
      suppressed: 0,
      muted: 0,
      consoleReads: 0,
    });
    const human = await runDenyscope(['local', '--data-dir', data.dir]);
    expect(human.stdout).not.toContain('[denyscope]');
    expect(human.stdout).toContain(`0 new incidents, 0 alerts, 0 suppressed`);
    expect(human.stdout).toContain(`${expected.denials} duplicates (already recorded in ${data.dir}; delete it to start over)`);
  });

  it('--json on a fresh data dir: one JSON document with the exact counts, nothing else on stdout', async () => {
    const fresh = temporaryDir('local-json');
    try {
      const run = await runDenyscope(['local', '--data-dir', fresh.dir, '--json']);
      expect(run.code).toBe(0);
      expect(parseSummary(run.stdout)).toEqual(expectedFirstRun());
      expect(run.stdout.trim().split('\n')).toHaveLength(1);
    } finally {
      fresh.remove();
    }
  });
});

describe('denyscope local inputs', () => {
  let data: ReturnType<typeof temporaryDir>;
  beforeEach(() => {
    data = temporaryDir('local-inputs');
  });
  afterEach(() => data.remove());

  it('walks a directory tree of every input shape', async () => {
    const tree = path.join(data.dir, 'in');
    const logDir = path.join(tree, 'AWSLogs', '111122223333', 'CloudTrail', 'eu-west-1', '2026', '11', '20');
    mkdirSync(logDir, { recursive: true });
    mkdirSync(path.join(tree, 'events'));
    // A CloudTrail log file (gzip) with two denials of one incident and a success.
    const success = { ...(event('ok-1').detail as Record<string, unknown>), errorCode: undefined, errorMessage: undefined };
    writeFileSync(
      path.join(logDir, 'trail.json.gz'),
      gzipSync(JSON.stringify({ Records: [event('log-1').detail, event('log-2').detail, success] })),
    );
    // An EventBridge event of another incident, an SQS event, and JSON Lines.
    writeFileSync(path.join(tree, 'events', 'eventbridge.json'), JSON.stringify(event('eb-1', { roleName: 'reporting' })));
    writeFileSync(path.join(tree, 'events', 'sqs.json'), JSON.stringify(sqsEvent(sqsMessage(event('sqs-1', { tableName: 'Invoices' })))));
    writeFileSync(
      path.join(tree, 'lines.jsonl'),
      [event('jl-1', { eventName: 'GetItem' }), event('log-1')].map((e) => JSON.stringify(e)).join('\n'),
    );

    const run = await runDenyscope(['local', tree, '--data-dir', path.join(data.dir, 'store'), '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(parseSummary(run.stdout)).toEqual({
      events: 7,
      denials: 6,
      duplicates: 1, // log-1 again in the JSON Lines file
      incidents: 4,
      newIncidents: 4,
      alerts: 4,
      suppressed: 1, // log-2: a repeat of log-1's incident inside the window
      muted: 0,
      consoleReads: 0,
      errors: 0,
    });
  });

  it('reads stdin for "-"', async () => {
    const run = await runDenyscope(['local', '-', '--data-dir', data.dir], { stdin: JSON.stringify(event('stdin-1')) });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('[denyscope] dynamodb:PutItem denied on Orders: service control policy');
    expect(run.stdout).toContain('1 event read, 1 denial: 1 new incident, 1 alert');
  });

  it('records a pasted error message at the time it is read, and knows it the second time', async () => {
    const message =
      'An error occurred (AccessDeniedException) when calling the GetItem operation: User: arn:aws:sts::111122223333:assumed-role/app/s1 is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/Orders with an explicit deny in a service control policy';
    const first = await runDenyscope(['local', '-', '--data-dir', data.dir, '--json'], { stdin: message });
    expect(parseSummary(first.stdout)).toMatchObject({ denials: 1, newIncidents: 1, alerts: 1, errors: 0 });
    // Pasted again hours later (past the dedup window): still the same occurrence, not a repeat.
    const later = new Date(TEST_NOW.getTime() + 3 * 3_600_000);
    const second = await runDenyscope(['local', '-', '--data-dir', data.dir, '--json'], { stdin: message, now: later });
    expect(parseSummary(second.stdout)).toMatchObject({ denials: 1, duplicates: 1, newIncidents: 0, alerts: 0, suppressed: 0 });
    const list = await runDenyscope(['incidents', '--data-dir', data.dir, 'list', '--json']);
    expect(JSON.parse(list.stdout).incidents[0]).toMatchObject({ lastSeen: '2026-11-25T12:00:00.000Z', cause: 'service-control-policy' });
  });

  it('records a denial without an eventID under a hash of its record, so running it again is a duplicate', async () => {
    const input = [event('', { roleName: 'no-id' }), event('with-id')].map((e) => JSON.stringify(e)).join('\n');
    const first = await runDenyscope(['local', '-', '--data-dir', data.dir, '--json'], { stdin: input });
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    expect(parseSummary(first.stdout)).toEqual({
      events: 2,
      denials: 2,
      duplicates: 0,
      incidents: 2,
      newIncidents: 2,
      alerts: 2,
      suppressed: 0,
      muted: 0,
      consoleReads: 0,
      errors: 0,
    });
    const second = await runDenyscope(['local', '-', '--data-dir', data.dir, '--json'], { stdin: input });
    expect(parseSummary(second.stdout)).toEqual({
      events: 2,
      denials: 2,
      duplicates: 2,
      incidents: 2,
      newIncidents: 0,
      alerts: 0,
      suppressed: 0,
      muted: 0,
      consoleReads: 0,
      errors: 0,
    });
  });

  it('names a corrupt file and an unreadable file on stderr, counts them, processes the rest, exits 1', async () => {
    const tree = path.join(data.dir, 'in');
    mkdirSync(tree);
    writeFileSync(path.join(tree, 'a-good.json'), JSON.stringify(event('good-1')));
    writeFileSync(path.join(tree, 'b-truncated.json.gz'), gzipSync(JSON.stringify({ Records: [event('x').detail] })).subarray(0, 20));
    writeFileSync(path.join(tree, 'c-unknown-shape.json'), JSON.stringify({ hello: 'world' }));
    const unreadable = path.join(tree, 'd-unreadable.json');
    writeFileSync(unreadable, JSON.stringify(event('good-2')));
    chmodSync(unreadable, 0o000);
    const runningAsRoot = process.getuid?.() === 0; // root reads it anyway

    const run = await runDenyscope(['local', tree, '--data-dir', path.join(data.dir, 'store'), '--json']);
    expect(run.code).toBe(1);
    const errorLines = run.stderr.trim().split('\n');
    expect(errorLines.find((line) => line.includes('b-truncated.json.gz'))).toMatch(/^denyscope: .*b-truncated\.json\.gz.*\(skipped\)$/);
    expect(errorLines.find((line) => line.includes('c-unknown-shape.json'))).toMatch(/\(skipped\)$/);
    if (!runningAsRoot) expect(errorLines.find((line) => line.includes('d-unreadable.json'))).toMatch(/permission denied/);
    const summary = parseSummary(run.stdout);
    expect(summary).toMatchObject({ errors: runningAsRoot ? 2 : 3, denials: runningAsRoot ? 2 : 1, newIncidents: 1 });
  });

  it('rejects a PATH that does not exist and bad option values with exit 2 and nothing on stdout', async () => {
    const cases: [string[], RegExp][] = [
      [['local', path.join(data.dir, 'missing.json')], /missing\.json/],
      [['local', '--slack-webhook', 'not a url'], /--slack-webhook .*http/],
      [['local', '--sns-endpoint', 'ftp://x'], /--sns-endpoint must be an http\(s\) URL/],
      [['local', '--sns-endpoint', 'http://127.0.0.1:1', '--sns-topic-arn', 'alerts'], /--sns-topic-arn must be an SNS topic ARN/],
      [['local', '--sns-topic-arn', 'arn:aws:sns:us-east-1:111122223333:alerts'], /--sns-topic-arn needs --sns-endpoint/],
      [['local', '--no-such-option'], /unknown option '--no-such-option'/],
      [['incidents', 'list', '--no-such-option'], /unknown option '--no-such-option'/],
    ];
    for (const [args, message] of cases) {
      const run = await runDenyscope([...args, '--data-dir', data.dir]);
      expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('refuses a data dir in use by another denyscope process, and takes over a stale lock', async () => {
    writeFileSync(path.join(data.dir, 'denyscope.lock'), String(process.ppid));
    const busy = await runDenyscope(['local', '--data-dir', data.dir, '--json']);
    expect(busy.code).toBe(1);
    expect(busy.stdout).toBe('');
    expect(busy.stderr).toBe(`denyscope: data dir ${data.dir} is in use by another denyscope process (pid ${process.ppid})\n`);

    writeFileSync(path.join(data.dir, 'denyscope.lock'), '2147483646'); // no such process
    const stale = await runDenyscope(['local', '-', '--data-dir', data.dir, '--json'], { stdin: JSON.stringify(event('stale-1')) });
    expect(stale.code).toBe(0);
    expect(existsSync(path.join(data.dir, 'denyscope.lock'))).toBe(false);
  });

  it('names a corrupt store in one line instead of crashing', async () => {
    writeFileSync(path.join(data.dir, 'CURRENT'), 'MANIFEST-999999\n');
    const run = await runDenyscope(['local', '--data-dir', data.dir, '--json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      new RegExp(`^denyscope: the local store in ${data.dir} cannot be opened \\(.+\\); delete the directory to start over\n$`),
    );
    expect(existsSync(path.join(data.dir, 'denyscope.lock'))).toBe(false);
  });

  it('names a data dir it cannot create', async () => {
    const file = path.join(data.dir, 'a-file');
    writeFileSync(file, '');
    const run = await runDenyscope(['local', '--data-dir', path.join(file, 'store')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^denyscope: cannot use data dir .*a-file\/store: /);
  });
});

describe('denyscope local alert channels', () => {
  let slack: SlackStandIn;
  let fauxqs: LocalSnsSqs;
  let data: ReturnType<typeof temporaryDir>;
  beforeAll(async () => {
    [slack, fauxqs] = await Promise.all([startSlackStandIn(), startFauxqs()]);
  });
  afterAll(async () => {
    await Promise.all([slack.stop(), fauxqs.stop()]);
  });
  beforeEach(() => {
    data = temporaryDir('local-channels');
    slack.requests.length = 0;
    slack.always({ status: 200 });
  });
  afterEach(() => data.remove());

  const twoIncidents = [event('ch-1'), event('ch-2', { roleName: 'reporting' }), event('ch-3')].map((e) => JSON.stringify(e)).join('\n');

  it('posts each alert to the Slack webhook given by --slack-webhook', async () => {
    const run = await runDenyscope(['local', '-', '--data-dir', data.dir, '--json', '--slack-webhook', slack.webhookUrl], {
      stdin: twoIncidents,
    });
    expect(run.code).toBe(0);
    expect(parseSummary(run.stdout)).toMatchObject({ alerts: 2, suppressed: 1 });
    expect(slack.requests).toHaveLength(2);
    const message = JSON.parse(slack.requests[0].body) as { blocks: unknown[] };
    expect(message.blocks.length).toBeGreaterThan(0);
    expect(slack.requests[0].body).toContain('dynamodb:PutItem');
  });

  it('reads the webhook from SLACK_WEBHOOK_URL; a failed post is named, counted in the exit status, and retried by the next run', async () => {
    slack.always({ status: 400, body: 'invalid_payload' });
    const failed = await runDenyscope(['local', '-', '--data-dir', data.dir, '--json'], {
      stdin: JSON.stringify(event('env-1')),
      env: { SLACK_WEBHOOK_URL: slack.webhookUrl },
    });
    expect(failed.code).toBe(1);
    expect(slack.requests).toHaveLength(1);
    expect(failed.stderr).toContain('1 alert(s) not delivered on every channel; run the same input again to retry them');
    expect(failed.stderr).not.toContain('xoxSecretWebhookToken');

    slack.always({ status: 200 });
    const retried = await runDenyscope(['local', '-', '--data-dir', data.dir, '--json'], {
      stdin: JSON.stringify(event('env-1')),
      env: { SLACK_WEBHOOK_URL: slack.webhookUrl },
    });
    expect(retried.code).toBe(0);
    expect(slack.requests).toHaveLength(2);
    expect(parseSummary(retried.stdout)).toMatchObject({ duplicates: 1, newIncidents: 0, alerts: 1 });
  });

  it('publishes each alert to an SNS-compatible endpoint (fauxqs) on the topic named by --sns-topic-arn', async () => {
    const { topicArn, queueUrl } = await fauxqs.createSubscribedTopic(`local-alerts-${Date.now()}`);
    const run = await runDenyscope(
      ['local', '-', '--data-dir', data.dir, '--json', '--sns-endpoint', fauxqs.endpoint, '--sns-topic-arn', topicArn],
      {
        stdin: twoIncidents,
      },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const messages = await fauxqs.drain(queueUrl, 2);
    expect(messages).toHaveLength(2);
    const envelope = JSON.parse(messages[0].Body ?? '{}') as {
      Subject?: string;
      Message: string;
      MessageAttributes: Record<string, { Value: string }>;
    };
    expect(envelope.MessageAttributes.cause.Value).toBe('service-control-policy');
    expect(envelope.Subject).toBe('[denyscope] dynamodb:PutItem denied on Orders: service control policy');
    // MessageStructure json: the same email text `local` prints, and the incident as JSON for machines.
    const structured = JSON.parse(envelope.Message) as { email: string; default: string };
    expect(structured.email).toMatch(/^dynamodb:PutItem was denied: service control policy/);
    expect(JSON.parse(structured.default)).toMatchObject({ incident: { cause: 'service-control-policy', lastEventId: 'ch-1' } });
  });

  it('without --sns-topic-arn, creates (or reuses) the topic denyscope-alerts on the endpoint', async () => {
    const run = await runDenyscope(['local', '-', '--data-dir', data.dir, '--json', '--sns-endpoint', fauxqs.endpoint], {
      stdin: JSON.stringify(event('topic-1')),
    });
    expect(run.code).toBe(0);
    const { Topics = [] } = await fauxqs.sns.send(new ListTopicsCommand({}));
    expect(Topics.map((topic) => topic.TopicArn)).toContainEqual(expect.stringMatching(/:denyscope-alerts$/));
  });

  it('an unreachable SNS endpoint fails with one line before anything is processed', async () => {
    const run = await runDenyscope(['local', '-', '--data-dir', data.dir, '--json', '--sns-endpoint', 'http://127.0.0.1:1'], {
      stdin: JSON.stringify(event('down-1')),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toBe('denyscope: cannot reach SNS endpoint http://127.0.0.1:1: ECONNREFUSED\n');
  });
});

describe('denyscope local from the built CLI', () => {
  const data = temporaryDir('local-bin');
  afterAll(() => data.remove());

  const runBin = (args: string[], stdin?: string) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(REPO_ROOT, 'cli', 'bin', 'denyscope.mjs'), ...args], {
        cwd: data.dir,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      if (stdin !== undefined) child.stdin.end(stdin);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });

  it('runs the bundled samples with no PATH from any working directory, into ./.denyscope', async () => {
    const run = await runBin(['local', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(parseSummary(run.stdout)).toEqual(expectedFirstRun());
    expect(existsSync(path.join(data.dir, '.denyscope'))).toBe(true);
  }, 120_000);

  it.each([
    ['SIGINT', 130, 'interrupted'],
    ['SIGTERM', 143, 'terminated'],
  ] as const)(
    'shuts the store down cleanly on %s: lock released, exit %i',
    async (signal, status, word) => {
      const store = path.join(data.dir, `stopped-by-${signal}`);
      const child = spawn(process.execPath, [path.join(REPO_ROOT, 'cli', 'bin', 'denyscope.mjs'), 'local', '-', '--data-dir', store], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const lock = path.join(store, 'denyscope.lock');
      // stdin stays open: the run waits for input. The lock appears once the signal handlers are in place.
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (existsSync(lock)) {
            clearInterval(poll);
            resolve();
          }
        }, 50);
      });
      const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      child.kill(signal);
      expect(await exit).toBe(status);
      expect(stderr).toContain(`${word}, closing the local store`);
      expect(existsSync(lock)).toBe(false);
    },
    60_000,
  );
});
