/**
 * Benchmark: `denyscope scan --json --policies STORE` over the scan benchmark's tree (every denial evaluated against the
 * store), side by side with the same scan without a store. The store is generated deterministically: 50 principals,
 * 200 policies, a 4-level organization (root, two OUs, the account) with SCPs and RCPs at every level.
 *
 *   npx tsx bench/evaluate.bench.ts [--records 100000] [--runs 3] [--baseline DIR]
 *
 * The runs are interleaved (one of each command per round), so a machine whose load changes during the benchmark
 * weighs on every command alike; each ratio is the median of the rounds' own ratios. --baseline DIR also measures the
 * CLI of another built checkout (e.g. `git archive <commit>` unpacked, with node_modules, after
 * `node scripts/build-cli.mjs`) with the store, and checks that its --json output is the same as this checkout's, also
 * with every diagnosis printed (--limit above the number of denials); workers and one thread must print the same.
 *
 * Prints a Markdown table and the machine. The target (issue 10): at most 1.5x the scan without a store.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ACCOUNT,
  argument,
  DATA,
  generateTree,
  KEY_ARN,
  measure,
  OTHER_ACCOUNT,
  randomSource,
  REGIONS,
  ROLES,
  ROOT,
  TABLES,
} from './scan.bench';

type Rng = () => number;
type Statement = Record<string, unknown>;
type Policy = { name: string; arn: string | null; document: { Version: string; Statement: Statement[] } };

const ORGANIZATION = 'o-a1b2c3d4e5';
const MANAGEMENT = '999988887777';
const ENDPOINT = 'vpce-0a1b2c3d4e5f67890';
const PRINCIPALS = 50;
const POLICIES = 200;
const PATHS: Record<string, string[]> = {
  [ACCOUNT]: ['r-a1b2', 'ou-a1b2-workloads', 'ou-a1b2-production'],
  [OTHER_ACCOUNT]: ['r-a1b2', 'ou-a1b2-workloads', 'ou-a1b2-analytics'],
};
const DYNAMODB_ACTIONS = [
  'GetItem',
  'PutItem',
  'Query',
  'UpdateItem',
  'DeleteItem',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'DescribeTable',
];

const pick = <T>(rng: Rng, values: readonly T[]): T => values[Math.floor(rng() * values.length)];
const some = <T>(rng: Rng, values: readonly T[], count: number): T[] => [
  ...new Set(Array.from({ length: count }, () => pick(rng, values))),
];
const tableArn = (region: string, table: string): string => `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${table}`;
const document = (statements: Statement[]) => ({ Version: '2012-10-17', Statement: statements });

/** Conditions of the kinds real policies carry: tags, ARNs, networks, TLS, regions, times. */
function condition(rng: Rng): Record<string, Record<string, unknown>> {
  return pick(rng, [
    () => ({ StringEquals: { 'aws:PrincipalTag/team': pick(rng, ['orders', 'payments', 'data', 'platform']) } }),
    () => ({ ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::*:role/${pick(rng, ROLES)}*` } }),
    () => ({ IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] } }),
    () => ({ Bool: { 'aws:SecureTransport': 'true' } }),
    () => ({ StringEquals: { 'aws:RequestedRegion': REGIONS } }),
    () => ({ 'ForAllValues:StringLike': { 'dynamodb:Attributes': ['pk', 'sk', 'status*', 'total'] } }),
    () => ({ DateLessThan: { 'aws:CurrentTime': '2027-01-01T00:00:00Z' } }),
    () => ({ StringEqualsIfExists: { 'aws:SourceVpce': ENDPOINT } }),
  ])();
}

function identityStatement(rng: Rng, index: number): Statement {
  const tables = some(rng, TABLES, 2).flatMap((table) => REGIONS.map((region) => tableArn(region, table)));
  const statement: Statement = {
    Sid: `Statement${index}`,
    Effect: rng() < 0.15 ? 'Deny' : 'Allow',
    Action: some(rng, DYNAMODB_ACTIONS, 3).map((action) => `dynamodb:${action}`),
    Resource: rng() < 0.2 ? tables.map((arn) => `${arn}/index/*`) : tables,
  };
  if (rng() < 0.6) statement.Condition = condition(rng);
  return statement;
}

function identityPolicy(rng: Rng, account: string, name: string, inline: boolean): Policy {
  const statements = Array.from({ length: 3 + Math.floor(rng() * 4) }, (_, index) => identityStatement(rng, index));
  return { name, arn: inline ? null : `arn:aws:iam::${account}:policy/${name}`, document: document(statements) };
}

function organizationPolicies(
  rng: Rng,
  target: string,
  kind: 'scp' | 'rcp',
): Array<{ id: string; name: string; arn: string; document: unknown }> {
  const type = kind === 'scp' ? 'service_control_policy' : 'resource_control_policy';
  const guard = (id: string, statements: Statement[]) => ({
    id,
    name: id,
    arn: `arn:aws:organizations::${MANAGEMENT}:policy/${ORGANIZATION}/${type}/${id}`,
    document: document(statements),
  });
  const suffix = target.replace(/[^a-z0-9]/g, '').slice(-8);
  if (kind === 'rcp') {
    return [
      guard(`p-rcp${suffix}`, [
        {
          Sid: 'Perimeter',
          Effect: 'Deny',
          Principal: '*',
          Action: ['dynamodb:*', 'kms:*'],
          Resource: '*',
          Condition: {
            StringNotEqualsIfExists: { 'aws:PrincipalOrgID': ORGANIZATION },
            BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
          },
        },
      ]),
    ];
  }
  return [
    {
      id: 'p-FullAWSAccess',
      name: 'FullAWSAccess',
      arn: 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess',
      document: document([{ Effect: 'Allow', Action: '*', Resource: '*' }]),
    },
    guard(`p-regions${suffix}`, [
      {
        Sid: 'Regions',
        Effect: 'Deny',
        NotAction: ['iam:*', 'organizations:*', 'sts:*'],
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:RequestedRegion': REGIONS } },
      },
    ]),
    guard(`p-guard${suffix}`, [
      {
        Sid: 'ProtectTables',
        Effect: 'Deny',
        Action: ['dynamodb:DeleteTable', 'dynamodb:DeleteBackup'],
        Resource: '*',
        Condition: { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::*:role/${pick(rng, ROLES)}` } },
      },
      { Sid: 'ProtectKeys', Effect: 'Deny', Action: ['kms:ScheduleKeyDeletion', 'kms:DisableKey'], Resource: '*' },
    ]),
  ];
}

/** The store: the tree's callers and filler principals, their policies, the tables, the key, the endpoint, the organization. */
function generateStore(): { store: Record<string, unknown>; policies: number; principals: number } {
  const rng = randomSource(20261127);
  const principalArns: Array<[string, string]> = [];
  for (const account of [ACCOUNT, OTHER_ACCOUNT])
    for (const role of ROLES) principalArns.push([account, `arn:aws:iam::${account}:role/${role}`]);
  for (let index = principalArns.length; index < PRINCIPALS; index += 1) {
    const account = index % 3 === 0 ? OTHER_ACCOUNT : ACCOUNT;
    principalArns.push([
      account,
      index % 4 === 0 ? `arn:aws:iam::${account}:user/user-${index}` : `arn:aws:iam::${account}:role/team/service-${index}`,
    ]);
  }

  const levels = [...new Set(Object.values(PATHS).flat()), ACCOUNT, OTHER_ACCOUNT];
  const serviceControlPolicies = Object.fromEntries(levels.map((target) => [target, organizationPolicies(rng, target, 'scp')]));
  const resourceControlPolicies = Object.fromEntries(
    levels.map((target) => [target, target === 'r-a1b2' ? organizationPolicies(rng, target, 'rcp') : []]),
  );
  const resources = Object.fromEntries(
    REGIONS.flatMap((region) =>
      TABLES.map((table) => [
        tableArn(region, table),
        {
          policy: document([
            {
              Sid: 'PartnerReads',
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:role/${pick(rng, ROLES)}` },
              Action: ['dynamodb:GetItem', 'dynamodb:Query'],
              Resource: tableArn(region, table),
            },
          ]),
          kmsKeyArn: table === 'orders' ? KEY_ARN : null,
          tags: { env: pick(rng, ['prod', 'staging']), table },
          keySchema: ['pk', 'sk'],
        },
      ]),
    ),
  );
  const fixed =
    Object.values(serviceControlPolicies).flat().length +
    Object.values(resourceControlPolicies).flat().length +
    Object.keys(resources).length +
    2; // + key and endpoint policies
  const boundaries = 10;
  let identityBudget = POLICIES - fixed - boundaries;

  const principals: Record<string, unknown> = {};
  principalArns.forEach(([account, arn], index) => {
    const remaining = principalArns.length - index;
    const count = Math.max(1, Math.round(identityBudget / remaining));
    identityBudget -= count;
    const name = arn.split('/').pop()!;
    principals[arn] = {
      policies: Array.from({ length: count }, (_, n) => identityPolicy(rng, account, `${name}-${n}`, n % 3 === 2)),
      permissionsBoundary:
        index < boundaries
          ? {
              name: 'boundary',
              arn: `arn:aws:iam::${account}:policy/boundary`,
              document: document([{ Effect: 'Allow', Action: ['dynamodb:*', 'kms:Decrypt'], Resource: '*' }]),
            }
          : null,
      tags: { team: pick(rng, ['orders', 'payments', 'data', 'platform']) },
      ...(arn.includes(':user/') ? { groups: [] } : {}),
    };
  });

  const store = {
    format: 'denyscope-policies/1',
    capturedAt: '2026-11-21T00:00:00Z',
    principals,
    sessions: {},
    resources,
    keys: {
      [KEY_ARN]: {
        policy: document([
          { Sid: 'EnableIAMPolicies', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        ]),
        state: 'Enabled',
        grants: [],
      },
    },
    vpcEndpoints: {
      [ENDPOINT]: {
        policy: document([
          { Effect: 'Allow', Principal: '*', Action: 'dynamodb:*', Resource: '*' },
          { Sid: 'NoScans', Effect: 'Deny', Principal: '*', Action: 'dynamodb:Scan', Resource: '*' },
        ]),
      },
    },
    organization: { id: ORGANIZATION, managementAccountId: MANAGEMENT, accounts: PATHS, serviceControlPolicies, resourceControlPolicies },
  };
  const counted = Object.values(principals).reduce<number>(
    (sum, entry) =>
      sum +
      (entry as { policies: unknown[]; permissionsBoundary: unknown }).policies.length +
      ((entry as { permissionsBoundary: unknown }).permissionsBoundary ? 1 : 0),
    fixed,
  );
  return { store, policies: counted, principals: principalArns.length };
}

type Measured = ReturnType<typeof measure>;

/** One run of each command per round; per command the median time, and the median of its per-round ratio to `base`. */
function interleaved(
  runs: number,
  commands: Record<string, readonly string[]>,
  base: (name: string) => string,
): Record<string, { last: Measured; seconds: number; cpuSeconds: number; ratio: number; cpuRatio: number }> {
  const rounds: Array<Record<string, Measured>> = [];
  for (let round = 0; round < runs; round += 1) {
    const measured: Record<string, Measured> = {};
    for (const [name, args] of Object.entries(commands)) measured[name] = measure(1, process.execPath, args);
    rounds.push(measured);
  }
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  return Object.fromEntries(
    Object.keys(commands).map((name) => [
      name,
      {
        last: rounds[rounds.length - 1][name],
        seconds: median(rounds.map((round) => round[name].seconds)),
        cpuSeconds: median(rounds.map((round) => round[name].cpuSeconds)),
        ratio: median(rounds.map((round) => round[name].seconds / round[base(name)].seconds)),
        cpuRatio: median(rounds.map((round) => round[name].cpuSeconds / round[base(name)].cpuSeconds)),
      },
    ]),
  );
}

function main(): void {
  const records = argument('--records', 100_000);
  const runs = argument('--runs', 3);
  const baselineFlag = process.argv.indexOf('--baseline');
  const baselineDirectory = baselineFlag >= 0 ? path.resolve(process.argv[baselineFlag + 1] ?? '') : null;
  const baselineCli = baselineDirectory === null ? null : path.join(baselineDirectory, 'cli', 'bin', 'denyscope.mjs');
  if (baselineCli !== null && !existsSync(baselineCli)) throw new Error(`--baseline: no built CLI at ${baselineCli}`);
  mkdirSync(DATA, { recursive: true });
  const tree = generateTree(records);
  const generated = generateStore();
  const storeFile = path.join(DATA, 'policies-store.json');
  writeFileSync(storeFile, JSON.stringify(generated.store));
  process.stderr.write(
    `tree: ${tree.files.length} files, ${records} records; store: ${generated.principals} principals, ${generated.policies} policies, ${(readFileSync(storeFile).length / 1024).toFixed(0)} KiB\n`,
  );

  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const scan = (cli: string, ...options: string[]) => [cli, 'scan', '--json', ...options, tree.root];
  const cli = 'cli/bin/denyscope.mjs';
  const commands: Record<string, readonly string[]> = {
    plain: scan(cli),
    evaluated: scan(cli, '--policies', storeFile),
    ...(baselineCli === null ? {} : { baseline: scan(baselineCli, '--policies', storeFile) }),
    plainOne: scan(cli, '--jobs', '1'),
    evaluatedOne: scan(cli, '--jobs', '1', '--policies', storeFile),
    ...(baselineCli === null ? {} : { baselineOne: scan(baselineCli, '--jobs', '1', '--policies', storeFile) }),
  };
  const results = interleaved(runs, commands, (name) => (name.endsWith('One') ? 'plainOne' : 'plain'));
  const { plain, evaluated } = results;

  const report = JSON.parse(evaluated.last.output) as {
    denials: number;
    byDecision: Record<string, number>;
    byStatement: Record<string, number>;
  };
  const decided = Object.values(report.byDecision).reduce((sum, count) => sum + count, 0);
  if (decided !== report.denials || (JSON.parse(plain.last.output) as { denials: number }).denials !== report.denials) {
    throw new Error(`every denial must be evaluated once: ${report.denials} denials, ${decided} decisions`);
  }

  // The report prints the first --limit diagnoses only: every denial's evaluation is compared once, each run alone.
  const everyDiagnosis = (cliPath: string, ...options: string[]) =>
    execFileSync(process.execPath, [cliPath, 'scan', '--json', '--limit', String(report.denials + 1), ...options, tree.root], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
  const fullOutput = everyDiagnosis(cli, '--policies', storeFile);
  const oneThreadSame = everyDiagnosis(cli, '--jobs', '1', '--policies', storeFile) === fullOutput;
  const baselineSame = baselineCli === null ? null : everyDiagnosis(baselineCli, '--policies', storeFile) === fullOutput;
  if (!oneThreadSame) throw new Error('scan --policies prints other evaluations with one thread than with workers');

  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const row = (name: string, measured: (typeof results)[string]) =>
    `| ${name} | ${measured.seconds.toFixed(2)} | ${measured.ratio.toFixed(2)}x | ${measured.cpuSeconds.toFixed(2)} | ${measured.cpuRatio.toFixed(2)}x |`;
  const baselineRows =
    baselineDirectory === null
      ? []
      : [
          row(`baseline ${baselineDirectory}: \`scan --json --policies STORE\``, results.baseline),
          row(`baseline ${baselineDirectory}: \`scan --json --jobs 1 --policies STORE\``, results.baselineOne),
        ];
  const lines = [
    `Evaluate benchmark: ${records.toLocaleString('en-US')} records (${report.denials.toLocaleString('en-US')} denials) against a store of ${generated.principals} principals and ${generated.policies} policies, a 4-level organization; ${runs} interleaved rounds, medians`,
    '',
    '| what | wall s | vs no store | CPU s | CPU vs no store |',
    '|---|---:|---:|---:|---:|',
    row(`\`scan --json\` (default: ${os.availableParallelism()} workers)`, plain),
    row('`scan --json --policies STORE`', evaluated),
    row('`scan --json --jobs 1`', results.plainOne),
    row('`scan --json --jobs 1 --policies STORE`', results.evaluatedOne),
    ...baselineRows,
    '',
    `Decisions: ${Object.entries(report.byDecision)
      .map(([decision, count]) => `${decision} ${count}`)
      .join(', ')}; ${Object.keys(report.byStatement).length} distinct denying statements.`,
    ...(baselineDirectory === null
      ? []
      : [
          `Baseline --json output with the store ${results.baseline.last.output === evaluated.last.output && results.baselineOne.last.output === results.evaluatedOne.last.output ? 'identical to' : 'DIFFERS from'} this checkout's; with all ${report.denials.toLocaleString('en-US')} diagnoses (--limit): ${baselineSame ? 'identical' : 'DIFFERENT'}.`,
        ]),
    `Target (issue 10): at most 1.5x the scan without a store: ${evaluated.ratio.toFixed(2)}x (${evaluated.ratio <= 1.5 ? 'met' : 'not met'}); one thread: ${results.evaluatedOne.ratio.toFixed(2)}x.`,
    `Machine: ${cpu}, ${os.availableParallelism()} cores, Node ${process.version}; load average at the end ${os
      .loadavg()
      .map((value) => value.toFixed(1))
      .join(' ')}.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
