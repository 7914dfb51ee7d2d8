/**
 * The dashboard's HTTP side: one request handler under a base path (`/ui`), mounted by the bot's
 * server (bot/server.ts) behind sign-in, or served on loopback by `shipgate dashboard`.
 *
 * Read-only: GET and HEAD only (anything else is 405), so there is no form to forge. Approve and
 * reject stay in Slack and the CLI, where each click or command carries its own verified identity
 * (docs/dashboard.md says why). Every page is server-rendered HTML through html.ts's escaping
 * template, with a CSP that allows only this origin's one stylesheet and one script, no framing
 * and no referrer. A bad query is a 400 naming the field; an unknown page or release a 404; any
 * failure a 500 with one redacted log line — the process keeps serving.
 *
 * Locally there is no sign-in, so the server listens on loopback only and refuses a Host header
 * other than its own loopback name and port (a web page elsewhere cannot rebind a DNS name to it).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatDuration } from '../config/duration.ts';
import { coreErrors } from '../errors.ts';
import { parseInstant, RELEASE_STATUSES } from '../cli/release-history.ts';
import { redactText } from '../secrets/redact.ts';
import type { ReleaseRecord, ReleaseStatus } from '../release/types.ts';
import { LIVE_JS, STYLE_CSS } from './assets.ts';
import type { DashboardAuth } from './auth.ts';
import { AuditView, commitsFor, environmentViews, nightlyRuns, type DashboardData } from './data.ts';
import { Html, type PageNav } from './html.ts';
import { LiveHub, type LiveOptions } from './live.ts';
import { doraMetrics, doraRecordOf } from './dora.ts';
import { ReleaseIndex, type ListFilter } from './release-index.ts';
import { auditPage, environmentsPage, messagePage, metricsPage, nightlyPage, releasePage, releasesPage, signInPage, type MetricsRow } from './views.ts';
import type { SlackSignIn } from './slack-signin.ts';
import { personFor } from '../release/approvals.ts';
import { isLoopbackHostname } from './links.ts';
import { commitTimes } from './data.ts';

export const DASHBOARD_BASE = '/ui';
export const PER_PAGE = 50;
const MAX_URL = 2048;
const RELEASE_ID = /^[A-Za-z0-9._-]{1,100}$/;
/** The Slack live message's id in `slack_messages` (bot/slack/message-store.ts liveMessageId; a test holds them together). */
export const slackLiveMessageId = (release: string) => `live:${release}`;

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export interface DashboardOptions extends Omit<DashboardData, 'index'> {
  base?: string;
  /** Sign-in (the bot). Without it the dashboard is open, and must only be served on loopback (startLocalDashboard). */
  auth?: DashboardAuth;
  live?: LiveOptions;
  /** How often the release index re-reads summaries (default 1 s). */
  refreshMs?: number;
  /** Sign in with Slack (OpenID Connect) on the bot, besides the links of /deploy dashboard. */
  slackSignIn?: SlackSignIn;
  /** How long the audit chain's verification is reused (it reads the whole log; default 30 s). */
  auditCacheMs?: number;
  /** Where GitHub runs link to (default https://github.com). */
  githubServerUrl?: string;
  log?: (line: string) => void;
}

export interface Dashboard {
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
  index: ReleaseIndex;
  hub: LiveHub;
  close(): void;
}

class BadQuery extends Error {}

function send(res: ServerResponse, status: number, body: string | Html, headers: Record<string, string> = {}, head = false): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const text = typeof body === 'string' ? body : body.value;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS, ...headers });
  res.end(head ? undefined : text);
}

function parseQuery(url: string | undefined): URLSearchParams {
  const raw = url ?? '';
  const q = raw.indexOf('?');
  return new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
}

/** The list filter from the query, each field checked; a bad one is a 400 naming it. */
export function parseListQuery(q: URLSearchParams, environments: readonly string[], now = new Date()): { filter: ListFilter; page: number; form: Record<string, string> } {
  const form: Record<string, string> = {};
  for (const k of ['env', 'status', 'requester', 'since', 'until', 'page']) {
    const v = q.get(k);
    if (v !== null) {
      if (v.length > 100) throw new BadQuery(`${k} is too long (at most 100 characters)`);
      form[k] = v.trim();
    }
  }
  const filter: ListFilter = {};
  if (form.env) {
    if (!environments.includes(form.env)) throw new BadQuery(`env "${form.env}" is not an environment of the config (one of ${environments.join(', ')})`);
    filter.env = form.env;
  }
  if (form.status) {
    const s = form.status.replace(/-/g, '_');
    if (s === 'active') filter.statuses = ['running', 'awaiting_approval'];
    else if ((RELEASE_STATUSES as readonly string[]).includes(s)) filter.statuses = [s as ReleaseStatus];
    else throw new BadQuery(`status "${form.status}" is not a release status (one of active, ${RELEASE_STATUSES.join(', ')})`);
  }
  if (form.requester) filter.requester = form.requester;
  try {
    if (form.since) filter.since = parseInstant('since', form.since, now);
    if (form.until) {
      // A bare date means the whole day.
      const day = /^\d{4}-\d{2}-\d{2}$/.test(form.until) ? Date.parse(form.until) : undefined;
      if (day !== undefined && Number.isNaN(day)) throw new BadQuery(`until "${form.until}" is not a date`);
      filter.until = day !== undefined ? new Date(day + 86_399_999).toISOString() : parseInstant('until', form.until, now);
    }
  } catch (err) {
    throw new BadQuery((err as Error).message.replace(/^.*?(since|until) /, '$1 '));
  }
  if (filter.since && filter.until && filter.since > filter.until) throw new BadQuery(`since (${form.since}) is after until (${form.until}): nothing could match`);
  let page = 1;
  if (form.page) {
    if (!/^\d{1,6}$/.test(form.page) || Number(form.page) < 1) throw new BadQuery(`page "${form.page}" must be a whole number from 1`);
    page = Number(form.page);
  }
  return { filter, page, form };
}

export function createDashboard(opts: DashboardOptions): Dashboard {
  const base = opts.base ?? DASHBOARD_BASE;
  const index = new ReleaseIndex(opts.db, { minIntervalMs: opts.refreshMs ?? 1000 });
  const hub = new LiveHub(opts.db, index, opts.live ?? {});
  index.startAutoRefresh(opts.refreshMs ?? 1000);
  const data: DashboardData = { ...opts, index };
  const audit = new AuditView(opts.db, opts.auditCacheMs);
  let metricsCache: { html: Html; t: number } | null = null;
  // One line per event: control characters (a forged newline in a query) become '?'.
  const log = (line: string) => opts.log?.(redactText(line.replace(/[^\x20-\x7e\u00a0-\uffff]/g, '?')).slice(0, 500));
  const envNames = () => Object.keys(opts.config.environments);

  async function links(r: ReleaseRecord): Promise<{ run?: string; slack?: string }> {
    const [run, slack] = await Promise.all([
      opts.db.collection<{ repo: string; runId: number; release: string; at: Date }>('github_runs').find({ release: r._id }).sort({ at: -1 }).limit(1).next(),
      opts.db.collection<{ _id: string; channel?: string; ts?: string }>('slack_messages').findOne({ _id: slackLiveMessageId(r._id) }),
    ]);
    const out: { run?: string; slack?: string } = {};
    if (run && /^[\w.-]+\/[\w.-]+$/.test(run.repo) && Number.isInteger(run.runId)) out.run = `${opts.githubServerUrl ?? 'https://github.com'}/${run.repo}/actions/runs/${run.runId}`;
    if (slack?.channel && slack.ts && /^[A-Z0-9]+$/.test(slack.channel) && /^\d+\.\d+$/.test(slack.ts)) out.slack = `https://slack.com/archives/${slack.channel}/p${slack.ts.replace('.', '')}`;
    return out;
  }

  async function metrics(nav: PageNav): Promise<Html> {
    if (metricsCache && Date.now() - metricsCache.t < 60_000) return metricsCache.html;
    const now = opts.now?.() ?? new Date();
    const since = new Date(now.getTime() - 90 * 86_400_000).toISOString();
    await index.ensureFresh();
    const liveStageOf = (env: string) => (opts.config.environments[env]?.dns ? 'cutover' : 'deploy') as 'cutover' | 'deploy';
    // From the summaries in memory (when each release went live, where it failed after): no record is read.
    const records = index.all().filter((s) => s.updatedAt >= since).map((s) => doraRecordOf(s, liveStageOf));
    const times = await commitTimes(opts.repoRoot, records.map((r) => r.sha));
    const rows: MetricsRow[] = [];
    for (const [env, e] of Object.entries(opts.config.environments)) {
      for (const days of [7, 30, 90]) {
        const m = doraMetrics(records, { env, days, now, liveStage: e.dns ? 'cutover' : 'deploy', commitTimes: times });
        rows.push({
          env, days, deployments: m.deployments, perWeek: m.perWeek,
          leadTime: m.leadTime.medianMs === null ? '—' : formatDuration(m.leadTime.medianMs),
          leadFrom: m.leadTime.from === null ? '' : m.leadTime.from === 'commit' ? 'from commit' : m.leadTime.from === 'request' ? 'from request (commit times unknown here)' : 'from commit where known',
          changeFailureRate: m.changeFailureRate === null ? '—' : `${Math.round(m.changeFailureRate * 100)}% (${m.changeFailures} of ${m.deployments})`,
          timeToRestore: m.timeToRestore.medianMs === null ? '—' : formatDuration(m.timeToRestore.medianMs),
          unrestored: m.timeToRestore.unrestored,
        });
      }
    }
    const html = metricsPage(nav, rows, `DORA metrics from the release records of the last 90 days, computed ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC (kept for a minute). A deployment is a release going live on the environment; a change failure is one rolled back there or failing after it went live; lead time runs from the commit (git, where this runs in a checkout) or else from the request.`);
    metricsCache = { html, t: Date.now() };
    return html;
  }

  async function route(req: IncomingMessage, res: ServerResponse, sub: string, head: boolean): Promise<void> {
    if (sub === '/assets/style.css') return send(res, 200, STYLE_CSS, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=300' }, head);
    if (sub === '/assets/live.js') return send(res, 200, LIVE_JS, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=300' }, head);
    const nav: PageNav = { base, current: 'none' };
    if (opts.auth) {
      if (sub === '/logout') {
        return send(res, 200, messagePage(nav, 'Signed out', 'Your dashboard session on this browser has ended.'), { 'set-cookie': opts.auth.signOutCookie() }, head);
      }
      if (sub === '/login' && head) return send(res, 200, '', {}, true); // a link checker's HEAD must not use up the link
      if (sub === '/login') {
        const out = await opts.auth.redeem(parseQuery(req.url).get('t') ?? undefined);
        if (!out.ok) {
          log(`dashboard: sign-in refused (${out.status}): ${out.why}`);
          return send(res, out.status, messagePage(nav, 'Sign-in refused', out.why), {}, head);
        }
        log(`dashboard: ${out.person} signed in`);
        return send(res, 303, '', { location: `${base}/`, 'set-cookie': out.cookie }, head);
      }
      if (sub === '/auth/slack' && opts.slackSignIn) {
        const start = opts.auth.startSlackSignIn();
        return send(res, 302, '', { location: opts.slackSignIn.authorizeUrl(start.state, start.nonce), 'set-cookie': start.cookie }, head);
      }
      if (sub === '/auth/slack/callback' && opts.slackSignIn) {
        const q = parseQuery(req.url);
        const refuse = (why: string) => {
          log(`dashboard: Slack sign-in refused: ${why}`);
          return send(res, 403, messagePage(nav, 'Sign-in refused', why), { 'set-cookie': opts.auth!.clearSlackSignIn() }, head);
        };
        if (q.get('error')) return refuse(`Slack did not sign you in (${(q.get('error') ?? '').slice(0, 60)})`);
        const started = opts.auth.slackSignInOf(req, q.get('state') ?? undefined);
        if (!started.ok) return refuse(started.why);
        const v = await opts.slackSignIn.exchange(q.get('code') ?? '', started.nonce);
        if (!v.ok) return refuse(v.why);
        const person = personFor(opts.config.people, { via: 'slack', id: v.userId });
        if (!person) return refuse(`Slack user ${v.userId} is not a person of the config: ask an admin to add them to people in .github/shipgate.yml`);
        log(`dashboard: ${person.name} signed in with Slack`);
        res.setHeader('set-cookie', [opts.auth.sessionCookie(person.name), opts.auth.clearSlackSignIn()]);
        return send(res, 303, '', { location: `${base}/` }, head);
      }
      const who = opts.auth.viewer(req);
      if (!who.ok) return send(res, 401, signInPage(nav, who.why, opts.slackSignIn !== undefined), {}, head);
      nav.viewer = who.person;
    } else nav.viewer = 'local';

    if (sub === '/' || sub === '') {
      nav.current = 'environments';
      return send(res, 200, environmentsPage(nav, await environmentViews(data)), {}, head);
    }
    if (sub === '/releases') {
      nav.current = 'releases';
      await index.ensureFresh();
      let parsed: ReturnType<typeof parseListQuery>;
      try {
        parsed = parseListQuery(parseQuery(req.url), envNames(), opts.now?.());
      } catch (err) {
        if (!(err instanceof BadQuery)) throw err;
        return send(res, 400, releasesPage(nav, { filter: {}, form: Object.fromEntries(parseQuery(req.url)), result: index.list({}, 1, PER_PAGE), environments: envNames(), error: err.message }), {}, head);
      }
      return send(res, 200, releasesPage(nav, { filter: parsed.filter, form: parsed.form, result: index.list(parsed.filter, parsed.page, PER_PAGE), environments: envNames() }), {}, head);
    }
    const m = /^\/releases\/([^/]+)(\/events)?$/.exec(sub);
    if (m) {
      nav.current = 'releases';
      let id = '';
      try {
        id = decodeURIComponent(m[1] as string);
      } catch {
        // A malformed %-escape is no release id.
      }
      if (!RELEASE_ID.test(id)) return send(res, 404, messagePage(nav, 'Not found', 'no such release'), {}, head);
      await index.ensureFresh();
      // An id the index does not know costs no read of the records (on FerretDB a lookup by _id
      // scans them): the index is re-read once (a release may be seconds old), then it is a 404.
      if (!index.entry(id)) await index.refresh(true);
      const r = index.entry(id) ? await index.record(id) : null;
      if (!r) return send(res, 404, messagePage(nav, 'Not found', `no release ${id}`), {}, head);
      if (m[2]) {
        if (head) return send(res, 200, '', { 'content-type': 'text/event-stream' }, true);
        const auth = opts.auth;
        const attached = hub.attach(r, res, { key: nav.viewer ?? 'local', ...(auth ? { stillAllowed: () => auth.viewer(req).ok } : {}) });
        if (attached === 'busy') send(res, 503, 'too many live viewers on this process: reload later', { 'retry-after': '5', 'content-type': 'text/plain; charset=utf-8' });
        if (attached === 'too-many') send(res, 429, 'you have too many live pages open: close some', { 'retry-after': '5', 'content-type': 'text/plain; charset=utf-8' });
        return;
      }
      const [auditEntries, commits, l] = await Promise.all([audit.forRelease(id), commitsFor(data, r), links(r)]);
      return send(res, 200, releasePage(nav, { release: r, audit: auditEntries, commits, links: l }), {}, head);
    }
    if (sub === '/audit') {
      nav.current = 'audit';
      const before = parseQuery(req.url).get('before');
      if (before !== null && !/^\d{1,12}$/.test(before)) return send(res, 400, messagePage(nav, 'Bad request', `before "${before.slice(0, 40)}" must be an entry number`), {}, head);
      const [v, entries] = await Promise.all([audit.verdict(), audit.entries(before ? Number(before) : undefined)]);
      const last = entries[entries.length - 1];
      return send(res, 200, auditPage(nav, { ...v, entries, ...(last && last._id > 1 && entries.length === 100 ? { older: last._id } : {}) }), {}, head);
    }
    if (sub === '/metrics') {
      nav.current = 'metrics';
      return send(res, 200, await metrics(nav), {}, head);
    }
    if (sub === '/nightly') {
      nav.current = 'nightly';
      return send(res, 200, nightlyPage(nav, await nightlyRuns(opts.db)), {}, head);
    }
    return send(res, 404, messagePage(nav, 'Not found', 'no such page'), {}, head);
  }

  return {
    index,
    hub,
    close: () => {
      index.stopAutoRefresh();
      hub.close();
    },
    async handle(req, res, path) {
      const sub = path === base ? '/' : path.slice(base.length);
      const method = req.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') return send(res, 405, 'read-only: GET only\n', { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      if ((req.url ?? '').length > MAX_URL) return send(res, 414, 'URL too long\n', { 'content-type': 'text/plain; charset=utf-8' });
      try {
        await route(req, res, sub, method === 'HEAD');
      } catch (err) {
        log(`dashboard: ${method} ${sub.slice(0, 100)} failed: ${err instanceof Error ? err.message : String(err)}`);
        send(res, 500, messagePage({ base, current: 'none' }, 'Something failed', 'The dashboard could not read the store just now; reload in a moment.'));
      }
    },
  };
}

/** The loopback names a local dashboard answers to. */
function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

export interface LocalDashboard {
  url: string;
  port: number;
  dashboard: Dashboard;
  close(): Promise<void>;
}

/** `shipgate dashboard`: the dashboard without sign-in, on loopback only. */
export async function startLocalDashboard(opts: Omit<DashboardOptions, 'auth' | 'base'> & { host?: string; port?: number }): Promise<LocalDashboard> {
  const host = (opts.host ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1'); // [::1] as a URL writes it: listen on ::1
  if (!isLoopbackHostname(host)) {
    throw coreErrors.SHIPGATE_USAGE({ problem: `--host ${host}: the local dashboard has no sign-in, so it listens on loopback only (127.0.0.1, ::1 or localhost); to share it, run the bot, which serves it at /ui behind Slack sign-in` });
  }
  const dashboard = createDashboard({ ...opts, base: DASHBOARD_BASE });
  let hosts = new Set<string>();
  const server = createServer((req, res) => {
    const raw = req.url ?? '/';
    const path = raw.split(/[?#]/)[0] as string;
    if (!hosts.has((req.headers.host ?? '').toLowerCase())) {
      res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('this dashboard answers only to its loopback address\n');
      return;
    }
    if (path === '/' || path === '') {
      res.writeHead(302, { location: `${DASHBOARD_BASE}/` });
      res.end();
      return;
    }
    if (path !== DASHBOARD_BASE && !path.startsWith(`${DASHBOARD_BASE}/`)) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    dashboard.handle(req, res, path).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(port);
  const shown = host === '::1' ? '[::1]' : host;
  return {
    url: `http://${shown}:${port}${DASHBOARD_BASE}/`,
    port,
    dashboard,
    close: () =>
      new Promise<void>((resolve) => {
        dashboard.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
