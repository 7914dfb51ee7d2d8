// k6 script for the sample notes app: the same scenario as load/notes.profile.json
// (GET /health, then GET /notes?limit=20, per iteration). Read-only, so it is safe against production.
// Run by Shipgate's k6 engine: BASE_URL is the deployment under test, SHIPGATE_K6_SUMMARY the file
// our handleSummary writes (k6's documented summary data), which Shipgate evaluates itself.
import http from 'k6/http';
import { check } from 'k6';

const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');

export const options = {
  vus: 4,
  duration: '10s',
  // Shipgate evaluates thresholds from its config with its own evaluator; these mirror them so a
  // plain `k6 run` also fails (exit 99) on the same limits.
  thresholds: {
    http_req_duration: ['p(95)<500', 'p(99)<1500'],
    http_req_failed: ['rate<0.01'],
  },
  // Every statistic a threshold may name must be listed here, or Shipgate fails it closed.
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)'],
};

export default function () {
  const health = http.get(`${BASE_URL}/health`);
  check(health, { 'health is 200': (r) => r.status === 200 });
  const list = http.get(`${BASE_URL}/notes?limit=20`);
  check(list, { 'list is 200': (r) => r.status === 200 });
}

export function handleSummary(data) {
  const out = { stdout: `shipgate: ${data.metrics.http_reqs ? data.metrics.http_reqs.values.count : 0} requests\n` };
  if (__ENV.SHIPGATE_K6_SUMMARY) out[__ENV.SHIPGATE_K6_SUMMARY] = JSON.stringify(data);
  return out;
}
