/**
 * The CLI in a user's repository (a temp git repository outside Shipgate's checkout, run from a
 * folder deep inside it): config, smoke suites and load profiles are the repository's, never
 * Shipgate's own sample files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { repoRoot } from '../mongo/embedded.ts';
import { startLoopback, json, type Loopback } from '../gates/health/loopback.testkit.ts';
import { runShipgate } from './test-helpers.ts';

let repo: string;
let deep: string;
let target: Loopback;

const config = (url: string, extra = '') => `app: { name: widgets, start: "node server.js" }
environments:
  staging:
    url: ${url}
    deploy: { provider: command, run: "true", urlCommand: "echo ${url}" }
    database: { uriEnv: STAGING_MONGODB_URI }
gates:
  smoke: { suites: [checks/smoke], retries: 0 }
${extra}`;

beforeAll(async () => {
  target = await startLoopback((req, res) => (req.url === '/ping' ? json(res, 200, { pong: 'widgets' }) : json(res, 404, { error: 'not_found' })));
  repo = await mkdtemp(join(tmpdir(), 'shipgate-userrepo-'));
  deep = join(repo, 'services/api');
  await mkdir(deep, { recursive: true });
  await mkdir(join(repo, '.github'), { recursive: true });
  await mkdir(join(repo, 'checks/smoke'), { recursive: true });
  await mkdir(join(repo, 'perf'), { recursive: true });
  execFileSync('git', ['init', '-q'], { cwd: repo });
  // The user's repository has Shipgate installed (vitest comes with it): link the checkout's modules.
  await symlink(join(repoRoot, 'node_modules'), join(repo, 'node_modules'), 'dir');
  await writeFile(join(repo, '.github/shipgate.yml'), config(target.url));
  // One plain JavaScript suite and one TypeScript suite: both are the user's.
  await writeFile(join(repo, 'checks/smoke/ping.test.js'), `import { expect, it } from 'vitest';
it('widgets answers ping (js)', async () => {
  const r = await fetch(process.env.SHIPGATE_BASE_URL + '/ping');
  expect(await r.json()).toEqual({ pong: 'widgets' });
});
`);
  await writeFile(join(repo, 'checks/smoke/not-found.spec.ts'), `import { expect, it } from 'vitest';
it('widgets says 404 for unknown paths (ts)', async () => {
  const r: Response = await fetch(process.env.SHIPGATE_BASE_URL + '/nope');
  expect(r.status).toBe(404);
});
`);
  await writeFile(join(repo, 'perf/widgets.profile.json'), JSON.stringify({ requests: [{ method: 'GET', path: '/ping' }], connections: 2, duration: '300ms', thresholds: { http_req_failed: ['rate<0.01'] } }));
}, 60_000);

afterAll(async () => {
  await target.close();
  await rm(repo, { recursive: true, force: true });
});

const env = { VITEST: undefined } as Record<string, string | undefined>;

describe('the CLI in a user repository', () => {
  it('config check, from a folder inside the repository, finds its config and looks its paths up in it', async () => {
    const r = await runShipgate(['config', 'check'], env, { cwd: deep });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`repository ${repo}`);
    expect(r.stdout).toMatch(/smoke +suites checks\/smoke, 0 retries/);
    expect(r.stdout).not.toContain('checks/smoke (not found)');
    expect(r.stdout).toContain('app/migrations (not found)');
  });

  it('config check -f <their file> from Shipgate\'s checkout marks paths by their repository, not the checkout', async () => {
    // smoke/suites exists in Shipgate's checkout, not in the user's repository.
    await writeFile(join(repo, '.github/other.yml'), config(target.url).replace('[checks/smoke]', '[checks/smoke, smoke/suites]'));
    for (const flag of ['-f', '--config', '--file']) {
      const r = await runShipgate(['config', 'check', flag, join(repo, '.github/other.yml')], env, { cwd: repoRoot });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('suites checks/smoke, smoke/suites (not found)');
    }
  });

  it('smoke runs the repository\'s suites (.test.js and .spec.ts) from a folder inside it', async () => {
    const r = await runShipgate(['smoke', '--url', target.url, '--suite', 'checks/smoke', '--timeout', '2m'], env, { cwd: deep, killAfterMs: 120_000 });
    expect(r.stdout).toMatch(/^✅ smoke passed: 2 smoke tests passed/);
    expect(r.stdout).toContain('widgets answers ping (js)');
    expect(r.stdout).toContain('widgets says 404 for unknown paths (ts)');
    expect(r.stdout).not.toMatch(/notes/i);
    expect(r.code).toBe(0);
  }, 150_000);

  it('smoke --env takes the URL and the suites from the config', async () => {
    const r = await runShipgate(['smoke', '--env', 'staging', '--json'], env, { cwd: deep, killAfterMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { status: string; details: string; metrics: { passed: number } };
    expect(result.status).toBe('passed');
    expect(result.metrics.passed).toBe(2);
    expect(result.details).toContain(target.url);
  }, 150_000);

  it('smoke --env of an environment the config does not name is refused, naming the known ones', async () => {
    const r = await runShipgate(['smoke', '--env', 'prod'], env, { cwd: deep });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SHIPGATE_CONFIG_UNKNOWN_ENV: environment "prod" is not in the config (known: staging)');
  });

  it('load without a profile (none given, none in the config) is refused, naming --profile and gates.load.profile', async () => {
    const r = await runShipgate(['load', '--url', target.url, '--engine', 'builtin', '--threshold', 'http_req_failed=rate<0.01'], env, { cwd: deep });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SHIPGATE_LOAD_INPUT_MISSING');
    expect(r.stderr).toContain('--profile');
    expect(r.stderr).toContain('gates.load.profile');
    expect(r.stderr).not.toContain('notes.profile.json');
  });

  it('load uses the config\'s profile, from the repository', async () => {
    await writeFile(join(repo, '.github/with-load.yml'), config(target.url, '  load: { engine: builtin, profile: perf/widgets.profile.json }\n'));
    const r = await runShipgate(['load', '--env', 'staging', '-f', '../../.github/with-load.yml', '--json'], env, { cwd: deep, killAfterMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { status: string; details: string };
    expect(result.status).toBe('passed');
    // Only /ping answers 200 on this target: the profile that ran is the repository's.
    expect(result.details).toMatch(/\*\*Status codes:\*\* 200: \d+$/m);
  }, 90_000);
});
