import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // Smoke suites run against a deployed URL through the smoke gate, not in the unit run.
    exclude: ['**/node_modules/**', '**/dist/**', 'smoke/suites/**', 'smoke/fixtures/**', '.shipgate/**', '.stryker-tmp/**'],
    globalSetup: ['pipeline/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'reports/vitest.json' }]] : ['default'],
  },
});
