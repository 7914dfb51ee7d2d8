/**
 * The one way Shipgate makes a GitHub REST client: `@octokit/rest` with `@octokit/plugin-throttling`
 * (https://github.com/octokit/plugin-throttling.js), used by the bot (installation-auth.ts) and by
 * the migrate and nightly-report actions.
 *
 * GitHub's rate limits (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api):
 * - primary: a quota per hour (5,000 for a token, 1,000 per repository for GITHUB_TOKEN; an App's
 *   installation 5,000 and up). Used up: 403 or 429 with `x-ratelimit-remaining: 0`; wait until
 *   `x-ratelimit-reset` (UTC epoch seconds);
 * - secondary: bursts (≤ 100 concurrent requests, ≤ 80 content-creating requests a minute, …):
 *   403 or 429, a message saying "secondary rate limit", often `retry-after` (seconds); without it
 *   wait at least a minute.
 * The plugin also paces requests as GitHub asks: one write at a time, ≥ 1 s apart (issues and
 * comments ≥ 3 s), ≤ 10 reads in flight.
 *
 * What Shipgate does: on either limit it waits as GitHub says and retries, at most `maxRetries`
 * times per request (default 3) and never one wait longer than `maxWaitSeconds` (default 120 s);
 * each wait is one log line (method, path, kind, how long — never a header or token). Beyond the
 * bound the request fails with SHIPGATE_GITHUB_RATE_LIMITED, which says when the limit resets
 * and keeps GitHub's status (`status`), so callers' handling of a 403/429 stays as it was.
 */
import { Octokit } from '@octokit/rest';
import { throttling } from '@octokit/plugin-throttling';
import { defineErrors } from '../../pipeline/errors.ts';

export const githubApiErrors = defineErrors({
  SHIPGATE_GITHUB_RATE_LIMITED: {
    message: (d: { request: string; kind: 'primary' | 'secondary'; status: number; retries: number; wait: string }) =>
      `GitHub's ${d.kind} rate limit refused ${d.request} (${d.status}) after ${d.retries} ${d.retries === 1 ? 'retry' : 'retries'}: ${d.wait}`,
    hint: (d: { kind: 'primary' | 'secondary' }) =>
      d.kind === 'primary'
        ? "the hourly request quota of this token or App installation is used up (other workflows and integrations using it count too): run again after the reset time above; GitHub's rate_limit endpoint shows the quota"
        : 'GitHub throttles bursts of requests (and more than ~80 content-creating requests a minute): wait a few minutes and run again; if it recurs, look for other jobs writing to the repository at the same time',
    docs: 'providers.md#github',
  },
});

export interface GithubClientOptions {
  /** A token (`auth`) or an Octokit auth strategy (installation-auth.ts). */
  auth?: string;
  authStrategy?: unknown;
  /** GitHub's REST API (default https://api.github.com; GITHUB_API_URL in Actions). */
  baseUrl?: string;
  /** Where the "waiting for GitHub's rate limit" lines go (default: stderr). */
  log?: (line: string) => void;
  /** Retries of one request after rate limits (default 3). */
  maxRetries?: number;
  /** The longest single wait accepted (default 120 s); a later reset fails the request at once. */
  maxWaitSeconds?: number;
}

const ThrottledOctokit = Octokit.plugin(throttling);

interface LimitedOptions {
  method?: string;
  url?: string;
  request?: { retryCount?: number };
  [param: string]: unknown;
}

/** `POST /repos/acme/notes/…`: the route with its path parameters filled in (they are names and ids, not secrets). */
function describeRequest(options: LimitedOptions): string {
  const url = String(options.url ?? '').replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = options[name];
    return typeof v === 'string' || typeof v === 'number' ? String(v) : whole;
  });
  return `${String(options.method ?? 'GET')} ${url.replace(/^https?:\/\/[^/]+/, '').replace(/\?.*$/, '')}`;
}

interface HttpErrorLike {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

/** Primary, secondary or no rate limit, as the throttling plugin tells them apart. */
function limitKind(err: HttpErrorLike): 'primary' | 'secondary' | undefined {
  if (err.status !== 403 && err.status !== 429) return undefined;
  if (/\bsecondary rate\b/i.test(err.message ?? '')) return 'secondary';
  if (String(err.response?.headers?.['x-ratelimit-remaining'] ?? '') === '0') return 'primary';
  return undefined;
}

/** An @octokit/rest client that backs off on GitHub's rate limits within a bound (see the header). */
export function createGithubClient(opts: GithubClientOptions = {}): Octokit {
  const maxRetries = opts.maxRetries ?? 3;
  const maxWait = opts.maxWaitSeconds ?? 120;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const onLimit = (kind: 'primary' | 'secondary') => (retryAfter: number, options: unknown, _octokit: unknown, retryCount: number) => {
    const what = describeRequest(options as LimitedOptions);
    if (retryCount >= maxRetries || retryAfter > maxWait) {
      log(`GitHub ${kind} rate limit on ${what}: not retrying (${retryCount >= maxRetries ? `${retryCount} retries already` : `the wait of ${retryAfter} s is longer than ${maxWait} s`})`);
      return false;
    }
    log(`GitHub ${kind} rate limit on ${what}: waiting ${retryAfter} s, then retry ${retryCount + 1} of ${maxRetries}`);
    return true;
  };
  const octokit = new ThrottledOctokit({
    ...(opts.auth !== undefined ? { auth: opts.auth } : {}),
    ...(opts.authStrategy !== undefined ? { authStrategy: opts.authStrategy } : {}),
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
    request: { retries: 0 },
    throttle: { onRateLimit: onLimit('primary'), onSecondaryRateLimit: onLimit('secondary') },
  });
  // Registered after the plugin, so it sees the error that is left once the retries are over.
  octokit.hook.error('request', (error, options) => {
    const err = error as HttpErrorLike;
    const kind = limitKind(err);
    if (!kind) throw error;
    const headers = err.response?.headers ?? {};
    const reset = Number(headers['x-ratelimit-reset']);
    const retryAfter = Number(headers['retry-after']);
    const wait =
      kind === 'primary' && reset > 0
        ? `the quota resets at ${new Date(reset * 1000).toISOString().replace(/\.\d+Z$/, 'Z')}`
        : retryAfter > 0
          ? `GitHub asked to wait ${retryAfter} s`
          : 'GitHub asked to wait at least a minute';
    const limited = githubApiErrors.SHIPGATE_GITHUB_RATE_LIMITED(
      { request: describeRequest(options as unknown as LimitedOptions), kind, status: err.status!, retries: (options as unknown as LimitedOptions).request?.retryCount ?? 0, wait },
      error,
    );
    throw Object.assign(limited, { status: err.status });
  });
  return octokit;
}
