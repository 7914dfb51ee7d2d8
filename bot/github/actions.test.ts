/**
 * The bundled actions run as the Actions runner runs them (INPUT_* env, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files, GITHUB_API_URL at the loopback GitHub fake): the PR migrations
 * check, the nightly report (issue, freeze), and the edges — bad inputs, a human naming someone
 * else as requester, a missing store.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { repoRoot } from '../../pipeline/mongo/embedded.ts';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { startGithubFake, type GithubFake } from '../../pipeline/testing/fakes/github.ts';
import { readEnvironmentLock } from '../../pipeline/release/locks.ts';
import { presentError } from '../../pipeline/errors.ts';
import { nightlyRuns } from '../../pipeline/dashboard/data.ts';
import { nightlyPage } from '../../pipeline/dashboard/views.ts';
import { buildActions, parseOutputFile, runActionProcess } from './testing/run-action.ts';
import { createQuickWorld, type QuickWorld } from './testing/quick-world.ts';

vi.setConfig({ testTimeout: 240_000 });
const t = useTestDatabase('ghactions');
const git = promisify(execFile);
const TOKEN = 'ghs_workflowtoken000000000000000000000';
let bundles: string;
let fake: GithubFake;
let world: QuickWorld;

beforeAll(async () => {
  bundles = await buildActions();
  fake = await startGithubFake({ tokens: [TOKEN] });
  world = await createQuickWorld({ client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p) });
}, 300_000);
afterAll(async () => {
  expect(fake?.violations ?? [], 'requests outside GitHub\'s contract').toEqual([]);
  await fake?.close();
  await world?.close();
  if (bundles) await rm(bundles, { recursive: true, force: true });
});

const storeUri = () => t.uriFor(world.storeDbName);
const workflowEnv = (extra: Record<string, string> = {}) => ({ GITHUB_REPOSITORY: 'octo-org/notes', GITHUB_RUN_ID: '4242', GITHUB_SERVER_URL: 'https://github.com', GITHUB_API_URL: fake.url, GITHUB_WORKSPACE: repoRoot, SHIPGATE_STORE_URI: storeUri(), ...world.env, ...extra });

it('parses GITHUB_OUTPUT as the runner writes it (heredoc delimiters)', () => {
  expect(parseOutputFile('a<<ghadelimiter_1\nx\ny\nghadelimiter_1\nb<<ghadelimiter_2\n\nghadelimiter_2\n')).toEqual({ a: 'x\ny', b: '' });
});

describe('migrate action, step check (pull request)', () => {
  let repo: string;
  beforeAll(async () => {
    await mkdir(join(repoRoot, '.shipgate/worlds'), { recursive: true });
    repo = await mkdtemp(join(repoRoot, '.shipgate/worlds/prrepo-'));
    await cp(join(repoRoot, 'app/migrations'), join(repo, 'app/migrations'), { recursive: true });
    await mkdir(join(repo, '.github'), { recursive: true });
    await writeFile(join(repo, '.github/shipgate.yml'), 'app: { name: notes, start: "node server.js" }\nmigrations: { dir: app/migrations }\nenvironments:\n  staging:\n    deploy: { provider: command, run: "true", urlCommand: "echo http://127.0.0.1:9" }\n    database: { uriEnv: STAGING_MONGODB_URI }\n');
    const g = (...a: string[]) => git('git', a, { cwd: repo });
    await g('init', '-q', '-b', 'main');
    await g('add', '.');
    await g('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'base');
    await writeFile(join(repo, 'app/migrations/0004-drop-tags.ts'), `export async function up(db) {\n  await db.collection('tags').drop();\n}\n`);
    await writeFile(join(repo, 'event.json'), JSON.stringify({ pull_request: { head: { sha: 'abc123abc123abc123abc123abc123abc123abcd' }, base: { ref: 'main' } } }));
  });
  afterAll(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  it('publishes a neutral check run with the plan table and an annotation on the drop() line', async () => {
    const run = await runActionProcess(bundles, 'migrate', {
      inputs: { step: 'check', 'base-ref': 'main', 'github-token': TOKEN },
      env: workflowEnv({ GITHUB_WORKSPACE: repo, GITHUB_EVENT_PATH: join(repo, 'event.json'), STAGING_MONGODB_URI: t.uriFor(t.freshName('prstaging')) }),
      cwd: repo,
    });
    expect(run.code, run.log).toBe(0);
    expect(run.outputs.conclusion).toBe('neutral');
    const posted = fake.checkRuns.at(-1)!.body as { name: string; head_sha: string; conclusion: string; output: { summary: string; annotations: Array<{ path: string; start_line: number }> } };
    expect(posted).toMatchObject({ name: 'Shipgate migrations', head_sha: 'abc123abc123abc123abc123abc123abc123abcd', conclusion: 'neutral' });
    expect(posted.output.summary).toContain('### Migration plan: staging');
    expect(posted.output.annotations).toContainEqual(expect.objectContaining({ path: 'app/migrations/0004-drop-tags.ts', start_line: 2 }));
    expect(run.outputs['check-run-id']).toBe(String(fake.checkRuns.at(-1)!.id));
    expect(run.summary).toContain('Shipgate migrations');
    expect(run.log).toMatch(/::warning [^\n]*file=app\/migrations\/0004-drop-tags.ts,line=2,endLine=2::drops a collection/);
  });

  it('57 findings: 10 errors and 10 warnings inline (what GitHub shows per step), the rest in the job summary, all 57 on the check run', async () => {
    const added: string[] = [];
    for (let i = 5; i < 17; i++) added.push(`${String(i).padStart(4, '0')}-no-up-${i}.ts`);
    for (const name of added) await writeFile(join(repo, 'app/migrations', name), `export const description = 'forgot the body';\n`);
    const drops: string[] = [];
    for (let i = 17; i < 61; i++) drops.push(`${String(i).padStart(4, '0')}-drop-${i}.ts`);
    for (const name of drops) await writeFile(join(repo, 'app/migrations', name), `export async function up(db) {\n  await db.collection('c${name.slice(0, 4)}').drop();\n}\n`);
    try {
      const run = await runActionProcess(bundles, 'migrate', {
        inputs: { step: 'check', 'base-ref': 'main', 'github-token': TOKEN },
        env: workflowEnv({ GITHUB_WORKSPACE: repo, GITHUB_EVENT_PATH: join(repo, 'event.json') }),
        cwd: repo,
      });
      expect(run.outputs.conclusion).toBe('failure');
      const errors = run.log.split('\n').filter((l) => l.startsWith('::error '));
      const warnings = run.log.split('\n').filter((l) => l.startsWith('::warning ') && l.includes('file='));
      expect(errors).toHaveLength(10);
      expect(warnings).toHaveLength(10);
      // Errors come first in importance; the 12 no-up files are all errors.
      expect(errors.every((l) => l.includes('does not export an up'))).toBe(true);
      expect(run.summary).toContain('### 37 more findings not annotated inline');
      expect(run.summary).toContain('GitHub shows at most 10 error and 10 warning annotations per step');
      expect(run.summary).toContain('(2 errors, 35 warnings)');
      for (const name of [...added.slice(10), ...drops.slice(10)]) expect(run.summary).toContain(`app/migrations/${name}`);
      const posted = fake.checkRuns.at(-1)!.body as { output: { annotations: Array<{ path: string; annotation_level: string }> } };
      expect(posted.output.annotations).toHaveLength(57);
      expect(new Set(posted.output.annotations.map((a) => a.path)).size).toBe(57);
      expect(posted.output.annotations.slice(0, 12).every((a) => a.annotation_level === 'failure')).toBe(true);
    } finally {
      for (const name of [...added, ...drops]) await rm(join(repo, 'app/migrations', name), { force: true });
    }
  });
});

describe('nightly-report action', () => {
  it('production red: opens an issue and freezes production with the issue in the reason; green again: closes it and lifts the freeze', async () => {
    // An incoming-webhook stand-in on loopback records what Slack would receive.
    const posted: Array<{ text: string; blocks: Array<{ text?: { text?: string } }> }> = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d));
      req.on('end', () => {
        posted.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/services/T0/B0/secretpart`;
    const red = await runActionProcess(bundles, 'nightly-report', {
      inputs: { 'staging-status': 'passed', 'production-status': 'failed', 'production-summary': '2 of 9 smoke tests failed', 'production-flaky': 'smoke/suites/notes.test.ts › lists notes\n smoke/suites/notes.test.ts › <b>creates</b> a note ', 'github-token': TOKEN, 'slack-webhook-url': hookUrl, config: world.configFile },
      env: workflowEnv({ GITHUB_RUN_ID: '4241' }),
    });
    hook.close();
    expect(red.code, red.log).toBe(0);
    // The bot's smoke-report formatter (bot/slack/blocks.ts), one section per environment.
    expect(posted).toHaveLength(1);
    expect(posted[0]!.text).toMatch(/✓ nightly smoke on staging passed[\s\S]*✗ nightly smoke on production failed: 2 of 9 smoke tests failed/);
    expect(JSON.stringify(posted[0]!.blocks)).toContain('nightly smoke on production failed');
    expect(red.log).not.toContain('secretpart');
    expect(red.outputs).toMatchObject({ ok: 'false', freeze: 'frozen', issue: 'https://github.com/octo-org/notes/issues/1' });
    expect(fake.issues[0]).toMatchObject({ state: 'open', labels: ['shipgate-nightly-smoke'] });
    expect(fake.issues[0]!.body).toContain('2 of 9 smoke tests failed');
    const lock = await readEnvironmentLock(world.system.store.db, 'production');
    expect(lock).toMatchObject({ owner: 'nightly-smoke' });
    expect(lock!.reason).toContain('https://github.com/octo-org/notes/issues/1');
    const refused = await world.system.createRelease({ to: 'production', ref: 'main', sha: 'a1b2c3d', version: '9.9.9', requester: { via: 'cli', id: 'sam' } }).catch((e: unknown) => e);
    expect(presentError(refused)).toMatch(/nightly smoke failed on production/);

    // The night is kept for the dashboard's nightly history, with its flaky tests.
    const nights = await nightlyRuns(world.system.store.db);
    expect(nights).toHaveLength(1);
    expect(nights[0]).toMatchObject({ runUrl: 'https://github.com/octo-org/notes/actions/runs/4241', results: [{ env: 'staging', status: 'passed' }, { env: 'production', status: 'failed', summary: '2 of 9 smoke tests failed', flaky: ['smoke/suites/notes.test.ts › lists notes', 'smoke/suites/notes.test.ts › <b>creates</b> a note'] }] });
    const page = nightlyPage({ base: '/ui', current: 'nightly' }, nights).value;
    expect(page).toContain('production: smoke/suites/notes.test.ts › &lt;b&gt;creates&lt;/b&gt; a note — flaky on 1 night');

    const again = await runActionProcess(bundles, 'nightly-report', { inputs: { 'staging-status': 'failure', 'production-status': 'failure', 'github-token': TOKEN, config: world.configFile }, env: workflowEnv() });
    expect(again.outputs).toMatchObject({ freeze: 'already-frozen' });
    expect(fake.issues).toHaveLength(1);
    expect(fake.calls('POST', /\/issues\/1\/comments$/)).toHaveLength(1);

    const green = await runActionProcess(bundles, 'nightly-report', { inputs: { 'staging-status': 'passed', 'production-status': 'passed', 'github-token': TOKEN, config: world.configFile }, env: workflowEnv() });
    expect(green.code, green.log).toBe(0);
    expect(green.outputs).toMatchObject({ ok: 'true', freeze: 'lifted' });
    expect(fake.issues[0]!.state).toBe('closed');
    expect(await readEnvironmentLock(world.system.store.db, 'production')).toBeNull();
    expect((await nightlyRuns(world.system.store.db)).map((n) => n.results.every((r) => r.status === 'passed'))).toEqual([true, false]);
  });
});

describe('action edges', () => {
  it('a person dispatching release.yml cannot name someone else as requester', async () => {
    const r = await runActionProcess(bundles, 'release', { inputs: { step: 'start', requester: 'slack:U012ABC', 'app-bot': 'shipgate-app[bot]', config: world.configFile, sha: 'a1b2c3d4e5f6' }, env: workflowEnv({ GITHUB_ACTOR: 'sam-gh' }) });
    expect(r.code).toBe(1);
    expect(r.log).toMatch(/sam-gh dispatched the release workflow naming requester "slack:U012ABC"/);
    expect(r.summary).toContain('SHIPGATE_REQUESTER_REFUSED');
  });

  it('promote step rollback follows the one rule for lock/unlock/rollback: a stranger is refused before anything is switched', async () => {
    const r = await runActionProcess(bundles, 'promote', { inputs: { step: 'rollback', environment: 'production', config: world.configFile }, env: workflowEnv({ GITHUB_ACTOR: 'mallory-gh' }) });
    expect(r.code).toBe(1);
    expect(r.log).toContain('SHIPGATE_NOT_A_DEPLOYER');
    expect(r.log).toMatch(/mallory-gh may not roll back production/);
    // A person listed in people gets past the rule (to the engine, which finds nothing to roll back).
    const ana = await runActionProcess(bundles, 'promote', { inputs: { step: 'rollback', environment: 'production', config: world.configFile }, env: workflowEnv({ GITHUB_ACTOR: 'ana-dev' }) });
    expect(ana.code).toBe(1);
    expect(ana.log).not.toContain('SHIPGATE_NOT_A_DEPLOYER');
    expect(ana.log).toContain('SHIPGATE_ROLLBACK_NOTHING');
  });

  it('bad inputs list the accepted values; a missing store is named', async () => {
    const bad = await runActionProcess(bundles, 'promote', { inputs: { step: 'launch' }, env: workflowEnv() });
    expect(bad.code).toBe(1);
    expect(bad.log).toContain('step must be one of: deploy, cutover, rollback');
    const noStore = await runActionProcess(bundles, 'verify', { inputs: { environment: 'staging', config: world.configFile }, env: workflowEnv({ SHIPGATE_STORE_URI: '' }) });
    expect(noStore.code).toBe(1);
    expect(noStore.log).toContain('SHIPGATE_STORE_URI');
  });
});
