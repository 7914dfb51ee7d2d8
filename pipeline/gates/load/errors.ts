/** Errors of the load, smoke and health gates' inputs (bad profiles, thresholds, missing engines). */
import { defineErrors } from '../../errors.ts';

export const loadErrors = defineErrors({
  SHIPGATE_LOAD_PROFILE_INVALID: {
    message: (d: { file: string; problems: string[] }) => `load profile ${d.file} is invalid:\n${d.problems.map((p) => `  - ${p}`).join('\n')}`,
    hint: () => 'a profile looks like { "requests": [{ "method": "GET", "path": "/health" }], "connections": 10, "duration": "10s" }',
    docs: 'load.md#profiles',
    exitCode: 3,
  },
  SHIPGATE_LOAD_THRESHOLDS_INVALID: {
    message: (d: { source: string; error: string }) => `load thresholds in ${d.source} are invalid:\n${d.error}`,
    hint: () => 'thresholds use k6 syntax: { "http_req_duration": ["p(95)<300"], "http_req_failed": ["rate<0.01"] }',
    docs: 'load.md#thresholds',
    exitCode: 3,
  },
  SHIPGATE_LOAD_THRESHOLDS_MISSING: {
    message: (d: { engine: string }) => `the load gate has no thresholds: a ${d.engine} run would have nothing to decide on, so it is refused (fail closed) before any load is sent`,
    hint: () => 'set gates.load.thresholds in .github/shipgate.yml, "thresholds" in the profile, or --threshold, e.g. http_req_duration: ["p(95)<300"], http_req_failed: ["rate<0.01"]',
    docs: 'load.md#thresholds',
    exitCode: 3,
  },
  SHIPGATE_LOAD_K6_MISSING: {
    message: (d: { path: string }) => `engine "k6" was chosen but no k6 executable is on PATH (${d.path})`,
    hint: () => 'install k6 (in GitHub Actions: grafana/setup-k6-action with a pinned k6-version), or use --engine builtin',
    docs: 'load.md#engines',
  },
  SHIPGATE_LOAD_INPUT_MISSING: {
    message: (d: { engine: string; what: string }) => `engine "${d.engine}" needs ${d.what}, and none was given`,
    hint: (d: { engine: string }) =>
      d.engine === 'k6'
        ? 'pass --script <file> (a k6 script in your repository, e.g. load/api.k6.js), or set gates.load.script in .github/shipgate.yml'
        : 'pass --profile <file> (a profile in your repository, e.g. load/api.profile.json), or set gates.load.profile in .github/shipgate.yml',
    docs: 'load.md#engines',
    exitCode: 2,
  },
});
