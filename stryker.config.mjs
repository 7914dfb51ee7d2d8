// Mutation testing of the safety-critical modules (docs/mutation.md). `npm run mutate` runs it all;
// `npm run mutate -- --mutate pipeline/gates/load/thresholds.ts` one file. Not part of `npm test`
// nor of the default CI run: on two cores a full run takes too long.
import { readdirSync } from 'node:fs';

// The tests that guard the mutated modules: their own folders, plus the CLI's (authorization).
// End-to-end tests are left out: each takes minutes of processes on two cores and one flaky
// failure in the initial run stops Stryker. `--testFiles a.test.ts,b.test.ts` narrows it further.
const TEST_DIRS = ['pipeline/release', 'pipeline/gates', 'pipeline/migrate', 'pipeline/secrets', 'pipeline/cli', 'bot'];
const testFiles = TEST_DIRS.flatMap((dir) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts') && !/e2e/.test(f) && !f.includes('fixtures/'))
    .map((f) => `${dir}/${f}`),
).sort();

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: {
    configFile: 'vitest.config.ts',
    // The project's pool: tests spawn processes and servers; forks isolate them like `npm test`.
    pool: 'forks',
    // Only the test files that import a mutated file (vitest's `related`), then per-test coverage.
    related: true,
  },
  coverageAnalysis: 'perTest',
  testFiles,
  mutate: [
    'pipeline/release/**/*.ts',
    'pipeline/gates/**/*.ts',
    'pipeline/migrate/**/*.ts',
    'pipeline/secrets/**/*.ts',
    // The bot's authorization and signature code.
    'bot/http/**/*.ts',
    'bot/slack/approval-actions.ts',
    'pipeline/release/authorize.ts',
    '!**/*.test.ts',
    '!**/*.testkit.ts',
    '!**/testing/**',
    '!**/fixtures/**',
    '!**/golden/**',
  ],
  // Static mutants (module-level constants: tables, regexes) can only be tested by reloading
  // everything and running every test; measured on thresholds.ts: 8% of the mutants, 60% of the
  // time. They are listed as Ignored in the report, not counted in the score.
  ignoreStatic: true,
  // Re-runs only mutants whose code or covering tests changed since the last run.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // Two cores shared by the team: one test runner at a time (raise to 2 on a free machine).
  concurrency: 1,
  // A busy machine makes tests slower; only a mutant far past the normal time is a timeout.
  timeoutMS: 20_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 20,
  // The sandbox is a copy of the repository in .stryker-tmp/ (never in place: seven other people
  // edit this tree). tools/bin/ferretdb-embedded is copied with it, so the vitest global setup
  // starts FerretDB from the sandbox; node_modules is symlinked.
  inPlace: false,
  ignorePatterns: ['dist', 'coverage', '.shipgate', '.ci'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
