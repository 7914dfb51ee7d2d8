/**
 * `shipgate init` (issue 11, "What to build"): the real command, run non-interactively in a new
 * git repository in a temp folder outside the checkout. The config it writes passes the real
 * loader; a rerun without --force refuses and writes nothing; --force overwrites; bad flag values
 * are refused with SHIPGATE_USAGE naming the flag; the repository's own examples are kept.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfigText } from '../config/load.ts';
import { runShipgate } from '../cli/test-helpers.ts';
import { answersFrom, defaultsFor, planInit } from './init.ts';

let repo = '';
const BASE = ['init', '--yes', '--start', 'node server.js', '--people', 'dev,ana:U012ABC:ana-dev', '--approvers', 'ana'];

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(dir, { recursive: true, withFileTypes: true }))) {
    if (!f.isFile() || /\/\.git(\/|$)/.test(f.parentPath)) continue;
    const p = join(f.parentPath, f.name);
    out[p.slice(dir.length + 1)] = await readFile(p, 'utf8');
  }
  return out;
}

beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), 'sg-init-'));
  execFileSync('git', ['init', '-q'], { cwd: repo });
  await writeFile(join(repo, 'package.json'), JSON.stringify({ name: 'widgets', type: 'module' }));
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('shipgate init --yes', () => {
  it('writes a config the real loader accepts, the four caller workflows and the examples, and prints the checklist', async () => {
    const r = await runShipgate(BASE, {}, { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const files = Object.keys(await snapshot(repo)).sort();
    expect(files).toEqual([
      '.github/shipgate.yml',
      '.github/workflows/migrations.yml',
      '.github/workflows/nightly-smoke.yml',
      '.github/workflows/promote.yml',
      '.github/workflows/release.yml',
      'load/widgets.k6.js',
      'load/widgets.profile.json',
      'migrations/0001-example.js',
      'package.json',
      'smoke/widgets.test.js',
    ]);
    const valid = validateConfigText(await readFile(join(repo, '.github/shipgate.yml'), 'utf8'));
    expect(valid.ok, JSON.stringify(!valid.ok && valid.problems)).toBe(true);
    if (valid.ok) {
      expect(valid.config.app).toMatchObject({ name: 'widgets', start: 'node server.js' });
      expect(valid.config.approval?.approvers).toEqual(['ana']);
    }
    const release = await readFile(join(repo, '.github/workflows/release.yml'), 'utf8');
    expect(release).toContain('uses: shipgate/shipgate/.github/actions/release@v1');
    expect(release).not.toContain('./.github/actions');
    expect(release).toContain('run: npm ci');
    expect(r.stdout).toContain('SHIPGATE_STORE_URI');
    expect(r.stdout).toMatch(/staging: STAGING_MONGODB_URI/);
    expect(r.stdout).toMatch(/production: PRODUCTION_MONGODB_URI/);
    // The example profile is a built-in load profile with thresholds.
    const profile = JSON.parse(await readFile(join(repo, 'load/widgets.profile.json'), 'utf8')) as { requests: { path: string }[]; thresholds: Record<string, string[]> };
    expect(profile.requests[0]?.path).toBe('/health');
    expect(Object.keys(profile.thresholds)).toContain('http_req_failed');
  });

  it('a rerun without --force lists what exists and writes nothing; with --force it overwrites', async () => {
    expect((await runShipgate(BASE, {}, { cwd: repo })).code).toBe(0);
    await writeFile(join(repo, '.github/shipgate.yml'), '# mine\n');
    await rm(join(repo, '.github/workflows/promote.yml'));
    const before = await snapshot(repo);
    const again = await runShipgate([...BASE, '--app', 'other'], {}, { cwd: repo });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('SHIPGATE_USAGE');
    expect(again.stderr).toContain('.github/shipgate.yml');
    expect(again.stderr).toContain('--force');
    expect(await snapshot(repo)).toEqual(before);
    expect(existsSync(join(repo, '.github/workflows/promote.yml')), 'not even the missing file').toBe(false);
    await writeFile(join(repo, 'load/widgets.profile.json'), '{ "mine": true }');

    const forced = await runShipgate([...BASE, '--force'], {}, { cwd: repo });
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(join(repo, '.github/shipgate.yml'), 'utf8')).toContain('name: widgets');
    expect(existsSync(join(repo, '.github/workflows/promote.yml'))).toBe(true);
    expect(await readFile(join(repo, 'load/widgets.profile.json'), 'utf8')).toContain('widgets-read');
  });

  it('keeps an existing load script or profile of the repository (the config points at it)', async () => {
    await mkdir(join(repo, 'load'), { recursive: true });
    await writeFile(join(repo, 'load/widgets.profile.json'), '{ "mine": true }');
    const r = await runShipgate(BASE, {}, { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(repo, 'load/widgets.profile.json'), 'utf8')).toBe('{ "mine": true }');
    expect(r.stdout).toContain('skipped load/widgets.profile.json');
    expect(existsSync(join(repo, 'load/widgets.k6.js'))).toBe(true);
  });

  it('keeps the repository\'s own migrations and smoke tests (no example next to them)', async () => {
    await mkdir(join(repo, 'db/migrations'), { recursive: true });
    await writeFile(join(repo, 'db/migrations/0001-create-widgets.ts'), 'export async function up() {}\n');
    await mkdir(join(repo, 'checks'), { recursive: true });
    await writeFile(join(repo, 'checks/widgets.test.js'), 'import { test } from "vitest"; test("x", () => {});\n');
    const r = await runShipgate([...BASE, '--migrations', 'db/migrations', '--smoke', 'checks'], {}, { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(join(repo, 'db/migrations'))).toEqual(['0001-create-widgets.ts']);
    expect(await readdir(join(repo, 'checks'))).toEqual(['widgets.test.js']);
    expect(r.stdout).toContain('skipped db/migrations/0001-example.js');
    const workflow = await readFile(join(repo, '.github/workflows/migrations.yml'), 'utf8');
    expect(workflow).toContain('"db/migrations/**"');
  });

  it.each([
    [['--provider', 'heroku'], '--provider'],
    [['--environments', 'staging'], '--environments'],
    [['--health-path', 'health'], '--health-path'],
    [['--app', 'Bad Name'], '--app'],
    [['--people', 'ana:not-a-slack-id'], '--people'],
    [['--provider', 'railway', '--railway-service', 'api'], '--railway-project'],
    [['--provider', 'command', '--deploy-command', './deploy.sh'], '--url'],
    [['--actions-repo', 'no-slash'], '--actions-repo'],
    [['--migrations', '../outside'], '--migrations'],
  ])('refuses %j with SHIPGATE_USAGE naming %s, writing nothing', async (extra, flag) => {
    const r = await runShipgate([...BASE, ...extra], {}, { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SHIPGATE_USAGE');
    expect(r.stderr).toContain(flag);
    expect(Object.keys(await snapshot(repo))).toEqual(['package.json']);
  });

  it('without --yes and without a terminal it refuses, naming --yes', async () => {
    const r = await runShipgate(['init'], {}, { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--yes');
    expect(Object.keys(await snapshot(repo))).toEqual(['package.json']);
  });

  it('railway + cloudflare and command configs pass the real loader too', () => {
    const railway = planInit({ root: repo }, answersFrom({ approvers: 'ana', people: 'ana:U012ABC', provider: 'railway', railwayProject: '3f2b9c1e-8a4d-4f6b-9e2a-1c5d7b8a9f01', railwayService: 'api', cloudflareRecord: 'example.com', url: ['production=https://example.com'], slackChannel: '#deploys' }, defaultsFor(repo)));
    const command = planInit({ root: repo }, answersFrom({ approvers: 'ana', provider: 'command', deployCommand: './deploy.sh', url: ['staging=https://staging.example.com', 'production=https://example.com'], language: 'ts' }, defaultsFor(repo)));
    for (const plan of [railway, command]) {
      const config = plan.files.find((f) => f.path === '.github/shipgate.yml')!;
      const valid = validateConfigText(config.content);
      expect(valid.ok, JSON.stringify(!valid.ok && valid.problems)).toBe(true);
    }
    expect(command.files.map((f) => f.path)).toContain('migrations/0001-example.ts');
    expect(command.files.map((f) => f.path)).toContain('smoke/widgets.test.ts');
  });
});
