/**
 * The bot's GitHub credential for workflow dispatches in slack.mode github: the GitHub App's
 * installation token, never a static token. release.yml trusts the `requester` input only when
 * `github.actor` is the app's bot (`<slug>[bot]`, pipeline/release/requester.ts), and GitHub makes
 * the app's bot the actor only for a dispatch made with an installation token.
 *
 * How a token is obtained (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app):
 * 1. an App JWT: RS256 with the app's private key, `iss` = App ID, `iat` 60 s in the past (clock
 *    drift), `exp` 9 minutes ahead (GitHub allows at most 10);
 * 2. the installation that holds the repository: `GET /repos/{owner}/{repo}/installation` with the
 *    JWT — the repository's own installation, never another one the app may have;
 * 3. `POST /app/installations/{id}/access_tokens` with the JWT, narrowed to this one repository and
 *    `actions: write` (least privilege: the token cannot touch the installation's other repositories).
 * The token lives an hour; it is reused until 5 minutes before its `expires_at` and then minted
 * again, and a 401 on a request drops it and mints once more before giving up. Tokens and the key
 * are registered with the redactor and never logged.
 *
 * `installationOctokit(...)` returns an `@octokit/rest` Octokit whose every request carries such a
 * token (an Octokit auth strategy), so the dispatch code is the same as with any Octokit. Every
 * client here comes from octokit.ts: it waits out GitHub's rate limits within a bound.
 */
import { createSign } from 'node:crypto';
import type { Octokit } from '@octokit/rest';
import { registerSecret } from '../../pipeline/secrets/redact.ts';
import { githubErrors } from './errors.ts';
import { createGithubClient, type GithubClientOptions } from './octokit.ts';

export interface AppCredentials {
  appId: string;
  /** PEM private key of the app. */
  privateKey: string;
  /** GitHub's REST API (default https://api.github.com). */
  baseUrl?: string;
  /** Rate limits: where the waiting lines go, and the bound on retries (octokit.ts). */
  rateLimit?: Pick<GithubClientOptions, 'log' | 'maxRetries' | 'maxWaitSeconds'>;
}

export interface InstallationTarget extends AppCredentials {
  owner: string;
  repo: string;
  /** Permissions asked for the token (default `{ actions: 'write' }`: dispatching workflows). */
  permissions?: Record<string, 'read' | 'write'>;
  /** Mint again this long before the token expires (default 5 minutes). */
  refreshBeforeMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

export interface InstallationToken {
  token: string;
  installationId: number;
  /** Epoch ms. */
  expiresAt: number;
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** An App JWT (RS256), valid from 60 s ago to 9 minutes ahead, as GitHub asks. */
export function appJwt(app: Pick<AppCredentials, 'appId' | 'privateKey'>, nowMs = Date.now()): string {
  const now = Math.floor(nowMs / 1000);
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ iat: now - 60, exp: now + 540, iss: app.appId }));
  const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(app.privateKey);
  return `${head}.${body}.${b64url(signature)}`;
}

/** The app's bot login, `<slug>[bot]` (GET /app with an App JWT): what GitHub reports as the actor of its dispatches. */
export async function appBotLogin(app: AppCredentials, nowMs = Date.now()): Promise<string> {
  const plain = createGithubClient({ ...(app.baseUrl ? { baseUrl: app.baseUrl } : {}), ...app.rateLimit });
  const { data } = await plain.request('GET /app', { headers: { authorization: `bearer ${appJwt(app, nowMs)}` } });
  if (!data?.slug) throw new Error('GET /app answered without a slug');
  return `${data.slug}[bot]`;
}

/** Mints installation tokens for one repository and keeps the current one until shortly before it expires. */
export function installationTokens(target: InstallationTarget): { get(): Promise<InstallationToken>; drop(token: string): void } {
  const now = target.now ?? Date.now;
  const refreshBeforeMs = target.refreshBeforeMs ?? 5 * 60_000;
  const plain = createGithubClient({ ...(target.baseUrl ? { baseUrl: target.baseUrl } : {}), ...target.rateLimit });
  const repository = `${target.owner}/${target.repo}`;
  let installationId: number | undefined;
  let current: InstallationToken | undefined;
  let pending: Promise<InstallationToken> | undefined;

  const asApp = () => ({ authorization: `bearer ${appJwt(target, now())}` });

  async function findInstallation(): Promise<number> {
    if (installationId !== undefined) return installationId;
    try {
      const { data } = await plain.request('GET /repos/{owner}/{repo}/installation', { owner: target.owner, repo: target.repo, headers: asApp() });
      installationId = data.id;
      return data.id;
    } catch (err) {
      const status = (err as { status?: number }).status;
      throw githubErrors.SHIPGATE_GITHUB_APP_TOKEN({ repository, step: 'find the installation for the repository', status: status ?? 'error', reason: (err as Error).message }, err);
    }
  }

  async function mint(): Promise<InstallationToken> {
    const id = await findInstallation();
    try {
      const { data } = await plain.request('POST /app/installations/{installation_id}/access_tokens', {
        installation_id: id, repositories: [target.repo], permissions: target.permissions ?? { actions: 'write' }, headers: asApp(),
      });
      registerSecret(data.token);
      const minted = { token: data.token, installationId: id, expiresAt: Date.parse(data.expires_at) };
      current = minted;
      return minted;
    } catch (err) {
      const status = (err as { status?: number }).status;
      // The app may have been uninstalled and installed again: look the installation up afresh next time.
      if (status === 404) installationId = undefined;
      throw githubErrors.SHIPGATE_GITHUB_APP_TOKEN({ repository, step: `mint an installation token (installation ${id})`, status: status ?? 'error', reason: (err as Error).message }, err);
    }
  }

  return {
    async get() {
      if (current && current.expiresAt - refreshBeforeMs > now()) return current;
      pending ??= mint().finally(() => (pending = undefined));
      return pending;
    },
    drop(token) {
      if (current?.token === token) current = undefined;
    },
  };
}

interface EndpointOptions {
  headers: Record<string, string | number | undefined>;
  [key: string]: unknown;
}
interface RequestLike {
  (options: EndpointOptions): Promise<unknown>;
  endpoint: { merge(route: unknown, parameters?: unknown): EndpointOptions };
}

/** An Octokit auth strategy: every request carries the repository's installation token. */
function installationAuthStrategy(target: InstallationTarget) {
  const tokens = installationTokens(target);
  return {
    async auth() {
      const t = await tokens.get();
      return { type: 'token', tokenType: 'installation', token: t.token, installationId: t.installationId, expiresAt: new Date(t.expiresAt).toISOString() };
    },
    async hook(request: RequestLike, route: unknown, parameters?: unknown) {
      const endpoint = request.endpoint.merge(route, parameters);
      const send = async () => {
        const t = await tokens.get();
        endpoint.headers.authorization = `token ${t.token}`;
        return { t, out: request(endpoint) };
      };
      const first = await send();
      try {
        return await first.out;
      } catch (err) {
        // Revoked or expired early (the app's permissions changed, a clock skew): mint once more.
        if ((err as { status?: number }).status !== 401) throw err;
        tokens.drop(first.t.token);
        return (await send()).out;
      }
    },
  };
}

/** An Octokit that authenticates every request with the App's installation token for owner/repo. */
export function installationOctokit(target: InstallationTarget): Octokit {
  registerSecret(target.privateKey);
  return createGithubClient({
    authStrategy: (_opts: unknown) => installationAuthStrategy(target),
    ...(target.baseUrl ? { baseUrl: target.baseUrl } : {}),
    ...target.rateLimit,
  });
}
