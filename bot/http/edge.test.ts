/**
 * The edge's own parts: the store-backed replay guard (one winner across guards on one store,
 * expired claims cleaned up), the Slack signature rules, and the server's last catch per request
 * (a handler that throws gets a 500, one redacted log line, and the server keeps serving).
 */
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { registerSecret } from '../../pipeline/secrets/redact.ts';
import { startBotServer } from '../server.ts';
import { SLACK_CLAIMS_COLLECTION, memoryReplayGuard, storeReplayGuard } from './replay.ts';
import { verifySlackSignature } from './slack-signature.ts';
import { isReadOnlyCommand } from './slack-edge.ts';
import { slackSignature } from '../slack/testing/harness.ts';
import { shoot } from '../attack/http.ts';

const t = useTestDatabase('edge');

describe('which Slack requests skip the replay claim', () => {
  const cmd = (text: string, command = '/deploy') => ({ command, text, user_id: 'U1', trigger_id: 't', response_url: 'https://hooks.slack.com/x' });
  it('only /deploy status and /deploy help, exactly that word, as a slash command form', () => {
    for (const text of ['status', ' STATUS ', 'help', 'Help']) expect(isReadOnlyCommand(cmd(text), true), text).toBe(true);
    for (const text of ['unlock production', 'lock production freeze', 'production', 'rollback production', 'status production', 'status  x', '', 'statu', 'helpme']) {
      expect(isReadOnlyCommand(cmd(text), true), text).toBe(false);
    }
    expect(isReadOnlyCommand(cmd('status', '/other'), true)).toBe(false);
    // Interactions (clicks, modals) arrive as a JSON payload: always claimed.
    expect(isReadOnlyCommand({ type: 'block_actions', command: '/deploy', text: 'status' }, false)).toBe(false);
    expect(isReadOnlyCommand({ ...cmd('status'), text: ['status'] }, true)).toBe(false);
  });
});

describe('storeReplayGuard', () => {
  it('one key is claimed once, across guards sharing a store (replicas)', async () => {
    const a = storeReplayGuard(t.db);
    const b = storeReplayGuard(t.db);
    const exp = new Date(Date.now() + 60_000);
    const results = await Promise.all([a.claim('k1', exp), b.claim('k1', exp), a.claim('k1', exp), b.claim('k1', exp)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await b.claim('k2', exp)).toBe(true);
  });

  it('expired claims are deleted on a later claim (FerretDB has no TTL index)', async () => {
    let now = Date.parse('2026-12-04T10:00:00Z');
    const g = storeReplayGuard(t.db, { collection: 'claims_cleanup', now: () => now, cleanupEveryMs: 60_000 });
    expect(await g.claim('old', new Date(now + 1000))).toBe(true);
    now += 120_000;
    expect(await g.claim('new', new Date(now + 1000))).toBe(true);
    const ids = (await t.db.collection('claims_cleanup').find({}).toArray()).map((d) => d._id);
    expect(ids).toEqual(['new']);
  });

  it('the store being unreachable is an error, not a pass', async () => {
    const g = storeReplayGuard({ collection: () => ({ deleteMany: async () => ({}), insertOne: async () => Promise.reject(new Error('connection refused')) }) } as never);
    await expect(g.claim('x', new Date())).rejects.toThrow('connection refused');
    expect(SLACK_CLAIMS_COLLECTION).toBe('slack_request_claims');
  });

  it('memoryReplayGuard: a key once until it expires', async () => {
    let now = 0;
    const g = memoryReplayGuard(() => now);
    expect(await g.claim('a', new Date(10))).toBe(true);
    expect(await g.claim('a', new Date(10))).toBe(false);
    now = 11;
    expect(await g.claim('a', new Date(20))).toBe(true);
  });

  it('memoryReplayGuard: past 1000 claims it drops only expired ones; a live claim still refuses its replay', async () => {
    let now = 0;
    const g = memoryReplayGuard(() => now);
    expect(await g.claim('early-expiring', new Date(5))).toBe(true);
    for (let i = 0; i < 1100; i++) expect(await g.claim(`live-${i}`, new Date(1_000_000))).toBe(true);
    now = 10;
    expect(await g.claim('trigger-cleanup', new Date(1_000_000))).toBe(true);
    expect(await g.claim('live-0', new Date(1_000_000))).toBe(false);
    expect(await g.claim('live-1099', new Date(1_000_000))).toBe(false);
    expect(await g.claim('early-expiring', new Date(1_000_000))).toBe(true);
  });
});

describe('verifySlackSignature', () => {
  const secret = 'sign-secret-edge-test';
  const body = Buffer.from('a=1');
  const at = (ts: number, nowS: number, sig = slackSignature(secret, ts, 'a=1')) => verifySlackSignature({ signingSecret: secret, rawBody: body, timestamp: String(ts), signature: sig, nowMs: nowS * 1000 });
  it('accepts within 300 s either way, refuses beyond, in both directions', () => {
    const now = 1_800_000_000;
    expect(at(now, now).ok).toBe(true);
    expect(at(now - 300, now).ok).toBe(true);
    expect(at(now + 300, now).ok).toBe(true);
    expect(at(now - 301, now)).toEqual({ ok: false, problem: 'request timestamp is more than 300 s in the past' });
    expect(at(now + 301, now)).toEqual({ ok: false, problem: 'request timestamp is more than 300 s in the future' });
  });
  it('refuses a signature over another body, another timestamp, or in another form', () => {
    const now = 1_800_000_000;
    expect(at(now, now, slackSignature(secret, now, 'a=2')).ok).toBe(false);
    expect(at(now, now, slackSignature(secret, now - 1, 'a=1')).ok).toBe(false);
    expect(at(now, now, slackSignature(secret, now, 'a=1').toUpperCase()).ok).toBe(false);
    expect(at(now, now, `${slackSignature(secret, now, 'a=1')}0`).ok).toBe(false);
    expect(verifySlackSignature({ signingSecret: secret, rawBody: body, timestamp: [String(now)], signature: slackSignature(secret, now, 'a=1'), nowMs: now * 1000 }).ok).toBe(false);
  });
});

describe('startBotServer', () => {
  it('a handler that throws gets a 500 without internals and one redacted log line; the server keeps serving', async () => {
    const token = 'xoxb-edge-test-token-0123456789';
    registerSecret(token);
    const logs: string[] = [];
    const server = await startBotServer({
      githubHandler: () => {
        throw new Error(`boom with ${token}`);
      },
      log: (l) => logs.push(l),
    });
    try {
      const res = await fetch(`${server.url}/api/github/webhooks`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('internal error\n');
      expect(logs.join('\n')).toContain('boom with ***');
      expect(logs.join('\n')).not.toContain(token);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('bodies in flight together stay within the budget: one more is a 503 before it is read; freed when a response closes', async () => {
    const seen: number[] = [];
    const server = await startBotServer({
      // A handler that keeps the request open until its client sends the whole declared body.
      githubHandler: (req, res) => {
        let n = 0;
        req.on('data', (c: Buffer) => (n += c.length));
        req.on('end', () => {
          seen.push(n);
          res.writeHead(200).end('ok\n');
        });
      },
      limits: { githubBytes: 1000, inFlightBytes: 1500 },
    });
    try {
      const held = (len: number) => shoot(server.url, { path: '/api/github/webhooks', headers: { 'content-length': String(len) }, body: 'x', holdOpen: true, deadlineMs: 800 });
      const [first, second] = await Promise.all([held(1000), new Promise((r) => setTimeout(r, 100)).then(() => held(800))]);
      expect(first.timedOut).toBe(true); // still reading: its 1000 bytes are reserved
      expect(second.status).toBe(503);
      expect(second.headers['retry-after']).toBe('1');
      // The first one's connection is gone now: its reservation is released.
      // (the server sees that close a moment later: ask again for up to 2 s)
      let third = await shoot(server.url, { path: '/api/github/webhooks', headers: { 'content-length': '900' }, body: 'y'.repeat(900) });
      for (let i = 0; i < 40 && third.status === 503; i++) {
        await new Promise((r) => setTimeout(r, 50));
        third = await shoot(server.url, { path: '/api/github/webhooks', headers: { 'content-length': '900' }, body: 'y'.repeat(900) });
      }
      expect(third.status).toBe(200);
      expect(seen).toEqual([900]);
    } finally {
      await server.close();
    }
  });

  it('the Slack limit is exact: a body of the limit passes, one byte more is a 413, declared or streamed; malformed lengths are a 400', async () => {
    const secret = 'sign-secret-limit-test';
    const server = await startBotServer({ slackHandler: (_req, res) => void res.writeHead(200).end('handled'), slackSigningSecret: secret, limits: { slackBytes: 100 } });
    try {
      // Each body its own (an identical one within the same second would be a replay).
      const bodyOf = (n: number, fill: string) => {
        const head = 'command=%2Fdeploy&user_id=U012ABC&text=';
        return head + fill.repeat(n - head.length);
      };
      const send = (body: string, headers: Record<string, string> = {}) => {
        const ts = Math.floor(Date.now() / 1000);
        return shoot(server.url, { path: '/slack/commands', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(secret, ts, body), ...headers }, body });
      };
      expect((await send(bodyOf(100, 'a'))).text).toBe('handled');
      expect((await send(bodyOf(101, 'b'))).status).toBe(413);
      expect((await send(bodyOf(100, 'c'), { 'transfer-encoding': 'chunked' })).text).toBe('handled');
      expect((await send(bodyOf(101, 'd'), { 'transfer-encoding': 'chunked' })).status).toBe(413);
      for (const bad of ['-1', '1.5', 'abc', '1e3']) expect((await shoot(server.url, { path: '/slack/commands', headers: { 'content-length': bad }, body: 'x' })).status, bad).toBe(400);
    } finally {
      await server.close();
    }
  });

  it('refuses a Slack handler without the signing secret (deny by default)', async () => {
    await expect(startBotServer({ slackHandler: () => undefined })).rejects.toThrow(/slackSigningSecret/);
  });
});
