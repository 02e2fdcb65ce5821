// ESLint (flat config): the recommended JavaScript and typescript-eslint rules, and import rules that encode the
// architecture (README "Code layout"). Formatting is Prettier's job (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** SDKs, Powertools, CDK and Node.js modules that do I/O: the core reaches none of them, so it runs anywhere and tests without mocks. */
const NOT_IN_THE_CORE = [
  {
    regex: '^@aws-sdk/',
    message: 'The core uses no AWS SDK: an adapter (lambdas/adapters) does the call behind a port (core/incidents/ports.ts).',
  },
  {
    regex: '^@smithy/',
    message: 'The core uses no AWS SDK: an adapter (lambdas/adapters) does the call behind a port (core/incidents/ports.ts).',
  },
  { regex: '^@aws-lambda-powertools/', message: 'The core does not log or emit metrics itself: the Lambda (lambdas/) does.' },
  { regex: '^(aws-cdk-lib|constructs)(/|$)', message: 'The core knows nothing of CDK: lib/ uses the core, not the other way round.' },
  {
    regex: '^(node:)?(fs|fs/promises|net|http|https|http2|child_process|worker_threads|cluster|dgram|dns|tls|readline)$',
    message: 'The core does no I/O: the caller reads and writes (cli/, lambdas/) and passes data in.',
  },
];

export default tseslint.config(
  { ignores: ['**/dist/**', 'lib/assets/**', 'cdk.out/**', 'coverage/**', '.cache/**', 'bench/.data/**', '**/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A leading underscore marks a binding left unused on purpose (a field dropped by destructuring, an unused parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Matching control characters is these files' job: the escapers remove them from what reaches a terminal, a shell
    // or Slack, and the tests assert that none is left.
    files: ['core/diagnosis/invisible.ts', 'core/render/escape.ts', 'core/diagnosis/shell.ts', 'test/**/*.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Resolves relative imports and @denyscope/core (tsconfig.json "paths") to files, so the zones below hold
      // whichever way an import is spelled.
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.json'], tsconfig: { configFile: 'tsconfig.json' } }),
      ],
    },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './core',
              from: ['./lambdas', './cli', './lib', './bin'],
              message: 'The core (core/) is shared by the Lambda, the CLI and the CDK code: it imports none of them.',
            },
            {
              target: ['./core/diagnosis', './core/incidents', './core/policy', './core/contract.ts'],
              from: './core/render',
              message:
                'Diagnosis, incident and policy rules do not depend on how they are shown: renderers (core/render) use them, not the other way round.',
            },
            {
              target: './lambdas/adapters',
              from: './core/incidents/pipeline.ts',
              message:
                'Adapters implement ports (core/incidents/ports.ts); the use case (the pipeline) calls them, not the other way round.',
            },
            {
              target: './lib',
              from: ['./lambdas', './cli'],
              message:
                'The CDK code deploys the Lambda as a pre-built asset and imports none of its code: shared names live in core/contract.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: NOT_IN_THE_CORE }] },
  },
  {
    files: ['cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@aws-sdk/lib-dynamodb',
              allowImportNames: ['DynamoDBDocumentClient'],
              message:
                'The CLI reads and writes incidents through the store adapters (lambdas/adapters/dynamodb-incident-{store,reader}.ts), like the Lambda.',
            },
          ],
          patterns: [
            {
              regex: '/adapters/dynamodb-incident-store$',
              allowImportNames: ['DynamoDbIncidentStore'],
              message: "The CLI uses the incident store through its ports (IncidentStore, IncidentReader), not the adapter's item mapping.",
            },
          ],
        },
      ],
    },
  },
  {
    // Tests reach into any layer on purpose, and their fixtures use what the production code must not.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'import-x/no-restricted-paths': 'off' },
  },
  {
    // Fixtures build loose JSON documents (policy stores, CloudFormation templates) and change them field by field.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Loads SDK packages by name to read what they export: a dynamic require, which no import statement can express.
    files: ['test/lib/sdk-commands.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
