/**
 * A loopback fake of Sign in with Slack (OpenID Connect), for tests only.
 *
 * The contract is Slack's own discovery document, contracts/slack-openid-configuration.json
 * (https://slack.com/.well-known/openid-configuration). The fake serves it at
 * `/.well-known/openid-configuration` with its own URLs, and checks every request against it:
 * - `GET /openid/connect/authorize`: `response_type` must be in response_types_supported (code),
 *   `scope` must hold `openid` and only scopes_supported, `client_id` must be the app's, and
 *   `redirect_uri` one of the app's redirect URLs (Slack: "redirect_uri did not match any
 *   configured URIs"). As Slack's consent page would, it then redirects the browser's signed-in
 *   user (`signInAs`) to `redirect_uri?code=…&state=…`. With nobody signed in it shows a page and
 *   does not redirect.
 * - `POST /api/openid.connect.token`: form or JSON. The client is authenticated by
 *   token_endpoint_auth_methods_supported: client_secret_post (in the body) or client_secret_basic.
 *   `grant_type` must be in grant_types_supported. A code works once, for 10 minutes, with the
 *   `redirect_uri` it was issued for ("a potential gotcha: … it is required if your app passed it
 *   … to /openid/connect/authorize", openid.connect.token's docs). The answer is
 *   `{ ok: true, access_token, token_type: 'Bearer', id_token }`, HTTP 200. Errors are HTTP 200
 *   `{ ok: false, error }` with the error names oauth.v2.access documents (invalid_client_id,
 *   bad_client_secret, invalid_code, bad_redirect_uri, invalid_grant_type), since
 *   openid.connect.token lists none of its own. The id_token is RS256
 *   (id_token_signing_alg_values_supported) with `kid`, and carries the claims
 *   openid.connect.token's docs show: iss, sub, aud, exp, iat, auth_time, nonce,
 *   `https://slack.com/user_id` and `https://slack.com/team_id`.
 * - `GET /openid/connect/keys`: the JWKS.
 * Requests outside the contract are recorded in `violations`, and tests assert it empty.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { shipgateHome } from '../../repo.ts';
import { sendJson, startFakeServer, type FakeServer } from './http-fake.ts';

const DISCOVERY = (JSON.parse(readFileSync(join(shipgateHome, 'pipeline/testing/fakes/contracts/slack-openid-configuration.json'), 'utf8')) as { document: Record<string, unknown> }).document;
const list = (k: string) => DISCOVERY[k] as string[];

export interface SlackOidcFakeOptions {
  clientId: string;
  clientSecret: string;
  /** The app's redirect URLs (Slack app → OAuth & Permissions → Redirect URLs). */
  redirectUris: string[];
  /** The workspace of the signed-in users (default T0SHIPGATE). */
  teamId?: string;
  now?: () => number;
}

export interface SlackOidcFake extends FakeServer {
  issuer: string;
  authorizeUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  /** The Slack user the browser is signed in as, or nobody. */
  signInAs(user: { id: string; teamId?: string } | null): void;
  /** An id_token signed by a key Slack does not publish (a forgery), with these claims. */
  forgedIdToken(claims: Record<string, unknown>): string;
  violations: Array<{ path: string; error: string }>;
}

interface Code {
  clientId: string;
  redirectUri?: string;
  nonce?: string;
  user: { id: string; teamId: string };
  expires: number;
}

const b64 = (v: Buffer | string) => Buffer.from(v).toString('base64url');

function jwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const head = b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const body = b64(JSON.stringify(claims));
  return `${head}.${body}.${b64(sign('RSA-SHA256', Buffer.from(`${head}.${body}`), key))}`;
}

export async function startSlackOidcFake(opts: SlackOidcFakeOptions): Promise<SlackOidcFake> {
  const now = opts.now ?? Date.now;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const kid = `sg-${randomBytes(4).toString('hex')}`;
  const codes = new Map<string, Code>();
  const violations: SlackOidcFake['violations'] = [];
  let user: { id: string; teamId: string } | null = null;
  let base = '';
  const issuer = DISCOVERY.issuer as string;

  const refuse = (res: ServerResponse, path: string, error: string, status = 200) => {
    violations.push({ path, error });
    return sendJson(res, status, { ok: false, error });
  };

  const server = await startFakeServer((req, res) => {
    if (req.method === 'GET' && req.path === '/.well-known/openid-configuration') {
      return sendJson(res, 200, { ...DISCOVERY, authorization_endpoint: `${base}/openid/connect/authorize`, token_endpoint: `${base}/api/openid.connect.token`, jwks_uri: `${base}/openid/connect/keys`, userinfo_endpoint: `${base}/api/openid.connect.userInfo` });
    }
    if (req.method === 'GET' && req.path === '/openid/connect/keys') {
      const jwk = publicKey.export({ format: 'jwk' });
      return sendJson(res, 200, { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] });
    }
    if (req.method === 'GET' && req.path === '/openid/connect/authorize') {
      const q = req.query;
      const scopes = (q.scope ?? '').split(/[ +]/).filter(Boolean);
      const problem = !list('response_types_supported').includes(q.response_type ?? '')
        ? 'unsupported_response_type'
        : !scopes.includes('openid') || scopes.some((s) => !list('scopes_supported').includes(s))
          ? 'invalid_scope'
          : q.client_id !== opts.clientId
            ? 'invalid_client_id'
            : q.redirect_uri !== undefined && !opts.redirectUris.includes(q.redirect_uri)
              ? 'redirect_uri did not match any configured URIs'
              : undefined;
      if (problem) {
        violations.push({ path: req.path, error: problem });
        res.writeHead(400, { 'content-type': 'text/html' });
        return void res.end(`<p>${problem}</p>`);
      }
      if (!user) {
        res.writeHead(200, { 'content-type': 'text/html' });
        return void res.end('<p>Sign in to your Slack workspace</p>');
      }
      const code = `${randomBytes(4).toString('hex')}.${randomBytes(16).toString('hex')}`;
      codes.set(code, { clientId: opts.clientId, ...(q.redirect_uri ? { redirectUri: q.redirect_uri } : {}), ...(q.nonce ? { nonce: q.nonce } : {}), user, expires: now() + 10 * 60_000 });
      const target = new URL(q.redirect_uri ?? (opts.redirectUris[0] as string));
      target.searchParams.set('code', code);
      if (q.state !== undefined) target.searchParams.set('state', q.state);
      res.writeHead(302, { location: target.toString() });
      return void res.end();
    }
    if (req.method === 'POST' && req.path === '/api/openid.connect.token') {
      const body = (typeof req.body === 'object' && req.body ? req.body : Object.fromEntries(new URLSearchParams(req.rawBody))) as Record<string, string>;
      let clientId = body.client_id;
      let secret = body.client_secret;
      const basic = /^Basic (.+)$/.exec(req.rawHeaders.authorization ?? '');
      if (basic && list('token_endpoint_auth_methods_supported').includes('client_secret_basic')) {
        const [id, s] = Buffer.from(basic[1] as string, 'base64').toString().split(':');
        clientId = decodeURIComponent(id ?? '');
        secret = decodeURIComponent(s ?? '');
      }
      if (clientId !== opts.clientId) return refuse(res, req.path, 'invalid_client_id');
      if (secret !== opts.clientSecret) return refuse(res, req.path, 'bad_client_secret');
      if (body.grant_type !== undefined && !list('grant_types_supported').includes(body.grant_type)) return refuse(res, req.path, 'invalid_grant_type');
      const c = codes.get(body.code ?? '');
      codes.delete(body.code ?? '');
      if (!c || c.expires < now()) return refuse(res, req.path, 'invalid_code');
      if (c.redirectUri !== undefined && body.redirect_uri !== c.redirectUri) return refuse(res, req.path, 'bad_redirect_uri');
      const t = Math.floor(now() / 1000);
      const accessToken = `xoxp-${randomBytes(12).toString('hex')}`;
      const idToken = jwt(privateKey, kid, {
        iss: issuer, sub: c.user.id, aud: opts.clientId, exp: t + 300, iat: t, auth_time: t,
        ...(c.nonce ? { nonce: c.nonce } : {}),
        at_hash: b64(createHash('sha256').update(accessToken).digest().subarray(0, 16)),
        'https://slack.com/team_id': c.user.teamId, 'https://slack.com/user_id': c.user.id,
      });
      return sendJson(res, 200, { ok: true, access_token: accessToken, token_type: 'Bearer', id_token: idToken });
    }
    sendJson(res, 404, { ok: false, error: 'unknown_method' });
  });
  base = server.url;
  return {
    ...server,
    issuer,
    authorizeUrl: `${base}/openid/connect/authorize`,
    tokenUrl: `${base}/api/openid.connect.token`,
    jwksUrl: `${base}/openid/connect/keys`,
    signInAs(u) {
      user = u ? { id: u.id, teamId: u.teamId ?? opts.teamId ?? 'T0SHIPGATE' } : null;
    },
    forgedIdToken: (claims) => jwt(forger, kid, claims),
    violations,
  };
}
