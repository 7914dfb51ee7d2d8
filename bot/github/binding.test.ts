/**
 * Finding 4 (issue 10): GitHub events touch a release only when they come from the release's own
 * repository and installation; finding 16: a protection rule's evidence is posted once per
 * (repository, run, environment), whatever the delivery ids or the number of bot replicas.
 * The real Probot app over signed HTTP, payloads from @octokit/webhooks-examples (moved to
 * evil/other where they attack), the loopback GitHub fake, the real engine and store on FerretDB.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { startGithubFake, type GithubFake } from '../../pipeline/testing/fakes/github.ts';
import { approveRelease } from '../../pipeline/release/decide.ts';
import type { ReleaseRecord } from '../../pipeline/release/types.ts';
import { startBotServer, type BotServer } from '../server.ts';
import type { ReleaseLinks, ReleaseNotifier } from '../notify.ts';
import { checkEventOrigin } from './binding.ts';
import { createGithubWebhookHandler, type GithubWebhookHandler } from './index.ts';
import { linkRunToRelease, rememberRule } from './ledger.ts';
import { createQuickWorld, type QuickWorld } from './testing/quick-world.ts';
import { deliver, example, fromRepo, protectionRulePayload } from './testing/webhooks.ts';

vi.setConfig({ testTimeout: 180_000 });
const t = useTestDatabase('ghbind');
const SECRET = 'whsec-bind-5e7d21';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

class RecordingNotifier implements ReleaseNotifier {
  updates: Array<{ id: string; links?: ReleaseLinks }> = [];
  requests: string[] = [];
  async releaseUpdated(r: ReleaseRecord, links?: ReleaseLinks) {
    this.updates.push({ id: r._id, ...(links ? { links } : {}) });
  }
  async approvalRequested(r: ReleaseRecord) {
    this.requests.push(r._id);
  }
}

let world: QuickWorld;
let fake: GithubFake;
const servers: BotServer[] = [];
const handlers: GithubWebhookHandler[] = [];
const notifier = new RecordingNotifier();
const url = (i = 0) => `${servers[i]!.url}/api/github/webhooks`;
const deps = () => ({ store: world.system.store, audit: world.system.audit, policy: world.system.policy });
const approvedFor = (owner: string, repo: string) =>
  fake.calls('POST', new RegExp(`^/repos/${owner}/${repo}/actions/runs/\\d+/deployment_protection_rule$`)).filter((q) => (q.body as { state?: string }).state === 'approved');
const links = (repo: string) => world.system.store.db.collection('github_runs').countDocuments({ repo });

beforeAll(async () => {
  world = await createQuickWorld({ client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p) });
  fake = await startGithubFake({ appPublicKey: publicKey, appId: 5150 });
  // Two bot replicas on one store, as a team runs them for uptime.
  for (let i = 0; i < 2; i++) {
    const h = createGithubWebhookHandler({ appId: 5150, privateKey, webhookSecret: SECRET, baseUrl: fake.url, system: world.system, notifier, mode: 'protection-rule', logLevel: 'fatal' });
    handlers.push(h);
    servers.push(await startBotServer({ githubHandler: h }));
  }
}, 120_000);
afterAll(async () => {
  for (const s of servers) await s.close();
  expect(fake?.violations ?? [], 'requests outside GitHub\'s contract').toEqual([]);
  await fake?.close();
  await world?.close();
});

describe('cross-repository events (finding 4)', () => {
  it('a protection rule from evil/other naming the release in its run-name is not linked and not approved; the legit rule still is', async () => {
    const r = await world.releaseToApproval('7.0.0');
    expect(r.status).toBe('awaiting_approval');
    await linkRunToRelease(world.system.store.db, { repo: 'octo-org/notes', runId: 6001, release: r._id });
    expect((await deliver(url(), { event: 'deployment_protection_rule', payload: protectionRulePayload({ owner: 'octo-org', repo: 'notes', runId: 6001, installationId: 1 }), secret: SECRET })).status).toBe(200);
    expect(fake.rules.get(6001)!.reports).toHaveLength(2);
    const asked = notifier.requests.filter((id) => id === r._id).length;

    // evil/other installed the same app; its promote-looking run names our release.
    fake.addRun({ id: 6660, name: 'promote', display_title: `promote ${r._id}` });
    const evil = await deliver(url(), { event: 'deployment_protection_rule', payload: protectionRulePayload({ owner: 'evil', repo: 'other', runId: 6660, installationId: 666 }), secret: SECRET });
    expect(evil.status).toBe(200);
    expect(await links('evil/other')).toBe(0);
    expect(fake.rules.get(6660)?.reports ?? []).toHaveLength(0);
    expect(notifier.requests.filter((id) => id === r._id)).toHaveLength(asked);

    // Our repository, but another installation than the one bound at the first event.
    await linkRunToRelease(world.system.store.db, { repo: 'octo-org/notes', runId: 6002, release: r._id });
    await deliver(url(), { event: 'deployment_protection_rule', payload: protectionRulePayload({ owner: 'octo-org', repo: 'notes', runId: 6002, installationId: 999 }), secret: SECRET });
    expect(fake.rules.get(6002)?.reports ?? []).toHaveLength(0);

    // A rule recorded for the release from elsewhere (as the old code did) is never decided for it.
    await rememberRule(world.system.store.db, { release: r._id, owner: 'evil', repo: 'other', runId: 6661, environment: 'production', installationId: 666 });

    await approveRelease(deps(), r._id, { via: 'slack', id: 'U012ABC' });
    await handlers[0]!.onReleaseDecision(r._id);
    await handlers[1]!.keeper.pollDecisions();
    expect(fake.rules.get(6001)!.decision).toMatchObject({ state: 'approved' });
    expect(approvedFor('evil', 'other')).toHaveLength(0);
    expect(fake.rules.get(6660)?.decision?.state).not.toBe('approved');
    expect(fake.rules.get(6661)).toBeUndefined();
    expect(fake.rules.get(6002)?.decision?.state).not.toBe('approved');
    expect(approvedFor('octo-org', 'notes').map((q) => q.path)).toEqual([`/repos/octo-org/notes/actions/runs/6001/deployment_protection_rule`]);
  });

  it('workflow_run and deployment_status from evil/other never reach the release\'s Slack message; ours still do', async () => {
    const r = await world.releaseToApproval('7.1.0');
    const before = notifier.updates.filter((u) => u.id === r._id).length;
    const asked = notifier.requests.filter((id) => id === r._id).length;

    const evilRun = fromRepo(example('workflow_run', 'completed'), { owner: 'evil', repo: 'other', installationId: 666 }) as { workflow_run: { id: number; display_title: string } };
    evilRun.workflow_run.id = 6670;
    evilRun.workflow_run.display_title = `release ${r._id}`;
    expect((await deliver(url(), { event: 'workflow_run', payload: evilRun, secret: SECRET })).status).toBe(200);
    const evilStatus = fromRepo(example('deployment_status'), { owner: 'evil', repo: 'other', installationId: 666 }) as { workflow_run?: unknown };
    evilStatus.workflow_run = { id: 6671, display_title: `release ${r._id}` };
    expect((await deliver(url(), { event: 'deployment_status', payload: evilStatus, secret: SECRET })).status).toBe(200);
    // Ours, seen from the wrong installation: also refused once the release is bound.
    const ours = fromRepo(example('workflow_run', 'completed'), { owner: 'octo-org', repo: 'notes', installationId: 1 }) as { workflow_run: { id: number; display_title: string } };
    ours.workflow_run.id = 6672;
    ours.workflow_run.display_title = `release ${r._id}`;
    expect(notifier.updates.filter((u) => u.id === r._id)).toHaveLength(before);
    expect(notifier.requests.filter((id) => id === r._id)).toHaveLength(asked);
    expect(await links('evil/other')).toBe(0);

    expect((await deliver(url(), { event: 'workflow_run', payload: ours, secret: SECRET })).status).toBe(200);
    expect(notifier.updates.filter((u) => u.id === r._id)).toHaveLength(before + 1);
    const wrongInstallation = fromRepo(example('workflow_run', 'completed'), { owner: 'octo-org', repo: 'notes', installationId: 2 }) as { workflow_run: { id: number; display_title: string } };
    wrongInstallation.workflow_run.id = 6673;
    wrongInstallation.workflow_run.display_title = `release ${r._id}`;
    await deliver(url(), { event: 'workflow_run', payload: wrongInstallation, secret: SECRET });
    expect(notifier.updates.filter((u) => u.id === r._id)).toHaveLength(before + 1);
  });

  it('binds to the configured repository when the record carries only the app name, and refuses without one', async () => {
    const db = world.system.store.db;
    const local = { _id: 'rel-20261204-000000-aaaaaa', repo: 'notes' };
    expect(await checkEventOrigin(db, local, { repo: 'evil/other', installationId: 1 }, 'octo-org/notes')).toMatchObject({ ok: false });
    expect(await checkEventOrigin(db, local, { repo: 'octo-org/notes', installationId: 1 })).toMatchObject({ ok: false, reason: expect.stringMatching(/GITHUB_REPOSITORY/) });
    expect(await checkEventOrigin(db, local, { repo: 'Octo-Org/Notes', installationId: 1 }, 'octo-org/notes')).toEqual({ ok: true, installationId: 1 });
    expect(await checkEventOrigin(db, local, { repo: 'octo-org/notes' }, 'octo-org/notes')).toMatchObject({ ok: false });
  });
});

describe('one decision per (run, environment) (finding 16)', () => {
  it('the same rule delivered again with new delivery ids, to two replicas at once, posts its evidence once', async () => {
    const r = await world.releaseToApproval('7.2.0');
    await linkRunToRelease(world.system.store.db, { repo: 'octo-org/notes', runId: 6100, release: r._id });
    const payload = protectionRulePayload({ owner: 'octo-org', repo: 'notes', runId: 6100, installationId: 1 });
    const sent = await Promise.all([0, 1, 0, 1].map((i) => deliver(url(i), { event: 'deployment_protection_rule', payload, secret: SECRET })));
    expect(sent.map((s) => s.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(sent.map((s) => s.id)).size).toBe(4);
    expect(fake.rules.get(6100)!.reports).toHaveLength(2);
    expect(notifier.requests.filter((id) => id === r._id)).toHaveLength(1);

    await approveRelease(deps(), r._id, { via: 'slack', id: 'U034DEF' });
    await Promise.all([handlers[0]!.onReleaseDecision(r._id), handlers[1]!.onReleaseDecision(r._id)]);
    await deliver(url(1), { event: 'deployment_protection_rule', payload, secret: SECRET });
    expect(fake.rules.get(6100)!.decision).toMatchObject({ state: 'approved' });
    expect(fake.calls('POST', /\/actions\/runs\/6100\/deployment_protection_rule$/)).toHaveLength(3);
  });
});
