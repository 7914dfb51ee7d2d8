/**
 * Who may look at the dashboard when the bot serves it. No anonymous access: a person of the
 * config signs in with a short-lived link that `/deploy dashboard` hands out in Slack (only to a
 * Slack user mapped to a person), which is good once; the link becomes a session cookie. Every
 * request re-checks that the person is still in the config — removing someone from `people`
 * signs them out at once.
 *
 * Tokens: base64url(JSON payload) "." base64url(HMAC-SHA256(secret, kind + "." + payload)).
 * The kind is inside the MAC, so a session cookie is never accepted as a link nor a link as a
 * session. Links: 10 minutes, single use (their nonce is claimed with a unique insert in the
 * store, shared by replicas). Sessions: 12 hours, HttpOnly, SameSite=Lax, Path=/ui, Secure unless
 * the bot is on plain loopback HTTP.
 *
 * Sign in with Slack (slack-signin.ts) is the other way to a session: its state and nonce live in
 * a third kind of signed token (`oidc`, a 10-minute cookie scoped to the callback path).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Db } from 'mongodb';
import type { ShipgateConfig } from '../config/schema.ts';
import { insertOnce } from '../mongo/insert-once.ts';
import { personFor } from '../release/approvals.ts';

export const LINK_TTL_MS = 10 * 60_000;
export const SESSION_TTL_MS = 12 * 3_600_000;
export const SESSION_COOKIE = 'sg_dash';
export const MIN_SECRET_LENGTH = 32;
const MAX_TOKEN_LENGTH = 1024;
export const LINK_CLAIMS = 'dashboard_link_claims';

type Kind = 'link' | 'session' | 'oidc';
export const OIDC_COOKIE = 'sg_oidc';
interface Payload {
  p: string;
  e: number;
  n: string;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export class DashboardAuth {
  constructor(
    private readonly secret: string,
    private readonly opts: { db: Db; config: () => Pick<ShipgateConfig, 'people'>; now?: () => number; secureCookie?: boolean },
  ) {
    if (secret.length < MIN_SECRET_LENGTH) throw new Error(`the dashboard secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private mac(kind: Kind, body: string): string {
    return createHmac('sha256', this.secret).update(`${kind}.${body}`).digest('base64url');
  }

  private sign(kind: Kind, p: Payload): string {
    const body = b64(JSON.stringify(p));
    return `${body}.${this.mac(kind, body)}`;
  }

  /** The payload of a valid, unexpired token of `kind`; why not, otherwise. */
  private verify(kind: Kind, token: string | undefined): { ok: true; p: Payload } | { ok: false; why: string } {
    if (!token) return { ok: false, why: 'no token' };
    if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return { ok: false, why: 'malformed token' };
    const [body, mac] = token.split('.') as [string, string];
    const want = Buffer.from(this.mac(kind, body));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, why: 'bad signature' };
    let p: Payload;
    try {
      p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    } catch {
      return { ok: false, why: 'malformed token' };
    }
    if (typeof p?.p !== 'string' || typeof p.e !== 'number' || typeof p.n !== 'string') return { ok: false, why: 'malformed token' };
    if (p.e <= this.now()) return { ok: false, why: 'expired' };
    return { ok: true, p };
  }

  /** The configured person of that name (exact), or undefined. */
  private person(name: string): string | undefined {
    return personFor(this.opts.config().people, { via: 'cli', id: name })?.name;
  }

  /** A sign-in link token for `person` (who must be in the config). */
  linkToken(person: string): string {
    if (!this.person(person)) throw new Error(`"${person}" is not a person of the config`);
    return this.sign('link', { p: person, e: this.now() + LINK_TTL_MS, n: randomBytes(12).toString('base64url') });
  }

  /** Trades a link for a session cookie value: once per link, for a person still in the config. */
  async redeem(token: string | undefined): Promise<{ ok: true; person: string; cookie: string } | { ok: false; status: 400 | 403; why: string }> {
    const v = this.verify('link', token);
    if (!v.ok) return { ok: false, status: v.why === 'no token' || v.why === 'malformed token' ? 400 : 403, why: v.why === 'expired' ? 'this sign-in link has expired (links last 10 minutes): ask for a new one with /deploy dashboard' : `this is not a valid sign-in link (${v.why})` };
    const person = this.person(v.p.p);
    if (!person) return { ok: false, status: 403, why: `${v.p.p} is not a person of the config: ask an admin to add them to people in .github/shipgate.yml` };
    const claims = this.opts.db.collection<{ _id: string; at: Date }>(LINK_CLAIMS);
    if (!(await insertOnce(claims, { _id: v.p.n, at: new Date(this.now()) }))) {
      return { ok: false, status: 403, why: 'this sign-in link was used already (each link works once): ask for a new one with /deploy dashboard' };
    }
    const session = this.sign('session', { p: person, e: this.now() + SESSION_TTL_MS, n: randomBytes(9).toString('base64url') });
    return { ok: true, person, cookie: this.cookie(session, SESSION_TTL_MS) };
  }

  private cookie(value: string, ttlMs: number, name = SESSION_COOKIE, path = '/ui'): string {
    return `${name}=${value}; Path=${path}; HttpOnly; SameSite=Lax; Max-Age=${Math.floor(ttlMs / 1000)}${this.opts.secureCookie === false ? '' : '; Secure'}`;
  }

  /** A session for `person` (who must be in the config), after another sign-in proved who they are (Slack). */
  sessionCookie(person: string): string {
    const name = this.person(person);
    if (!name) throw new Error(`"${person}" is not a person of the config`);
    return this.cookie(this.sign('session', { p: name, e: this.now() + SESSION_TTL_MS, n: randomBytes(9).toString('base64url') }), SESSION_TTL_MS);
  }

  /**
   * Starts a Sign in with Slack: a fresh state and nonce, kept in a signed cookie for 10 minutes
   * (SameSite=Lax: it comes back on Slack's top-level redirect), scoped to the callback's path.
   */
  startSlackSignIn(): { state: string; nonce: string; cookie: string } {
    const state = randomBytes(16).toString('base64url');
    const nonce = randomBytes(16).toString('base64url');
    const value = this.sign('oidc', { p: state, e: this.now() + LINK_TTL_MS, n: nonce });
    return { state, nonce, cookie: this.cookie(value, LINK_TTL_MS, OIDC_COOKIE, '/ui/auth/slack') };
  }

  /** The nonce of this browser's Slack sign-in, when `state` is the one it was given. */
  slackSignInOf(req: IncomingMessage, state: string | undefined): { ok: true; nonce: string } | { ok: false; why: string } {
    const v = this.verify('oidc', cookieValue(req, OIDC_COOKIE));
    if (!v.ok) return { ok: false, why: v.why === 'no token' ? 'this browser did not start a sign-in (cookies blocked?)' : `sign-in ${v.why}` };
    const want = Buffer.from(v.p.p);
    const got = Buffer.from(state ?? '');
    if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, why: 'the sign-in answer is not for this browser (state)' };
    return { ok: true, nonce: v.p.n };
  }

  clearSlackSignIn(): string {
    return this.cookie('', 0, OIDC_COOKIE, '/ui/auth/slack');
  }

  signOutCookie(): string {
    return this.cookie('', 0);
  }

  /** The signed-in person of a request, or why there is none. */
  viewer(req: IncomingMessage): { ok: true; person: string } | { ok: false; why: string } {
    if ((req.headers.cookie ?? '').length > 8192) return { ok: false, why: 'cookie header too large' };
    const v = this.verify('session', cookieValue(req, SESSION_COOKIE));
    if (!v.ok) return { ok: false, why: v.why === 'no token' ? 'not signed in' : `session ${v.why}` };
    const person = this.person(v.p.p);
    if (!person) return { ok: false, why: `${v.p.p} is no longer a person of the config` };
    return { ok: true, person };
  }
}

/** A cookie's value from the request (the first of that name), or undefined; a header over 8 kB is ignored. */
function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const raw = req.headers.cookie ?? '';
  if (raw.length > 8192) return undefined;
  return raw
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${name}=`))
    ?.slice(name.length + 1);
}
