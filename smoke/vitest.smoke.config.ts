/**
 * Vitest config of the smoke gate (pipeline/gates/smoke). The gate sets SHIPGATE_SMOKE_INCLUDE to
 * the chosen suites (JSON list of globs, relative to the user's repository, which is vitest's root)
 * and BASE_URL to the deployment. This file ships with Shipgate; the suites are the user's.
 * No global setup: smoke suites talk to a deployed URL, never to a test database.
 */
import { defineConfig } from 'vitest/config';

const include = process.env.SHIPGATE_SMOKE_INCLUDE ? (JSON.parse(process.env.SHIPGATE_SMOKE_INCLUDE) as string[]) : ['smoke/suites/**/*.{test,spec}.?(c|m)[jt]s?(x)'];

export default defineConfig({
  test: {
    include,
    exclude: ['**/node_modules/**'],
    testTimeout: Number(process.env.SHIPGATE_SMOKE_TEST_TIMEOUT_MS ?? 30_000),
    hookTimeout: Number(process.env.SHIPGATE_SMOKE_TEST_TIMEOUT_MS ?? 30_000),
    pool: 'forks',
    // Flows run in order, one file at a time: smoke suites share one deployment.
    fileParallelism: false,
    passWithNoTests: false,
    // Vite sets process.env.BASE_URL to its public base path ("/") in workers; restore the
    // deployment URL the gate passed (also as SHIPGATE_BASE_URL, which Vite leaves alone).
    env: { BASE_URL: process.env.SHIPGATE_BASE_URL ?? process.env.BASE_URL ?? '' },
  },
});
