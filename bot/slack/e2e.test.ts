/**
 * A whole local-mode release driven from Slack: `/deploy production` over signed HTTP, the engine
 * running in the bot's process on real parts (sample app, FerretDB, local router, real gates),
 * the live message edited stage by stage, the approval request, an Approve click, production.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { createReleaseWorld, type World } from '../../pipeline/release/testing/world.ts';
import { buildReleaseSystem, type ReleaseSystem } from '../../pipeline/release/factory.ts';
import { repoRoot } from '../../pipeline/mongo/embedded.ts';
import { seedSampleData } from '../../app/seed.ts';
import type { ShipgateConfig } from '../../pipeline/config/schema.ts';
import { ACTION_APPROVE } from './blocks.ts';
import { BOT_TOKEN, buttonClickBody, postSigned, slashCommandBody, startSlackHarness, type SlackHarness } from './testing/harness.ts';
import { startSlackFake } from '../../pipeline/testing/fakes/slack.ts';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });
const t = useTestDatabase('slacke2e');
let world: World | undefined;
let system: ReleaseSystem | undefined;
let h: SlackHarness | undefined;
afterAll(async () => {
  await h?.close();
  await system?.close();
  await world?.close();
});

const SHA = 'e2e5c4a000000000000000000000000000000000';

/** One world for the file: the sample app, FerretDB, the local router; a release system in local Slack mode. */
async function localSystem(): Promise<ReleaseSystem> {
  if (system) return system;
  world = await createReleaseWorld({ client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p) });
  for (const env of ['staging', 'production']) await seedSampleData((await world.system.runtimes[env]!.migrationTarget()).db);
  const config = { ...world.system.config, slack: { channel: '#deploys', approvalsChannel: '#deploy-approvals', mode: 'local' } } as ShipgateConfig;
  system = await buildReleaseSystem({ config, env: world.env, repoRoot, localStateDir: world.stateDir, storeClient: t.client, storeDbName: world.storeDbName, actor: 'slack-e2e' });
  return system;
}

describe('a local release from Slack', () => {
  it('/deploy production: one live message updated through every stage, approval request, Approve, live on production', async () => {
    const system = await localSystem();
    h = await startSlackHarness({ system, resolveRef: async () => SHA });
    const { fake } = h;
    const events = `${h.server.url}/slack/events`;

    // sam (U056GHI) asks for production; the ack comes back at once, the release runs after it.
    const res = await postSigned(events, slashCommandBody({ text: 'production', user: 'U056GHI', responseUrl: fake.responseUrl('start') }));
    expect(res.status).toBe(200);
    await fake.waitFor((f) => f.responses.some((r) => r.token === 'start'), 30_000);
    expect(String(fake.responses.find((r) => r.token === 'start')!.body.text)).toMatch(/release `rel-.*` of `main` \(`e2e5c4a`\) to production started/);

    const approvals = fake.channelId('#deploy-approvals');
    await fake.waitFor((f) => [...f.messages.values()].some((m) => m.channel === approvals), 180_000);
    const request = [...fake.messages.values()].find((m) => m.channel === approvals)!;
    const actions = request.blocks!.find((b) => (b as { type: string }).type === 'actions') as { elements: Array<{ action_id: string; value: string }> };
    const value = actions.elements.find((e) => e.action_id === ACTION_APPROVE)!.value;
    const releaseId = (JSON.parse(value) as { releaseId: string }).releaseId;
    expect((await system.store.get(releaseId)).status).toBe('awaiting_approval');

    // ana approves from the message.
    const click = await postSigned(events, buttonClickBody({ user: 'U012ABC', actionId: ACTION_APPROVE, value, channel: request.channel, ts: request.ts, responseUrl: fake.responseUrl('approve'), triggerId: fake.mintTrigger() }));
    expect(click.status).toBe(200);
    await fake.waitFor((f) => f.callsOf('chat.postMessage').some((c) => String(c.args.text).includes('is live on production')), 240_000);

    const final = await system.store.get(releaseId);
    expect(final.status, final.reason).toBe('succeeded');

    // Exactly one live message in #deploys for the release (plus thread replies and the final notice).
    const deploys = fake.channelId('#deploys');
    const tops = [...fake.messages.values()].filter((m) => m.channel === deploys && !m.thread_ts && (m.text ?? '').startsWith(`release ${releaseId}`));
    expect(tops).toHaveLength(1);
    const live = tops[0]!;
    const versions = live.history.map((v) => JSON.stringify(v.blocks));
    expect(versions.length).toBeGreaterThanOrEqual(4);
    expect(versions[0]).toContain('· staging/deploy');
    expect(versions.some((v) => v.includes('⏳ staging/'))).toBe(true);
    expect(versions.some((v) => v.includes('waiting for approval'))).toBe(true);
    const last = versions.at(-1)!;
    expect(last).toContain('*succeeded*');
    for (const s of final.stages) expect(last).toMatch(new RegExp(`[✓–] ${s.key.replace('/', '\\/')}`));
    expect(last).toContain('asked by <@U056GHI>');
    // Every chat.update of the release went to its one live message (coalescing is tested in notifier.test.ts).
    const updates = fake.callsOf('chat.update').filter((c) => c.args.ts === live.ts);
    expect(updates.length).toBe(live.history.length - 1);
    // Gate reports as thread replies under the live message.
    const replies = [...fake.messages.values()].filter((m) => m.thread_ts === live.ts);
    expect(replies.some((m) => (m.text ?? '').includes('staging/smoke'))).toBe(true);
    // The approval request shows who decided.
    expect(JSON.stringify(fake.messages.get(`${request.channel}/${request.ts}`)!.blocks)).toContain('*Approved* by ana (<@U012ABC>)');
    await h.close();
    h = undefined;
  });

  it('a release awaiting approval survives a bot restart: the new bot picks it up and an Approve click continues it', async () => {
    const system = await localSystem();
    const fake = await startSlackFake({ token: BOT_TOKEN });
    const sha = 'e2e7e57a00000000000000000000000000000000';
    try {
      const first = await startSlackHarness({ system, resolveRef: async () => sha, fake });
      h = first;
      const events = () => `${h!.server.url}/slack/events`;
      await postSigned(events(), slashCommandBody({ text: 'production', user: 'U056GHI', responseUrl: fake.responseUrl('restart-start') }));
      const approvals = fake.channelId('#deploy-approvals');
      await fake.waitFor((f) => [...f.messages.values()].some((m) => m.channel === approvals), 180_000);
      const request = [...fake.messages.values()].find((m) => m.channel === approvals)!;
      const actions = request.blocks!.find((b) => (b as { type: string }).type === 'actions') as { elements: Array<{ action_id: string; value: string }> };
      const value = actions.elements.find((e) => e.action_id === ACTION_APPROVE)!.value;
      const releaseId = (JSON.parse(value) as { releaseId: string }).releaseId;

      // The bot stops (its release loop with it) while the release waits for approval…
      await first.close();
      h = undefined;
      expect((await system.store.get(releaseId)).status).toBe('awaiting_approval');

      // …and a new bot process on the same store and Slack workspace starts.
      h = await startSlackHarness({ system, resolveRef: async () => sha, fake });
      expect(await h.bot.resumed).toContain(releaseId);
      const click = await postSigned(events(), buttonClickBody({ user: 'U012ABC', actionId: ACTION_APPROVE, value, channel: request.channel, ts: request.ts, responseUrl: fake.responseUrl('restart-approve'), triggerId: fake.mintTrigger() }));
      expect(click.status).toBe(200);
      await fake.waitFor((f) => f.responses.some((r) => r.token === 'restart-approve'), 30_000);
      expect(String(fake.responses.find((r) => r.token === 'restart-approve')!.body.text)).toContain('is recorded');
      await fake.waitFor((f) => f.callsOf('chat.postMessage').some((c) => String(c.args.text).includes(`${sha.slice(0, 7)} is live on production`)), 120_000);
      const final = await system.store.get(releaseId);
      expect(final.status, final.reason).toBe('succeeded');
      // still one live message for the release, edited by both bots
      const tops = [...fake.messages.values()].filter((m) => !m.thread_ts && (m.text ?? '').startsWith(`release ${releaseId}`));
      expect(tops).toHaveLength(1);
    } finally {
      await h?.close();
      h = undefined;
      await fake.close();
    }
  });
});
