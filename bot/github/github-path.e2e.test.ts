/**
 * A whole release through the GitHub path, end to end on real parts: the bundled actions run as
 * a workflow runs them (release.yml's staging job, then its production job), the real Probot app
 * answers the production environment's protection rule over signed HTTP, the approval comes from
 * the Slack side (the engine's approveRelease with a Slack identity, then onReleaseDecision), and
 * GitHub is the loopback fake. The sample app, router, migrations and gates are real.
 */
import { generateKeyPairSync } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedSampleData } from '../../app/seed.ts';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { repoRoot } from '../../pipeline/mongo/embedded.ts';
import { startGithubFake, type GithubFake } from '../../pipeline/testing/fakes/github.ts';
import { createReleaseWorld, type World } from '../../pipeline/release/testing/world.ts';
import { approveRelease } from '../../pipeline/release/decide.ts';
import { startBotServer, type BotServer } from '../server.ts';
import { silentNotifier, type ReleaseNotifier } from '../notify.ts';
import { createGithubWebhookHandler, type GithubWebhookHandler } from './index.ts';
import { buildActions, runActionProcess, type ActionRun } from './testing/run-action.ts';
import { githubStarter } from '../slack/release-starter.ts';
import { installationOctokit } from './installation-auth.ts';
import { deliver, protectionRulePayload } from './testing/webhooks.ts';

vi.setConfig({ testTimeout: 600_000 });
const t = useTestDatabase('ghpath');
const SECRET = 'whsec-e2e-77aa';
const BOT_TOKEN = 'ghs_slackside0000000000000000000000000';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

let bundles: string;
let world: World;
let fake: GithubFake;
let server: BotServer;
let handler: GithubWebhookHandler;
const asked: string[] = [];
const notifier: ReleaseNotifier = { ...silentNotifier, async approvalRequested(r) { asked.push(r._id); } };

beforeAll(async () => {
  bundles = await buildActions();
  world = await createReleaseWorld({ client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p) });
  for (const env of ['staging', 'production']) await seedSampleData((await world.system.runtimes[env]!.migrationTarget()).db);
  fake = await startGithubFake({ appPublicKey: publicKey, appId: 77, appSlug: 'shipgate-app', tokens: [BOT_TOKEN] });
  handler = createGithubWebhookHandler({ appId: 77, privateKey, webhookSecret: SECRET, baseUrl: fake.url, system: world.system, notifier, mode: 'protection-rule', logLevel: 'fatal' });
  server = await startBotServer({ githubHandler: handler });
}, 600_000);
afterAll(async () => {
  await server?.close();
  expect(fake?.violations ?? [], 'requests outside GitHub\'s contract').toEqual([]);
  await fake?.close();
  await world?.close();
  if (bundles) await rm(bundles, { recursive: true, force: true });
});

/** A workflow run: its env as the runner sets it, and its steps as `uses:` runs them. */
function workflowRun(runId: number, workflow: string) {
  const env = {
    GITHUB_REPOSITORY: 'octo-org/notes', GITHUB_RUN_ID: String(runId), GITHUB_ACTOR: 'shipgate-app[bot]', GITHUB_WORKFLOW: workflow,
    GITHUB_SHA: 'feedc0de00000000000000000000000000000000', GITHUB_REF_NAME: 'main', GITHUB_WORKSPACE: repoRoot,
    SHIPGATE_STORE_URI: t.uriFor(world.storeDbName), SHIPGATE_STATE_DIR: world.stateDir, ...world.env,
  };
  return { env, step: (name: string, inputs: Record<string, string>): Promise<ActionRun> => runActionProcess(bundles, name, { inputs: { config: world.configFile, ...inputs }, env }) };
}
const ok = (r: ActionRun) => expect(r.code, r.log).toBe(0);

describe('release.yml through the actions, guarded by the protection rule, approved in Slack', () => {
  it('/deploy dispatch → staging job → awaiting approval → rule approved after the Slack approval → production job → live', async () => {
    const RUN = 9001;
    const { env, step } = workflowRun(RUN, 'release');

    // ── /deploy production (Slack side, slack.mode github): release.yml is dispatched ──
    // The bot dispatches with the App's installation token (bot/main.ts in slack.mode github), so the
    // run's actor — GITHUB_ACTOR of the jobs below — is the app's bot, which may name the Slack requester.
    const starter = githubStarter({ system: world.system, github: { octokit: installationOctokit({ appId: '77', privateKey, baseUrl: fake.url, owner: 'octo-org', repo: 'notes' }), owner: 'octo-org', repo: 'notes' } });
    await starter.start({ env: 'production', ref: 'main', requester: { via: 'slack', id: 'U056GHI' } });
    const dispatched = fake.dispatches.find((d) => d.workflow === 'release.yml')!;
    expect(dispatched).toMatchObject({ ref: 'main', inputs: { environment: 'production', ref: 'main', requester: 'slack:U056GHI' }, credential: { kind: 'installation' } });
    expect(fake.runs.get(dispatched.runId)!.actor!.login).toBe(env.GITHUB_ACTOR);

    // ── staging job ──
    const start = await step('release', { step: 'start', to: dispatched.inputs.environment!, ref: dispatched.inputs.ref!, version: '3.0.0', requester: dispatched.inputs.requester!, 'app-bot': 'shipgate-app[bot]' });
    ok(start);
    const id = start.outputs['release-id']!;
    expect(id).toMatch(/^rel-/);
    expect((await world.system.store.get(id)).requester).toMatchObject({ person: 'sam', identity: { via: 'slack', id: 'U056GHI' } });

    const migrate = await step('migrate', { step: 'plan,rehearse,apply', release: id, environment: 'staging' });
    ok(migrate);
    expect(JSON.parse(migrate.outputs.stages!).map((s: { key: string; status: string }) => `${s.key}:${s.status}`)).toEqual(['staging/preflight:passed', 'staging/migrate-plan:passed', 'staging/migrate-rehearse:passed', 'staging/migrate-apply:passed']);
    expect(migrate.summary).toContain('#### staging/migrate-plan');
    expect(migrate.summary).toMatch(/\| ✓ \| staging\/migrate-apply \|/);

    ok(await step('promote', { step: 'deploy', release: id, environment: 'staging' }));
    const verify = await step('verify', { gates: 'health,smoke,load', release: id, environment: 'staging' });
    ok(verify);
    expect(JSON.parse(verify.outputs.stages!).map((s: { key: string }) => s.key)).toEqual(['staging/health', 'staging/smoke']);
    expect(verify.summary).toContain('#### staging/smoke');

    const waiting = await step('release', { step: 'request-approval', release: id });
    ok(waiting);
    expect(waiting.outputs.status).toBe('awaiting_approval');
    expect(waiting.summary).toContain('approval needed: 3.0.0');

    // A production job that starts without approval fails at its first step (fail closed).
    const early = await step('release', { step: 'check-approval', release: id });
    expect(early.code).toBe(1);
    expect(early.log).toMatch(/is not approved for production: 0 of 1 approval/);

    // ── the production job waits: GitHub asks the app (protection rule) ──
    const rule = await deliver(`${server.url}/api/github/webhooks`, { event: 'deployment_protection_rule', payload: protectionRulePayload({ owner: 'octo-org', repo: 'notes', runId: RUN }), secret: SECRET });
    expect(rule.status).toBe(200);
    expect(fake.rules.get(RUN)?.decision).toBeUndefined();
    expect(fake.rules.get(RUN)?.reports).toHaveLength(2);
    expect(asked).toEqual([id]);

    // ── Slack: ana approves; the app approves the rule ──
    await approveRelease({ store: world.system.store, audit: world.system.audit, policy: world.system.policy }, id, { via: 'slack', id: 'U012ABC' });
    await handler.onReleaseDecision(id);
    expect(fake.rules.get(RUN)?.decision).toMatchObject({ state: 'approved', environment: 'production' });
    expect(fake.rules.get(RUN)?.decision?.comment).toMatch(/Approved by ana \(slack:U012ABC\)/);

    // ── production job ──
    const check = await step('release', { step: 'check-approval', release: id });
    ok(check);
    expect(check.outputs['approved-by']).toBe('ana');
    ok(await step('migrate', { step: 'all', release: id, environment: 'production' }));
    ok(await step('promote', { step: 'deploy', release: id, environment: 'production' }));
    ok(await step('verify', { gates: 'health,smoke', release: id, environment: 'production' }));
    const cutover = await step('promote', { step: 'cutover', release: id, environment: 'production' });
    ok(cutover);
    expect(cutover.outputs.status).toBe('succeeded');

    const final = await world.system.store.get(id);
    expect(final.status, final.reason).toBe('succeeded');
    expect(final.stages.every((s) => s.status === 'passed' || s.status === 'skipped')).toBe(true);
    const health = (await (await fetch(`${world.publicUrl}/health`, { signal: AbortSignal.timeout(10_000) })).json()) as { version: string };
    expect(health.version).toBe('3.0.0');
    // The redacted logs never carry the store's connection string.
    expect(cutover.log).not.toContain(env.SHIPGATE_STORE_URI);
  });

  it('any plan: a CLI approval makes the bot dispatch promote.yml, whose production job promotes the release', async () => {
    const dispatcher = createGithubWebhookHandler({ appId: 77, privateKey, webhookSecret: SECRET, baseUrl: fake.url, system: world.system, notifier, mode: 'dispatch', logLevel: 'fatal' });
    const staging = workflowRun(9002, 'release');
    const start = await staging.step('release', { step: 'start', to: 'production', version: '3.1.0', requester: 'slack:U012ABC', 'app-bot': 'shipgate-app[bot]' });
    ok(start);
    const id = start.outputs['release-id']!;
    for (const [name, inputs] of [['migrate', { step: 'all', environment: 'staging' }], ['promote', { step: 'deploy', environment: 'staging' }], ['verify', { gates: 'health,smoke', environment: 'staging' }], ['release', { step: 'request-approval' }]] as const) {
      ok(await staging.step(name, { ...inputs, release: id }));
    }
    expect((await world.system.store.get(id)).status).toBe('awaiting_approval');

    await approveRelease({ store: world.system.store, audit: world.system.audit, policy: world.system.policy }, id, { via: 'cli', id: 'raj' });
    await dispatcher.keeper.pollDecisions();
    const promote = fake.dispatches.filter((d) => d.workflow === 'promote.yml' && d.inputs.release === id);
    expect(promote).toEqual([expect.objectContaining({ owner: 'octo-org', repo: 'notes', workflow: 'promote.yml', ref: 'main', inputs: { release: id }, credential: expect.objectContaining({ kind: 'installation' }) })]);

    // promote.yml's job, run as dispatched (run-name "promote <id>").
    const production = workflowRun(9003, 'promote');
    const approval = await production.step('release', { step: 'check-approval', release: id });
    ok(approval);
    expect(approval.outputs).toMatchObject({ 'approved-by': 'raj', sha: 'feedc0de00000000000000000000000000000000' });
    for (const [name, inputs] of [['migrate', { step: 'all' }], ['promote', { step: 'deploy' }], ['verify', { gates: 'health,smoke' }], ['promote', { step: 'cutover' }]] as const) {
      ok(await production.step(name, { ...inputs, release: id, environment: 'production' }));
    }
    const final = await world.system.store.get(id);
    expect(final.status, final.reason).toBe('succeeded');
    expect(final.deployments.production).toMatchObject({ slot: 'green', previousSlot: 'blue' });
    const health = (await (await fetch(`${world.publicUrl}/health`, { signal: AbortSignal.timeout(10_000) })).json()) as { version: string };
    expect(health.version).toBe('3.1.0');
  });
});
