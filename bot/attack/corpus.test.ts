/**
 * The attack suite's generated corpus (fast-check): methods, paths, headers and bodies, unsigned
 * and signed, and arbitrary button values on real Approve/Reject clicks — against the real bot
 * (world.ts). After every request: still serving, no server error, answered within 5 s (a liveness
 * bound), no secret in the answer, and nothing written or sent that should not have been. Run
 * counts are modest so the suite stays fast on two cores; a failure prints fast-check's seed.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { SLACK_CLAIMS_COLLECTION } from '../http/replay.ts';
import { parseSlackBody } from '../http/slack-edge.ts';
import { slackShapeProblem } from '../http/slack-shape.ts';
import { ACTION_APPROVE, ACTION_REJECT } from '../slack/blocks.ts';
import { PEOPLE, awaitingApproval } from '../slack/testing/fixtures.ts';
import { buttonClickBody, SIGNING_SECRET } from '../slack/testing/harness.ts';
import { sign } from '../github/testing/webhooks.ts';
import { shoot, type RawRequest, type Shot } from './http.ts';
import { SECRETS, WEBHOOK_SECRET, secretsIn, signedSlack, startAttackWorld, type AttackWorld } from './world.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });
const t = useTestDatabase('corpus');
let w: AttackWorld;
const url = () => w.bots[0]!.url;
beforeAll(async () => {
  w = await startAttackWorld({ client: t.client, dbName: t.dbName });
});
afterAll(async () => {
  await w?.close();
});

const FORM = 'application/x-www-form-urlencoded';
const now = () => Math.floor(Date.now() / 1000);
const printable = (max: number) => fc.string({ unit: 'binary-ascii', maxLength: max }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));

interface Baseline { store: Record<string, number>; slack: Record<string, number>; slackResponses: number; github: number }
async function baseline(except: string[] = []): Promise<Baseline> {
  const slack: Record<string, number> = {};
  for (const c of w.slackFake.calls) slack[c.method] = (slack[c.method] ?? 0) + 1;
  return { store: await w.storeCounts(except), slack, slackResponses: w.slackFake.responses.length, github: w.githubFake.requests.length };
}

function checkAnswer(shot: Shot, label: string): void {
  expect(shot.timedOut, `${label}: answered within 5 s`).toBeFalsy();
  expect(shot.error, `${label}: connection error`).toBeUndefined();
  expect(shot.status, `${label}: status`).toBeGreaterThanOrEqual(200);
  expect(shot.status, `${label}: no server error`).toBeLessThan(500);
  for (const [name, value] of Object.entries(SECRETS)) expect(shot.text.includes(value), `${label}: ${name} in the answer`).toBe(false);
}

async function checkStillServing(label: string): Promise<void> {
  expect((await fetch(`${url()}/healthz`, { signal: AbortSignal.timeout(5_000) })).status, `${label}: /healthz`).toBe(200);
  expect(w.uncaught, `${label}: an error nothing caught (it would kill the process)`).toEqual([]);
}

function checkLogs(): void {
  expect(secretsIn(w.logs.join('\n')), 'secrets in a log line').toEqual([]);
}

const label = (r: RawRequest) => `${r.method ?? 'POST'} ${r.path} ${JSON.stringify(r.headers ?? {}).slice(0, 300)} body ${r.body?.length ?? 0} bytes`;

const methods = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD');
const paths = fc.oneof(
  fc.constantFrom('/slack/events', '/slack/commands', '/slack/actions', '/api/github/webhooks', '/healthz', '/', '/slack/', '/api/github/webhooks/', '/slack/events?x=1', '/slack//events', '/SLACK/EVENTS'),
  fc.stringMatching(/^\/[A-Za-z0-9._~%/?=&-]{0,80}$/),
);
const jsonText = fc.json({ maxDepth: 3 });
const bodies = fc.oneof(
  fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b)),
  jsonText,
  jsonText.map((j) => `payload=${encodeURIComponent(j)}`),
  fc.dictionary(printable(20), printable(60), { maxKeys: 6 }).map((d) => new URLSearchParams(d).toString()),
  fc.constantFrom('payload=null', 'null', 'ssl_check=1', 'ssl_check=1&command=%2Fdeploy&text=unlock+production', '{"type":"url_verification","challenge":"x"}'),
);
const headerSets = fc.record(
  {
    'content-type': fc.oneof(fc.constantFrom(FORM, 'application/json', 'text/plain', `${FORM}; charset=utf-8`, 'multipart/form-data'), printable(40)),
    'x-slack-request-timestamp': fc.oneof(fc.integer({ min: -400, max: 400 }).map((d) => String(now() + d)), printable(20)),
    'x-slack-signature': fc.oneof(fc.stringMatching(/^v0=[0-9a-f]{64}$/), printable(80)),
    'x-github-event': fc.oneof(fc.constantFrom('deployment_protection_rule', 'workflow_run', 'pull_request', 'ping', 'push'), printable(30)),
    'x-github-delivery': fc.oneof(fc.uuid(), printable(40)),
    'x-hub-signature-256': fc.oneof(fc.stringMatching(/^sha256=[0-9a-f]{64}$/), printable(80)),
    'x-slack-retry-num': printable(5),
  },
  { requiredKeys: [] },
);

describe('generated hostile requests', () => {
  it('unsigned (or wrongly signed) requests on any path, with any method, headers and body: refused, no effect', async () => {
    await fc.assert(
      fc.asyncProperty(methods, paths, headerSets, bodies, async (method, path, headers, body) => {
        const r: RawRequest = { method, path, headers: headers as Record<string, string>, body };
        const before = await baseline();
        const shot = await shoot(url(), r);
        checkAnswer(shot, label(r));
        await checkStillServing(label(r));
        expect(await w.storeCounts(), `${label(r)}: store unchanged`).toEqual(before.store);
        expect(w.slackFake.calls.length + w.slackFake.responses.length + w.githubFake.requests.length, `${label(r)}: nothing sent`).toBe(Object.values(before.slack).reduce((a, b) => a + b, 0) + before.slackResponses + before.github);
      }),
      { numRuns: 150 },
    );
    checkLogs();
  });

  it('correctly signed Slack bodies that are not a JSON object of a shape the bot serves: 400, nothing claimed, no effect', async () => {
    const contentTypes = fc.constantFrom(FORM, 'application/json', 'text/plain');
    const notObjects = fc.oneof(bodies.map((b) => (typeof b === 'string' ? Buffer.from(b) : b)), jsonText.map((j) => Buffer.from(j)));
    await fc.assert(
      fc.asyncProperty(contentTypes, notObjects.filter((b) => b.length > 0), fc.constantFrom('/slack/events', '/slack/commands', '/slack/actions'), async (contentType, raw, path) => {
        const parsed = parseSlackBody(contentType, raw);
        fc.pre((!parsed.ok || slackShapeProblem(parsed.body, parsed.fromForm) !== undefined) && !(contentType === FORM && new URLSearchParams(raw.toString()).get('ssl_check') === '1'));
        const ts = now();
        // Signed over the raw bytes exactly as Slack signs: "v0:<ts>:" followed by the body.
        const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:`).update(raw).digest('hex')}`;
        const r: RawRequest = { path, headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature }, body: raw };
        const before = await baseline();
        const shot = await shoot(url(), r);
        checkAnswer(shot, label(r));
        expect(shot.status, label(r)).toBe(400);
        await checkStillServing(label(r));
        expect(await w.storeCounts(), `${label(r)}: store unchanged (no claim either)`).toEqual(before.store);
      }),
      { numRuns: 100 },
    );
    checkLogs();
  });

  it('signed GitHub deliveries with arbitrary JSON for the events the app acts on: never a 5xx, nothing sent to GitHub', async () => {
    const events = fc.constantFrom('deployment_protection_rule', 'workflow_run', 'pull_request', 'ping', 'issues');
    await fc.assert(
      fc.asyncProperty(events, jsonText, fc.uuid(), async (event, payload, id) => {
        const r: RawRequest = { path: '/api/github/webhooks', headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': id, 'x-hub-signature-256': sign(WEBHOOK_SECRET, payload) }, body: payload };
        const before = await baseline();
        const shot = await shoot(url(), r);
        checkAnswer(shot, label(r));
        await checkStillServing(label(r));
        expect(w.githubFake.requests.length, `${label(r)}: nothing sent to GitHub`).toBe(before.github);
        expect(w.slackFake.calls.length, `${label(r)}: nothing sent to Slack`).toBe(Object.values(before.slack).reduce((a, b) => a + b, 0));
      }),
      { numRuns: 60 },
    );
    checkLogs();
  });

  it('signed Approve/Reject clicks with arbitrary button values: acknowledged, no approval or rejection recorded, no message changed', async () => {
    const release = await awaitingApproval(w.bots[0]!.system);
    const values = fc.oneof(
      fc.string({ maxLength: 3000 }),
      fc.string({ unit: 'binary', maxLength: 500 }),
      jsonText,
      fc.record({ release: fc.oneof(fc.constant(release._id), printable(40)), digest: fc.oneof(fc.constant(release.digest ?? ''), printable(70)) }).map((v) => JSON.stringify(v)),
      fc.constantFrom('', 'null', '{}', '[]', `${release._id}`, '{"release":null}', '{"__proto__":{"admin":true}}'),
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(ACTION_APPROVE, ACTION_REJECT), values, fc.constantFrom(PEOPLE.ana, PEOPLE.eve, PEOPLE.sam), async (actionId, value, user) => {
        const body = buttonClickBody({ user, actionId, value, channel: 'C0APPROVALS', ts: '1700000000.000100', responseUrl: w.slackFake.responseUrl(`fuzz${++n}`), triggerId: w.slackFake.mintTrigger() });
        const ts = now();
        const r = signedSlack(body, { path: '/slack/actions', ts });
        const before = await baseline([SLACK_CLAIMS_COLLECTION]);
        const shot = await shoot(url(), r);
        const what = `${actionId} by ${user} with value ${JSON.stringify(value).slice(0, 200)}`;
        checkAnswer(shot, what);
        expect(shot.status, what).toBe(200);
        await checkStillServing(what);
        expect(await w.storeCounts([SLACK_CLAIMS_COLLECTION]), `${what}: store unchanged`).toEqual(before.store);
        const after = await baseline([SLACK_CLAIMS_COLLECTION]);
        for (const method of ['chat.update', 'chat.postMessage']) expect(after.slack[method] ?? 0, `${what}: ${method}`).toBe(before.slack[method] ?? 0);
      }),
      { numRuns: 80 },
    );
    const now_ = await w.bots[0]!.system.store.get(release._id);
    expect(now_?.approvals ?? []).toEqual([]);
    expect(now_?.status).toBe('awaiting_approval');
    checkLogs();
  });

  it('signed JSON objects of any shape (events, shortcuts, unknown types): answered within 5 s, never a 5xx, the bot keeps serving', async () => {
    const shapes = fc.record({
      type: fc.oneof(fc.constantFrom('block_actions', 'view_submission', 'view_closed', 'shortcut', 'message_action', 'event_callback', 'url_verification', 'block_suggestion', 'interactive_message'), printable(20)),
      actions: fc.oneof(fc.constant(null), fc.array(fc.record({ action_id: fc.constantFrom(ACTION_APPROVE, ACTION_REJECT, 'x'), value: printable(50) }), { maxLength: 3 }), fc.jsonValue()),
      user: fc.oneof(fc.constant(null), fc.record({ id: printable(12) }), fc.jsonValue()),
      view: fc.oneof(fc.constant(null), fc.jsonValue()),
      event: fc.oneof(fc.constant(null), fc.jsonValue()),
      challenge: printable(10),
    }, { requiredKeys: ['type'] });
    const samples = fc.sample(fc.tuple(shapes, fc.boolean()), { numRuns: 16, seed: 4242 });
    // Bolt waits 3 s before it answers a request no listener acknowledged: send them together.
    const shots = await Promise.all(samples.map(async ([payload, asForm]) => {
      const body = asForm ? `payload=${encodeURIComponent(JSON.stringify(payload))}` : JSON.stringify(payload);
      const ts = now();
      const r = signedSlack(body, { ts, contentType: asForm ? FORM : 'application/json' });
      return { r, shot: await shoot(url(), r) };
    }));
    for (const { r, shot } of shots) checkAnswer(shot, label(r));
    await checkStillServing('after signed objects');
    expect(w.githubFake.requests.filter((q) => q.method !== 'GET')).toEqual([]);
    checkLogs();
  });
});
