/**
 * Approve / Reject through the real Bolt app over HTTP: the approval request posted by the
 * notifier, then signed block_actions and view_submission payloads as Slack sends them. The
 * engine's rules decide; every refusal is an ephemeral answer that changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import type { ReleaseSystem } from '../../pipeline/release/factory.ts';
import type { ReleaseRecord } from '../../pipeline/release/types.ts';
import { ACTION_APPROVE, ACTION_REJECT, REASON_BLOCK, REASON_INPUT, REJECT_MODAL } from './blocks.ts';
import { buttonClickBody, postSigned, startSlackHarness, viewSubmissionBody, type SlackHarness } from './testing/harness.ts';
import { PEOPLE, awaitingApproval, slackTestSystem, startGithubDispatchFake, type GithubDispatchFake } from './testing/fixtures.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });
const t = useTestDatabase('slackapprove');
let system: ReleaseSystem;
let h: SlackHarness;
let gh: GithubDispatchFake;

beforeAll(async () => {
  system = await slackTestSystem({ client: t.client, dbName: t.dbName, mode: 'github', stateDir: await mkdtemp(join(tmpdir(), 'sg-slack-')) });
  gh = await startGithubDispatchFake({ repos: { 'acme/notes': { defaultBranch: 'trunk' } } });
  h = await startSlackHarness({ system, github: { octokit: new Octokit({ auth: 'ghs_testtoken0000000000000000', baseUrl: gh.url, request: { retries: 0 } }), owner: 'acme', repo: 'notes' } });
});
afterAll(async () => {
  // Nothing any test sent broke GitHub's contract (OpenAPI operation, dispatch ref and inputs).
  expect(gh?.github.violations ?? []).toEqual([]);
  await h?.close();
  await gh?.close();
  await system?.close();
});

const events = () => `${h.server.url}/slack/events`;

interface Posted {
  release: ReleaseRecord;
  channel: string;
  ts: string;
  value: string;
}

/** A release awaiting approval (each test its own: one release per environment is not enforced on records). */
async function requestApproval(opts: { requester?: string; digest?: string; ref?: string } = {}): Promise<Posted> {
  const release = await awaitingApproval(system, opts);
  await h.bot.notifier.approvalRequested(release);
  const msg = [...h.fake.messages.values()].find((m) => JSON.stringify(m.blocks ?? []).includes(release._id) && m.channel === h.fake.channelId('#deploy-approvals'));
  if (!msg) throw new Error('approval request not posted');
  const actions = (msg.blocks ?? []).find((b) => (b as { type: string }).type === 'actions') as { elements: Array<{ action_id: string; value: string }> };
  const value = actions.elements.find((e) => e.action_id === ACTION_APPROVE)!.value;
  // Later tests click on their own release: free production for the next createRelease.
  await system.store.db.collection('locks').deleteMany({});
  return { release, channel: msg.channel, ts: msg.ts, value };
}

let clicks = 0;
async function click(p: Posted, user: string, actionId = ACTION_APPROVE, value = p.value) {
  const token = `click${++clicks}`;
  const updatesBefore = h.fake.callsOf('chat.update').length;
  const res = await postSigned(events(), buttonClickBody({ user, actionId, value, channel: p.channel, ts: p.ts, responseUrl: h.fake.responseUrl(token), triggerId: h.fake.mintTrigger() }));
  expect(res.status).toBe(200);
  await h.fake.waitFor((f) => f.responses.some((r) => r.token === token) || (actionId === ACTION_REJECT && f.callsOf('views.open').length > 0 && f.calls.at(-1)?.method === 'views.open'), 30_000);
  const answer = h.fake.responses.filter((r) => r.token === token).map((r) => String(r.body.text)).join('\n');
  return { answer, updates: h.fake.callsOf('chat.update').slice(updatesBefore) };
}

describe('the approval request', () => {
  it('is posted once per digest in the approvals channel, with version, commit, gate numbers against thresholds, the migration plan and its risks', async () => {
    const p = await requestApproval();
    await h.bot.notifier.approvalRequested(p.release); // a second event for the same digest
    const posted = h.fake.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks ?? '').includes(p.release._id) && c.args.channel === '#deploy-approvals');
    expect(posted).toHaveLength(1);
    const text = JSON.stringify(posted[0]!.args.blocks);
    for (const needle of ['Approval needed: 1.4.0 → production', '`abc1234`', '<@U056GHI>', '*p95Ms*\\n41.2', 'http_req_duration p(95)&lt;300', '0002-merge-legacy-memos', '⚠ *irreversible (1):* `0002-merge-legacy-memos`', '"Approve"', '"Reject"']) {
      expect(text).toContain(needle);
    }
  });
});

describe('Approve', () => {
  it('by an approver: recorded through the engine, the message shows who decided and when, promote.yml is dispatched on the default branch (the release named a commit)', async () => {
    const p = await requestApproval({ ref: 'abc1234def5678900000000000000000000000000'.slice(0, 40) });
    const { answer, updates } = await click(p, PEOPLE.ana);
    expect(answer).toContain(`your approval of \`${p.release._id}\` is recorded: approved by ana`);
    const r = await system.store.get(p.release._id);
    expect(r.approvals.map((a) => [a.person, a.digest])).toEqual([['ana', p.release.digest]]);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args).toMatchObject({ channel: p.channel, ts: p.ts });
    const blocks = JSON.stringify(updates[0]!.args.blocks);
    expect(blocks).toContain('*Approved* by ana (<@U012ABC>) at ');
    expect(blocks).not.toContain('"Approve"');
    await h.fake.waitFor(() => gh.dispatches().some((d) => d.inputs.release === p.release._id));
    expect(gh.dispatches().find((d) => d.inputs.release === p.release._id)).toEqual({ workflow: 'promote.yml', ref: 'trunk', inputs: { release: p.release._id } });
  });

  it('a second click (double click) is answered "already approved" and records nothing more', async () => {
    const p = await requestApproval();
    await click(p, PEOPLE.raj);
    const second = await click(p, PEOPLE.raj);
    expect(second.answer).toMatch(/SHIPGATE_ALREADY_APPROVED/);
    expect(second.updates).toEqual([]);
    expect((await system.store.get(p.release._id)).approvals).toHaveLength(1);
  });

  it('self-approval is refused: the requester, even an approver, cannot approve', async () => {
    const p = await requestApproval({ requester: PEOPLE.ana });
    const { answer, updates } = await click(p, PEOPLE.ana);
    expect(answer).toMatch(/SHIPGATE_SELF_APPROVAL.*ana requested release .* and cannot approve it/);
    expect(updates).toEqual([]);
    expect((await system.store.get(p.release._id)).approvals).toEqual([]);
  });

  it('a non-approver and an unknown Slack user are refused', async () => {
    const p = await requestApproval();
    const eve = await click(p, PEOPLE.eve);
    expect(eve.answer).toMatch(/SHIPGATE_NOT_AN_APPROVER/);
    const stranger = await click(p, 'U0STRANGER');
    expect(stranger.answer).toMatch(/SHIPGATE_NOT_A_PERSON/);
    expect([...eve.updates, ...stranger.updates]).toEqual([]);
    expect((await system.store.get(p.release._id)).approvals).toEqual([]);
  });

  it('a click on an outdated message (the digest changed) is refused as outdated', async () => {
    const p = await requestApproval();
    await system.store.updateLatest(p.release._id, (r) => void (r.digest = 'f'.repeat(64)));
    const { answer, updates } = await click(p, PEOPLE.ana);
    expect(answer).toMatch(/SHIPGATE_SLACK_OUTDATED.*the release changed after it was posted/);
    expect(updates).toEqual([]);
    expect((await system.store.get(p.release._id)).approvals).toEqual([]);
  });

  it('a click after the release moved on is refused with the release state', async () => {
    const p = await requestApproval();
    await system.store.updateLatest(p.release._id, (r) => void (r.status = 'failed'));
    const { answer } = await click(p, PEOPLE.ana);
    expect(answer).toMatch(/SHIPGATE_RELEASE_STATE.*failed/);
    expect((await system.store.get(p.release._id)).approvals).toEqual([]);
  });
});

describe('a click is bound to the message it came from', () => {
  it('a button value edited to name another release with the same digest is refused; nothing is recorded, no message is edited', async () => {
    const digest = `same${Date.now()}`.padEnd(64, '0');
    const a = await requestApproval({ digest });
    const b = await requestApproval({ digest });
    const forged = JSON.stringify({ releaseId: b.release._id, digest });
    const { answer, updates } = await click(a, PEOPLE.ana, ACTION_APPROVE, forged);
    expect(answer).toMatch(/SHIPGATE_SLACK_NOT_THIS_MESSAGE.*release `?rel-/);
    expect(updates).toEqual([]);
    expect((await system.store.get(a.release._id)).approvals).toEqual([]);
    expect((await system.store.get(b.release._id)).approvals).toEqual([]);
    // …and the same click on b's own message is accepted
    const own = await click(b, PEOPLE.ana);
    expect(own.answer).toContain('is recorded');
    expect(own.updates.map((u) => u.args.ts)).toEqual([b.ts]);
  });

  it('Reject with a value naming another release opens no modal', async () => {
    const digest = `rej${Date.now()}`.padEnd(64, '0');
    const a = await requestApproval({ digest });
    const b = await requestApproval({ digest });
    const opens = h.fake.callsOf('views.open').length;
    const { answer } = await click(a, PEOPLE.raj, ACTION_REJECT, JSON.stringify({ releaseId: b.release._id, digest }));
    expect(answer).toMatch(/SHIPGATE_SLACK_NOT_THIS_MESSAGE/);
    expect(h.fake.callsOf('views.open').length).toBe(opens);
  });
});

describe('after an approval is recorded', () => {
  it('chat.update answering message_not_found: the clicker is told it is recorded, the live message and promote.yml still follow', async () => {
    const p = await requestApproval();
    h.fake.failNext('chat.update', 'message_not_found');
    const { answer } = await click(p, PEOPLE.ana);
    expect(answer).toContain(`your approval of \`${p.release._id}\` is recorded: approved by ana`);
    expect(answer).toContain('could not be updated');
    expect(answer).not.toMatch(/SHIPGATE_INTERNAL/);
    expect((await system.store.get(p.release._id)).approvals.map((a) => a.person)).toEqual(['ana']);
    await h.fake.waitFor(() => gh.dispatches().some((d) => d.inputs.release === p.release._id));
    await h.fake.waitFor((f) => f.callsOf('chat.postMessage').some((c) => c.args.channel === '#deploys' && String(c.args.text).startsWith(`release ${p.release._id}`)));
  });
});

describe('malformed button values', () => {
  const bad: Array<[string, string, RegExp]> = [
    ['not JSON', 'approve please', /is not JSON/],
    ['JSON of the wrong shape', '{"releaseId":5,"digest":[]}', /has no valid releaseId/],
    ['null', 'null', /has no valid content/],
    ['over 2000 characters', JSON.stringify({ releaseId: 'r'.repeat(2100), digest: 'd' }), /is 2\d{3} characters long; at most 2000 are accepted/],
  ];
  it.each(bad)('%s: a one-line user error (SHIPGATE_SLACK_BAD_BUTTON), nothing recorded', async (_name, value, problem) => {
    const p = await requestApproval();
    for (const action of [ACTION_APPROVE, ACTION_REJECT]) {
      const { answer, updates } = await click(p, PEOPLE.ana, action, value);
      expect(answer).toMatch(/^:x: \*SHIPGATE_SLACK_BAD_BUTTON\*: this button cannot be used: /);
      expect(answer.split('\n')[0]).toMatch(problem);
      expect(answer).not.toMatch(/SHIPGATE_INTERNAL|"code"|invalid_type|\[\s*\{/);
      expect(updates).toEqual([]);
    }
    expect((await system.store.get(p.release._id)).approvals).toEqual([]);
  });
});

describe('Reject', () => {
  it('opens a modal asking for the reason; the submission rejects through the engine and updates the request', async () => {
    const p = await requestApproval();
    const opens = h.fake.callsOf('views.open').length;
    await click(p, PEOPLE.raj, ACTION_REJECT);
    const open = h.fake.callsOf('views.open')[opens];
    expect(open).toBeDefined();
    const view = open!.args.view as { callback_id: string; private_metadata: string; blocks: Array<{ block_id?: string }> };
    expect(view.callback_id).toBe(REJECT_MODAL);
    expect(view.blocks.some((b) => b.block_id === REASON_BLOCK)).toBe(true);

    const updates = h.fake.callsOf('chat.update').length;
    const res = await postSigned(events(), viewSubmissionBody({ user: PEOPLE.raj, callbackId: REJECT_MODAL, privateMetadata: view.private_metadata, values: { [REASON_BLOCK]: { [REASON_INPUT]: { type: 'plain_text_input', value: 'load p99 regressed on staging' } } } }));
    expect(res.status).toBe(200);
    await h.fake.waitFor((f) => f.callsOf('chat.postEphemeral').some((c) => String(c.args.text).includes('you rejected')));
    const r = await system.store.get(p.release._id);
    expect(r.status).toBe('rejected');
    expect(r.rejection).toMatchObject({ person: 'raj', reason: 'load p99 regressed on staging' });
    const update = h.fake.callsOf('chat.update').slice(updates).find((c) => c.args.ts === p.ts);
    expect(JSON.stringify(update?.args.blocks)).toContain('*Rejected* by raj (<@U034DEF>) at ');
    // the live message and the channel notice say so too
    await h.fake.waitFor((f) => f.callsOf('chat.postMessage').some((c) => String(c.args.text).includes(`release of 1.4.0 to production rejected: rejected by raj: load p99 regressed on staging`)));
  });

  it('a reason over 500 characters is refused in the modal, naming the limit; nothing is recorded', async () => {
    const p = await requestApproval();
    const meta = JSON.stringify({ releaseId: p.release._id, digest: p.release.digest, channel: p.channel, ts: p.ts, version: '1.4.0' });
    const res = await postSigned(events(), viewSubmissionBody({ user: PEOPLE.raj, callbackId: REJECT_MODAL, privateMetadata: meta, values: { [REASON_BLOCK]: { [REASON_INPUT]: { type: 'plain_text_input', value: 'x'.repeat(501) } } } }));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ response_action: 'errors', errors: { [REASON_BLOCK]: 'the reason is 501 characters long; at most 500 are accepted' } });
    const r = await system.store.get(p.release._id);
    expect(r.status).toBe('awaiting_approval');
    expect(r.rejection).toBeUndefined();
  });

  it('a non-approver submitting the modal is refused in an ephemeral message; nothing is recorded', async () => {
    const p = await requestApproval();
    const meta = JSON.stringify({ releaseId: p.release._id, digest: p.release.digest, channel: p.channel, ts: p.ts, version: '1.4.0' });
    const before = h.fake.callsOf('chat.postEphemeral').length;
    await postSigned(events(), viewSubmissionBody({ user: PEOPLE.eve, callbackId: REJECT_MODAL, privateMetadata: meta, values: { [REASON_BLOCK]: { [REASON_INPUT]: { type: 'plain_text_input', value: 'nope nope' } } } }));
    await h.fake.waitFor((f) => f.callsOf('chat.postEphemeral').length > before);
    expect(String(h.fake.callsOf('chat.postEphemeral').at(-1)!.args.text)).toMatch(/SHIPGATE_NOT_AN_APPROVER/);
    expect((await system.store.get(p.release._id)).status).toBe('awaiting_approval');
  });
});
