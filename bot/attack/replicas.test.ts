/**
 * Two bot replicas on one store (finding 3b, second half): two real bots — each its own Bolt app,
 * Probot app, release system and server — with the same secrets and the same store, as a team
 * runs them for uptime. The same signed Slack command, the same signed Approve click and the same
 * GitHub delivery are sent to both at once: each has exactly one effect (one audit entry, one
 * recorded approval, one set of status reports).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { readEnvironmentLock } from '../../pipeline/release/locks.ts';
import type { ReleaseRecord } from '../../pipeline/release/types.ts';
import { ACTION_APPROVE } from '../slack/blocks.ts';
import { PEOPLE, awaitingApproval } from '../slack/testing/fixtures.ts';
import { buttonClickBody, slashCommandBody } from '../slack/testing/harness.ts';
import { linkRunToRelease } from '../github/ledger.ts';
import { deliver, protectionRulePayload } from '../github/testing/webhooks.ts';
import { shoot, type RawRequest } from './http.ts';
import { REPO, WEBHOOK_SECRET, signedSlack, startAttackWorld, type AttackWorld } from './world.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });
const t = useTestDatabase('replicas');
let w: AttackWorld;
beforeAll(async () => {
  w = await startAttackWorld({ client: t.client, dbName: t.dbName, replicas: 2 });
});
afterAll(async () => {
  const uncaught = [...(w?.uncaught ?? [])];
  await w?.close();
  expect(uncaught).toEqual([]);
});

const signed = (path: string, body: string): RawRequest => signedSlack(body, { path });
/** The same request to both replicas at the same time. */
const toBoth = (r: RawRequest) => Promise.all(w.bots.map((b) => shoot(b.url, { ...r, deadlineMs: 10_000 })));
const db = () => w.bots[0]!.system.store.db;
const audits = (type: string, extra: Record<string, unknown> = {}) => db().collection('audit').countDocuments({ type, ...extra });

describe('two replicas, one store', () => {
  it('the same signed /deploy unlock sent to both runs once: one audit entry; the other replica answers the replay with an empty 200', async () => {
    const [lock] = await Promise.all([shoot(w.bots[0]!.url, signed('/slack/commands', slashCommandBody({ text: 'lock staging replicas', user: PEOPLE.ana, responseUrl: w.slackFake.responseUrl('rep-lock') })))]);
    expect(lock!.status).toBe(200);
    await w.slackFake.waitFor((f) => f.responses.some((r) => r.token === 'rep-lock'), 20_000);
    expect(await readEnvironmentLock(db(), 'staging')).not.toBeNull();
    const released = await audits('lock.released');
    const shots = await toBoth(signed('/slack/commands', slashCommandBody({ text: 'unlock staging', user: PEOPLE.ana, responseUrl: w.slackFake.responseUrl('rep-unlock') })));
    expect(shots.map((s) => s.status)).toEqual([200, 200]);
    expect(shots.filter((s) => s.headers['x-shipgate-replay'] === '1')).toHaveLength(1);
    await w.slackFake.waitFor((f) => f.responses.some((r) => r.token === 'rep-unlock'), 20_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(await audits('lock.released')).toBe(released + 1);
    expect(w.slackFake.responses.filter((r) => r.token === 'rep-unlock')).toHaveLength(1);
  });

  it('the same GitHub protection-rule delivery and the same signed Approve click sent to both: one set of status reports, one approval', async () => {
    const release: ReleaseRecord = await awaitingApproval(w.bots[0]!.system, { requester: PEOPLE.sam });
    const runId = 7001;
    await linkRunToRelease(db(), { repo: REPO, runId, release: release._id });
    const [owner, repo] = REPO.split('/') as [string, string];
    const payload = protectionRulePayload({ owner, repo, runId });
    const id = 'delivery-to-both-replicas';
    const delivered = await Promise.all(w.bots.map((b) => deliver(`${b.url}/api/github/webhooks`, { event: 'deployment_protection_rule', payload, secret: WEBHOOK_SECRET, id })));
    for (const d of delivered) expect(d.status).toBeLessThan(300);
    const rule = () => w.githubFake.rules.get(runId);
    const end = Date.now() + 20_000;
    while ((rule()?.reports.length ?? 0) === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    const reports = rule()?.reports ?? [];
    expect(reports.length).toBeGreaterThan(0);
    expect(new Set(reports).size).toBe(reports.length); // each report once, not once per replica

    // The approval request, as the notifier posts it; the click on it goes to both replicas.
    await w.bots[0]!.slack.notifier.approvalRequested(await w.bots[0]!.system.store.get(release._id));
    const msg = [...w.slackFake.messages.values()].find((m) => JSON.stringify(m.blocks ?? []).includes(release._id) && m.channel === w.slackFake.channelId('#deploy-approvals'));
    expect(msg).toBeDefined();
    const actions = (msg!.blocks ?? []).find((b) => (b as { type: string }).type === 'actions') as { elements: Array<{ action_id: string; value: string }> };
    const value = actions.elements.find((e) => e.action_id === ACTION_APPROVE)!.value;
    const click = buttonClickBody({ user: PEOPLE.ana, actionId: ACTION_APPROVE, value, channel: msg!.channel, ts: msg!.ts, responseUrl: w.slackFake.responseUrl('rep-approve'), triggerId: w.slackFake.mintTrigger() });
    const shots = await toBoth(signed('/slack/actions', click));
    expect(shots.map((s) => s.status)).toEqual([200, 200]);
    expect(shots.filter((s) => s.headers['x-shipgate-replay'] === '1')).toHaveLength(1);
    await w.slackFake.waitFor((f) => f.responses.some((r) => r.token === 'rep-approve'), 20_000);
    await new Promise((r) => setTimeout(r, 500));
    const after = await w.bots[0]!.system.store.get(release._id);
    expect(after.approvals).toHaveLength(1);
    expect(await audits('release.approved', { release: release._id })).toBe(1);
    expect(w.slackFake.responses.filter((r) => r.token === 'rep-approve')).toHaveLength(1);
    // (The decision sent to GitHub after the approval re-plans production, which this world does
    // not run; bot/github/app.test.ts covers it with one bot.)
  });
});
