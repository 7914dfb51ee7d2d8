/**
 * The dashboard in a real browser (playwright-core + Debian Chromium), on real parts: the sample
 * app released by the engine with the process provider, the local router as DNS and FerretDB.
 * - a whole release watched live on its page: the checklist advances by server-sent events
 *   without a reload, through approval, to the finished notice;
 * - the environments page after a cutover (live version, serving slot, idle slot) and after a
 *   rollback (the previous version live again);
 * - a failed release with its evidence (the crashing app's log lines, its secret masked);
 * - filters and paging over 10,000 seeded releases, through the form and the pager;
 * - sign-in (the bot's /ui): refused without a session, for a person not in the config, for a
 *   replayed link; a valid link signs in.
 * Every page is shot at desktop and phone width under reports/dashboard/ and checked by axe-core.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { stringify } from 'yaml';
import { useTestDatabase } from '../testing/mongo.ts';
import { parseConfigText } from '../config/load.ts';
import { createReleaseWorld, type World, type WorldConfig } from '../release/testing/world.ts';
import { approveRelease } from '../release/decide.ts';
import { rollbackEnvironment } from '../release/rollback.ts';
import { startBotServer, type BotServer } from '../../bot/server.ts';
import { recordNightlyRun } from '../../bot/github/nightly.ts';
import { DashboardAuth } from './auth.ts';
import { SlackSignIn } from './slack-signin.ts';
import { startSlackOidcFake, type SlackOidcFake } from '../testing/fakes/slack-oidc.ts';
import { createDashboard, startLocalDashboard, type LocalDashboard } from './server.ts';
import { seededRelease, seedReleases } from './seed.ts';
import { launchBrowser, shootAndCheck } from './browser.testkit.ts';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });
const t = useTestDatabase('dashui');
let browser: Browser;
const closers: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  await browser?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  closers.push(() => context.close());
  return context.newPage();
}

async function expectAccessible(page: Page, name: string): Promise<void> {
  const { files, violations } = await shootAndCheck(page, name);
  expect(files).toHaveLength(2);
  expect(violations, `${name}: serious accessibility violations: ${JSON.stringify(violations)}`).toEqual({ desktop: [], phone: [] });
}

async function dashboardFor(w: World): Promise<LocalDashboard> {
  const d = await startLocalDashboard({ db: w.system.store.db, config: w.system.config, publicUrls: { production: w.publicUrl }, port: 0, refreshMs: 200, live: { intervalMs: 250 } });
  closers.push(() => d.close());
  return d;
}

const approveAs = (w: World, person: string) => async (r: { _id: string }) => {
  await approveRelease({ store: w.system.store, audit: w.system.audit, policy: w.system.policy }, r._id, { via: 'cli', id: person });
  return 'approved' as const;
};

describe('a whole local release, watched in the browser', () => {
  let w: World;
  let dash: LocalDashboard;
  beforeAll(async () => {
    w = await createReleaseWorld({ client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p) });
    closers.push(() => w.close());
    dash = await dashboardFor(w);
  });

  it('the release page advances live, stage by stage, without a reload, to the finished notice', async () => {
    const r = await w.release('production', '1.0.0');
    const page = await newPage();
    await page.goto(`${dash.url}releases/${r._id}`);
    expect(await page.locator('[data-stage="staging/deploy"]').getAttribute('data-status')).toBe('pending');
    // A mark that a reload would wipe.
    await page.evaluate('window.loadedOnce = true');
    const seen = new Set<string>();
    const watch = (async () => {
      for (;;) {
        const statuses = await page.locator('.checklist li').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-stage')}=${e.getAttribute('data-status')}`)).catch(() => []);
        statuses.forEach((s) => seen.add(s));
        if (await page.locator('#finished').count()) return;
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
    const done = await w.run(r._id, { waitForApproval: approveAs(w, 'ana') });
    expect(done.status, done.reason).toBe('succeeded');
    await page.waitForSelector('#finished', { timeout: 30_000 });
    await watch;
    expect(await page.evaluate('window.loadedOnce === true')).toBe(true);
    // The page went through intermediate states, not straight to the end.
    expect([...seen].some((s) => s.endsWith('=running'))).toBe(true);
    expect(seen.has('staging/deploy=passed')).toBe(true);
    expect(await page.locator('[data-stage="production/cutover"]').getAttribute('data-status')).toBe('passed');
    await page.reload();
    await expect(page.locator('.badge').first().textContent()).resolves.toBe('succeeded');
    await expectAccessible(page, 'release-succeeded');
  });

  it('the environments page after a cutover, and after a rollback', async () => {
    const r2 = await w.release('production', '1.1.0', 'raj');
    expect((await w.run(r2._id, { waitForApproval: approveAs(w, 'ana') })).status).toBe('succeeded');
    await dash.dashboard.index.refresh(true); // pages never wait for a re-read: make it now, not in the background
    const page = await newPage();
    await page.goto(dash.url);
    const prod = page.locator('section.env', { has: page.locator('h2', { hasText: 'production' }) });
    await expect(prod.locator('.big').textContent()).resolves.toContain('1.1.0');
    const text = await prod.textContent();
    expect(text).toMatch(/serving slot\s*green/);
    expect(text).toMatch(/slot blue at http:\/\/127\.0\.0\.1:\d+ holds 1\.0\.0/);
    expect(text).toContain(w.publicUrl);
    await expectAccessible(page, 'environments-after-cutover');

    await rollbackEnvironment(w.system, 'production', { force: false, actor: { via: 'cli', id: 'raj' } });
    await dash.dashboard.index.refresh(true);
    await page.reload();
    await expect(prod.locator('.big').textContent()).resolves.toContain('1.0.0');
    expect(await prod.textContent()).toMatch(/serving slot\s*blue/);
    await page.goto(`${dash.url}releases/${r2._id}`);
    await expect(page.locator('.badge').first().textContent()).resolves.toBe('rolled back');
    await page.goto(dash.url);
    await expectAccessible(page, 'environments-after-rollback');
  });

  it('the audit, metrics and nightly smoke pages of that history', async () => {
    await recordNightlyRun(w.system.store.db, { runUrl: 'https://github.com/acme/notes/actions/runs/77', results: [
      { env: 'staging', status: 'passed', summary: '4 passed' },
      { env: 'production', status: 'failed', summary: '1 of 4 failed', flaky: ['smoke/suites/notes.test.ts › lists notes'] },
    ] });
    const page = await newPage();
    await page.goto(`${dash.url}audit`);
    await expect(page.locator('#chain').textContent()).resolves.toMatch(/^✓ chain intact up to entry \d+$/);
    expect(await page.locator('tbody tr').count()).toBeGreaterThan(10);
    await expectAccessible(page, 'audit');
    await page.goto(`${dash.url}metrics`);
    // Three releases went live on production in this test (1.0.0, 1.1.0), one was rolled back.
    const prod7 = page.locator('tbody tr', { hasText: 'production' }).first();
    await expect(prod7.textContent()).resolves.toMatch(/production\s*7 days\s*2\s*2\s*.*50% \(1 of 2\)/);
    await expectAccessible(page, 'metrics');
    await page.goto(`${dash.url}nightly`);
    await expect(page.locator('main').textContent()).resolves.toContain('production: smoke/suites/notes.test.ts › lists notes — flaky on 1 night');
    await expectAccessible(page, 'nightly');
  });
});

describe('a failed release', () => {
  it('shows its failed stage open, with the evidence: the last log lines, the secret masked', async () => {
    const scripts = await mkdtemp(join(tmpdir(), 'sg-dash-apps-'));
    closers.push(() => rm(scripts, { recursive: true, force: true }));
    const secret = 'Dash-Secret-for-evidence-7731';
    await writeFile(join(scripts, 'crash.cjs'), ["console.log('booting notes');", "console.log('config: JWT_SECRET=' + process.env.JWT_SECRET);", "console.error('Error: SMTP_URL is not set, cannot start');", 'process.exit(1);'].join('\n'));
    const w = await createReleaseWorld({
      client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p),
      configure: (c: WorldConfig) => {
        c.app.start = `node ${join(scripts, 'crash.cjs')}`;
        c.environments.staging!.deploy.env = { JWT_SECRET: 'STAGING_JWT_SECRET' };
      },
      env: (e) => ({ ...e, STAGING_JWT_SECRET: secret }),
    });
    closers.push(() => w.close());
    const dash = await dashboardFor(w);
    const r = await w.run((await w.release('staging', '2.0.0'))._id);
    expect(r.status).toBe('failed');
    const page = await newPage();
    await page.goto(`${dash.url}releases/${r._id}`);
    const gate = page.locator('details.gate[open]');
    await expect(gate.locator('summary').textContent()).resolves.toContain('staging/deploy');
    const evidence = await gate.locator('pre.evidence').textContent();
    expect(await gate.locator('pre').count()).toBe(1); // the evidence once, not again inside the details
    expect(evidence).toContain('Error: SMTP_URL is not set, cannot start');
    expect(evidence).toContain('config: JWT_SECRET=');
    expect(await page.content()).not.toContain(secret);
    await expectAccessible(page, 'release-failed');
    await dash.dashboard.index.refresh(true);
    await page.goto(`${dash.url}releases?status=failed`);
    await expect(page.locator('#count').textContent()).resolves.toContain('1 release ·');
  });
});

describe('10,000 releases', () => {
  it('filters with the form and pages with the pager, matching an independent count', async () => {
    const now = new Date();
    const dbName = t.freshName('ten');
    const db = t.client.db(dbName);
    await seedReleases(db, 10_000, { now, days: 365 });
    const config = parseConfigText(stringify({
      app: { name: 'notes', start: 'node server.js' },
      environments: {
        staging: { deploy: { provider: 'process' }, database: { uriEnv: 'STAGING_MONGODB_URI' } },
        production: { protected: true, deploy: { provider: 'process' }, database: { uriEnv: 'PRODUCTION_MONGODB_URI' } },
      },
      approval: { approvers: ['ana'] },
      people: [{ name: 'ana' }],
    }), 'shipgate.yml');
    const dash = await startLocalDashboard({ db, config, port: 0 });
    closers.push(() => dash.close());
    const page = await newPage();
    await page.goto(`${dash.url}releases`);
    await expect(page.locator('#count').textContent()).resolves.toBe('10000 releases · page 1 of 200');
    await expectAccessible(page, 'releases-10000');

    const all = Array.from({ length: 10_000 }, (_, i) => seededRelease(i, { now, days: 365 }));
    const want = all.filter((r) => r.path.includes('production') && r.status === 'failed');
    await page.selectOption('select[name=env]', 'production');
    await page.selectOption('select[name=status]', 'failed');
    await Promise.all([page.waitForURL(/status=failed/), page.click('button[type=submit]')]);
    const pages = Math.ceil(want.length / 50);
    await expect(page.locator('#count').textContent()).resolves.toBe(`${want.length} releases · page 1 of ${pages}`);
    expect(await page.locator('table.list tbody tr').count()).toBe(50);
    for (const badge of await page.locator('table.list tbody .badge').allTextContents()) expect(badge).toBe('failed');
    const firstPage = await page.locator('table.list tbody td:first-child a').allTextContents();
    await Promise.all([page.waitForURL(/page=2/), page.click('a[rel=next]')]);
    await expect(page.locator('#count').textContent()).resolves.toBe(`${want.length} releases · page 2 of ${pages}`);
    const secondPage = await page.locator('table.list tbody td:first-child a').allTextContents();
    expect(secondPage.filter((id) => firstPage.includes(id))).toEqual([]);
    // The filter stays on when paging.
    expect(page.url()).toContain('env=production');
    await expectAccessible(page, 'releases-filtered-page2');

    await page.fill('input[name=since]', 'last tuesday');
    await page.click('button[type=submit]');
    await expect(page.locator('[role=alert]').textContent()).resolves.toContain('since "last tuesday" is not a time');
  });
});

describe('sign-in on the bot', () => {
  let server: BotServer;
  const secret = 'dashboard-test-secret-0123456789-abcdefghij';
  const people = { people: [{ name: 'ana', slack: 'U012ABC' }, { name: 'raj', slack: 'U034DEF' }] };
  let auth: DashboardAuth;
  let slack: SlackOidcFake;
  beforeAll(async () => {
    const db = t.client.db(t.freshName('auth'));
    const config = parseConfigText(stringify({
      app: { name: 'notes', start: 'node server.js' },
      environments: { production: { protected: true, deploy: { provider: 'process' }, database: { uriEnv: 'PRODUCTION_MONGODB_URI' } } },
      approval: { approvers: ['ana'] },
      ...people,
    }), 'shipgate.yml');
    auth = new DashboardAuth(secret, { db, config: () => config, secureCookie: false });
    // The server first (its URL is the redirect URL registered with Slack), then the dashboard behind it.
    const behind: { dashboard?: ReturnType<typeof createDashboard> } = {};
    server = await startBotServer({ dashboard: { handle: (req, res, path) => behind.dashboard!.handle(req, res, path) } });
    closers.push(() => server.close());
    const redirectUri = `${server.url}/ui/auth/slack/callback`;
    slack = await startSlackOidcFake({ clientId: '1.2', clientSecret: 'slack-client-secret-for-tests', redirectUris: [redirectUri] });
    closers.push(() => slack.close());
    const slackSignIn = new SlackSignIn({ clientId: '1.2', clientSecret: 'slack-client-secret-for-tests', redirectUri, authorizeUrl: slack.authorizeUrl, tokenUrl: slack.tokenUrl, jwksUrl: slack.jwksUrl });
    behind.dashboard = createDashboard({ db, config, auth, slackSignIn });
    closers.push(async () => behind.dashboard?.close());
  });

  it('refuses anonymous viewers, strangers and replayed links; a valid link signs in once', async () => {
    const page = await newPage();
    const anon = await page.goto(`${server.url}/ui/`);
    expect(anon?.status()).toBe(401);
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign in to Shipgate');
    await expectAccessible(page, 'sign-in-required');

    // A link signed with the same key for someone the config does not (or no longer) name.
    const db = t.client.db(t.freshName('auth2'));
    const mallory = new DashboardAuth(secret, { db, config: () => ({ people: [{ name: 'mallory' }] }) }).linkToken('mallory');
    const refused = await page.goto(`${server.url}/ui/login?t=${mallory}`);
    expect(refused?.status()).toBe(403);
    await expect(page.locator('main').textContent()).resolves.toContain('mallory is not a person of the config');
    expect((await page.context().cookies()).length).toBe(0);
    await expectAccessible(page, 'sign-in-refused');

    const link = `${server.url}/ui/login?t=${auth.linkToken('ana')}`;
    await page.goto(link);
    expect(page.url()).toBe(`${server.url}/ui/`); // the token is gone from the address bar
    await expect(page.locator('.viewer').textContent()).resolves.toBe('ana');
    const replay = await (await newPage()).goto(link);
    expect(replay?.status()).toBe(403);
  });

  it('Sign in with Slack: a person of the config gets in; a Slack user not in the config is refused', async () => {
    slack.signInAs({ id: 'U034DEF' }); // raj
    const page = await newPage();
    await page.goto(`${server.url}/ui/releases`);
    await Promise.all([page.waitForURL(`${server.url}/ui/`), page.click('text=Sign in with Slack')]);
    await expect(page.locator('.viewer').textContent()).resolves.toBe('raj');

    slack.signInAs({ id: 'U999EVIL' });
    const stranger = await newPage();
    await stranger.goto(`${server.url}/ui/`);
    const [answer] = await Promise.all([stranger.waitForResponse((r) => r.url().includes('/ui/auth/slack/callback')), stranger.click('text=Sign in with Slack')]);
    expect(answer.status()).toBe(403);
    await expect(stranger.locator('main').textContent()).resolves.toContain('Slack user U999EVIL is not a person of the config');
    expect((await stranger.context().cookies()).filter((c) => c.name === 'sg_dash')).toEqual([]);
    await expectAccessible(stranger, 'sign-in-slack-refused');
    expect(slack.violations).toEqual([]);
  });
});
