/**
 * The dashboard over HTTP, no browser: the real local server (`shipgate dashboard`) on loopback
 * over a FerretDB store seeded with release history. Paging and filters against an independent
 * count of the seeded records; every hostile input: bad filters (400 naming the field), unknown
 * pages and ids (404), writes (405), a foreign Host header (421), markup and secrets in release
 * text (escaped, masked), a non-loopback --host (refused). Live updates: one watcher per release
 * however many viewers, the new revision pushed when the store changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { stringify } from 'yaml';
import { useTestDatabase } from '../testing/mongo.ts';
import { parseConfigText } from '../config/load.ts';
import { ReleaseStore } from '../release/store.ts';
import { AuditLog } from '../release/audit.ts';
import { registerSecret } from '../secrets/redact.ts';
import type { ReleaseRecord } from '../release/types.ts';
import { seededRelease, seedReleases } from './seed.ts';
import { linkRunToRelease } from '../../bot/github/ledger.ts';
import { createDashboard, PER_PAGE, startLocalDashboard, type LocalDashboard } from './server.ts';
import { DashboardAuth } from './auth.ts';
import { SlackSignIn } from './slack-signin.ts';
import { startBotServer } from '../../bot/server.ts';
import { ReleaseIndex } from './release-index.ts';
import { environmentViews } from './data.ts';
import { environmentsPage } from './views.ts';

const t = useTestDatabase('dash');
const NOW = new Date();
const COUNT = 600;
const config = parseConfigText(
  stringify({
    app: { name: 'notes', start: 'node server.js' },
    environments: {
      staging: { deploy: { provider: 'process' }, database: { uriEnv: 'STAGING_MONGODB_URI' } },
      production: { protected: true, deploy: { provider: 'process', slots: ['blue', 'green'] }, database: { uriEnv: 'PRODUCTION_MONGODB_URI' }, dns: { provider: 'local' } },
    },
    people: [{ name: 'ana', slack: 'U012ABC' }, { name: 'ben', slack: 'U034DEF' }],
    approval: { approvers: ['ana', 'ben'] },
  }),
  'shipgate.yml',
);
let dash: LocalDashboard;
const seeded: ReleaseRecord[] = Array.from({ length: COUNT }, (_, i) => seededRelease(i, { now: NOW, days: 365 }));

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await request(`${dash.url.replace(/\/ui\/$/, '')}${path}`, { headers, method: 'GET' });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}
const rowsOf = (body: string) => [...body.matchAll(/<tr><td><a href="\/ui\/releases\/([^"]+)">/g)].map((m) => m[1]);

beforeAll(async () => {
  await seedReleases(t.db, COUNT, { now: NOW, days: 365 });
  dash = await startLocalDashboard({ db: t.db, config, port: 0, refreshMs: 0, auditCacheMs: 0 });
});
afterAll(async () => {
  await dash?.close();
});

describe('the releases list', () => {
  it('pages through every seeded release, newest first, 50 a page, each exactly once', async () => {
    const newestFirst = [...seeded].sort((a, b) => (a.createdAt === b.createdAt ? (a._id < b._id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1)).map((r) => r._id);
    const first = await get('/ui/releases');
    expect(first.status).toBe(200);
    expect(first.body).toContain(`${COUNT} releases · page 1 of ${Math.ceil(COUNT / PER_PAGE)}`);
    expect(rowsOf(first.body)).toEqual(newestFirst.slice(0, PER_PAGE));
    const last = await get(`/ui/releases?page=${Math.ceil(COUNT / PER_PAGE)}`);
    expect(rowsOf(last.body)).toEqual(newestFirst.slice((Math.ceil(COUNT / PER_PAGE) - 1) * PER_PAGE));
    // Past the end: the last page, not an empty one.
    expect(rowsOf((await get('/ui/releases?page=999')).body)).toEqual(rowsOf(last.body));
  });

  it('filters by environment, status, requester and date, matching an independent count of the records', async () => {
    const since = new Date(NOW.getTime() - 30 * 86_400_000);
    const want = seeded.filter((r) => r.path.includes('production') && r.status === 'failed' && r.requester.person === 'chen' && r.createdAt >= since.toISOString());
    expect(want.length).toBeGreaterThan(0); // the seed spreads over the year: the filter has something to find
    const res = await get(`/ui/releases?env=production&status=failed&requester=CHEN&since=30d`);
    expect(res.status).toBe(200);
    expect(res.body).toContain(`${want.length} release${want.length === 1 ? '' : 's'} ·`);
    expect(new Set(rowsOf(res.body))).toEqual(new Set(want.map((r) => r._id).slice(0, PER_PAGE)));
    const day = seeded[0]!.createdAt.slice(0, 10);
    const onDay = seeded.filter((r) => r.createdAt.slice(0, 10) === day);
    const dayRes = await get(`/ui/releases?since=${day}&until=${day}`);
    expect(dayRes.body).toContain(`${onDay.length} release${onDay.length === 1 ? '' : 's'} ·`);
    const active = await get('/ui/releases?status=active');
    expect(active.body).toContain(`${seeded.filter((r) => r.status === 'running' || r.status === 'awaiting_approval').length} releases`);
  });

  it('a bad filter is a 400 that names the field and what it accepts, and the page still lists releases', async () => {
    const cases: Array<[string, string]> = [
      ['env=qa', 'env &quot;qa&quot; is not an environment of the config (one of staging, production)'],
      ['status=done', 'status &quot;done&quot; is not a release status'],
      ['since=yesterday', 'since &quot;yesterday&quot; is not a time'],
      ['since=2026-12-05&until=2026-12-01', 'since (2026-12-05) is after until (2026-12-01)'],
      ['page=-1', 'page &quot;-1&quot; must be a whole number from 1'],
      ['until=2026-99-99', 'until &quot;2026-99-99&quot; is not a date'],
      [`requester=${'x'.repeat(101)}`, 'requester is too long'],
    ];
    for (const [q, why] of cases) {
      const res = await get(`/ui/releases?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body, q).toContain(why);
      expect(res.body, q).toContain('role="alert"');
    }
    expect((await get('/ui/releases')).status).toBe(200); // the process keeps serving
  });
});

describe('hostile requests', () => {
  it('writes are 405, unknown pages and release ids 404, a URL over 2 kB 414', async () => {
    const post = await request(`${dash.url}releases`, { method: 'POST', body: 'x=1' });
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    await post.body.dump();
    expect((await get('/ui/nope')).status).toBe(404);
    expect((await get('/ui/releases/rel-does-not-exist')).status).toBe(404);
    expect((await get('/ui/releases/..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
    expect((await get('/ui/releases/%E0%A4%A')).status).toBe(404); // a malformed escape: 404, not a 500
    // Unknown ids, however many, read no release record (each would be a scan on FerretDB).
    const reads = dash.dashboard.index.recordReads;
    for (let i = 0; i < 30; i++) expect((await get(`/ui/releases/rel-unknown-${i}`)).status).toBe(404);
    expect(dash.dashboard.index.recordReads).toBe(reads);
    expect((await get(`/ui/releases?requester=${'a'.repeat(3000)}`)).status).toBe(414);
    expect((await get('/elsewhere')).status).toBe(404);
  });

  it('answers only to its own loopback Host (421 otherwise: no DNS rebinding), and refuses to listen beyond loopback', async () => {
    expect((await get('/ui/', { host: 'evil.example.com' })).status).toBe(421);
    expect((await get('/ui/', { host: `localhost:${dash.port}` })).status).toBe(200);
    await expect(startLocalDashboard({ db: t.db, config, host: '0.0.0.0', port: 0 })).rejects.toThrow(/loopback only/);
  });

  it('every page carries a CSP without inline script, no framing, no referrer; markup and secrets in release text are escaped and masked', async () => {
    const secret = 'sk_live_dashboard_test_4f9a8b7c6d5e';
    registerSecret(secret);
    const store = new ReleaseStore(t.db);
    const base = seededRelease(COUNT + 1, { now: NOW, days: 1 });
    const evil = await store.create({
      ...base, _id: 'rel-evil-000001', version: '"><img src=x onerror=alert(1)>', reason: `<script>alert(document.cookie)</script> ${secret}`, status: 'failed',
      stages: base.stages.map((s, i) => (i === 0 ? { ...s, status: 'failed', result: { ...s.result!, status: 'failed', summary: `<b>bold</b> ${secret}`, details: `[click](javascript:alert(1)) <iframe src=x> ${secret}\n\n| a | b |\n|---|---|\n| <svg onload=alert(1)> | x |`, evidence: { source: 'log', lines: [`<script>x</script> token ${secret}`] } } } : s)),
    });
    const res = await get(`/ui/releases/${evil._id}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.body).not.toContain(secret);
    expect(res.body).not.toMatch(/<(script|img|iframe|svg onload|b>)/);
    expect(res.body).not.toContain('javascript:');
    expect(res.body).toContain('&lt;script&gt;alert(document.cookie)&lt;/script&gt;');
    expect(res.body).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('pages', () => {
  it('the environments page shows what is live on each environment, its slot and the idle slot a rollback would switch to', async () => {
    const res = await get('/ui/');
    expect(res.status).toBe(200);
    // Every record in the store (earlier tests added some), judged independently of the dashboard's code.
    const all = await t.db.collection<ReleaseRecord>('releases').find({}).toArray();
    const liveProd = all.filter((r) => r.stages.some((s) => s.key === 'production/cutover' && s.status === 'passed') && !(r.status === 'rolled_back' && r.target === 'production')).sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1))[0]!;
    expect(res.body).toContain(`<a href="/ui/releases/${liveProd._id}">`);
    expect(res.body).toContain('serving slot');
    expect(res.body).toContain('unlocked');
  });

  it('a release page shows its stages, gate details as tables, approvals with digest and the audit trail heading; read-only', async () => {
    const r = seeded.find((x) => x.status === 'succeeded' && x.path.includes('production'))!;
    const res = await get(`/ui/releases/${r._id}`);
    expect(res.status).toBe(200);
    for (const s of r.stages) expect(res.body).toContain(`data-stage="${s.key}"`);
    expect(res.body).toContain('<th scope="col">check</th>');
    expect(res.body).toContain(r.approvals[0]!.digest.slice(0, 12));
    expect(res.body).toContain('This page is read-only');
    expect(res.body).not.toContain('<form method="post"');
  });

  it('a release page links to its workflow run (the run recorded by the action) and nowhere unchecked', async () => {
    const r = seeded[3]!;
    await linkRunToRelease(t.db, { repo: 'acme/notes', runId: 4242, release: r._id });
    const res = await get(`/ui/releases/${r._id}`);
    expect(res.body).toContain('<a href="https://github.com/acme/notes/actions/runs/4242">workflow run</a>');
    await linkRunToRelease(t.db, { repo: 'evil"><script>/x', runId: 1, release: seeded[4]!._id });
    expect((await get(`/ui/releases/${seeded[4]!._id}`)).body).not.toContain('workflow run');
  });

  it('the audit page says how far the chain is intact, and where it breaks when an entry was edited', async () => {
    const log = new AuditLog(t.db);
    for (let i = 0; i < 5; i++) await log.append({ type: 'lock.acquired', env: 'production', actor: { via: 'cli', id: 'ana' }, data: { reason: `drill ${i}` } });
    expect((await get('/ui/audit')).body).toContain('✓ chain intact up to entry 5');
    await t.db.collection('audit').updateOne({ _id: 3 as never }, { $set: { 'data.reason': 'rewritten' } });
    const broken = await get('/ui/audit');
    expect(broken.body).toContain('✗ chain broken at entry 3: entry 3 (lock.acquired) was edited: its hash does not match (2 entries verified before it)');
    await t.db.collection('audit').deleteMany({});
    await t.db.collection('audit_head').deleteMany({});
  });

  it('the audit page shows the chain verified; metrics and nightly pages answer', async () => {
    const audit = await get('/ui/audit');
    expect(audit.status).toBe(200);
    expect(audit.body).toContain('✓ chain intact up to entry 0');
    expect((await get('/ui/audit?before=abc')).status).toBe(400);
    const metrics = await get('/ui/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('Delivery metrics');
    expect((await get('/ui/nightly')).body).toContain('no nightly run recorded yet');
  });
});

describe('the idle slot', () => {
  it('says what a rollback would switch to, that a breaking migration forbids it, or that the old slot was not serving', async () => {
    const db = t.client.db(t.freshName('idle'));
    const store = new ReleaseStore(db);
    const index = new ReleaseIndex(db, { minIntervalMs: 0 });
    const live = (id: string, version: string, d: ReleaseRecord['deployments'][string], extra: Partial<ReleaseRecord> = {}) => {
      const base = seededRelease(1, { now: NOW, days: 1 });
      return store.create({ ...base, ...extra, _id: id, version, status: 'succeeded', finishedAt: new Date().toISOString(), path: ['production'], target: 'production', deployments: { production: d },
        stages: [{ key: 'production/cutover', env: 'production', name: 'cutover', status: 'passed', finishedAt: new Date().toISOString() }] });
    };
    await live('rel-1', '1.0.0', { url: 'http://127.0.0.1:4201', slot: 'blue' });
    await new Promise((r) => setTimeout(r, 5));
    await live('rel-2', '1.1.0', { url: 'http://127.0.0.1:4202', slot: 'green', previousSlot: 'blue', previousUrl: 'http://127.0.0.1:4201' }, {
      targetPlan: { env: 'production', digest: 'd', pending: ['0004-drop-legacy'], lines: [], approximate: false, irreversible: [], breaking: ['0004-drop-legacy'] },
    });
    const prod = async () => (await environmentViews({ db, config, index })).find((e) => e.env === 'production')!;
    expect((await prod()).idle).toEqual({ url: 'http://127.0.0.1:4201', slot: 'blue', version: '1.0.0', release: 'rel-1', breaking: ['0004-drop-legacy'] });
    const html = environmentsPage({ base: '/ui', current: 'environments' }, [await prod()]).value;
    expect(html).toContain('holds 1.0.0');
    expect(html).toContain('point of no return: 0004-drop-legacy');
    await new Promise((r) => setTimeout(r, 5));
    await live('rel-3', '1.2.0', { url: 'http://127.0.0.1:4201', slot: 'blue', previousSlot: 'green' });
    await index.refresh(true);
    expect(environmentsPage({ base: '/ui', current: 'environments' }, [await prod()]).value).toContain('was not serving when the live release replaced it: there is nothing to roll back to');
  });
});

describe('live updates (server-sent events)', () => {
  it('pushes the new revision to every viewer when the store changes, with one watcher and one store read per tick for all of them', async () => {
    const store = new ReleaseStore(t.db);
    const base = seededRelease(COUNT + 2, { now: NOW, days: 1 });
    const running = await store.create({ ...base, _id: 'rel-live-000001', status: 'running', stages: base.stages.map((s) => ({ key: s.key, env: s.env, name: s.name, status: 'pending' })) });
    const viewers = await Promise.all(
      [1, 2, 3].map(async () => {
        const ctrl = new AbortController();
        const res = await fetch(`${dash.url}releases/${running._id}/events`, { signal: ctrl.signal });
        expect(res.headers.get('content-type')).toContain('text/event-stream');
        const reader = res.body!.getReader();
        let text = '';
        const until = async (pred: (s: string) => boolean) => {
          while (!pred(text)) {
            const { value, done } = await reader.read();
            if (done) break;
            text += new TextDecoder().decode(value);
          }
          return text;
        };
        return { ctrl, until };
      }),
    );
    for (const v of viewers) await v.until((s) => s.includes('"rev":1'));
    expect(dash.dashboard.hub.viewerCount).toBe(3);
    expect(dash.dashboard.hub.watcherCount).toBe(1);
    const readsBefore = dash.dashboard.hub.reads;
    const next = await store.update(running, (r) => {
      r.stages[0]!.status = 'running';
      r.stages[0]!.startedAt = new Date().toISOString();
    });
    for (const v of viewers) {
      const text = await v.until((s) => s.includes(`"rev":${next.rev}`));
      expect(text).toContain('data-status=\\"running\\"');
    }
    const ticks = dash.dashboard.hub.reads - readsBefore;
    // Three viewers, one watcher: the reads are the watcher's ticks, not three per tick.
    expect(ticks).toBeGreaterThan(0);
    await store.update(next, (r) => {
      r.status = 'succeeded';
    });
    for (const v of viewers) expect(await v.until((s) => s.includes('event: end'))).toContain('event: end');
    for (const v of viewers) v.ctrl.abort();
  });
});

describe('on the bot, behind sign-in', () => {
  it('a live stream ends when its session expires; one viewer cannot hold more than their share of streams; a forged newline does not forge a log line', async () => {
    let clock = Date.now();
    const db = t.client.db(t.freshName('bot'));
    const people = { people: [{ name: 'ana', slack: 'U012ABC' }] };
    const auth = new DashboardAuth('server-test-secret-0123456789-abcdefghij', { db, config: () => people, now: () => clock, secureCookie: false });
    const lines: string[] = [];
    const slackSignIn = new SlackSignIn({ clientId: '1.2', clientSecret: 'x', redirectUri: 'http://127.0.0.1:9/ui/auth/slack/callback', authorizeUrl: 'http://127.0.0.1:9/a', tokenUrl: 'http://127.0.0.1:9/t', jwksUrl: 'http://127.0.0.1:9/k' });
    const dashboard = createDashboard({ db, config, auth, slackSignIn, log: (l) => lines.push(l), live: { heartbeatMs: 50, intervalMs: 50, maxPerViewer: 2 } });
    const server = await startBotServer({ dashboard });
    try {
      const store = new ReleaseStore(db);
      const base = seededRelease(9, { now: NOW, days: 1 });
      const running = await store.create({ ...base, _id: 'rel-bot-live', status: 'running' });
      const signed = await auth.redeem(auth.linkToken('ana'));
      if (!signed.ok) throw new Error(signed.why);
      const cookie = signed.cookie.split(';')[0]!;
      const open = () => fetch(`${server.url}/ui/releases/${running._id}/events`, { headers: { cookie } });
      const a = await open();
      const b = await open();
      expect([a.status, b.status]).toEqual([200, 200]);
      const third = await open();
      expect(third.status).toBe(429);
      await third.text();
      // The session runs out: the next heartbeat ends both streams.
      clock += 13 * 3_600_000;
      for (const res of [a, b]) expect(await res.text()).toContain('event: release');
      expect(dashboard.hub.viewerCount).toBe(0);

      const forged = await fetch(`${server.url}/ui/auth/slack/callback?error=x%0Adashboard:%20mallory%20signed%20in`);
      expect(forged.status).toBe(403);
      await forged.text();
      expect(lines.some((l) => l.includes('\n'))).toBe(false);
      expect(lines.filter((l) => l.startsWith('dashboard: mallory'))).toEqual([]);
    } finally {
      await server.close();
      dashboard.close();
    }
  });
});
