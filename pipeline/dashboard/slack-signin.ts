/**
 * Sign in with Slack (OpenID Connect), the relying party's side, for the bot's dashboard.
 *
 * Slack's discovery document fixes the parameters: the code flow (response_type=code, query
 * mode), scope `openid`, and the client secret posted with the code to openid.connect.token.
 * The id_token it returns is checked before anything in it is believed:
 * - an RS256 signature by a key of Slack's JWKS (matched by `kid`; the keys are cached an hour
 *   and re-read once for an unknown kid);
 * - `iss` https://slack.com, `aud` our client id;
 * - `exp` in the future and `iat` not ahead (60 s of clock skew);
 * - `nonce` equal to the one this browser was given (a signed cookie, dashboard auth.ts);
 * - with a team configured, `https://slack.com/team_id` equal to it (no other workspace).
 * The person is the config's `people` entry with that Slack user id; nobody else signs in.
 */
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';

export const SLACK_ISSUER = 'https://slack.com';
const SKEW_S = 60;
const FETCH_TIMEOUT_MS = 10_000;

export interface SlackSignInOptions {
  clientId: string;
  clientSecret: string;
  /** Where Slack sends the browser back: `<dashboard URL>/ui/auth/slack/callback`, registered in the Slack app. */
  redirectUri: string;
  /** The Slack workspace (team id, T…) whose members may sign in; any, when unset. */
  teamId?: string;
  /** Slack's endpoints (default slack.com's, from its discovery document); tests point them at the fake. */
  authorizeUrl?: string;
  tokenUrl?: string;
  jwksUrl?: string;
  now?: () => number;
}

type Verdict = { ok: true; userId: string; teamId?: string } | { ok: false; why: string };

export class SlackSignIn {
  private keys: { at: number; keys: Array<JsonWebKey & { kid?: string }> } | null = null;

  constructor(private readonly o: SlackSignInOptions) {}

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  /** Where to send the browser: Slack's consent page for this app. */
  authorizeUrl(state: string, nonce: string): string {
    const u = new URL(this.o.authorizeUrl ?? 'https://slack.com/openid/connect/authorize');
    u.searchParams.set('response_type', 'code');
    u.searchParams.set('scope', 'openid');
    u.searchParams.set('client_id', this.o.clientId);
    u.searchParams.set('redirect_uri', this.o.redirectUri);
    u.searchParams.set('state', state);
    u.searchParams.set('nonce', nonce);
    if (this.o.teamId) u.searchParams.set('team', this.o.teamId);
    return u.toString();
  }

  /** Trades the callback's code for a verified Slack user id. */
  async exchange(code: string, nonce: string): Promise<Verdict> {
    if (!/^[A-Za-z0-9._-]{1,512}$/.test(code)) return { ok: false, why: 'the sign-in answer from Slack is malformed' };
    let body: { ok?: boolean; error?: string; id_token?: string };
    try {
      const res = await fetch(this.o.tokenUrl ?? 'https://slack.com/api/openid.connect.token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: this.o.clientId, client_secret: this.o.clientSecret, code, redirect_uri: this.o.redirectUri, grant_type: 'authorization_code' }).toString(),
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      body = (await res.json()) as typeof body;
    } catch (err) {
      return { ok: false, why: `Slack did not answer the sign-in (${(err as Error).name})` };
    }
    if (!body.ok || typeof body.id_token !== 'string') return { ok: false, why: `Slack refused the sign-in: ${String(body.error ?? 'no id_token').slice(0, 100)}` };
    return this.verifyIdToken(body.id_token, nonce);
  }

  async verifyIdToken(token: string, nonce: string): Promise<Verdict> {
    const parts = token.split('.');
    if (parts.length !== 3 || token.length > 8192) return { ok: false, why: 'the id_token is not a JWT' };
    const [h, p, s] = parts as [string, string, string];
    let head: { alg?: string; kid?: string };
    let claims: Record<string, unknown>;
    try {
      head = JSON.parse(Buffer.from(h, 'base64url').toString()) as typeof head;
      claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    } catch {
      return { ok: false, why: 'the id_token is not a JWT' };
    }
    if (head.alg !== 'RS256') return { ok: false, why: `the id_token is signed with ${String(head.alg)}, not RS256` };
    const jwk = await this.key(head.kid);
    if (!jwk) return { ok: false, why: 'the id_token is signed by a key Slack does not publish' };
    const good = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
    if (!good) return { ok: false, why: 'the id_token signature does not verify' };
    const t = Math.floor(this.now() / 1000);
    if (claims.iss !== SLACK_ISSUER) return { ok: false, why: 'the id_token was not issued by Slack' };
    if (claims.aud !== this.o.clientId) return { ok: false, why: 'the id_token is for another app' };
    if (typeof claims.exp !== 'number' || claims.exp + SKEW_S < t) return { ok: false, why: 'the id_token has expired' };
    if (typeof claims.iat !== 'number' || claims.iat - SKEW_S > t) return { ok: false, why: 'the id_token is issued in the future' };
    if (claims.nonce !== nonce) return { ok: false, why: 'the id_token was not issued for this sign-in (nonce)' };
    const userId = claims['https://slack.com/user_id'] ?? claims.sub;
    const teamId = claims['https://slack.com/team_id'];
    if (typeof userId !== 'string' || !/^[UW][A-Z0-9]{2,}$/.test(userId)) return { ok: false, why: 'the id_token names no Slack user' };
    if (this.o.teamId && teamId !== this.o.teamId) return { ok: false, why: 'you signed in to another Slack workspace' };
    return { ok: true, userId, ...(typeof teamId === 'string' ? { teamId } : {}) };
  }

  private async key(kid: string | undefined): Promise<(JsonWebKey & { kid?: string }) | undefined> {
    const find = () => this.keys?.keys.find((k) => k.kid === kid && k.kty === 'RSA');
    if (this.keys && this.now() - this.keys.at < 3_600_000 && find()) return find();
    try {
      const res = await fetch(this.o.jwksUrl ?? 'https://slack.com/openid/connect/keys', { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      const body = (await res.json()) as { keys?: Array<JsonWebKey & { kid?: string }> };
      this.keys = { at: this.now(), keys: Array.isArray(body.keys) ? body.keys : [] };
    } catch {
      return undefined;
    }
    return find();
  }
}
