/**
 * The GitHub side's settings at start (issue 10, finding 3 and the small ones): a private key that
 * is not one fails at start with the variable's name and the fix (never its value), Probot's
 * variable names work as aliases, a half-configured App names what is missing, and
 * githubSideStatus tells the bot's start-up line whether the side is on and why.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { isShipgateError, presentError } from '../../pipeline/errors.ts';
import { startBotServer } from '../server.ts';
import { silentNotifier } from '../notify.ts';
import { githubHandlerFromEnv, githubSideStatus, readGithubAppEnv } from './index.ts';
import { createQuickWorld, type QuickWorld } from './testing/quick-world.ts';
import { deliver } from './testing/webhooks.ts';

vi.setConfig({ testTimeout: 120_000 });
const t = useTestDatabase('ghenv');
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const SECRET = 'whsec-env-1c2d3e';
let world: QuickWorld;
beforeAll(async () => {
  world = await createQuickWorld({ client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p) });
}, 120_000);
afterAll(async () => {
  await world?.close();
});

const fromEnv = (env: Record<string, string>) => githubHandlerFromEnv(env, { system: world.system, notifier: silentNotifier });
function startError(env: Record<string, string>): { code: string; text: string } {
  try {
    fromEnv(env)?.stop();
  } catch (err) {
    if (!isShipgateError(err)) throw err;
    return { code: err.code, text: presentError(err) };
  }
  throw new Error('no error at start');
}

describe('the private key is checked at start (finding 3)', () => {
  it('not-a-pem: a start-up error naming GITHUB_APP_PRIVATE_KEY and where to get a key, without the value', () => {
    const e = startError({ GITHUB_APP_ID: '123', GITHUB_APP_PRIVATE_KEY: 'not-a-pem', GITHUB_WEBHOOK_SECRET: SECRET });
    expect(e.code).toBe('SHIPGATE_GITHUB_APP_KEY_INVALID');
    expect(e.text).toMatch(/GITHUB_APP_PRIVATE_KEY is not a usable private key: it is not PEM/);
    expect(e.text).toMatch(/Private keys/);
    expect(e.text).toMatch(/\\n/);
    expect(e.text).not.toContain('not-a-pem');
    // The same check without building anything, for the bot to run before it connects.
    expect(() => readGithubAppEnv({ GITHUB_APP_ID: '123', GITHUB_APP_PRIVATE_KEY: 'not-a-pem', GITHUB_WEBHOOK_SECRET: SECRET })).toThrow(/GITHUB_APP_PRIVATE_KEY is not a usable private key/);
    expect(githubSideStatus({ GITHUB_APP_ID: '123', GITHUB_APP_PRIVATE_KEY: 'not-a-pem', GITHUB_WEBHOOK_SECRET: SECRET })).toMatchObject({ on: false, line: expect.stringMatching(/not a usable private key/) });
  });

  it('a cut-short PEM and a public key are refused too, and the error never shows the key', () => {
    const cut = privateKey.slice(0, 400);
    const e = startError({ GITHUB_APP_ID: '123', GITHUB_APP_PRIVATE_KEY: cut, GITHUB_WEBHOOK_SECRET: SECRET });
    expect(e.code).toBe('SHIPGATE_GITHUB_APP_KEY_INVALID');
    expect(e.text).toMatch(/cannot be read/);
    expect(e.text).not.toContain(cut.split('\n')[1]!);
    expect(startError({ APP_ID: '123', PRIVATE_KEY: publicKey, WEBHOOK_SECRET: SECRET }).text).toMatch(/PRIVATE_KEY is not a usable private key: it holds a public key/);
  });
});

describe("Probot's variable names, and half-configured Apps", () => {
  it('APP_ID, PRIVATE_KEY (one line, \\n escapes) and WEBHOOK_SECRET turn the GitHub side on', async () => {
    const env = { APP_ID: '123', PRIVATE_KEY: privateKey.replace(/\n/g, '\\n'), WEBHOOK_SECRET: SECRET };
    expect(githubSideStatus(env)).toEqual({ on: true, line: 'GitHub App: on (app 123 from APP_ID, webhooks at /api/github/webhooks)' });
    const handler = fromEnv(env);
    expect(handler).toBeDefined();
    handler!.stop();
    const server = await startBotServer({ githubHandler: handler! });
    try {
      expect((await deliver(`${server.url}/api/github/webhooks`, { event: 'ping', payload: { zen: 'Design for failure.' }, secret: SECRET })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('some but not all of the variables: an error naming the missing ones', () => {
    const onlyId = startError({ GITHUB_APP_ID: '123' });
    expect(onlyId.code).toBe('SHIPGATE_GITHUB_APP_ENV_INCOMPLETE');
    expect(onlyId.text).toMatch(/GITHUB_APP_ID is set but GITHUB_APP_PRIVATE_KEY \(or PRIVATE_KEY\), GITHUB_WEBHOOK_SECRET \(or WEBHOOK_SECRET\) are not/);
    const noId = startError({ GITHUB_APP_PRIVATE_KEY: privateKey, GITHUB_WEBHOOK_SECRET: SECRET });
    expect(noId.text).toMatch(/but GITHUB_APP_ID \(or APP_ID\) is not/);
    expect(noId.text).not.toContain(privateKey.split('\n')[1]!);
    expect(startError({ GITHUB_APP_ID: '1', APP_ID: '2', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET }).code).toBe('SHIPGATE_GITHUB_APP_ENV_CONFLICT');
    expect(startError({ APP_ID: 'my-app', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET }).text).toMatch(/APP_ID must be the GitHub App's numeric App ID/);
  });

  it('nothing set (or only generic PRIVATE_KEY / WEBHOOK_SECRET): the side is off, and says why', () => {
    expect(fromEnv({})).toBeUndefined();
    expect(readGithubAppEnv({ WEBHOOK_SECRET: 'for-something-else' })).toBeUndefined();
    expect(githubSideStatus({})).toEqual({ on: false, line: 'GitHub App: off (GITHUB_APP_ID / APP_ID not set)' });
    expect(githubSideStatus({ GITHUB_APP_ID: '5' }).line).toMatch(/^GitHub App: off \(the GitHub App is half configured: .*GITHUB_WEBHOOK_SECRET/);
  });
});
