/**
 * The real Probot app over HTTP: signed deliveries (real example payloads), Octokit pointed at the
 * loopback GitHub fake (App JWT → installation token → REST calls), the real engine and store on
 * FerretDB. What GitHub receives is read from the fake's records.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { startGithubFake, type GithubFake } from '../../pipeline/testing/fakes/github.ts';
import { approveRelease, rejectRelease } from '../../pipeline/release/decide.ts';
import type { ReleaseRecord } from '../../pipeline/release/types.ts';
import { startBotServer, type BotServer } from '../server.ts';
import type { ReleaseLinks, ReleaseNotifier } from '../notify.ts';
import { createGithubWebhookHandler, type GithubWebhookHandler } from './index.ts';
import { linkRunToRelease } from './ledger.ts';
import { createQuickWorld, type QuickWorld } from './testing/quick-world.ts';
import { deliver, example, fromRepo, protectionRulePayload } from './testing/webhooks.ts';

vi.setConfig({ testTimeout: 180_000 });
const t = useTestDatabase('ghapp');
const SECRET = 'whsec-test-4f1c9a';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

class RecordingNotifier implements ReleaseNotifier {
  updates: Array<{ id: string; status: string; links?: ReleaseLinks }> = [];
  requests: string[] = [];
  async releaseUpdated(r: ReleaseRecord, links?: ReleaseLinks) {
    this.updates.push({ id: r._id, status: r.status, ...(links ? { links } : {}) });
  }
  async approvalRequested(r: ReleaseRecord) {
    this.requests.push(r._id);
  }
}

let world: QuickWorld;
let fake: GithubFake;
let server: BotServer;
let handler: GithubWebhookHandler;
const notifier = new RecordingNotifier();
const deps = () => ({ store: world.system.store, audit: world.system.audit, policy: world.system.policy });
const url = () => `${server.url}/api/github/webhooks`;
let nextRun = 500;

async function ruleFor(release: ReleaseRecord, opts: { link?: boolean } = {}) {
  const runId = nextRun++;
  if (opts.link !== false) await linkRunToRelease(world.system.store.db, { repo: 'octo-org/notes', runId, release: release._id });
  const res = await deliver(url(), { event: 'deployment_protection_rule', payload: protectionRulePayload({ owner: 'octo-org', repo: 'notes', runId }), secret: SECRET });
  return { runId, res };
}

beforeAll(async () => {
  world = await createQuickWorld({ client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p) });
  // The default branch is not `main`, and releases may name a commit: promote.yml must still be dispatched on a branch.
  fake = await startGithubFake({ appPublicKey: publicKey, appId: 4242, repos: { 'octo-org/notes': { defaultBranch: 'trunk' } } });
  handler = createGithubWebhookHandler({ appId: 4242, privateKey, webhookSecret: SECRET, baseUrl: fake.url, system: world.system, notifier, mode: 'protection-rule', logLevel: 'fatal' });
  server = await startBotServer({ githubHandler: handler });
}, 120_000);
afterAll(async () => {
  // Nothing the app sent broke GitHub's contract (OpenAPI operation, dispatch ref and inputs).
  expect(fake?.violations ?? []).toEqual([]);
  await server?.close();
  await fake?.close();
  await world?.close();
});

describe('deployment protection rule (protection-rule mode)', () => {
  let approved: ReleaseRecord;
  let runId: number;
  let deliveryId: string;

  it('posts the evidence and asks Slack, then approves only after a valid Slack approval, naming the approver', async () => {
    approved = await world.releaseToApproval('1.0.0');
    expect(approved.status).toBe('awaiting_approval');
    const sent = await ruleFor(approved);
    runId = sent.runId;
    deliveryId = sent.res.id;
    expect(sent.res.status).toBe(200);
    const rule = fake.rules.get(runId)!;
    expect(rule.decision).toBeUndefined();
    expect(rule.reports).toHaveLength(2);
    expect(rule.reports[0]).toContain(approved._id);
    expect(rule.reports[0]).toMatch(/✅ staging\/migrate-apply/);
    expect(rule.reports[1]).toMatch(/Migration plan \(production\)/);
    expect(rule.reports[1]).toContain('0002-merge-legacy-memos');
    expect(rule.reports.every((r) => r.length <= 1024)).toBe(true);
    expect(notifier.requests).toContain(approved._id);

    // Nothing recorded yet: a decision pass changes nothing.
    await handler.onReleaseDecision(approved._id);
    expect(fake.rules.get(runId)!.decision).toBeUndefined();
    // The requester cannot approve (engine rule); the rule stays waiting.
    await expect(approveRelease(deps(), approved._id, { via: 'slack', id: 'U056GHI' })).rejects.toThrow(/cannot approve/);
    await handler.onReleaseDecision(approved._id);
    expect(fake.rules.get(runId)!.decision).toBeUndefined();

    await approveRelease(deps(), approved._id, { via: 'slack', id: 'U012ABC' });
    await handler.onReleaseDecision(approved._id);
    const decision = fake.rules.get(runId)!.decision!;
    expect(decision).toMatchObject({ state: 'approved', environment: 'production' });
    expect(decision.comment).toMatch(/Approved by ana \(slack:U012ABC\)/);
    expect(decision.comment).toContain(approved.digest!.slice(0, 12));
    // A second pass (poll, second click) does not answer again.
    const before = fake.calls('POST', /deployment_protection_rule$/).length;
    await handler.onReleaseDecision(approved._id);
    await handler.keeper.pollDecisions();
    expect(fake.calls('POST', /deployment_protection_rule$/).length).toBe(before);
  });

  it('a redelivery (same delivery id) changes nothing', async () => {
    const calls = fake.requests.length;
    const again = await deliver(url(), { event: 'deployment_protection_rule', payload: protectionRulePayload({ owner: 'octo-org', repo: 'notes', runId }), secret: SECRET, id: deliveryId });
    expect(again.status).toBe(200);
    expect(fake.requests.length).toBe(calls);
    expect(fake.rules.get(runId)!.reports).toHaveLength(2);
  });

  it('refuses a forged signature before anything runs', async () => {
    const calls = fake.requests.length;
    const forged = await deliver(url(), { event: 'deployment_protection_rule', payload: protectionRulePayload({ owner: 'octo-org', repo: 'notes', runId: 999 }), secret: 'not-the-secret' });
    expect(forged.status).toBe(400);
    const unsigned = await deliver(url(), { event: 'deployment_protection_rule', payload: {}, secret: SECRET, signature: 'sha256=00' });
    expect(unsigned.status).toBe(400);
    expect(fake.requests.length).toBe(calls);
    expect(await world.system.store.db.collection('github_deliveries').countDocuments({ _id: forged.id as never })).toBe(0);
  });

  it('a rejection in Slack goes back to the rule with the reason', async () => {
    const r = await world.releaseToApproval('1.0.1', 'raj');
    const { runId: id } = await ruleFor(r);
    expect(fake.rules.get(id)!.decision).toBeUndefined();
    await rejectRelease(deps(), r._id, { via: 'slack', id: 'U012ABC' }, 'not during the sale');
    await handler.keeper.pollDecisions(); // the store poll finds decisions recorded elsewhere
    expect(fake.rules.get(id)!.decision).toMatchObject({ state: 'rejected' });
    expect(fake.rules.get(id)!.decision!.comment).toMatch(/rejected by ana: not during the sale/);
  });

  it('finds promote.yml runs by their run-name, and rejects runs that belong to no release', async () => {
    const r = await world.releaseToApproval('1.0.2', 'raj');
    fake.addRun({ id: 700, name: 'promote', display_title: `promote ${r._id}` });
    await deliver(url(), { event: 'deployment_protection_rule', payload: protectionRulePayload({ owner: 'octo-org', repo: 'notes', runId: 700 }), secret: SECRET });
    expect(fake.rules.get(700)!.reports).toHaveLength(2);
    await rejectRelease(deps(), r._id, { via: 'cli', id: 'raj' }, 'cancelled by requester');
    await handler.onReleaseDecision(r._id);
    expect(fake.rules.get(700)!.decision?.state).toBe('rejected');

    fake.addRun({ id: 701, name: 'promote', display_title: 'promote by hand' });
    await deliver(url(), { event: 'deployment_protection_rule', payload: protectionRulePayload({ owner: 'octo-org', repo: 'notes', runId: 701 }), secret: SECRET });
    expect(fake.rules.get(701)!.decision).toMatchObject({ state: 'rejected' });
    expect(fake.rules.get(701)!.decision!.comment).toMatch(/no Shipgate release is linked to workflow run 701/);
  });

  it('a stale approval (a new migration after approval) is not honoured: the rule is rejected', async () => {
    const r = await world.releaseToApproval('1.1.0', 'raj');
    await approveRelease(deps(), r._id, { via: 'cli', id: 'ana' });
    await world.addMigration('0004-release-mark.ts', `export const description = 'a release mark';\nexport async function up(db) { await db.collection('release_marks').insertOne({ v: '1.1.0' }); }\n`);
    const { runId: id } = await ruleFor(r);
    const d = fake.rules.get(id)!.decision!;
    expect(d.state).toBe('rejected');
    expect(d.comment).toMatch(/changed after approval/);
  });

  it('rejects at once when a staging gate did not pass', async () => {
    await world.addMigration('0005-broken.ts', `export async function up() { throw new Error('boom: column missing'); }\n`);
    const r = await world.releaseToApproval('1.2.0', 'raj');
    expect(r.status).toBe('failed');
    const { runId: id } = await ruleFor(r);
    const d = fake.rules.get(id)!.decision!;
    expect(d.state).toBe('rejected');
    expect(d.comment).toMatch(/staging gates did not all pass: staging\/migrate-plan (error|failed)/);
    expect(fake.rules.get(id)!.reports).toHaveLength(0);
  });
});

describe('progress back to Slack', () => {
  it('workflow_run and deployment_status update the release message with the run link; redeliveries do not', async () => {
    const r = (await world.system.store.list({ limit: 1 }))[0]!;
    const run = fromRepo(example('workflow_run', 'completed'), { owner: 'octo-org', repo: 'notes' }) as { workflow_run: { id: number; html_url: string; name: string } ; repository: { full_name: string } };
    run.workflow_run.id = 8101;
    await linkRunToRelease(world.system.store.db, { repo: run.repository.full_name, runId: 8101, release: r._id });
    const first = await deliver(url(), { event: 'workflow_run', payload: run, secret: SECRET });
    await deliver(url(), { event: 'workflow_run', payload: run, secret: SECRET, id: first.id });
    const mine = notifier.updates.filter((u) => u.id === r._id && u.links?.runUrl === run.workflow_run.html_url);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.links?.note).toMatch(/ completed(: (success|failure))?$/);

    type DeploymentStatusPayload = { workflow_run?: { id: number } | null; deployment_status: { log_url?: string; state: string }; repository: { full_name: string } };
    const withRun = fromRepo(example('deployment_status'), { owner: 'octo-org', repo: 'notes' }) as DeploymentStatusPayload;
    withRun.workflow_run = { ...(withRun.workflow_run ?? {}), id: 8102 } as { id: number };
    await linkRunToRelease(world.system.store.db, { repo: withRun.repository.full_name, runId: 8102, release: r._id });
    expect((await deliver(url(), { event: 'deployment_status', payload: withRun, secret: SECRET })).status).toBe(200);
    const dep = notifier.updates.filter((u) => u.id === r._id && /deployment/.test(u.links?.note ?? ''));
    expect(dep).toHaveLength(1);
    expect(dep[0]!.links?.runUrl).toBe(withRun.deployment_status.log_url);
  });
});

describe('dispatch mode (any plan)', () => {
  it('a recorded approval dispatches promote.yml for the release, once', async () => {
    const dispatcher = createGithubWebhookHandler({ appId: 4242, privateKey, webhookSecret: SECRET, baseUrl: fake.url, system: world.system, notifier, mode: 'dispatch', logLevel: 'fatal' });
    await world.addMigration('0005-broken.ts', `export async function up(db) { await db.collection('release_marks').insertOne({ v: 'fixed' }); }\n`);
    const r = await world.releaseToApproval('2.0.0', 'raj');
    expect(r.status, r.reason).toBe('awaiting_approval');
    // release.yml's run completed with the release awaiting approval: Slack asks the approvers.
    const run = fromRepo(example('workflow_run', 'completed'), { owner: 'octo-org', repo: 'notes' }) as { workflow_run: { id: number }; repository: { full_name: string } };
    run.workflow_run.id = 8103;
    await linkRunToRelease(world.system.store.db, { repo: run.repository.full_name, runId: 8103, release: r._id });
    await deliver(url(), { event: 'workflow_run', payload: run, secret: SECRET });
    expect(notifier.requests).toContain(r._id);
    await dispatcher.keeper.pollDecisions();
    expect(fake.dispatches.filter((d) => d.inputs.release === r._id)).toHaveLength(0);
    await approveRelease(deps(), r._id, { via: 'cli', id: 'ana' }); // a CLI approval: found by the poll
    await dispatcher.keeper.pollDecisions();
    await dispatcher.onReleaseDecision(r._id);
    await dispatcher.keeper.pollDecisions();
    const sent = fake.dispatches.filter((d) => d.inputs.release === r._id);
    expect(sent).toEqual([expect.objectContaining({ owner: 'octo-org', repo: 'notes', workflow: 'promote.yml', ref: 'trunk', inputs: { release: r._id }, credential: expect.objectContaining({ kind: 'installation' }) })]);
    // The installation bound to the release (its first delivery), then an installation token; never the key on the wire.
    expect(fake.calls('POST', /^\/app\/installations\/1\/access_tokens$/).length).toBeGreaterThan(0);
    expect(fake.requests.every((q) => !q.rawBody.includes('PRIVATE KEY') && !JSON.stringify(q.headers).includes('ghs_'))).toBe(true);
  });
});
