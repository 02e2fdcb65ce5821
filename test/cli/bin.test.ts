import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dynamodbRecord, EXPLICIT_SCP, gzip, logFile, writeFile } from './fixtures';

// The real binary as a user runs it: cli/bin/denyscope.mjs loading the esbuild bundle in cli/dist/, which the jest
// global setup built from the current sources.
const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'cli', 'bin', 'denyscope.mjs');

const denyscope = (args: readonly string[], input?: string) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'denyscope-bin-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('--help lists the commands and exits 0', () => {
  const run = denyscope(['--help']);
  expect(run.status).toBe(0);
  for (const command of ['explain', 'scan', 'local', 'incidents']) expect(run.stdout).toContain(command);
});

it('explain: exit 0 with the JSON document, reading a piped stdin', () => {
  const run = denyscope(['explain', '--json'], JSON.stringify(dynamodbRecord({ eventId: 'e1', reason: EXPLICIT_SCP })));
  expect(run.status).toBe(0);
  expect(JSON.parse(run.stdout).diagnoses[0]).toMatchObject({ eventId: 'e1', cause: 'service-control-policy' });
});

it('explain: exit 2 on an input error, one line on stderr and nothing on stdout', () => {
  const missing = path.join(dir, 'missing.json');
  const run = denyscope(['explain', missing]);
  expect(run.status).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toBe(`denyscope: ${missing}: no such file or directory\n`);
});

it('scan: bundled worker threads, a corrupt file named and skipped, exit 1', () => {
  const tree = path.join(dir, 'AWSLogs');
  for (let index = 0; index < 4; index += 1) {
    writeFile(
      path.join(tree, `${index}.json.gz`),
      gzip(logFile([dynamodbRecord({ eventId: `s${index}`, reason: EXPLICIT_SCP }), dynamodbRecord({ eventId: `ok${index}` })])),
    );
  }
  const corrupt = writeFile(path.join(tree, '9.json.gz'), gzip('{"Records": [').subarray(0, 12));
  const run = denyscope(['scan', '--json', '--jobs', '2', tree]);
  expect(run.status).toBe(1);
  expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringContaining(corrupt)]);
  expect(JSON.parse(run.stdout)).toMatchObject({ files: 5, records: 8, denials: 4, byCause: { 'service-control-policy': 4 } });
});

it('scan: exit 2 on a bad option value or an unknown option, nothing on stdout', () => {
  const badValue = denyscope(['scan', '--limit', '0', dir]);
  expect(badValue.status).toBe(2);
  expect(badValue.stdout).toBe('');
  expect(badValue.stderr).toContain('--limit');
  const unknownOption = denyscope(['scan', '--frobnicate', dir]);
  expect(unknownOption.status).toBe(2);
  expect(unknownOption.stdout).toBe('');
  expect(unknownOption.stderr).toContain("unknown option '--frobnicate'");
});
