/**
 * Evidence in whole releases on real parts (the process provider, FerretDB, the real gates, the
 * Slack fake): a deploy whose app crashes at start-up, printing a secret it was given, and a
 * deployment whose /health answers 503 — each release record carries the last log lines of the
 * new deployment, redacted, shown in the terminal's final lines and in the Slack thread; the
 * health failure keeps its last health body next to the logs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webApi } from '@slack/bolt';
import { useTestDatabase } from '../testing/mongo.ts';
import { startSlackFake, type SlackFake } from '../testing/fakes/slack.ts';
import { SlackNotifier } from '../../bot/slack/notifier.ts';
import { createReleaseWorld, type World, type WorldConfig } from './testing/world.ts';
import { renderFinal } from './render.ts';
import type { ReleaseRecord } from './types.ts';

vi.setConfig({ testTimeout: 180_000 });
const t = useTestDatabase('evirel');
const SECRET = 'Jw7!tSecret-for-evidence-0042';
const TOKEN = 'xoxb-evidence-test-token-0000';
let fake: SlackFake;
let scripts = '';
const worlds: World[] = [];
beforeAll(async () => {
  fake = await startSlackFake({ token: TOKEN });
  scripts = await mkdtemp(join(tmpdir(), 'sg-evi-apps-'));
  // Crashes at start-up after logging, like an app that cannot read its config; prints the secret it was given.
  await writeFile(join(scripts, 'crash.cjs'), [
    "console.log('booting notes ' + process.env.APP_VERSION);",
    "console.log('config: JWT_SECRET=' + process.env.JWT_SECRET);",
    "console.error('Error: SMTP_URL is not set, cannot start');",
    'process.exit(1);',
  ].join('\n'));
  // Starts and serves, but its database is away: /health answers 503 db down, and it says why in its log.
  await writeFile(join(scripts, 'dbdown.cjs'), [
    "const http = require('node:http');",
    "console.log('listening; MONGODB_URI fell back to mongodb://127.0.0.1:1/notes_dev');",
    "setInterval(() => console.error('MongoServerSelectionError: connect ECONNREFUSED 127.0.0.1:1'), 200);",
    "http.createServer((q, s) => { s.writeHead(q.url === '/health' ? 503 : 404, { 'content-type': 'application/json' }); s.end(JSON.stringify({ status: 'degraded', version: process.env.APP_VERSION, db: 'down' })); }).listen(Number(process.env.PORT), '127.0.0.1');",
  ].join('\n'));
});
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()));
});
afterAll(async () => {
  await fake?.close();
  await rm(scripts, { recursive: true, force: true });
});

async function world(script: string): Promise<World> {
  const w = await createReleaseWorld({
    client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p),
    configure: (c: WorldConfig) => {
      c.app.start = `node ${join(scripts, script)}`;
      c.environments.staging!.deploy.env = { JWT_SECRET: 'STAGING_JWT_SECRET' };
      (c.gates as { health: Record<string, unknown> }).health.timeout = '3s';
    },
    env: (e) => ({ ...e, STAGING_JWT_SECRET: SECRET }),
  });
  worlds.push(w);
  return w;
}

async function slackThread(release: ReleaseRecord): Promise<string> {
  const n = new SlackNotifier({ client: new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl }), db: t.db, channel: '#deploys', approvalsChannel: '#approvals', policy: { people: [], approvers: ['ana'], minApprovals: 1, expiresAfterMs: 3600_000 }, minIntervalMs: 0 });
  const before = fake.calls.length;
  await n.releaseUpdated(release);
  await n.flush();
  return JSON.stringify(fake.calls.slice(before).filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts).map((c) => c.args.blocks));
}

describe('evidence when a stage fails', () => {
  it('a deploy that crashes: its last log lines are in the record, the terminal and the Slack thread — the secret redacted', async () => {
    const w = await world('crash.cjs');
    const r = await w.run((await w.release('staging', '1.0.0'))._id);
    expect(r.status).toBe('failed');
    const deploy = r.stages.find((s) => s.key === 'staging/deploy')!;
    expect(deploy.status).toBe('error');
    const ev = deploy.result?.evidence;
    expect(ev?.source).toMatch(/^log file .*staging\.log$/);
    expect(ev?.lines).toEqual(['booting notes 1.0.0', expect.stringMatching(/^config: JWT_SECRET=\*+/), 'Error: SMTP_URL is not set, cannot start']);
    expect(JSON.stringify(r)).not.toContain(SECRET);
    const stored = await w.system.store.get(r._id);
    expect(stored.stages.find((s) => s.key === 'staging/deploy')?.result?.evidence?.lines).toContain('Error: SMTP_URL is not set, cannot start');

    const terminal = renderFinal(stored).join('\n');
    expect(terminal).toContain('last 3 log lines of staging/deploy (log file ');
    expect(terminal).toContain('    │ Error: SMTP_URL is not set, cannot start');

    const thread = await slackThread(stored);
    expect(thread).toContain('Error: SMTP_URL is not set, cannot start');
    expect(thread).not.toContain(SECRET);
    expect(fake.violations).toEqual([]);
  });

  it('a deployment whose /health answers 503: the health result keeps the last body and adds the app\'s logs', async () => {
    const w = await world('dbdown.cjs');
    const r = await w.run((await w.release('staging', '1.0.0'))._id);
    expect(r.status).toBe('failed');
    const health = r.stages.find((s) => s.key === 'staging/health')!;
    expect(health.status).toBe('failed');
    expect(health.result?.details).toContain('"db": "down"');
    expect(health.result?.details).toMatch(/"db": "down"[\s\S]*\*\*Logs\*\*: last \d+ lines of log file [\s\S]*MongoServerSelectionError: connect ECONNREFUSED 127\.0\.0\.1:1/);
    expect(health.result?.evidence?.lines[0]).toBe('listening; MONGODB_URI fell back to mongodb://127.0.0.1:1/notes_dev');
    const thread = await slackThread(await w.system.store.get(r._id));
    expect(thread).toContain('MongoServerSelectionError');
    expect(fake.violations).toEqual([]);
  });
});
