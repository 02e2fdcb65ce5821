/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // `npm test` leaves out the slow suites (*.slow.test.ts: a crash at every step boundary, kill-and-rerun of the built
  // CLI, hostile records pasted into bash); `npm run test:slow` runs them, and CI runs everything with coverage.
  testPathIgnorePatterns: process.env.DENYSCOPE_ALL_TESTS === '1' ? ['/node_modules/'] : ['/node_modules/', '\\.slow\\.test\\.ts$'],
  // Type-checking happens once in `tsc --noEmit` (npm test); ts-jest only transpiles.
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  // @denyscope/core is its sources here, as in tsconfig.json "paths".
  moduleNameMapper: { '^@denyscope/core/(.*)$': '<rootDir>/core/$1' },
  // Builds the CLI bundle and the Lambda asset from the current sources once per run: no test exercises a stale build.
  globalSetup: '<rootDir>/test/global-setup.mjs',
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  testTimeout: 30000,
  collectCoverageFrom: ['core/**/*.ts', 'lambdas/**/*.ts', 'lib/**/*.ts', 'cli/**/*.ts', '!**/dist/**', '!**/*.d.ts'],
  coverageReporters: ['text-summary', 'text', 'lcov'],
  // With --coverage (CI): the core at least 95% of its lines, the rest at least 85%.
  coverageThreshold: { './core/': { lines: 95 }, global: { lines: 85 } },
};
