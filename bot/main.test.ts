/**
 * `npm run bot` as a real process: missing env vars are named; with them set, the one server
 * answers /healthz and a signed /deploy over HTTP, and the secrets never reach its output. A
 * signed body that parses to null does not take the process down; every start-up error (also
 * after the store connected) exits 1 naming the cause; in slack.mode github the Slack side's
 * dispatches follow GITHUB_API_URL, carry the GitHub App's installation token (never a static
 * token: without the App, github mode refuses to start), and the repository name is not masked.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { useTestDatabase } from '../pipeline/testing/mongo.ts';
import { freePort, repoRoot } from '../pipeline/mongo/embedded.ts';
import { startSlackFake, type SlackFake } from '../pipeline/testing/fakes/slack.ts';
import { BOT_TOKEN, SIGNING_SECRET, postSigned, slackSignature, slashCommandBody } from './slack/testing/harness.ts';
import { generateKeyPairSync } from 'node:crypto';
import { startGithubFake } from '../pipeline/testing/fakes/github.ts';
import { requesterOfDispatch } from '../pipeline/release/requester.ts';

vi.setConfig({ testTimeout: 90_000 });
const t = useTestDatabase('botmain');
const children: ChildProcess[] = [];
const cleanup: Array<() => Promise<unknown>> = [];
let fake: SlackFake | undefined;
afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  for (const c of cleanup.reverse()) await c();
  await fake?.close();
});

function bot(env: Record<string, string>, cwd = repoRoot) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SLACK_|SHIPGATE_|GITHUB_|APP_ID$|PRIVATE_KEY$|WEBHOOK_SECRET$)/.test(k))) as Record<string, string>;
  const tsx = pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', tsx, join(repoRoot, 'bot/main.ts')], { cwd, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

/** Waits for the process to exit (null if it is still running after `ms`: the hang of finding 2). */
async function exitWithin(b: ReturnType<typeof bot>, ms: number): Promise<number | null | 'running'> {
  const timer = new Promise<'running'>((r) => setTimeout(() => r('running'), ms).unref());
  const code = await Promise.race([b.exited, timer]);
  if (code === 'running') b.child.kill('SIGKILL');
  return code;
}

async function config(extra: Record<string, unknown> = {}): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-botmain-'));
  const file = join(dir, 'shipgate.yml');
  await writeFile(file, stringify({
    app: { name: 'notes', start: 'node app/src/server.ts' },
    environments: { staging: { deploy: { provider: 'process' }, database: { uriEnv: 'STAGING_MONGODB_URI' } } },
    people: [{ name: 'ana', slack: 'U012ABC' }],
    slack: { channel: '#deploys', mode: 'local' },
    ...extra,
  }));
  return { dir, file };
}

async function baseEnv(extra: Record<string, unknown> = {}): Promise<Record<string, string>> {
  fake ??= await startSlackFake({ token: BOT_TOKEN });
  const { dir, file } = await config(extra);
  return { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SHIPGATE_STORE_URI: t.uriFor(t.freshName('botstore')), SHIPGATE_CONFIG: file, SLACK_API_URL: fake.apiUrl, SHIPGATE_STATE_DIR: dir };
}

async function listening(b: ReturnType<typeof bot>): Promise<void> {
  const end = Date.now() + 60_000;
  while (!b.output().includes('listening on') && Date.now() < end && b.child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
}

describe('bot/main.ts', () => {
  it('names every missing variable and exits 1', async () => {
    const b = bot({});
    expect(await b.exited).toBe(1);
    expect(b.output()).toMatch(/SHIPGATE_ENV_MISSING.*SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SHIPGATE_STORE_URI/);
  });

  it('serves /healthz and a signed /deploy help; says which sides are on; survives signed bodies that parse to null; the token and secret never appear in its output', async () => {
    const port = await freePort();
    const b = bot({ ...(await baseEnv()), PORT: String(port) });
    await listening(b);
    expect(b.output()).toContain(`listening on http://127.0.0.1:${port}`);
    expect(b.output()).toMatch(/Slack: on at http:\/\/127\.0\.0\.1:\d+\/slack\/events/);
    expect(b.output()).toMatch(/GitHub App: off \(GITHUB_APP_ID/);
    const events = `http://127.0.0.1:${port}/slack/events`;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const res = await postSigned(events, slashCommandBody({ text: 'help', user: 'U012ABC', responseUrl: fake!.responseUrl('help') }));
    expect(res.status).toBe(200);
    expect(String(res.json?.text)).toContain('/deploy staging [ref]');
    const forged = await postSigned(events, slashCommandBody({ text: 'help', user: 'U012ABC', responseUrl: fake!.responseUrl('x') }), { secret: 'wrong-secret' });
    expect(forged.status).toBe(401);
    // Finding 1: Bolt 4.7 read body.ssl_check on these in a path nothing caught, and the process died.
    expect((await postSigned(events, 'payload=null')).status).toBe(400);
    const ts = Math.floor(Date.now() / 1000);
    const json = await fetch(events, { method: 'POST', headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SIGNING_SECRET, ts, 'null') }, body: 'null' });
    expect(json.status).toBe(400);
    await new Promise((r) => setTimeout(r, 300));
    expect(b.child.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    expect(b.output()).not.toContain(BOT_TOKEN);
    expect(b.output()).not.toContain(SIGNING_SECRET);
  });

  it('runs in the user\'s repository: started in a subfolder without SHIPGATE_CONFIG, it finds <repo>/.github/shipgate.yml (and writes nothing into the subfolder)', async () => {
    const env = await baseEnv();
    const repo = await mkdtemp(join(tmpdir(), 'sg-botrepo-'));
    await mkdir(join(repo, '.github'), { recursive: true });
    await mkdir(join(repo, 'services/api'), { recursive: true });
    await writeFile(join(repo, '.github/shipgate.yml'), stringify({
      app: { name: 'theirs', start: 'node server.js' },
      environments: { staging: { deploy: { provider: 'process' }, database: { uriEnv: 'STAGING_MONGODB_URI' } } },
      people: [{ name: 'ana', slack: 'U012ABC' }],
      slack: { channel: '#deploys', mode: 'local' },
    }));
    const { SHIPGATE_CONFIG: _config, SHIPGATE_STATE_DIR: _state, ...rest } = env;
    const port = await freePort();
    const b = bot({ ...rest, PORT: String(port) }, join(repo, 'services/api'));
    await listening(b);
    expect(b.output()).toContain('listening on');
    const res = await postSigned(`http://127.0.0.1:${port}/slack/events`, slashCommandBody({ text: 'help', user: 'U012ABC', responseUrl: fake!.responseUrl('ws-help') }));
    expect(res.status).toBe(200);
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    expect(existsSync(join(repo, 'services/api/.shipgate'))).toBe(false);
  });

  it('Socket Mode as configuration: SLACK_APP_TOKEN without SLACK_SIGNING_SECRET starts, connects over the WebSocket and answers /deploy help there; /slack/events is not served', async () => {
    const appToken = 'xapp-1-A0SHIPGATE-main000000000000000000';
    const sm = await startSlackFake({ token: BOT_TOKEN, appToken });
    cleanup.push(() => sm.close());
    const { SLACK_SIGNING_SECRET: _secret, ...env } = await baseEnv();
    const port = await freePort();
    const b = bot({ ...env, SLACK_API_URL: sm.apiUrl, SLACK_APP_TOKEN: appToken, PORT: String(port) });
    await listening(b);
    expect(b.output()).toContain('Slack: on over Socket Mode');
    await sm.socketMode!.connected(30_000);
    const id = sm.socketMode!.send('slash_commands', Object.fromEntries(new URLSearchParams(slashCommandBody({ text: 'help', user: 'U012ABC', responseUrl: sm.responseUrl('sm-main') }))));
    expect(String((await sm.socketMode!.ackOf(id, 30_000)).payload?.text)).toContain('/deploy staging [ref]');
    expect((await postSigned(`http://127.0.0.1:${port}/slack/events`, slashCommandBody({ text: 'help', user: 'U012ABC', responseUrl: sm.responseUrl('x') }))).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    expect(b.output()).not.toContain(appToken);
    expect(b.output()).not.toContain(BOT_TOKEN);
  });

  it('SLACK_SOCKET_MODE=1 without SLACK_APP_TOKEN exits 1 naming it', async () => {
    const b = bot({ ...(await baseEnv()), PORT: String(await freePort()), SLACK_SOCKET_MODE: '1' });
    expect(await exitWithin(b, 45_000)).toBe(1);
    expect(b.output()).toMatch(/SHIPGATE_ENV_MISSING.*SLACK_APP_TOKEN/);
  });

  it('a port already in use (found after the store connected) exits 1 with a user error naming the port and PORT', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise((r) => blocker.close(r)));
    const b = bot({ ...(await baseEnv()), PORT: String(port) });
    expect(await exitWithin(b, 45_000)).toBe(1);
    expect(b.output()).toContain('SHIPGATE_BOT_PORT_IN_USE');
    expect(b.output()).toContain(`127.0.0.1:${port}`);
    expect(b.output()).toMatch(/hint: .*PORT/);
    expect(b.output()).not.toContain('SHIPGATE_INTERNAL');
  });

  it('GITHUB_APP_ID without the private key exits 1 naming the missing variable', async () => {
    const b = bot({ ...(await baseEnv()), PORT: String(await freePort()), GITHUB_APP_ID: '4242', GITHUB_WEBHOOK_SECRET: 'whsec-main-test' });
    expect(await exitWithin(b, 45_000)).toBe(1);
    expect(b.output()).toContain('GITHUB_APP_PRIVATE_KEY');
    expect(b.output()).not.toContain('listening on');
  });

  it('an unreachable store: exits 1 naming its host; only the password is masked', async () => {
    const b = bot({ ...(await baseEnv()), PORT: String(await freePort()), SHIPGATE_STORE_URI: 'mongodb://shipgate:pa55-store-secret@127.0.0.1:1/store' });
    expect(await exitWithin(b, 45_000)).toBe(1);
    expect(b.output()).toContain('127.0.0.1:1');
    expect(b.output()).not.toContain('pa55-store-secret');
  });

  it('slack.mode github: GITHUB_REPOSITORY is shown, not masked, in errors', async () => {
    const b = bot({ ...(await baseEnv({ slack: { channel: '#deploys', mode: 'github' } })), PORT: String(await freePort()), GITHUB_REPOSITORY: 'acme-notes', GITHUB_TOKEN: 'ghs_maintest000000000000000000' });
    expect(await exitWithin(b, 45_000)).toBe(1);
    expect(b.output()).toContain('GITHUB_REPOSITORY must be owner/name, got "acme-notes"');
  });

  it('slack.mode github without the GitHub App: refuses to start (a static GITHUB_TOKEN would dispatch as its owner), naming the App variables', async () => {
    const b = bot({ ...(await baseEnv({ slack: { channel: '#deploys', mode: 'github' } })), PORT: String(await freePort()), GITHUB_REPOSITORY: 'acme/notes', GITHUB_TOKEN: 'ghp_maintest000000000000000000' });
    expect(await exitWithin(b, 45_000)).toBe(1);
    expect(b.output()).toContain('SHIPGATE_SLACK_GITHUB_APP_REQUIRED');
    expect(b.output()).toMatch(/GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_WEBHOOK_SECRET/);
    expect(b.output()).not.toContain('listening on');
    expect(b.output()).not.toContain('ghp_maintest000000000000000000');
  });

  it('slack.mode github with the GitHub App: a signed /deploy staging reaches the GitHub fake with an installation token of acme/notes\'s own installation, minted from a JWT the fake verified; the run\'s actor is the app\'s bot, which requester.ts accepts', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const pat = 'ghp_personalmain0000000000000000000000';
    const gh = await startGithubFake({ appPublicKey: publicKey, appId: 7070, appSlug: 'shipgate', installations: { 11: ['acme/notes'], 99: ['evil/other'] }, tokens: [pat], tokenOwners: { [pat]: 'ana-dev' } });
    cleanup.push(async () => {
      expect(gh.violations, 'requests outside GitHub\'s contract').toEqual([]);
      await gh.close();
    });
    const port = await freePort();
    const b = bot({
      ...(await baseEnv({ slack: { channel: '#deploys', mode: 'github' } })), PORT: String(port),
      GITHUB_REPOSITORY: 'acme/notes', GITHUB_API_URL: gh.url, GITHUB_TOKEN: pat,
      GITHUB_APP_ID: '7070', GITHUB_APP_PRIVATE_KEY: privateKey.replace(/\n/g, '\\n'), GITHUB_WEBHOOK_SECRET: 'whsec-main-app-test',
    });
    await listening(b);
    expect(b.output()).toContain("dispatches to acme/notes with the GitHub App's installation token");
    const res = await postSigned(`http://127.0.0.1:${port}/slack/events`, slashCommandBody({ text: 'staging main', user: 'U012ABC', responseUrl: fake!.responseUrl('gh-app-staging') }));
    expect(res.status).toBe(200);
    const end = Date.now() + 30_000;
    while (gh.dispatches.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(gh.dispatches).toHaveLength(1);
    const d = gh.dispatches[0]!;
    expect(d).toMatchObject({ owner: 'acme', repo: 'notes', workflow: 'release.yml', ref: 'main', inputs: { environment: 'staging', ref: 'main', requester: 'slack:U012ABC' } });
    // a810a90 dispatched with GITHUB_TOKEN: { kind: 'static', owner: 'ana-dev' }, and the workflow refused the requester.
    expect(d.credential).toMatchObject({ kind: 'installation', installationId: 11 });
    const token = gh.issued.find((i) => d.credential.kind === 'installation' && i.token === d.credential.token)!;
    expect(token).toMatchObject({ installationId: 11, repositories: ['acme/notes'], jwt: { iss: '7070' } });
    expect(token.expiresAt).toBeGreaterThan(Date.now());
    expect(gh.issued.every((i) => i.installationId === 11)).toBe(true);
    const actor = gh.runs.get(d.runId)!.actor!.login;
    expect(actor).toBe('shipgate[bot]');
    expect(requesterOfDispatch({ actor, appBotLogin: 'shipgate[bot]', requested: d.inputs.requester })).toEqual({ via: 'slack', id: 'U012ABC' });
    // It tells the operator which login to set as SHIPGATE_APP_BOT (from GET /app, the JWT verified again).
    const said = Date.now() + 10_000;
    while (!b.output().includes('SHIPGATE_APP_BOT=') && Date.now() < said) await new Promise((r) => setTimeout(r, 100));
    expect(b.output()).toContain('run as shipgate[bot]: set the repository variable SHIPGATE_APP_BOT=shipgate[bot]');
    b.child.kill('SIGTERM');
    await b.exited;
    expect(b.output()).not.toContain(token.token);
    expect(b.output()).not.toContain(pat);
  });
});
