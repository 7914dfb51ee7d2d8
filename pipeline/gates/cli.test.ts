/** `shipgate health | smoke | load` as real processes against real loopback servers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../mongo/embedded.ts';
import { startLoopback, json, healthy, type Loopback } from './health/loopback.testkit.ts';
import { readProfile } from './load/profile.ts';
import { parseThresholds } from './load/thresholds.ts';

let target: Loopback;
beforeAll(async () => {
  target = await startLoopback((req, res) => (req.url === '/health' ? json(res, 200, healthy('1.5.0')) : req.url === '/ping' ? json(res, 200, { pong: true }) : json(res, 404, { error: 'not_found' })));
});
afterAll(() => target.close());

function shipgate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repoRoot, 'bin/shipgate.js'), ...args], { cwd: repoRoot, timeout: 120_000, env: { ...process.env, VITEST: undefined, VITEST_WORKER_ID: undefined } as never }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('shipgate gate commands', () => {
  it('health passes (exit 0) and prints plain progress lines when not a TTY', async () => {
    const r = await shipgate(['health', '--url', target.url, '--version', '1.5.0', '--interval', '50ms', '--timeout', '60s']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✅ health passed: healthy after .* \(3 tries, 3 in a row, version 1\.5\.0\)/);
    expect(r.stderr).toMatch(/^\[health [^\]]+\] try 1 · /m);
    expect(r.stderr).not.toContain('\r');
  });

  it('health fails (exit 1) on the wrong version; --markdown prints the job summary', async () => {
    const r = await shipgate(['health', '--url', target.url, '--version', '2.0.0', '--interval', '50ms', '--timeout', '1s', '--markdown']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^### ❌ health — failed/);
    expect(r.stdout).toContain('version 1.5.0 still serving, expected 2.0.0');
  });

  it('rejects bad flags with usage errors (exit 2) and bad thresholds as invalid config (exit 3)', async () => {
    expect((await shipgate(['health', '--url', 'nope'])).code).toBe(2);
    expect((await shipgate(['health', '--url', target.url, '--interval', 'soon'])).code).toBe(2);
    const bad = await shipgate(['load', '--url', target.url, '--engine', 'builtin', '--threshold', 'http_req_duration=p95<300']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/write the percentile as p\(95\)/);
  });

  it('smoke runs the chosen suite', async () => {
    const r = await shipgate(['smoke', '--url', target.url, '--suite', 'smoke/fixtures/passing', '--timeout', '2m']);
    expect(r.stdout).toMatch(/^✅ smoke passed: 1 smoke tests passed/);
    expect(r.code).toBe(0);
  });

  it('load runs the built-in engine and shows each threshold', async () => {
    const r = await shipgate(['load', '--url', target.url, '--engine', 'builtin', '--profile', 'load/notes.profile.json', '--duration', '1s', '--connections', '2',
      '--threshold', 'http_req_failed=rate<0.01', '--threshold', 'http_reqs=count>0']);
    // /notes answers 404 on this loopback target: half the requests fail, so the gate fails.
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^❌ load failed: \d of \d thresholds crossed/);
    expect(r.stdout).toMatch(/^ {2}http_req_failed rate=[\d.]+% < 1% ✗$/m);
    expect(r.stdout).toMatch(/status codes: 200: \d+, 404: \d+/);
  });
});

describe('load/ files of the sample app', () => {
  it('the profile is valid and its thresholds parse', async () => {
    const p = await readProfile(join(repoRoot, 'load/notes.profile.json'));
    expect(p.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /health', 'GET /notes?limit=20']);
    expect(parseThresholds(p.thresholds ?? {}).ok).toBe(true);
  });
});
