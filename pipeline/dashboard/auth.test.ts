/**
 * Dashboard sign-in (auth.ts) on FerretDB (link claims): a link works once, for a person of the
 * config, for 10 minutes; forged, altered, expired, replayed, oversized and kind-confused tokens
 * are refused; a session ends when its person leaves the config.
 */
import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { useTestDatabase } from '../testing/mongo.ts';
import { DashboardAuth, LINK_TTL_MS, SESSION_COOKIE } from './auth.ts';

const t = useTestDatabase('dashauth');
const SECRET = 'a-dashboard-secret-of-at-least-32-characters';
let people = [{ name: 'ana' }, { name: 'raj' }];
let clock = Date.parse('2026-12-05T10:00:00Z');
const auth = () => new DashboardAuth(SECRET, { db: t.db, config: () => ({ people }), now: () => clock });
const req = (cookie?: string) => ({ headers: cookie === undefined ? {} : { cookie } }) as IncomingMessage;
const cookieValue = (setCookie: string) => setCookie.split(';')[0]!.slice(SESSION_COOKIE.length + 1);

describe('sign-in links', () => {
  it('a link signs its person in once, with a session cookie that is HttpOnly, SameSite=Lax, Secure and scoped to /ui', async () => {
    const a = auth();
    const out = await a.redeem(a.linkToken('ana'));
    expect(out).toMatchObject({ ok: true, person: 'ana' });
    if (!out.ok) return;
    expect(out.cookie).toMatch(/; Path=\/ui; HttpOnly; SameSite=Lax; Max-Age=43200; Secure$/);
    expect(a.viewer(req(`other=1; ${SESSION_COOKIE}=${cookieValue(out.cookie)}`))).toEqual({ ok: true, person: 'ana' });
  });

  it('a replayed link is refused (the claim is in the store, so another replica refuses it too)', async () => {
    const token = auth().linkToken('raj');
    expect((await auth().redeem(token)).ok).toBe(true);
    expect(await auth().redeem(token)).toMatchObject({ ok: false, status: 403, why: expect.stringContaining('used already') });
  });

  it('forged, altered, expired, malformed and oversized links are refused; nothing is claimed for them', async () => {
    const a = auth();
    const token = a.linkToken('ana');
    const [body, mac] = token.split('.') as [string, string];
    const flipped = `${body}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    expect(await a.redeem(flipped)).toMatchObject({ ok: false, status: 403, why: expect.stringContaining('bad signature') });
    const raj = Buffer.from(Buffer.from(body, 'base64url').toString().replace('"ana"', '"raj"')).toString('base64url');
    expect(await a.redeem(`${raj}.${mac}`)).toMatchObject({ ok: false, status: 403 });
    const other = new DashboardAuth('another-secret-of-at-least-32-characters!!', { db: t.db, config: () => ({ people }), now: () => clock });
    expect(await a.redeem(other.linkToken('ana'))).toMatchObject({ ok: false, status: 403, why: expect.stringContaining('bad signature') });
    expect(await a.redeem(undefined)).toMatchObject({ ok: false, status: 400 });
    expect(await a.redeem('not a token')).toMatchObject({ ok: false, status: 400 });
    expect(await a.redeem(`${'A'.repeat(2000)}.${'B'.repeat(43)}`)).toMatchObject({ ok: false, status: 400 });
    clock += LINK_TTL_MS + 1;
    expect(await a.redeem(token)).toMatchObject({ ok: false, status: 403, why: expect.stringContaining('expired') });
    clock -= LINK_TTL_MS + 1;
    // Still good after all that: none of the refusals claimed it.
    expect((await a.redeem(token)).ok).toBe(true);
  });

  it('a session cookie is not a link, and a link is not a session', async () => {
    const a = auth();
    const link = a.linkToken('ana');
    expect(a.viewer(req(`${SESSION_COOKIE}=${link}`))).toMatchObject({ ok: false, why: 'session bad signature' });
    const out = await a.redeem(a.linkToken('ana'));
    if (!out.ok) throw new Error('redeem failed');
    expect(await a.redeem(cookieValue(out.cookie))).toMatchObject({ ok: false, status: 403, why: expect.stringContaining('bad signature') });
  });

  it('no link for someone outside the config; a session ends when its person leaves the config', async () => {
    const a = auth();
    expect(() => a.linkToken('mallory')).toThrow(/not a person of the config/);
    const out = await a.redeem(a.linkToken('raj'));
    if (!out.ok) throw new Error('redeem failed');
    const cookie = `${SESSION_COOKIE}=${cookieValue(out.cookie)}`;
    expect(a.viewer(req(cookie)).ok).toBe(true);
    people = [{ name: 'ana' }];
    expect(a.viewer(req(cookie))).toEqual({ ok: false, why: 'raj is no longer a person of the config' });
    people = [{ name: 'ana' }, { name: 'raj' }];
    expect(a.viewer(req())).toEqual({ ok: false, why: 'not signed in' });
    expect(a.viewer(req(`${SESSION_COOKIE}=${'x'.repeat(9000)}`))).toEqual({ ok: false, why: 'cookie header too large' });
  });

  it('Sign in with Slack: the state comes back only to the browser that started it, and its cookie is no session', async () => {
    const a = auth();
    const start = a.startSlackSignIn();
    expect(start.cookie).toMatch(/^sg_oidc=[^;]+; Path=\/ui\/auth\/slack; HttpOnly; SameSite=Lax; Max-Age=600; Secure$/);
    const jar = `sg_oidc=${start.cookie.split(';')[0]!.slice('sg_oidc='.length)}`;
    expect(a.slackSignInOf(req(jar), start.state)).toEqual({ ok: true, nonce: start.nonce });
    expect(a.slackSignInOf(req(jar), 'another-state')).toEqual({ ok: false, why: 'the sign-in answer is not for this browser (state)' });
    expect(a.slackSignInOf(req(), start.state)).toMatchObject({ ok: false, why: expect.stringContaining('did not start a sign-in') });
    expect(a.viewer(req(`${SESSION_COOKIE}=${start.cookie.split(';')[0]!.slice('sg_oidc='.length)}`))).toMatchObject({ ok: false, why: 'session bad signature' });
    clock += LINK_TTL_MS + 1;
    expect(a.slackSignInOf(req(jar), start.state)).toEqual({ ok: false, why: 'sign-in expired' });
    clock -= LINK_TTL_MS + 1;
    expect(() => a.sessionCookie('mallory')).toThrow(/not a person of the config/);
  });

  it('refuses a secret shorter than 32 characters', () => {
    expect(() => new DashboardAuth('short', { db: t.db, config: () => ({ people }) })).toThrow(/at least 32 characters/);
  });
});
