/**
 * `/deploy dashboard` through the real Bolt app over signed HTTP, and the dashboard the same bot
 * server serves at /ui: a person of the config gets an ephemeral single-use link that signs them
 * in; a stranger gets none; a forged request is a 401; the link never reaches the bot's log; a bot
 * without the dashboard says so. The live message links to the release page.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import { webApi } from '@slack/bolt';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { parseConfigText } from '../../pipeline/config/load.ts';
import { buildReleaseSystem, type ReleaseSystem } from '../../pipeline/release/factory.ts';
import { DashboardAuth } from '../../pipeline/dashboard/auth.ts';
import { createDashboard, slackLiveMessageId, type Dashboard } from '../../pipeline/dashboard/server.ts';
import { seededRelease } from '../../pipeline/dashboard/seed.ts';
import { liveMessageId } from './message-store.ts';
import { SlackNotifier } from './notifier.ts';
import { BOT_TOKEN, postSigned, slashCommandBody, startSlackHarness, type SlackHarness } from './testing/harness.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });
const t = useTestDatabase('slackdash');
const USERS = { ana: 'U012ABC', sam: 'U056GHI' } as const;
let system: ReleaseSystem;
let h: SlackHarness;
let off: SlackHarness;
let dashboard: Dashboard;
let auth: DashboardAuth;
let dir: string;
let base = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sg-slackdash-'));
  await mkdir(join(dir, 'migrations'));
  const config = parseConfigText(
    stringify({
      app: { name: 'notes', start: 'node -e "process.exit(1)"' },
      migrations: { dir: join(dir, 'migrations') },
      environments: { production: { protected: true, deploy: { provider: 'process' }, database: { uriEnv: 'PRODUCTION_MONGODB_URI' } } },
      people: Object.entries(USERS).map(([name, slack]) => ({ name, slack })),
      approval: { approvers: ['ana'], minApprovals: 1, expiresAfter: '1h' },
      slack: { channel: '#deploys', approvalsChannel: '#deploy-approvals', mode: 'local' },
    }),
    'shipgate.yml',
  );
  system = await buildReleaseSystem({
    config, env: { PRODUCTION_MONGODB_URI: t.uriFor(t.freshName('prod')) }, repoRoot: dir, localStateDir: join(dir, 'state'),
    storeClient: t.client, storeDbName: t.dbName, actor: 'slack-dashboard',
  });
  auth = new DashboardAuth('slack-dashboard-test-secret-0123456789abcdef', { db: system.store.db, config: () => config, secureCookie: false });
  dashboard = createDashboard({ db: system.store.db, config, auth });
  h = await startSlackHarness({ system, serverDashboard: dashboard, dashboard: { linkFor: (person) => `${base}/ui/login?t=${auth.linkToken(person)}` } });
  base = h.server.url;
  off = await startSlackHarness({ system });
});
afterAll(async () => {
  await h?.close();
  await off?.close();
  dashboard?.close();
  await system?.close();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function deploy(harness: SlackHarness, text: string, user: string, opts: { secret?: string } = {}) {
  const token = `dash${++n}`;
  const res = await postSigned(`${harness.server.url}/slack/events`, slashCommandBody({ text, user, responseUrl: harness.fake.responseUrl(token) }), opts.secret ? { secret: opts.secret } : {});
  const answer = async () => {
    await harness.fake.waitFor((f) => f.responses.some((r) => r.token === token), 30_000);
    return harness.fake.responses.filter((r) => r.token === token).map((r) => String(r.body.text ?? '')).join('\n');
  };
  return { res, answer };
}

describe('/deploy dashboard', () => {
  it('gives a person of the config an ephemeral link that signs them in once; the link is not logged', async () => {
    const cmd = await deploy(h, 'dashboard', USERS.ana);
    expect(cmd.res.status).toBe(200);
    const text = await cmd.answer();
    const url = /<(http:\/\/127\.0\.0\.1:\d+\/ui\/login\?t=[A-Za-z0-9_.-]+)\|Open the release dashboard>/.exec(text)?.[1];
    expect(url, text).toBeDefined();
    expect(h.fake.responses.find((r) => String(r.body.text).includes('/ui/login'))?.body.response_type).toBe('ephemeral');
    // A link checker's HEAD does not use the link up.
    const probe = await request(url!, { method: 'HEAD' });
    expect(probe.statusCode).toBe(200);
    await probe.body.dump();
    const login = await request(url!, { method: 'GET' });
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toBe('/ui/');
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    await login.body.dump();
    const page = await request(`${base}/ui/`, { headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(await page.body.text()).toContain('<span class="viewer">ana</span>');
    const again = await request(url!);
    expect(again.statusCode).toBe(403);
    const out = await request(`${base}/ui/logout`, { headers: { cookie } });
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toMatch(/^sg_dash=; Path=\/ui; HttpOnly; SameSite=Lax; Max-Age=0/);
    await out.body.dump();
    await again.body.dump();
    const token = new URL(url!).searchParams.get('t')!;
    expect(h.logs.join('\n')).not.toContain(token);
  });

  it('gives a stranger no link, and refuses a forged request (401)', async () => {
    const stranger = await deploy(h, 'dashboard', 'U999EVIL');
    const text = await stranger.answer();
    expect(text).toContain('is not a person of the Shipgate config');
    expect(text).not.toContain('/ui/login');
    const forged = await deploy(h, 'dashboard', USERS.ana, { secret: 'another-workspace-signing-secret' });
    expect(forged.res.status).toBe(401);
  });

  it('a bot without the dashboard says how to turn it on, and serves nothing at /ui', async () => {
    expect(await (await deploy(off, 'dashboard', USERS.ana)).answer()).toContain('SHIPGATE_DASHBOARD_SECRET');
    const res = await request(`${off.server.url}/ui/`);
    expect(res.statusCode).toBe(404);
    await res.body.dump();
  });

  it('/ui without a session is 401, and a write to /ui is 405 — the bot keeps serving', async () => {
    const anon = await request(`${base}/ui/releases`);
    expect(anon.statusCode).toBe(401);
    expect(await anon.body.text()).toContain('/deploy dashboard');
    const post = await request(`${base}/ui/releases`, { method: 'POST', body: 'x'.repeat(10_000) });
    expect(post.statusCode).toBe(405);
    await post.body.dump();
    const health = await request(`${base}/healthz`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();
  });
});

describe('links to the release page', () => {
  it('the live message links to the dashboard page of its release; the page links back to the Slack message', async () => {
    const client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: h.fake.apiUrl });
    const n2 = new SlackNotifier({ client, db: system.store.db, channel: '#deploys', approvalsChannel: '#deploy-approvals', policy: system.policy, minIntervalMs: 0, dashboardUrl: 'https://shipgate.example.com' });
    const r = await system.store.create({ ...seededRelease(7, { now: new Date(), days: 1 }), _id: 'rel-linked-000001' });
    await n2.releaseUpdated(r);
    await n2.flush();
    const posted = h.fake.calls.filter((c) => c.method === 'chat.postMessage' && JSON.stringify(c.args).includes('rel-linked-000001'));
    expect(JSON.stringify(posted[0]?.args.blocks)).toContain('<https://shipgate.example.com/ui/releases/rel-linked-000001|dashboard>');
    // The dashboard finds the message by the id the notifier stored it under.
    expect(slackLiveMessageId('rel-linked-000001')).toBe(liveMessageId('rel-linked-000001'));
    const signed = await auth.redeem(auth.linkToken('sam'));
    if (!signed.ok) throw new Error(signed.why);
    const page = await request(`${base}/ui/releases/rel-linked-000001`, { headers: { cookie: signed.cookie.split(';')[0]! } });
    const html = await page.body.text();
    expect(page.statusCode).toBe(200);
    const { channel, ts } = (await system.store.db.collection<{ _id: string; channel: string; ts: string }>('slack_messages').findOne({ _id: liveMessageId('rel-linked-000001') }))!;
    expect(html).toContain(`<a href="https://slack.com/archives/${channel}/p${ts.replace('.', '')}">Slack message</a>`);
  });
});
