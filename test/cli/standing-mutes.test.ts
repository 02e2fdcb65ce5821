import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HANDLER_ENV } from '../../core/contract';
import { readHandlerConfig } from '../../lambdas/handler-config';
import { denialEvent } from '../support/denial-events';
import { startDynalite, type LocalDynamo } from '../support/dynalite';
import { synthStack } from '../lib/stack-fixture';
import { runDenyscope, temporaryDir } from './local/harness';
import { runBuiltCli } from './run-cli';

// Synthesizing the stack (the oracle for the mutes' ids) takes a while on a loaded machine.
jest.setTimeout(120_000);

/** cdk.json `mutes` as the README documents them; "now" in these tests is 2026-11-25T12:00Z. */
const STANDING = [
  { account: '444455556666', cause: 'service-control-policy', until: 'never', reason: 'sandbox account, SCP denials expected' },
  { action: 'dynamodb:Scan', until: '2026-11-26T18:00:00Z', reason: 'nightly export' },
  { action: 'dynamodb:Query', until: '2026-11-01', reason: 'ended: neither listed nor applied' },
];

interface ListedMute {
  readonly id: string;
  readonly source: string;
  readonly reason: string;
  readonly until: string | null;
  readonly createdBy: string;
}

/** The ids the deployed Lambda gives the standing mutes: its configuration as synthesized, read as the Lambda reads it. */
let deployedIds: string[] | undefined;
function deployedMuteIds(): string[] {
  if (deployedIds !== undefined) return deployedIds;
  const { template } = synthStack({ mutes: STANDING });
  const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
    Properties: { Environment?: { Variables?: Record<string, unknown> } };
  }[];
  const variables = functions.map((fn) => fn.Properties.Environment?.Variables ?? {}).find((found) => HANDLER_ENV.mutes in found);
  expect(typeof variables?.[HANDLER_ENV.mutes]).toBe('string');
  // References to other resources (ARNs, names) are resolved at deploy: any text stands in for them here.
  const env = Object.fromEntries(
    Object.entries(variables ?? {}).map(([name, value]) => [name, typeof value === 'string' ? value : `resolved-${name}`]),
  );
  deployedIds = readHandlerConfig(env).mutes.map((mute) => mute.id);
  return deployedIds;
}

describe('standing mutes (cdk.json) in `mutes list` and `digest`', () => {
  let dynamo: LocalDynamo;
  let tableName: string;
  const files = temporaryDir('standing-mutes');
  const cdkJson = path.join(files.dir, 'cdk.json');
  let tableMuteId: string;

  beforeAll(async () => {
    dynamo = await startDynalite();
    tableName = await dynamo.createTable();
    writeFileSync(cdkJson, JSON.stringify({ app: 'npx tsx bin/app.ts', context: { mutes: STANDING } }));
    const added = await runDenyscope([
      ...where('mute'),
      '--principal',
      'arn:aws:iam::*:role/scanner',
      '--until',
      'never',
      '--reason',
      'scanner',
    ]);
    expect(added.code).toBe(0);
    tableMuteId = added.stdout.split(':')[0];
  });
  afterAll(async () => {
    await dynamo?.stop();
    files.remove();
  });

  function where(...command: string[]): string[] {
    return [...command, '--endpoint', dynamo.endpoint, '--table', tableName];
  }

  it('lists the standing mutes in force with the ids the deployed Lambda gives them, oldest first, marked by source', async () => {
    const [neverId, scanId, endedId] = deployedMuteIds();
    const run = await runDenyscope([...where('mutes', 'list'), '--cdk-json', cdkJson, '--json']);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const { mutes } = JSON.parse(run.stdout) as { mutes: ListedMute[] };
    // Standing mutes are the oldest (README, Mutes); between them the id decides.
    expect(mutes.map(({ id, source }) => [id, source])).toEqual([
      ...[neverId, scanId].sort().map((id) => [id, 'cdk.json']),
      [tableMuteId, 'table'],
    ]);
    expect(mutes.map(({ id }) => id)).not.toContain(endedId);
    expect(mutes.find(({ id }) => id === scanId)).toMatchObject({
      until: '2026-11-26T18:00:00.000Z',
      reason: 'nightly export',
      createdBy: 'stack configuration',
    });

    const text = await runDenyscope([...where('mutes', 'list'), '--cdk-json', cdkJson]);
    expect(text.stdout).toMatch(
      new RegExp(`^ *${neverId} +cdk\\.json +never +cause=service-control-policy account=444455556666 +sandbox`, 'm'),
    );
    expect(text.stdout).toMatch(new RegExp(`^ *${tableMuteId} +table +never +principal=arn:aws:iam::\\*:role/scanner +scanner`, 'm'));
  });

  it('puts standing mutes in the digest: without expiry in every digest, and ending within 48 hours', async () => {
    const [neverId, scanId] = deployedMuteIds();
    const run = await runDenyscope([...where('digest'), '--cdk-json', cdkJson, '--json']);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const digest = JSON.parse(run.stdout) as { mutesExpiringSoon: ListedMute[]; mutesWithoutExpiry: ListedMute[] };
    expect(digest.mutesExpiringSoon.map(({ id }) => id)).toEqual([scanId]);
    expect(digest.mutesWithoutExpiry.map(({ id }) => id)).toEqual([neverId, tableMuteId]);
  });

  it('reads mutes given as JSON text, as `-c mutes=...` gives them and cdk.json may hold them', async () => {
    const asText = path.join(files.dir, 'text.json');
    writeFileSync(asText, JSON.stringify({ context: { mutes: JSON.stringify(STANDING) } }));
    const run = await runDenyscope([...where('mutes', 'list'), '--cdk-json', asText, '--json']);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { mutes: ListedMute[] }).mutes.filter(({ source }) => source === 'cdk.json')).toHaveLength(2);
  });

  it('lists the store’s mutes alone for an app whose cdk.json has no mutes', async () => {
    const noMutes = path.join(files.dir, 'no-mutes.json');
    writeFileSync(noMutes, JSON.stringify({ app: 'npx tsx bin/app.ts', context: { '@aws-cdk/core:checkSecretUsage': true } }));
    const run = await runDenyscope([...where('mutes', 'list'), '--cdk-json', noMutes, '--json']);
    expect((JSON.parse(run.stdout) as { mutes: ListedMute[] }).mutes.map(({ id, source }) => [id, source])).toEqual([
      [tableMuteId, 'table'],
    ]);
  });

  it.each([
    ['a missing file', null, 'missing.json', '--cdk-json {file}: no such file'],
    ['a directory', null, 'cdk.json.d', '--cdk-json {file}: cannot be read (EISDIR)'],
    ['a file that is not JSON', '{"context": {"mutes": [', 'broken.json', '{file}: not valid JSON ('],
    [
      'a mute without a reason',
      JSON.stringify({ context: { mutes: [STANDING[0], { action: 'dynamodb:Scan', until: 'never' }] } }),
      'no-reason.json',
      '{file}: context.mutes[1]: a mute needs a reason',
    ],
    [
      'a mute with an unknown key',
      JSON.stringify({ context: { mutes: [{ role: 'scanner', until: 'never', reason: 'x' }] } }),
      'unknown-key.json',
      '{file}: context.mutes[0]: unknown key(s) role',
    ],
    [
      'mutes that are not a list',
      JSON.stringify({ context: { mutes: { action: 'x' } } }),
      'not-a-list.json',
      '{file}: context.mutes must be a list',
    ],
  ])('exits 2 with one line naming the file for %s', async (_case, content, name, message) => {
    const file = path.join(files.dir, name);
    if (content !== null) writeFileSync(file, content);
    if (name.endsWith('.d')) mkdirSync(file, { recursive: true });
    for (const command of [where('mutes', 'list'), where('digest')]) {
      const run = await runDenyscope([...command, '--cdk-json', file]);
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
      expect(run.stderr.split('\n')).toEqual([expect.stringContaining(`denyscope: ${message.replace('{file}', file)}`), '']);
    }
  });

  it('will not remove a standing mute from the store: it says to remove it from cdk.json (exit 1)', async () => {
    const [neverId] = deployedMuteIds();
    const run = await runDenyscope([...where('mutes', 'remove'), neverId]);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `denyscope: ${neverId} is a standing mute: remove it from context.mutes in cdk.json (or -c mutes=...) and deploy\n`,
    });
  });
});

describe('standing mutes of the CDK app the CLI runs in (built binary)', () => {
  const app = temporaryDir('standing-mutes-app');
  afterAll(() => app.remove());

  const denyscopeIn = (cwd: string, args: readonly string[]) => runBuiltCli(args, { cwd });

  it('reads ./cdk.json when there is one, and lists the local store alone where there is none', async () => {
    const dataDir = path.join(app.dir, 'store');
    const events = path.join(app.dir, 'events.json');
    writeFileSync(events, JSON.stringify(denialEvent()));
    expect((await denyscopeIn(app.dir, ['local', '--json', '--data-dir', dataDir, events])).code).toBe(0);
    expect(
      (await denyscopeIn(app.dir, ['mute', '--data-dir', dataDir, '--action', 'dynamodb:GetItem', '--for', '1d', '--reason', 'x'])).code,
    ).toBe(0);
    const alone = await denyscopeIn(app.dir, ['mutes', 'list', '--data-dir', dataDir, '--json']);
    expect((JSON.parse(alone.stdout) as { mutes: ListedMute[] }).mutes.map(({ source }) => source)).toEqual(['local']);

    writeFileSync(path.join(app.dir, 'cdk.json'), JSON.stringify({ context: { mutes: [STANDING[0]] } }));
    const withApp = await denyscopeIn(app.dir, ['mutes', 'list', '--data-dir', dataDir, '--json']);
    expect(withApp.stderr).toBe('');
    expect((JSON.parse(withApp.stdout) as { mutes: ListedMute[] }).mutes.map(({ source, reason }) => [source, reason])).toEqual([
      ['cdk.json', 'sandbox account, SCP denials expected'],
      ['local', 'x'],
    ]);
  });
});
