/**
 * A loopback fake of the GitHub REST API — only the endpoints Shipgate calls, with GitHub's
 * documented request and response shapes (https://docs.github.com/en/rest):
 * - the App's own endpoints, authenticated with an App JWT checked as GitHub checks it (RS256 with the
 *   app's public key, `iss` = the App ID, `iat` not in the future, `exp` in the future and at most
 *   10 minutes ahead): `GET /app` (id, slug), `GET /repos/{o}/{r}/installation` (the installation
 *   that holds the repository, 404 if none), `POST /app/installations/{id}/access_tokens`
 *   (optional `repositories` / `permissions` narrowing; answers `{ token, expires_at }`, a token
 *   that expires after an hour and reaches only its installation's repositories);
 *   tokens the fake did not issue, expired or outside their repositories get 401 "Bad credentials";
 * - check runs: `POST /repos/{o}/{r}/check-runs`, `PATCH …/check-runs/{id}` (≤ 50 annotations a request;
 *   an update's annotations are appended, as GitHub does);
 * - deployment protection rules: `POST /repos/{o}/{r}/actions/runs/{run_id}/deployment_protection_rule`
 *   (`environment_name`, optional `state` approved|rejected, `comment`; without state a status report
 *   of ≤ 1024 chars, ≤ 10 per run); `GET /repos/{o}/{r}/actions/runs/{run_id}`;
 * - `POST /repos/{o}/{r}/actions/workflows/{workflow}/dispatches` (`ref`, ≤ 25 inputs) → 204; the
 *   dispatch is recorded with the credential that made it and creates a run whose `actor` is what
 *   GitHub would report: `<app-slug>[bot]` for an installation token, the owner of a static token;
 * - issues: list (`state`, `labels`), create, update, comment; `GET /repos/{o}/{r}` (`default_branch`);
 * - `GET /repos/{o}/{r}/compare/{base}...{head}` over a configured linear `history` (the dashboard's commits).
 *
 * The contract: every request is first matched against GitHub's own OpenAPI description
 * (github-contract.ts, cut from @octokit/openapi): no operation → 404 `Not Found`; a body or
 * parameter outside the operation's schema → 422 `Invalid request.` — both recorded in
 * `violations`, which tests assert empty. On top of the schema, what GitHub checks that the schema
 * cannot say: a dispatch's `ref` must name a branch or tag of the repository — the operation's
 * description: "The git reference for the workflow. The reference can be a branch or tag name." —
 * and its inputs must be the ones the workflow file declares under `on.workflow_dispatch.inputs`,
 * read from the real workflow YAML (`workflowsDir`). GitHub's 422 messages, as reported from the
 * live API (GitHub does not document them):
 * - `No ref found for: <ref>` — a SHA or unknown ref (convictional/trigger-workflow-and-wait#44;
 *   day8/re-frame2#9287: `gh workflow run --ref <github.sha>` → "HTTP 422: No ref found for: <sha>");
 * - `Unexpected inputs provided: ["x"]` (convictional/trigger-workflow-and-wait#4,
 *   peter-evans/slash-command-dispatch#115);
 * - `Required input 'x' not provided` (backstage/backstage#18511);
 * - `Workflow does not have 'workflow_dispatch' trigger` (elastic/terraform-provider-elasticstack#1829).
 * Schema messages follow GitHub's "Invalid request.\n\nFor 'properties/body', nil is not a string."
 * Sizes the schema does not carry, from GitHub's docs: a protection-rule status report ≤ 1024
 * characters and ≤ 10 per run.
 * Rate limits (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api):
 * `rateLimitNext()` answers the next requests with the primary limit (403, `x-ratelimit-remaining: 0`,
 * `x-ratelimit-reset`) or a secondary limit (403 or 429 with `retry-after`), GitHub's messages.
 * Every request is recorded (authorization masked). Used only by tests and the local demo.
 */
import { createPublicKey, verify } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { shipgateHome } from '../../repo.ts';
import { checkAgainstContract, invalidRequestMessage } from './github-contract.ts';
import { sendJson, startFakeServer, type FakeRequest, type FakeServer, type RecordedRequest } from './http-fake.ts';

/**
 * The operations this fake serves (method, GitHub's path template). tools/vendor-github-openapi.mjs
 * cuts exactly these out of GitHub's OpenAPI description; contracts/github-openapi.test.ts keeps
 * the two lists equal.
 */
export const GITHUB_FAKE_OPERATIONS: ReadonlyArray<readonly [method: string, path: string]> = [
  ['GET', '/app'],
  ['POST', '/app/installations/{installation_id}/access_tokens'],
  ['GET', '/repos/{owner}/{repo}'],
  ['GET', '/repos/{owner}/{repo}/installation'],
  ['GET', '/repos/{owner}/{repo}/compare/{basehead}'],
  ['POST', '/repos/{owner}/{repo}/check-runs'],
  ['PATCH', '/repos/{owner}/{repo}/check-runs/{check_run_id}'],
  ['GET', '/repos/{owner}/{repo}/actions/runs/{run_id}'],
  ['POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule'],
  ['POST', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches'],
  ['GET', '/repos/{owner}/{repo}/issues'],
  ['POST', '/repos/{owner}/{repo}/issues'],
  ['PATCH', '/repos/{owner}/{repo}/issues/{issue_number}'],
  ['POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
];

export interface GithubFakeOptions {
  /** The app's public key (PEM): JWTs on /app endpoints are verified with it (RS256). */
  appPublicKey?: string;
  appId?: number;
  /** The app's slug: runs dispatched with its installation tokens have the actor `<slug>[bot]` (default `shipgate`). */
  appSlug?: string;
  /** Extra tokens accepted on /repos endpoints (e.g. the workflow's GITHUB_TOKEN, a personal token). */
  tokens?: string[];
  /** The login owning each static token (the run's actor when it dispatches; default `octocat`). */
  tokenOwners?: Record<string, string>;
  /**
   * Installation id → the repositories (owner/name) it holds. When given, `GET …/installation`
   * answers only for those, tokens are minted only for these ids and reach only their repositories.
   * Without it every repository is in installation 1 and any id is minted (older tests).
   */
  installations?: Record<number, string[]>;
  /** How long an installation token lives (default 1 h, as on GitHub). */
  installationTokenTtlMs?: number;
  /** The fake's clock (default Date.now): JWT windows and token expiry are judged by it. */
  now?: () => number;
  /**
   * Branches and tags per repository (owner/name); others: the default branch only. A dispatch's
   * `ref` must be one of them (`refs/heads/…` / `refs/tags/…` accepted too).
   */
  repos?: Record<string, { defaultBranch?: string; branches?: string[]; tags?: string[] }>;
  /**
   * A linear commit history per repository (owner/name), oldest first, for
   * `GET /repos/{o}/{r}/compare/{base}...{head}`: commits after base up to head, oldest first, as
   * GitHub's commit-comparison (status ahead | behind | identical, ahead_by, total_commits, commits
   * paged by per_page/page). A base or head not in the history (a full sha, or a prefix of 7 or more) is 404.
   */
  history?: Record<string, Array<{ sha: string; message: string; author: string; date: string }>>;
  /** The default branch of repositories not in `repos` (default `main`). */
  defaultBranch?: string;
  /** Where the dispatched workflow files are read from (default: Shipgate's own .github/workflows). */
  workflowsDir?: string;
  /** Answer each accepted dispatch only after this long (a slow GitHub). */
  dispatchDelayMs?: number;
}

/** A request the vendor's contract does not allow, with GitHub's answer. */
export interface ContractViolation { method: string; path: string; status: number; message: string }

export interface RateLimitSpec {
  /** How many requests in a row are refused (default 1). */
  count?: number;
  /** primary: 403 + x-ratelimit-remaining 0 + x-ratelimit-reset; secondary: 403 + retry-after; secondary-429: 429 + retry-after. */
  kind: 'primary' | 'secondary' | 'secondary-429';
  /** retry-after (secondary) or seconds until x-ratelimit-reset (primary); default 1. */
  seconds?: number;
  /** Only requests whose `METHOD /path` matches are limited (default: every request). */
  match?: RegExp;
}

/** What the fake knows of each installation token it issued. */
export interface IssuedToken {
  token: string;
  installationId: number;
  /** owner/name (lower case) the token reaches. */
  repositories: string[];
  permissions: Record<string, string>;
  expiresAt: number;
  /** The JWT claims the fake verified before issuing it. */
  jwt: { iss: string; iat: number; exp: number };
}

export interface FakeDispatch {
  owner: string;
  repo: string;
  workflow: string;
  ref: string;
  inputs: Record<string, string>;
  /** The credential that dispatched: an installation token the fake issued, or a static token. */
  credential: { kind: 'installation'; installationId: number; token: string } | { kind: 'static'; owner: string };
  /** The run it created; `actor` there is what GitHub reports as github.actor. */
  runId: number;
  /** When the fake answered it (ms since the epoch). */
  answeredAt: number;
}

export interface FakeIssue { number: number; title: string; body: string; state: 'open' | 'closed'; labels: string[] }
export interface FakeRun { id: number; name: string; display_title: string; status: string; conclusion: string | null; html_url: string; event?: string; actor?: { login: string }; triggering_actor?: { login: string } }

export interface GithubFake extends FakeServer {
  installationTokens: string[];
  issues: FakeIssue[];
  runs: Map<number, FakeRun>;
  /** Protection-rule callbacks per run id: reports (no state) and the decision. */
  rules: Map<number, { reports: string[]; decision?: { state: string; comment: string; environment: string } }>;
  checkRuns: Array<{ id: number; body: Record<string, unknown> }>;
  dispatches: FakeDispatch[];
  /** Every installation token issued, with its installation, repositories, expiry and the JWT it was minted from. */
  issued: IssuedToken[];
  /** Requests the fake refused for their credentials (JWT or token), with GitHub's message. */
  refused: Array<{ method: string; path: string; status: number; message: string }>;
  /** Requests outside GitHub's contract (no such operation, schema, dispatch ref/inputs), with GitHub's answer. */
  violations: ContractViolation[];
  /** Requests answered with a rate limit. */
  limited: Array<{ method: string; path: string; status: number; kind: RateLimitSpec['kind'] }>;
  /** Answers the next requests with GitHub's rate-limit responses. */
  rateLimitNext(spec: RateLimitSpec): void;
  /** Makes every issued installation token invalid (as if revoked or expired). */
  revokeInstallationTokens(): void;
  addRun(run: Partial<FakeRun> & { id: number }): FakeRun;
  calls(method: string, pathPattern: RegExp): RecordedRequest[];
}

const b64url = (s: string) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

/** GitHub's check of an App JWT: RS256 signed with the app's key, iss = App ID, iat not ahead, exp ahead by at most 10 minutes. */
function checkJwt(token: string, opts: GithubFakeOptions, nowMs: number): { ok: true; claims: IssuedToken['jwt'] } | { ok: false; message: string } {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, message: 'A JSON web token could not be decoded' };
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: string };
  let claims: { iss?: string | number; iat?: unknown; exp?: unknown };
  try {
    header = JSON.parse(b64url(h).toString()) as typeof header;
    claims = JSON.parse(b64url(p).toString()) as typeof claims;
  } catch {
    return { ok: false, message: 'A JSON web token could not be decoded' };
  }
  const parsed = { iss: String(claims.iss), iat: Number(claims.iat), exp: Number(claims.exp) };
  if (!opts.appPublicKey) return { ok: true, claims: parsed };
  if (header.alg !== 'RS256') return { ok: false, message: 'A JSON web token could not be decoded' };
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey(opts.appPublicKey), b64url(s))) return { ok: false, message: 'A JSON web token could not be decoded' };
  if (opts.appId !== undefined && parsed.iss !== String(opts.appId)) return { ok: false, message: `'Issuer' claim ('iss') must be an Integer` };
  const now = Math.floor(nowMs / 1000);
  if (!Number.isInteger(parsed.iat) || parsed.iat > now + 60) return { ok: false, message: `'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued` };
  if (!Number.isInteger(parsed.exp) || parsed.exp <= now) return { ok: false, message: `'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires` };
  if (parsed.exp > now + 600) return { ok: false, message: `'Expiration time' claim ('exp') is too far in the future` };
  return { ok: true, claims: parsed };
}

const error = (res: ServerResponse, status: number, message: string, documentationUrl = 'https://docs.github.com/rest') =>
  sendJson(res, status, { message, documentation_url: documentationUrl, status: String(status) });

/** A workflow file's declared dispatch inputs, as GitHub reads them; undefined: no workflow_dispatch trigger. */
function dispatchInputsOf(yamlText: string): Record<string, { required: boolean; hasDefault: boolean }> | undefined {
  const doc = parseYaml(yamlText) as { on?: unknown } | null;
  const on = doc?.on;
  const triggers = typeof on === 'string' ? { [on]: null } : Array.isArray(on) ? Object.fromEntries(on.map((t) => [String(t), null])) : (on as Record<string, unknown> | undefined) ?? {};
  if (!('workflow_dispatch' in triggers)) return undefined;
  const inputs = ((triggers.workflow_dispatch ?? {}) as { inputs?: Record<string, { required?: unknown; default?: unknown } | null> }).inputs ?? {};
  return Object.fromEntries(Object.entries(inputs).map(([name, spec]) => [name, { required: spec?.required === true, hasDefault: spec?.default !== undefined }]));
}

export async function startGithubFake(opts: GithubFakeOptions = {}): Promise<GithubFake> {
  const installationTokens: string[] = [];
  const issues: FakeIssue[] = [];
  const runs = new Map<number, FakeRun>();
  const rules: GithubFake['rules'] = new Map();
  const checkRuns: GithubFake['checkRuns'] = [];
  const dispatches: GithubFake['dispatches'] = [];
  const issued: IssuedToken[] = [];
  const refused: GithubFake['refused'] = [];
  const violations: ContractViolation[] = [];
  const limited: GithubFake['limited'] = [];
  let limits: Array<Required<Omit<RateLimitSpec, 'match'>> & Pick<RateLimitSpec, 'match'>> = [];
  const now = opts.now ?? Date.now;
  const workflowsDir = opts.workflowsDir ?? join(shipgateHome, '.github', 'workflows');
  const repoInfo = (owner: string, repo: string) => {
    const hit = Object.entries(opts.repos ?? {}).find(([name]) => name.toLowerCase() === `${owner}/${repo}`.toLowerCase())?.[1];
    const defaultBranch = hit?.defaultBranch ?? opts.defaultBranch ?? 'main';
    return { defaultBranch, branches: [...new Set([defaultBranch, ...(hit?.branches ?? [])])], tags: hit?.tags ?? [] };
  };
  const violate = (req: FakeRequest, res: ServerResponse, status: number, message: string, docs?: string) => {
    violations.push({ method: req.method, path: req.path, status, message });
    error(res, status, message, docs);
  };
  const slug = opts.appSlug ?? 'shipgate';
  const ALL_PERMISSIONS: Record<string, string> = { actions: 'write', checks: 'write', deployments: 'write', issues: 'write', metadata: 'read' };
  let nextId = 1000;

  const bearer = (req: FakeRequest) => /^(?:bearer|token)\s+(.+)$/i.exec(req.rawHeaders.authorization ?? '')?.[1];
  const refuse = (req: FakeRequest, res: ServerResponse, status: number, message: string) => {
    refused.push({ method: req.method, path: req.path, status, message });
    error(res, status, message);
  };
  /** The installation holding owner/name (undefined: not installed there). */
  const installationOf = (fullName: string): number | undefined => {
    if (!opts.installations) return 1;
    const want = fullName.toLowerCase();
    const hit = Object.entries(opts.installations).find(([, repos]) => repos.some((r) => r.toLowerCase() === want));
    return hit ? Number(hit[0]) : undefined;
  };
  /** The credential of a /repos request for owner/name, or why it is refused. */
  const credentialFor = (token: string | undefined, fullName: string): FakeDispatch['credential'] | undefined => {
    if (!token) return undefined;
    const t = issued.find((i) => i.token === token);
    if (t) {
      if (t.expiresAt <= now()) return undefined;
      if (!t.repositories.includes('*') && !t.repositories.includes(fullName.toLowerCase())) return undefined;
      return { kind: 'installation', installationId: t.installationId, token };
    }
    if (opts.tokens?.includes(token)) return { kind: 'static', owner: opts.tokenOwners?.[token] ?? 'octocat' };
    return undefined;
  };

  const handler = async (req: FakeRequest, res: ServerResponse) => {
    const { method, path } = req;
    const limit = limits.find((l) => !l.match || l.match.test(`${method} ${path}`));
    if (limit) {
      if (--limit.count <= 0) limits = limits.filter((l) => l !== limit);
      limited.push({ method, path, status: limit.kind === 'secondary-429' ? 429 : 403, kind: limit.kind });
      if (limit.kind === 'primary') {
        res.setHeader('x-ratelimit-limit', '5000');
        res.setHeader('x-ratelimit-remaining', '0');
        res.setHeader('x-ratelimit-used', '5000');
        res.setHeader('x-ratelimit-reset', String(Math.floor(now() / 1000) + limit.seconds));
        return error(res, 403, 'API rate limit exceeded for installation ID 1. If you reach out to GitHub Support for help, please include the request ID.', 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api');
      }
      res.setHeader('retry-after', String(limit.seconds));
      return error(res, limit.kind === 'secondary-429' ? 429 : 403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.', 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits');
    }
    const contract = checkAgainstContract(method, path, req.query, req.body);
    if (!contract) return violate(req, res, 404, 'Not Found');
    if (contract.problems.length > 0) return violate(req, res, 422, invalidRequestMessage(contract.problems), contract.operation.docs);
    const body = (req.body ?? {}) as Record<string, unknown>;
    let m: RegExpExecArray | null;
    const appJwt = () => checkJwt(bearer(req) ?? '', opts, now());
    if (path === '/app' && method === 'GET') {
      const jwt = appJwt();
      if (!jwt.ok) return refuse(req, res, 401, jwt.message);
      return sendJson(res, 200, { id: opts.appId ?? 1, slug, name: slug, owner: { login: 'acme' }, permissions: ALL_PERMISSIONS });
    }
    if ((m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path)) && method === 'POST') {
      const jwt = appJwt();
      if (!jwt.ok) return refuse(req, res, 401, jwt.message);
      const installationId = Number(m[1]);
      const holds = opts.installations ? opts.installations[installationId]?.map((r) => r.toLowerCase()) : ['*'];
      if (!holds) return refuse(req, res, 404, 'Not Found');
      let repositories = holds;
      if (body.repositories !== undefined) {
        const names = body.repositories;
        if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) return violate(req, res, 422, 'repositories must be an array of repository names');
        // GitHub: names without the owner, each in the installation's account.
        const wanted = (names as string[]).map((n) => n.toLowerCase());
        const full = holds.includes('*') ? wanted.map((n) => `*/${n}`) : wanted.map((n) => holds.find((h) => h.split('/')[1] === n));
        if (full.some((f) => f === undefined)) return error(res, 422, 'There is at least one repository that does not exist or is not accessible to the parent installation.');
        repositories = holds.includes('*') ? ['*'] : (full as string[]);
      }
      let permissions = ALL_PERMISSIONS;
      if (body.permissions !== undefined) {
        const asked = body.permissions as Record<string, unknown>;
        const rank = { read: 1, write: 2 } as Record<string, number>;
        for (const [k, v] of Object.entries(asked)) {
          if (!rank[String(v)] || !ALL_PERMISSIONS[k] || rank[String(v)]! > rank[ALL_PERMISSIONS[k]!]!) return error(res, 422, `The permissions requested are not granted to this installation: ${k}`);
        }
        permissions = { ...(asked as Record<string, string>), metadata: 'read' };
      }
      const token = `ghs_${randomBytes(18).toString('hex')}`;
      const expiresAt = now() + (opts.installationTokenTtlMs ?? 3600_000);
      installationTokens.push(token);
      issued.push({ token, installationId, repositories, permissions, expiresAt, jwt: jwt.claims });
      return sendJson(res, 201, { token, expires_at: new Date(expiresAt).toISOString(), permissions, repository_selection: 'selected' });
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/installation$/.exec(path)) && method === 'GET') {
      const jwt = appJwt();
      if (!jwt.ok) return refuse(req, res, 401, jwt.message);
      const id = installationOf(`${m[1]}/${m[2]}`);
      if (id === undefined) return refuse(req, res, 404, 'Not Found');
      return sendJson(res, 200, { id, app_id: opts.appId ?? 1, app_slug: slug, account: { login: m[1] }, target_type: 'Organization' });
    }
    let credential: FakeDispatch['credential'] | undefined;
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\//.exec(path))) {
      credential = credentialFor(bearer(req), `${m[1]}/${m[2]}`);
      if (!credential) return refuse(req, res, 401, 'Bad credentials');
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path)) && method === 'GET') {
      const info = repoInfo(m[1]!, m[2]!);
      return sendJson(res, 200, { id: 1, name: m[2], full_name: `${m[1]}/${m[2]}`, private: true, owner: { login: m[1] }, default_branch: info.defaultBranch, html_url: `https://github.com/${m[1]}/${m[2]}` });
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/compare\/([^/]+)$/.exec(path)) && method === 'GET') {
      const history = opts.history?.[`${m[1]}/${m[2]}`] ?? [];
      const [base, head, ...rest] = decodeURIComponent(m[3]!).split('...');
      const at = (ref: string | undefined) => (ref && ref.length >= 7 ? history.findIndex((c) => c.sha.startsWith(ref)) : -1);
      const from = at(base);
      const to = at(head);
      if (rest.length || from < 0 || to < 0) return error(res, 404, 'Not Found', 'https://docs.github.com/rest/commits/commits#compare-two-commits');
      const all = from < to ? history.slice(from + 1, to + 1) : [];
      const perPage = Math.min(Number(req.query.per_page ?? 250) || 250, 250);
      const page = Math.max(1, Number(req.query.page ?? 1) || 1);
      const shape = (c: (typeof history)[number]) => ({
        sha: c.sha, html_url: `https://github.com/${m![1]}/${m![2]}/commit/${c.sha}`,
        commit: { message: c.message, author: { name: c.author, email: `${c.author}@users.noreply.github.com`, date: c.date }, committer: { name: c.author, email: `${c.author}@users.noreply.github.com`, date: c.date } },
        author: { login: c.author }, parents: [],
      });
      return sendJson(res, 200, {
        url: `${req.path}`, html_url: `https://github.com/${m[1]}/${m[2]}/compare/${m[3]}`,
        status: from < to ? 'ahead' : from === to ? 'identical' : 'behind',
        ahead_by: Math.max(0, to - from), behind_by: Math.max(0, from - to), total_commits: all.length,
        base_commit: shape(history[from]!), merge_base_commit: shape(history[Math.min(from, to)]!),
        commits: all.slice((page - 1) * perPage, page * perPage).map(shape), files: [],
      });
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/check-runs$/.exec(path)) && method === 'POST') {
      const problem = checkRunProblem(body);
      if (problem) return violate(req, res, 422, problem);
      const id = nextId++;
      checkRuns.push({ id, body });
      return sendJson(res, 201, { id, head_sha: body.head_sha, name: body.name, status: body.status ?? 'queued', conclusion: body.conclusion ?? null, html_url: `https://github.com/${m[1]}/${m[2]}/runs/${id}`, output: body.output ?? {} });
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/check-runs\/(\d+)$/.exec(path)) && method === 'PATCH') {
      const problem = checkRunProblem(body, true);
      if (problem) return violate(req, res, 422, problem);
      const run = checkRuns.find((c) => c.id === Number(m![3]));
      if (!run) return error(res, 404, 'Not Found');
      // GitHub appends an update's annotations to those the run already has ("Update a check run").
      const before = (run.body.output as { annotations?: unknown[] } | undefined)?.annotations ?? [];
      const output = body.output as { annotations?: unknown[] } | undefined;
      run.body = { ...run.body, ...body, ...(output ? { output: { ...output, annotations: [...before, ...(output.annotations ?? [])] } } : {}) };
      return sendJson(res, 200, { id: run.id, ...run.body });
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/deployment_protection_rule$/.exec(path)) && method === 'POST') {
      const runId = Number(m[3]);
      if (typeof body.environment_name !== 'string' || !body.environment_name) return violate(req, res, 422, 'environment_name is required');
      const rule = rules.get(runId) ?? { reports: [] };
      rules.set(runId, rule);
      if (rule.decision) return error(res, 422, 'The deployment protection rule has already been decided');
      if (body.state === undefined) {
        const comment = String(body.comment ?? '');
        if (!comment) return violate(req, res, 422, 'comment is required for a status report');
        if (comment.length > 1024) return violate(req, res, 422, 'comment is too long (maximum is 1024 characters)');
        if (rule.reports.length >= 10) return violate(req, res, 422, 'at most 10 status reports per deployment');
        rule.reports.push(comment);
      } else if (body.state === 'approved' || body.state === 'rejected') {
        rule.decision = { state: body.state, comment: String(body.comment ?? ''), environment: body.environment_name };
      } else return violate(req, res, 422, `state must be approved or rejected, got ${String(body.state)}`);
      res.writeHead(204).end();
      return;
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)$/.exec(path)) && method === 'GET') {
      const run = runs.get(Number(m[3]));
      return run ? sendJson(res, 200, run) : error(res, 404, 'Not Found');
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/workflows\/([^/]+)\/dispatches$/.exec(path)) && method === 'POST') {
      const inputs = (body.inputs ?? {}) as Record<string, unknown>;
      const docs = 'https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event';
      // GitHub: a dispatch by an App needs the installation token's actions: write.
      if (credential?.kind === 'installation' && issued.find((i) => i.token === credential.token)?.permissions.actions !== 'write') return error(res, 403, 'Resource not accessible by integration');
      const workflow = decodeURIComponent(m[3]!);
      let workflowText: string;
      try {
        if (!/^[\w.-]+\.ya?ml$/.test(workflow)) throw new Error('not a file name');
        workflowText = readFileSync(join(workflowsDir, workflow), 'utf8');
      } catch {
        return violate(req, res, 404, 'Not Found', docs);
      }
      const declared = dispatchInputsOf(workflowText);
      if (!declared) return violate(req, res, 422, "Workflow does not have 'workflow_dispatch' trigger", docs);
      // The ref names the branch or tag whose workflow file runs; GitHub refuses a commit SHA.
      const info = repoInfo(m[1]!, m[2]!);
      const ref = String(body.ref);
      const name = ref.replace(/^refs\/(heads|tags)\//, '');
      const known = ref.startsWith('refs/tags/') ? info.tags.includes(name) : ref.startsWith('refs/heads/') ? info.branches.includes(name) : info.branches.includes(name) || info.tags.includes(name);
      if (!known) return violate(req, res, 422, `No ref found for: ${ref}`, docs);
      const unexpected = Object.keys(inputs).filter((k) => !(k in declared));
      if (unexpected.length > 0) return violate(req, res, 422, `Unexpected inputs provided: ${JSON.stringify(unexpected)}`, docs);
      const missing = Object.entries(declared).find(([k, d]) => d.required && !d.hasDefault && (inputs[k] === undefined || inputs[k] === ''));
      if (missing) return violate(req, res, 422, `Required input '${missing[0]}' not provided`, docs);
      if (Object.values(inputs).some((v) => typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')) return violate(req, res, 422, invalidRequestMessage(['For \'properties/inputs\', input values must be strings, numbers or booleans.']), docs);
      const actor = credential?.kind === 'installation' ? `${slug}[bot]` : credential?.owner ?? 'octocat';
      const runId = nextId++;
      runs.set(runId, { id: runId, name: workflow.replace(/\.ya?ml$/, ''), display_title: workflow, status: 'queued', conclusion: null, html_url: `https://github.com/${m[1]}/${m[2]}/actions/runs/${runId}`, event: 'workflow_dispatch', actor: { login: actor }, triggering_actor: { login: actor } });
      if (opts.dispatchDelayMs) await new Promise((r) => setTimeout(r, opts.dispatchDelayMs));
      dispatches.push({ owner: m[1]!, repo: m[2]!, workflow, ref, inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, String(v)])), credential: credential!, runId, answeredAt: Date.now() });
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
        if (typeof body.title !== 'string' || !body.title) return violate(req, res, 422, 'title is required');
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
    installationTokens, issues, runs, rules, checkRuns, dispatches, issued, refused, violations, limited,
    rateLimitNext(spec) {
      limits.push({ count: spec.count ?? 1, kind: spec.kind, seconds: spec.seconds ?? 1, ...(spec.match ? { match: spec.match } : {}) });
    },
    revokeInstallationTokens() {
      for (const t of issued) t.expiresAt = 0;
    },
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
