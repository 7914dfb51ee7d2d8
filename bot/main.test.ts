/**
 * `npm run bot` as a real process: missing env vars are named; with them set, the one server
 * answers /healthz and a signed /deploy over HTTP, and the secrets never reach its output.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { useTestDatabase } from '../pipeline/testing/mongo.ts';
import { freePort, repoRoot } from '../pipeline/mongo/embedded.ts';
import { startSlackFake, type SlackFake } from '../pipeline/testing/fakes/slack.ts';
import { postSigned, slashCommandBody } from './slack/testing/harness.ts';

vi.setConfig({ testTimeout: 90_000 });
const t = useTestDatabase('botmain');
const children: ChildProcess[] = [];
let fake: SlackFake | undefined;
afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  await fake?.close();
});

function bot(env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SLACK_|SHIPGATE_|GITHUB_)/.test(k))) as Record<string, string>;
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'bot/main.ts')], { cwd: repoRoot, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

describe('bot/main.ts', () => {
  it('names every missing variable and exits 1', async () => {
    const b = bot({});
    expect(await b.exited).toBe(1);
    expect(b.output()).toMatch(/SHIPGATE_ENV_MISSING.*SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SHIPGATE_STORE_URI/);
  });

  it('serves /healthz and a signed /deploy help; the token and secret never appear in its output', async () => {
    const { SIGNING_SECRET, BOT_TOKEN } = await import('./slack/testing/harness.ts');
    fake = await startSlackFake({ token: BOT_TOKEN });
    const dir = await mkdtemp(join(tmpdir(), 'sg-botmain-'));
    const configFile = join(dir, 'shipgate.yml');
    await writeFile(configFile, stringify({
      app: { name: 'notes', start: 'node app/src/server.ts' },
      environments: { staging: { deploy: { provider: 'process' }, database: { uriEnv: 'STAGING_MONGODB_URI' } } },
      slack: { channel: '#deploys', mode: 'local' },
    }));
    const port = await freePort();
    const b = bot({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SHIPGATE_STORE_URI: t.uriFor(t.freshName('botstore')), SHIPGATE_CONFIG: configFile, PORT: String(port), SLACK_API_URL: fake.apiUrl, SHIPGATE_STATE_DIR: dir });
    const end = Date.now() + 60_000;
    while (!b.output().includes('listening on') && Date.now() < end && b.child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    expect(b.output()).toContain(`listening on http://127.0.0.1:${port}`);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const res = await postSigned(`http://127.0.0.1:${port}/slack/events`, slashCommandBody({ text: 'help', user: 'U012ABC', responseUrl: fake.responseUrl('help') }));
    expect(res.status).toBe(200);
    expect(String(res.json?.text)).toContain('/deploy staging [ref]');
    const forged = await postSigned(`http://127.0.0.1:${port}/slack/events`, slashCommandBody({ text: 'help', user: 'U012ABC', responseUrl: fake.responseUrl('x') }), { secret: 'wrong-secret' });
    expect(forged.status).toBe(401);
    b.child.kill('SIGTERM');
    await b.exited;
    expect(b.output()).not.toContain(BOT_TOKEN);
    expect(b.output()).not.toContain(SIGNING_SECRET);
  });
});
