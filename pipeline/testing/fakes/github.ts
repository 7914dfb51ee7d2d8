/**
 * A loopback fake of the GitHub REST API — only the endpoints Shipgate calls, with GitHub's
 * documented request and response shapes (https://docs.github.com/en/rest):
 * - `POST /app/installations/{id}/access_tokens` (JWT-authenticated; answers `{ token, expires_at }`),
 *   `GET /repos/{o}/{r}/installation`;
 * - check runs: `POST /repos/{o}/{r}/check-runs`, `PATCH …/check-runs/{id}` (≤ 50 annotations a request);
 * - deployment protection rules: `POST /repos/{o}/{r}/actions/runs/{run_id}/deployment_protection_rule`
 *   (`environment_name`, optional `state` approved|rejected, `comment`; without state a status report
 *   of ≤ 1024 chars, ≤ 10 per run); `GET /repos/{o}/{r}/actions/runs/{run_id}`;
 * - `POST /repos/{o}/{r}/actions/workflows/{workflow}/dispatches` (`ref`, ≤ 25 inputs) → 204;
 * - issues: list (`state`, `labels`), create, update, comment.
 * Every request is recorded (authorization masked). Used only by tests and the local demo.
 */
import { createPublicKey, verify } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { sendJson, startFakeServer, type FakeRequest, type FakeServer, type RecordedRequest } from './http-fake.ts';

export interface GithubFakeOptions {
  /** The app's public key (PEM): JWTs on /app endpoints are verified with it (RS256). */
  appPublicKey?: string;
  appId?: number;
  /** Extra tokens accepted on /repos endpoints (e.g. the workflow's GITHUB_TOKEN). */
  tokens?: string[];
}

export interface FakeIssue { number: number; title: string; body: string; state: 'open' | 'closed'; labels: string[] }
export interface FakeRun { id: number; name: string; display_title: string; status: string; conclusion: string | null; html_url: string }

export interface GithubFake extends FakeServer {
  installationTokens: string[];
  issues: FakeIssue[];
  runs: Map<number, FakeRun>;
  /** Protection-rule callbacks per run id: reports (no state) and the decision. */
  rules: Map<number, { reports: string[]; decision?: { state: string; comment: string; environment: string } }>;
  checkRuns: Array<{ id: number; body: Record<string, unknown> }>;
  dispatches: Array<{ owner: string; repo: string; workflow: string; ref: string; inputs: Record<string, string> }>;
  addRun(run: Partial<FakeRun> & { id: number }): FakeRun;
  calls(method: string, pathPattern: RegExp): RecordedRequest[];
}

const b64url = (s: string) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

function jwtValid(token: string, opts: GithubFakeOptions): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  if (!opts.appPublicKey) return true;
  const [h, p, s] = parts as [string, string, string];
  const ok = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey(opts.appPublicKey), b64url(s));
  if (!ok) return false;
  const claims = JSON.parse(b64url(p).toString()) as { iss?: string | number };
  return opts.appId === undefined || String(claims.iss) === String(opts.appId);
}

const error = (res: ServerResponse, status: number, message: string) =>
  sendJson(res, status, { message, documentation_url: 'https://docs.github.com/rest', status: String(status) });

export async function startGithubFake(opts: GithubFakeOptions = {}): Promise<GithubFake> {
  const installationTokens: string[] = [];
  const issues: FakeIssue[] = [];
  const runs = new Map<number, FakeRun>();
  const rules: GithubFake['rules'] = new Map();
  const checkRuns: GithubFake['checkRuns'] = [];
  const dispatches: GithubFake['dispatches'] = [];
  let nextId = 1000;

  const bearer = (req: FakeRequest) => /^(?:bearer|token)\s+(.+)$/i.exec(req.rawHeaders.authorization ?? '')?.[1];

  const handler = async (req: FakeRequest, res: ServerResponse) => {
    const { method, path } = req;
    const body = (req.body ?? {}) as Record<string, unknown>;
    let m: RegExpExecArray | null;
    if ((m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path)) && method === 'POST') {
      if (!jwtValid(bearer(req) ?? '', opts)) return error(res, 401, 'A JSON web token could not be decoded');
      const token = `ghs_${randomBytes(18).toString('hex')}`;
      installationTokens.push(token);
      return sendJson(res, 201, { token, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: { actions: 'write', checks: 'write', deployments: 'write' }, repository_selection: 'selected' });
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/installation$/.exec(path)) && method === 'GET') {
      if (!jwtValid(bearer(req) ?? '', opts)) return error(res, 401, 'A JSON web token could not be decoded');
      return sendJson(res, 200, { id: 1, app_id: opts.appId ?? 1, account: { login: m[1] }, target_type: 'Organization' });
    }
    if (path.startsWith('/repos/')) {
      const token = bearer(req);
      if (!token || !(installationTokens.includes(token) || opts.tokens?.includes(token))) return error(res, 401, 'Bad credentials');
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/check-runs$/.exec(path)) && method === 'POST') {
      const problem = checkRunProblem(body);
      if (problem) return error(res, 422, problem);
      const id = nextId++;
      checkRuns.push({ id, body });
      return sendJson(res, 201, { id, head_sha: body.head_sha, name: body.name, status: body.status ?? 'queued', conclusion: body.conclusion ?? null, html_url: `https://github.com/${m[1]}/${m[2]}/runs/${id}`, output: body.output ?? {} });
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/check-runs\/(\d+)$/.exec(path)) && method === 'PATCH') {
      const problem = checkRunProblem(body, true);
      if (problem) return error(res, 422, problem);
      const run = checkRuns.find((c) => c.id === Number(m![3]));
      if (!run) return error(res, 404, 'Not Found');
      run.body = { ...run.body, ...body };
      return sendJson(res, 200, { id: run.id, ...run.body });
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/deployment_protection_rule$/.exec(path)) && method === 'POST') {
      const runId = Number(m[3]);
      if (typeof body.environment_name !== 'string' || !body.environment_name) return error(res, 422, 'environment_name is required');
      const rule = rules.get(runId) ?? { reports: [] };
      rules.set(runId, rule);
      if (rule.decision) return error(res, 422, 'The deployment protection rule has already been decided');
      if (body.state === undefined) {
        const comment = String(body.comment ?? '');
        if (!comment) return error(res, 422, 'comment is required for a status report');
        if (comment.length > 1024) return error(res, 422, 'comment is too long (maximum is 1024 characters)');
        if (rule.reports.length >= 10) return error(res, 422, 'at most 10 status reports per deployment');
        rule.reports.push(comment);
      } else if (body.state === 'approved' || body.state === 'rejected') {
        rule.decision = { state: body.state, comment: String(body.comment ?? ''), environment: body.environment_name };
      } else return error(res, 422, `state must be approved or rejected, got ${String(body.state)}`);
      res.writeHead(204).end();
      return;
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)$/.exec(path)) && method === 'GET') {
      const run = runs.get(Number(m[3]));
      return run ? sendJson(res, 200, run) : error(res, 404, 'Not Found');
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/workflows\/([^/]+)\/dispatches$/.exec(path)) && method === 'POST') {
      const inputs = (body.inputs ?? {}) as Record<string, unknown>;
      if (typeof body.ref !== 'string') return error(res, 422, 'ref is required');
      if (Object.keys(inputs).length > 25) return error(res, 422, 'inputs are too large (maximum 25)');
      if (Object.values(inputs).some((v) => typeof v !== 'string')) return error(res, 422, 'inputs must be strings');
      dispatches.push({ owner: m[1]!, repo: m[2]!, workflow: decodeURIComponent(m[3]!), ref: body.ref, inputs: inputs as Record<string, string> });
      res.writeHead(204).end();
      return;
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues$/.exec(path))) {
      if (method === 'GET') {
        const state = req.query.state ?? 'open';
        const labels = (req.query.labels ?? '').split(',').filter(Boolean);
        return sendJson(res, 200, issues.filter((i) => (state === 'all' || i.state === state) && labels.every((l) => i.labels.includes(l))).map(issueJson(m[1]!, m[2]!)));
      }
      if (method === 'POST') {
        if (typeof body.title !== 'string' || !body.title) return error(res, 422, 'title is required');
        const issue: FakeIssue = { number: issues.length + 1, title: body.title, body: String(body.body ?? ''), state: 'open', labels: (body.labels as string[] | undefined) ?? [] };
        issues.push(issue);
        return sendJson(res, 201, issueJson(m[1]!, m[2]!)(issue));
      }
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(path)) && method === 'PATCH') {
      const issue = issues.find((i) => i.number === Number(m![3]));
      if (!issue) return error(res, 404, 'Not Found');
      if (body.state === 'open' || body.state === 'closed') issue.state = body.state;
      if (typeof body.body === 'string') issue.body = body.body;
      if (typeof body.title === 'string') issue.title = body.title;
      return sendJson(res, 200, issueJson(m[1]!, m[2]!)(issue));
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path)) && method === 'POST') {
      if (!issues.some((i) => i.number === Number(m![3]))) return error(res, 404, 'Not Found');
      return sendJson(res, 201, { id: nextId++, body: body.body });
    }
    return error(res, 404, 'Not Found');
  };

  const server = await startFakeServer(handler);
  return {
    ...server,
    installationTokens, issues, runs, rules, checkRuns, dispatches,
    addRun(run) {
      const full: FakeRun = { name: 'release', display_title: '', status: 'in_progress', conclusion: null, html_url: `https://github.com/o/r/actions/runs/${run.id}`, ...run };
      runs.set(full.id, full);
      return full;
    },
    calls: (method, pattern) => server.requests.filter((r) => r.method === method && pattern.test(r.path)),
  };
}

function issueJson(owner: string, repo: string) {
  return (i: FakeIssue) => ({ number: i.number, title: i.title, body: i.body, state: i.state, labels: i.labels.map((name) => ({ name })), html_url: `https://github.com/${owner}/${repo}/issues/${i.number}` });
}

function checkRunProblem(body: Record<string, unknown>, update = false): string | undefined {
  if (!update && (typeof body.name !== 'string' || typeof body.head_sha !== 'string')) return 'name and head_sha are required';
  if (body.conclusion !== undefined && !['success', 'failure', 'neutral', 'cancelled', 'skipped', 'timed_out', 'action_required'].includes(String(body.conclusion))) return `conclusion ${String(body.conclusion)} is not valid`;
  const output = body.output as { title?: unknown; summary?: unknown; annotations?: unknown[] } | undefined;
  if (output) {
    if (typeof output.title !== 'string' || typeof output.summary !== 'string') return 'output needs title and summary';
    if (output.summary.length > 65535) return 'output.summary is too long (maximum 65535 characters)';
    const anns = output.annotations ?? [];
    if (anns.length > 50) return 'at most 50 annotations per request';
    for (const a of anns as Array<Record<string, unknown>>) {
      if (typeof a.path !== 'string' || typeof a.start_line !== 'number' || typeof a.end_line !== 'number' || !['notice', 'warning', 'failure'].includes(String(a.annotation_level)) || typeof a.message !== 'string') {
        return 'each annotation needs path, start_line, end_line, annotation_level (notice|warning|failure) and message';
      }
    }
  }
  return undefined;
}
