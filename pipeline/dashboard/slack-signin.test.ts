/**
 * Sign in with Slack (slack-signin.ts) against the Slack OpenID Connect fake, which holds every
 * request to Slack's discovery document: a good sign-in gives the user id; a forged, expired,
 * foreign-app, foreign-workspace or replayed answer, or a wrong nonce, is refused with why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackOidcFake, type SlackOidcFake } from '../testing/fakes/slack-oidc.ts';
import { SlackSignIn } from './slack-signin.ts';

const CLIENT = { clientId: '2141029472.691202649728', clientSecret: 'e1b9e11dfcd19c1982d5de12921e17e8c-test' };
const REDIRECT = 'http://127.0.0.1:9/ui/auth/slack/callback';
let fake: SlackOidcFake;
let clock = Date.now();

beforeAll(async () => {
  fake = await startSlackOidcFake({ ...CLIENT, redirectUris: [REDIRECT], teamId: 'T0ACME', now: () => clock });
});
afterAll(async () => {
  await fake?.close();
});

const signIn = (o: Partial<ConstructorParameters<typeof SlackSignIn>[0]> = {}) =>
  new SlackSignIn({ ...CLIENT, redirectUri: REDIRECT, authorizeUrl: fake.authorizeUrl, tokenUrl: fake.tokenUrl, jwksUrl: fake.jwksUrl, now: () => clock, ...o });

/** What the browser does: open the authorize URL (the fake answers for the signed-in user), read the code off the redirect. */
async function codeFor(s: SlackSignIn, state: string, nonce: string): Promise<string> {
  const res = await fetch(s.authorizeUrl(state, nonce), { redirect: 'manual' });
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get('location')!);
  expect(back.origin + back.pathname).toBe(REDIRECT);
  expect(back.searchParams.get('state')).toBe(state);
  return back.searchParams.get('code')!;
}

describe('Sign in with Slack', () => {
  it('a good sign-in: Slack\'s code flow, a verified id_token, the user and workspace; within Slack\'s contract', async () => {
    fake.signInAs({ id: 'U012ABC' });
    const s = signIn({ teamId: 'T0ACME' });
    expect(await s.exchange(await codeFor(s, 'st-1', 'nonce-1'), 'nonce-1')).toEqual({ ok: true, userId: 'U012ABC', teamId: 'T0ACME' });
    expect(fake.violations).toEqual([]);
  });

  it('a code works once; another nonce, another app or another workspace is refused', async () => {
    fake.signInAs({ id: 'U012ABC' });
    const s = signIn();
    const code = await codeFor(s, 'st-2', 'nonce-2');
    expect(await s.exchange(code, 'another-nonce')).toEqual({ ok: false, why: 'the id_token was not issued for this sign-in (nonce)' });
    expect(await s.exchange(code, 'nonce-2')).toEqual({ ok: false, why: 'Slack refused the sign-in: invalid_code' });
    fake.violations.splice(0);

    fake.signInAs({ id: 'U012ABC', teamId: 'T0OTHER' });
    const team = signIn({ teamId: 'T0ACME' });
    expect(await team.exchange(await codeFor(team, 'st-3', 'n3'), 'n3')).toEqual({ ok: false, why: 'you signed in to another Slack workspace' });

    fake.signInAs({ id: 'U012ABC' });
    const wrongSecret = signIn({ clientSecret: 'not-the-secret' });
    expect(await wrongSecret.exchange(await codeFor(wrongSecret, 'st-4', 'n4'), 'n4')).toEqual({ ok: false, why: 'Slack refused the sign-in: bad_client_secret' });
    expect(fake.violations.map((v) => v.error)).toEqual(['bad_client_secret']);
    fake.violations.splice(0);
  });

  it('an id_token signed by another key, for another app, expired, or not a JWT is refused', async () => {
    const s = signIn();
    const t = Math.floor(clock / 1000);
    const claims = { iss: 'https://slack.com', sub: 'U012ABC', aud: CLIENT.clientId, exp: t + 300, iat: t, nonce: 'n', 'https://slack.com/user_id': 'U012ABC' };
    expect(await s.verifyIdToken(fake.forgedIdToken(claims), 'n')).toEqual({ ok: false, why: 'the id_token signature does not verify' });
    expect(await s.verifyIdToken('a.b', 'n')).toEqual({ ok: false, why: 'the id_token is not a JWT' });
    // A real token, then checked by an app with another client id, and after it expired.
    fake.signInAs({ id: 'U012ABC' });
    const code = await codeFor(s, 'st-5', 'n5');
    const res = await fetch(fake.tokenUrl, { method: 'POST', body: new URLSearchParams({ ...{ client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret }, code, redirect_uri: REDIRECT }) });
    const { id_token } = (await res.json()) as { id_token: string };
    expect((await s.verifyIdToken(id_token, 'n5')).ok).toBe(true);
    expect(await signIn({ clientId: 'another.app' }).verifyIdToken(id_token, 'n5')).toEqual({ ok: false, why: 'the id_token is for another app' });
    clock += 10 * 60_000;
    expect(await s.verifyIdToken(id_token, 'n5')).toEqual({ ok: false, why: 'the id_token has expired' });
    clock -= 10 * 60_000;
  });

  it('the fake refuses an authorize request outside Slack\'s discovery document', async () => {
    const bad = new URL(fake.authorizeUrl);
    bad.searchParams.set('response_type', 'token');
    bad.searchParams.set('scope', 'openid');
    bad.searchParams.set('client_id', CLIENT.clientId);
    expect((await fetch(bad, { redirect: 'manual' })).status).toBe(400);
    const foreign = new URL(signIn({ redirectUri: 'https://evil.example/cb' }).authorizeUrl('s', 'n'));
    expect((await fetch(foreign, { redirect: 'manual' })).status).toBe(400);
    expect(fake.violations.map((v) => v.error)).toEqual(['unsupported_response_type', 'redirect_uri did not match any configured URIs']);
    fake.violations.splice(0);
  });
});
