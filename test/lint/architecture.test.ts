import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** An import each layer must not make, as a file in that layer would spell it (relative or by package name). */
const CASES = [
  { file: 'core/diagnosis/new.ts', code: "import { Stack } from 'aws-cdk-lib';", rule: 'no-restricted-imports' },
  { file: 'core/incidents/new.ts', code: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';", rule: 'no-restricted-imports' },
  { file: 'core/incidents/new.ts', code: "import { Logger } from '@aws-lambda-powertools/logger';", rule: 'no-restricted-imports' },
  { file: 'core/diagnosis/new.ts', code: "import { readFileSync } from 'node:fs';", rule: 'no-restricted-imports' },
  {
    file: 'core/diagnosis/new.ts',
    code: "import { DynamoDbIncidentStore } from '../../lambdas/adapters/dynamodb-incident-store';",
    rule: 'import-x/no-restricted-paths',
  },
  { file: 'core/new.ts', code: "import { createProgram } from '../cli/program';", rule: 'import-x/no-restricted-paths' },
  { file: 'core/incidents/new.ts', code: "import { renderAlertText } from '../render/alert-text';", rule: 'import-x/no-restricted-paths' },
  {
    file: 'core/diagnosis/new.ts',
    code: "import { escapeSingleLine } from '@denyscope/core/render/escape';",
    rule: 'import-x/no-restricted-paths',
  },
  {
    file: 'lambdas/adapters/new.ts',
    code: "import { createIncidentPipeline } from '../../core/incidents/pipeline';",
    rule: 'import-x/no-restricted-paths',
  },
  {
    file: 'lib/constructs/new.ts',
    code: "import { createAlertHandler } from '../../lambdas/alert-batch';",
    rule: 'import-x/no-restricted-paths',
  },
  { file: 'lib/new.ts', code: "import { registerScan } from '../cli/commands/scan';", rule: 'import-x/no-restricted-paths' },
  {
    file: 'cli/incidents/new.ts',
    code: "import { incidentFromItem } from '../../lambdas/adapters/dynamodb-incident-store';",
    rule: 'no-restricted-imports',
  },
  { file: 'cli/incidents/new.ts', code: "import { QueryCommand } from '@aws-sdk/lib-dynamodb';", rule: 'no-restricted-imports' },
] as const;

/** Imports each layer may make: the rules must not flag them. */
const ALLOWED = [
  { file: 'core/render/new.ts', code: "import { CAUSES } from '../diagnosis/types';" },
  { file: 'core/diagnosis/new.ts', code: "import { gunzipSync } from 'node:zlib';" },
  { file: 'lib/constructs/new.ts', code: "import { HANDLER_ENV } from '@denyscope/core/contract';" },
  { file: 'lambdas/adapters/new.ts', code: "import type { Notifier } from '../../core/incidents/ports';" },
  { file: 'cli/local/new.ts', code: "import { DynamoDbIncidentStore } from '../../lambdas/adapters/dynamodb-incident-store';" },
] as const;

/** The rule ids ESLint reports for each source, linted with the repository's eslint.config.mjs in one child process. */
function ruleIdsOf(sources: readonly { file: string; code: string }[]): string[][] {
  const script = `
    import { ESLint } from 'eslint';
    const eslint = new ESLint({ cwd: process.cwd() });
    const sources = JSON.parse(process.argv[1]);
    const ids = [];
    for (const { file, code } of sources) {
      const [result] = await eslint.lintText(code + '\\nexport const used = [' + code.match(/\\{ (?:type )?(\\w+)/)[1] + '];\\n', { filePath: file });
      ids.push(result.messages.map((message) => message.ruleId));
    }
    process.stdout.write(JSON.stringify(ids));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(sources)], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as string[][];
}

describe('the lint rules that encode the layers (eslint.config.mjs)', () => {
  it('reject each forbidden import and accept the allowed ones', () => {
    const ids = ruleIdsOf([...CASES, ...ALLOWED]);
    const rejected = CASES.map((testCase, index) => ({ ...testCase, reported: ids[index].includes(testCase.rule) }));
    expect(rejected.filter((testCase) => !testCase.reported)).toEqual([]);
    const accepted = ALLOWED.map((testCase, index) => ({ ...testCase, reported: ids[CASES.length + index] }));
    expect(accepted.filter((testCase) => testCase.reported.length > 0)).toEqual([]);
  }, 120_000);
});
