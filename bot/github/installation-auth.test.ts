/**
 * Slack-started releases in github mode (issue 11, item 6): the bot dispatches with the GitHub
 * App's installation token of the repository's own installation, minted from an App JWT that the
 * GitHub fake verifies as GitHub does; the run's actor is then the app's bot, which
 * pipeline/release/requester.ts trusts to name the Slack requester. The fake is shown to check:
 * forged, expired, far-future and wrong-issuer JWTs are refused, tokens expire and reach only their
 * installation's repositories, static tokens dispatch as their owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, createSign } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import { startGithubFake, type GithubFake } from '../../pipeline/testing/fakes/github.ts';
import { requesterOfDispatch } from '../../pipeline/release/requester.ts';
import { dispatchWorkflow } from './dispatch.ts';
import { appJwt, installationOctokit, installationTokens } from './installation-auth.ts';

const keys = () => generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const { privateKey, publicKey } = keys();
const APP_ID = 31337;
const PAT = 'ghp_personal0000000000000000000000000000';

let clock = Date.parse('2026-12-04T12:00:00Z');
const now = () => clock;
let fake: GithubFake;

beforeAll(async () => {
  fake = await startGithubFake({
    appPublicKey: publicKey, appId: APP_ID, appSlug: 'shipgate-acme', now,
    installations: { 11: ['acme/notes', 'acme/billing'], 99: ['evil/other'] },
    tokens: [PAT], tokenOwners: { [PAT]: 'ana-dev' },
  });
});
afterAll(async () => {
  expect(fake?.violations ?? [], 'requests outside GitHub\'s contract').toEqual([]);
  await fake?.close();
});

const target = (over: Partial<Parameters<typeof installationOctokit>[0]> = {}) => ({ appId: String(APP_ID), privateKey, owner: 'acme', repo: 'notes', baseUrl: fake.url, now, ...over });

/** A JWT with chosen claims, signed with `key`. */
function jwtWith(claims: Record<string, unknown>, key = privateKey, alg = 'RS256'): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg, typ: 'JWT' })}.${enc(claims)}`;
  return `${head}.${createSign('RSA-SHA256').update(head).sign(key).toString('base64url')}`;
}

async function mintWith(jwt: string, installation = 11): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${fake.url}/app/installations/${installation}/access_tokens`, { method: 'POST', headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' }, body: '{}' });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the GitHub fake checks App JWTs and installation tokens as GitHub does', () => {
  const t = () => Math.floor(clock / 1000);

  it('a JWT signed by another key, with another issuer, expired, issued in the future or living over 10 minutes is refused (401); a correct one mints', async () => {
    const other = keys().privateKey;
    expect((await mintWith(jwtWith({ iat: t() - 60, exp: t() + 540, iss: String(APP_ID) }, other))).status).toBe(401);
    expect((await mintWith(jwtWith({ iat: t() - 60, exp: t() + 540, iss: '1' }))).status).toBe(401);
    expect((await mintWith(jwtWith({ iat: t() - 700, exp: t() - 100, iss: String(APP_ID) }))).status).toBe(401);
    expect((await mintWith(jwtWith({ iat: t() + 300, exp: t() + 500, iss: String(APP_ID) }))).status).toBe(401);
    expect((await mintWith(jwtWith({ iat: t(), exp: t() + 3600, iss: String(APP_ID) }))).status).toBe(401);
    expect((await mintWith(jwtWith({ iat: t() - 60, exp: t() + 540, iss: String(APP_ID) }, privateKey, 'none'))).status).toBe(401);
    expect((await mintWith('not.a.jwt')).status).toBe(401);
    expect(fake.refused.filter((r) => r.path.endsWith('/access_tokens')).map((r) => r.message)).toEqual(expect.arrayContaining([
      expect.stringContaining('could not be decoded'), expect.stringContaining("'iss'"), expect.stringContaining("'exp'"), expect.stringContaining("'iat'"), expect.stringContaining('too far in the future'),
    ]));
    const ok = await mintWith(appJwt({ appId: String(APP_ID), privateKey }, clock));
    expect(ok.status).toBe(201);
    expect(String(ok.body.token)).toMatch(/^ghs_/);
  });

  it('an installation token reaches only its installation\'s repositories and stops at its expiry; a personal token dispatches as its owner', async () => {
    const minted = await mintWith(appJwt({ appId: String(APP_ID), privateKey }, clock), 99);
    const foreign = new Octokit({ auth: String(minted.body.token), baseUrl: fake.url, request: { retries: 0 } });
    await expect(dispatchWorkflow(foreign, { owner: 'acme', repo: 'notes', workflow: 'release.yml', ref: 'main', inputs: {} })).rejects.toMatchObject({ code: 'SHIPGATE_DISPATCH_FAILED', details: { status: 401 } });
    const own = await mintWith(appJwt({ appId: String(APP_ID), privateKey }, clock), 11);
    const expiring = new Octokit({ auth: String(own.body.token), baseUrl: fake.url, request: { retries: 0 } });
    clock += 3600_000;
    await expect(dispatchWorkflow(expiring, { owner: 'acme', repo: 'notes', workflow: 'release.yml', ref: 'main', inputs: {} })).rejects.toMatchObject({ details: { status: 401 } });
    const pat = new Octokit({ auth: PAT, baseUrl: fake.url, request: { retries: 0 } });
    await dispatchWorkflow(pat, { owner: 'acme', repo: 'notes', workflow: 'release.yml', ref: 'main', inputs: { environment: 'staging', ref: 'main', requester: 'slack:U012ABC' } });
    const d = fake.dispatches.at(-1)!;
    expect(d.credential).toEqual({ kind: 'static', owner: 'ana-dev' });
    const actor = fake.runs.get(d.runId)!.actor!.login;
    expect(actor).toBe('ana-dev');
    // What a810a90's bot did: a static token. release.yml refuses the Slack user as requester.
    expect(() => requesterOfDispatch({ actor, appBotLogin: 'shipgate-acme[bot]', requested: d.inputs.requester })).toThrow(/SHIPGATE_REQUESTER_REFUSED|only the Shipgate app may name someone else/);
  });
});

describe('installationOctokit: dispatches with the repository\'s installation token', () => {
  it('finds acme/notes\'s installation (not another one of the app), mints a token narrowed to the repository and actions: write, and the run\'s actor is accepted by requester.ts', async () => {
    const before = fake.issued.length;
    const octokit = installationOctokit(target());
    await dispatchWorkflow(octokit, { owner: 'acme', repo: 'notes', workflow: 'release.yml', ref: 'main', inputs: { environment: 'staging', ref: 'main', requester: 'slack:U012ABC' } });
    const d = fake.dispatches.at(-1)!;
    expect(d.credential).toMatchObject({ kind: 'installation', installationId: 11 });
    const issued = fake.issued.slice(before);
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({ installationId: 11, repositories: ['acme/notes'], permissions: { actions: 'write', metadata: 'read' }, jwt: { iss: String(APP_ID) } });
    expect(fake.calls('GET', /^\/repos\/acme\/notes\/installation$/).length).toBeGreaterThan(0);
    const actor = fake.runs.get(d.runId)!.actor!.login;
    expect(actor).toBe('shipgate-acme[bot]');
    expect(requesterOfDispatch({ actor, appBotLogin: 'shipgate-acme[bot]', requested: d.inputs.requester })).toEqual({ via: 'slack', id: 'U012ABC' });
    // The narrowed token cannot reach the installation's other repository.
    const narrowed = new Octokit({ auth: issued[0]!.token, baseUrl: fake.url, request: { retries: 0 } });
    await expect(dispatchWorkflow(narrowed, { owner: 'acme', repo: 'billing', workflow: 'release.yml', ref: 'main', inputs: {} })).rejects.toMatchObject({ details: { status: 401 } });
  });

  it('another repository\'s installation is never used: a bot for evil/other mints for installation 99 only, and a repository without the app gets SHIPGATE_GITHUB_APP_TOKEN (404) and no dispatch', async () => {
    const before = fake.issued.length;
    await dispatchWorkflow(installationOctokit(target({ owner: 'evil', repo: 'other' })), { owner: 'evil', repo: 'other', workflow: 'release.yml', ref: 'main', inputs: {} });
    expect(fake.issued.slice(before).map((i) => i.installationId)).toEqual([99]);
    const dispatched = fake.dispatches.length;
    await expect(dispatchWorkflow(installationOctokit(target({ owner: 'acme', repo: 'absent' })), { owner: 'acme', repo: 'absent', workflow: 'release.yml', ref: 'main', inputs: {} })).rejects.toMatchObject({
      code: 'SHIPGATE_DISPATCH_FAILED', cause: { code: 'SHIPGATE_GITHUB_APP_TOKEN', details: { status: 404 } },
    });
    expect(fake.dispatches.length).toBe(dispatched);
  });

  it('reuses the token until 5 minutes before it expires, then mints a new one; a revoked token is minted again once and the dispatch goes through once', async () => {
    const before = fake.issued.length;
    const octokit = installationOctokit(target());
    const dispatch = () => dispatchWorkflow(octokit, { owner: 'acme', repo: 'notes', workflow: 'release.yml', ref: 'main', inputs: { environment: 'staging', ref: 'main', requester: 'slack:U012ABC' } });
    await dispatch();
    clock += 30 * 60_000;
    await dispatch();
    expect(fake.issued.length - before).toBe(1);
    clock += 26 * 60_000; // 4 minutes before expiry
    await dispatch();
    expect(fake.issued.length - before).toBe(2);
    const last = fake.dispatches.slice(-3).map((d) => (d.credential.kind === 'installation' ? d.credential.token : ''));
    expect(last[0]).toBe(last[1]);
    expect(last[2]).not.toBe(last[1]);
    fake.revokeInstallationTokens();
    const dispatched = fake.dispatches.length;
    await dispatch();
    expect(fake.issued.length - before).toBe(3);
    expect(fake.dispatches.length).toBe(dispatched + 1);
  });

  it('concurrent dispatches share one mint', async () => {
    clock += 10 * 3600_000;
    const tokens = installationTokens(target());
    const before = fake.issued.length;
    const got = await Promise.all([tokens.get(), tokens.get(), tokens.get()]);
    expect(new Set(got.map((g) => g.token)).size).toBe(1);
    expect(fake.issued.length - before).toBe(1);
  });
});
