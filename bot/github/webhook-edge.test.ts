/**
 * The GitHub webhook edge (issue 10, small findings): bad payloads are a 400 naming the problem
 * (never a 500 with a TypeError), events the app does not act on are acknowledged and dropped,
 * bodies are bounded, failures are a 500 without internals, and no payload reaches a log — even
 * at trace level. The real Probot app behind the real bot server, signed deliveries.
 */
import { generateKeyPairSync } from 'node:crypto';
import { request } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { startGithubFake, type GithubFake } from '../../pipeline/testing/fakes/github.ts';
import type { ReleaseRecord } from '../../pipeline/release/types.ts';
import { startBotServer, type BotServer } from '../server.ts';
import { silentNotifier, type ReleaseNotifier } from '../notify.ts';
import { createGithubWebhookHandler } from './index.ts';
import { signatureMatches } from './webhook-edge.ts';
import { linkRunToRelease } from './ledger.ts';
import { createQuickWorld, type QuickWorld } from './testing/quick-world.ts';
import { deliver, example, fromRepo, protectionRulePayload, sign } from './testing/webhooks.ts';

vi.setConfig({ testTimeout: 120_000 });
const t = useTestDatabase('ghedge');
const SECRET = 'whsec-edge-0b3c55';
const MARKER = 'payload-marker-7731';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

let world: QuickWorld;
let fake: GithubFake;
let server: BotServer;
const lines: string[] = [];
let failFor: string | undefined;
const notifier: ReleaseNotifier = {
  ...silentNotifier,
  async releaseUpdated(r: ReleaseRecord) {
    if (r._id === failFor) throw new Error(`slack is down (chat.update for ${MARKER}-in-error)`);
  },
};
const url = () => `${server.url}/api/github/webhooks`;

/** A signed POST with a raw body (deliver() JSON-encodes). */
async function post(body: string, headers: Record<string, string> = {}, opts: { sign?: boolean } = {}) {
  const res = await fetch(url(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'workflow_run', 'x-github-delivery': crypto.randomUUID(), ...(opts.sign === false ? {} : { 'x-hub-signature-256': sign(SECRET, body) }), ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}
const deliveries = () => world.system.store.db.collection('github_deliveries').countDocuments();
async function stillServing() {
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
}

beforeAll(async () => {
  world = await createQuickWorld({ client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p) });
  fake = await startGithubFake({ appPublicKey: publicKey, appId: 808 });
  const log = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  const handler = createGithubWebhookHandler({ appId: 808, privateKey, webhookSecret: SECRET, baseUrl: fake.url, system: world.system, notifier, mode: 'protection-rule', log, maxPayloadBytes: 64 * 1024 });
  server = await startBotServer({ githubHandler: handler });
}, 120_000);
afterAll(async () => {
  await server?.close();
  expect(fake?.violations ?? [], 'requests outside GitHub\'s contract').toEqual([]);
  await fake?.close();
  await world?.close();
});

describe('malformed deliveries of the events the app acts on: 400, no internals', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['a null body', 'workflow_run', 'null', /invalid workflow_run payload: the payload must be a JSON object/],
    ['a null body (protection rule)', 'deployment_protection_rule', 'null', /invalid deployment_protection_rule payload/],
    ['an array', 'deployment_status', '[]', /invalid deployment_status payload/],
    ['a string', 'workflow_run', '"hello"', /invalid workflow_run payload/],
    ['a payload without repository', 'deployment_protection_rule', JSON.stringify({ ...protectionRulePayload({ owner: 'octo-org', repo: 'notes', runId: 1 }), repository: undefined }), /repository/],
    ['a workflow_run payload under deployment_status', 'deployment_status', JSON.stringify(fromRepo(example('workflow_run', 'completed'), { owner: 'octo-org', repo: 'notes' })), /deployment_status/],
    ['a deployment_status payload under workflow_run', 'workflow_run', JSON.stringify(fromRepo(example('deployment_status'), { owner: 'octo-org', repo: 'notes' })), /workflow_run/],
    ['a run id that is a string', 'workflow_run', JSON.stringify({ ...fromRepo(example('workflow_run', 'completed'), { owner: 'octo-org', repo: 'notes' }), workflow_run: { id: '1', html_url: 'x' } }), /workflow_run\.id/],
    ['a callback URL of another repository', 'deployment_protection_rule', JSON.stringify({ ...protectionRulePayload({ owner: 'octo-org', repo: 'notes', runId: 5 }), deployment_callback_url: 'https://api.github.com/repos/evil/other/actions/runs/5/deployment_protection_rule' }), /another repository/],
    ['a body that is not JSON', 'workflow_run', '{"action": ', /not JSON/],
  ];
  it.each(cases)('%s', async (_name, event, body, why) => {
    const before = await deliveries();
    const res = await post(body, { 'x-github-event': event });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(why);
    expect(res.text).not.toMatch(/TypeError|Cannot read|at .*\.(ts|js):\d+/);
    expect(await deliveries()).toBe(before);
    await stillServing();
  });
});

describe('what the edge lets through, and how', () => {
  it('signatureMatches: exactly the HMAC-SHA256 of the raw body with the secret', () => {
    const body = Buffer.from('{"a":1}');
    const good = sign(SECRET, body.toString());
    expect(signatureMatches(SECRET, body, good)).toBe(true);
    expect(signatureMatches(SECRET, body, good.toUpperCase().replace('SHA256=', 'sha256='))).toBe(true);
    expect(signatureMatches('other-secret', body, good)).toBe(false);
    expect(signatureMatches(SECRET, Buffer.from('{"a":2}'), good)).toBe(false);
    expect(signatureMatches(SECRET, body, good.slice(0, -2))).toBe(false);
    expect(signatureMatches(SECRET, body, good.slice('sha256='.length))).toBe(false);
    expect(signatureMatches(SECRET, body, `sha1=${good.slice('sha256='.length)}`)).toBe(false);
  });

  it('acknowledges events it does not act on (202) and ping (200), whatever their payload', async () => {
    expect((await post('null', { 'x-github-event': 'issues' })).status).toBe(202);
    expect((await post(JSON.stringify(example('issues', 'opened')), { 'x-github-event': 'issues' })).status).toBe(202);
    expect((await post('{"zen":"Keep it logically awesome."}', { 'x-github-event': 'ping' })).status).toBe(200);
  });

  it('refuses other methods, missing headers and bad signatures before reading on', async () => {
    expect((await fetch(url())).status).toBe(405);
    expect((await post('{}', { 'x-github-event': '' })).status).toBe(400);
    expect((await post('{}', {}, { sign: false })).status).toBe(400);
    expect((await post('{}', { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` })).status).toBe(400);
    expect((await post('{}', { 'x-hub-signature-256': 'sha256=abc' })).status).toBe(400);
  });

  it('refuses a body over the limit with 413, declared or streamed, and keeps serving', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(70 * 1024) });
    expect((await post(big)).status).toBe(413);
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(url(), { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'workflow_run', 'x-github-delivery': 'd-streamed', 'x-hub-signature-256': sign(SECRET, big), 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write(big.slice(i * 8 * 1024, (i + 1) * 8 * 1024));
      req.end();
    });
    expect(streamed).toBe(413);
    await stillServing();
  });

  it('a handler failure is a 500 without internals; no payload and no error detail beyond the message reach the log', async () => {
    const r = await world.releaseToApproval('8.0.0');
    failFor = r._id;
    const run = fromRepo(example('workflow_run', 'completed'), { owner: 'octo-org', repo: 'notes' }) as { workflow_run: { id: number; display_title: string }; sender: { login: string } };
    run.workflow_run.id = 8801;
    run.workflow_run.display_title = `release ${r._id} ${MARKER}`;
    run.sender.login = MARKER;
    await linkRunToRelease(world.system.store.db, { repo: 'octo-org/notes', runId: 8801, release: r._id });
    const res = await deliver(url(), { event: 'workflow_run', payload: run, secret: SECRET });
    expect(res.status).toBe(500);
    expect(res.text).not.toMatch(/slack is down|Error|at .*\.(ts|js):\d+/);
    // The failed delivery is not remembered: GitHub's redelivery (same id) runs again.
    failFor = undefined;
    expect((await deliver(url(), { event: 'workflow_run', payload: run, secret: SECRET, id: res.id })).status).toBe(200);
    // A protection rule, too, goes through without its payload in the log.
    fake.addRun({ id: 8802, name: 'release', display_title: 'release by hand' });
    const rule = protectionRulePayload({ owner: 'octo-org', repo: 'notes', runId: 8802 }) as { sender: { login: string } };
    rule.sender = { ...rule.sender, login: MARKER };
    expect((await deliver(url(), { event: 'deployment_protection_rule', payload: rule, secret: SECRET })).status).toBe(200);

    const all = lines.join('\n');
    expect(all).toMatch(/slack is down/); // the failure is logged (its message) …
    expect(all).not.toContain(`release ${r._id} ${MARKER}`); // … but never the payload
    expect(all).not.toContain(`"login":"${MARKER}"`);
    expect(all).not.toContain('"workflow_run":{');
  });
});
