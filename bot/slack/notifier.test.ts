/**
 * The live-message notifier against the Slack fake: one message per release even when two bot
 * processes see the same event at once (unique-insert claim), coalesced chat.update calls with the
 * final state always sent, gate reports once per stage as thread replies, one notice at the end.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { webApi } from '@slack/bolt';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { startSlackFake, type SlackFake } from '../../pipeline/testing/fakes/slack.ts';
import type { ReleaseRecord } from '../../pipeline/release/types.ts';
import { SlackNotifier } from './notifier.ts';
import { gate } from './testing/fixtures.ts';

vi.setConfig({ testTimeout: 60_000 });
const t = useTestDatabase('slacknotify');
const TOKEN = 'xoxb-notifier-test-token-000';
let fake: SlackFake;
beforeAll(async () => {
  fake = await startSlackFake({ token: TOKEN, outsideChannels: ['#secret-ops'] });
});
afterAll(async () => fake?.close());

const policy = { people: [], approvers: ['ana'], minApprovals: 1, expiresAfterMs: 3600_000 };
function notifier(minIntervalMs = 1000) {
  return new SlackNotifier({ client: new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl }), db: t.db, channel: '#deploys', approvalsChannel: '#approvals', policy, minIntervalMs });
}

function rec(id: string, rev: number, over: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return {
    _id: id, repo: 'notes', sha: 'abc1234000', ref: 'main', version: '2.0.0', path: ['staging'], target: 'staging', requester: { identity: { via: 'slack', id: 'U012ABC' } },
    status: 'running', stages: [{ key: 'staging/deploy', env: 'staging', name: 'deploy', status: rev > 1 ? 'running' : 'pending', ...(rev > 1 ? { startedAt: '2026-11-30T10:00:00.000Z' } : {}) }],
    approvals: [], deployments: {}, rev, createdAt: '2026-11-30T10:00:00.000Z', updatedAt: '2026-11-30T10:00:00.000Z', ...over,
  };
}

describe('SlackNotifier', () => {
  it('two notifiers (two bot processes) updating one release at once post one live message', async () => {
    const a = notifier(0);
    const b = notifier(0);
    await Promise.all([a.releaseUpdated(rec('rel-race', 1)), b.releaseUpdated(rec('rel-race', 1)), a.releaseUpdated(rec('rel-race', 2)), b.releaseUpdated(rec('rel-race', 2))]);
    await Promise.all([a.flush(), b.flush()]);
    const posts = fake.callsOf('chat.postMessage').filter((c) => String(c.args.text).startsWith('release rel-race'));
    expect(posts).toHaveLength(1);
  });

  it('coalesces a burst of updates and always sends the final state; gate reports go once into the thread; one notice', async () => {
    const n = notifier(1000);
    const before = fake.calls.length;
    const burst: Promise<void>[] = [];
    for (let rev = 1; rev < 30; rev++) burst.push(n.releaseUpdated(rec('rel-burst', rev)));
    const finished = rec('rel-burst', 30, {
      status: 'succeeded',
      stages: [{ key: 'staging/deploy', env: 'staging', name: 'deploy', status: 'passed', startedAt: '2026-11-30T10:00:00.000Z', finishedAt: '2026-11-30T10:00:05.000Z', result: gate('deploy', 'passed', 'deployed', {}, 'deployed to http://127.0.0.1:4100') }],
    });
    await n.releaseUpdated(finished); // resolves once the final state was sent
    await n.releaseUpdated(finished); // a redelivery changes nothing more than an update
    await Promise.all(burst);
    const calls = fake.calls.slice(before);
    const live = calls.filter((c) => c.method === 'chat.postMessage' && String(c.args.text).startsWith('release rel-burst'));
    const updates = calls.filter((c) => c.method === 'chat.update');
    expect(live).toHaveLength(1);
    expect(updates.length).toBeLessThanOrEqual(3);
    expect(JSON.stringify(updates.at(-1)?.args.blocks)).toContain('*succeeded*');
    const threads = calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts);
    expect(threads).toHaveLength(1);
    expect(JSON.stringify(threads[0]!.args.blocks)).toContain('deployed to http://127.0.0.1:4100');
    expect(calls.filter((c) => c.method === 'chat.postMessage' && String(c.args.text).includes('is live on staging'))).toHaveLength(1);
  });

  it('a failed post gives the claim back, so the next update posts the live message', async () => {
    const n = notifier(0);
    fake.failNext('chat.postMessage', 'channel_not_found');
    await n.releaseUpdated(rec('rel-retry', 1));
    await n.flush();
    await n.releaseUpdated(rec('rel-retry', 2));
    await n.flush();
    const posts = fake.callsOf('chat.postMessage').filter((c) => String(c.args.text).startsWith('release rel-retry'));
    expect(posts).toHaveLength(2); // the failed one, then the one that worked
    expect(await n.store.find('live:rel-retry')).toMatchObject({ ts: expect.any(String) });
  });

  it('a channel the app cannot post in: the error names the channel, the setting and the fix; a 429 is waited out', async () => {
    const n = new SlackNotifier({ client: new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } }), db: t.db, channel: '#deploys', approvalsChannel: '#approvals', policy, minIntervalMs: 0 });
    const awaiting = rec('rel-nochannel', 1, { status: 'awaiting_approval', digest: 'd'.repeat(64), target: 'production', path: ['staging', 'production'] });
    await expect(n.approvalRequested(awaiting)).rejects.toThrow(/channel_not_found for #approvals \(slack\.approvalsChannel/);
    const logs: string[] = [];
    const live = new SlackNotifier({ client: new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } }), db: t.db, channel: '#secret-ops', approvalsChannel: '#deploy-approvals', policy, minIntervalMs: 0, log: (l) => logs.push(l) });
    await live.releaseUpdated(rec('rel-outside', 1));
    await live.flush();
    expect(logs.join('\n')).toMatch(/not_in_channel for #secret-ops \(slack\.channel\).*\/invite @Shipgate/);
    // The approvals channel that exists: posted after Slack's 429 (the default client waits Retry-After).
    fake.rateLimitNext('chat.postMessage', { count: 1, retryAfterS: 1 });
    const patient = new SlackNotifier({ client: new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl }), db: t.db, channel: '#deploys', approvalsChannel: '#deploy-approvals', policy, minIntervalMs: 0 });
    await patient.approvalRequested(awaiting);
    expect(await patient.store.find(`approval:rel-nochannel:${'d'.repeat(64)}`)).toMatchObject({ ts: expect.any(String) });
  });
});
