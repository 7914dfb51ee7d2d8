/**
 * Socket Mode (docs/hosting.md#socket-mode): the real Bolt app with its SocketModeReceiver connects
 * with the app-level token (apps.connections.open on the Slack fake → a one-use ws:// loopback URL),
 * gets Slack's `hello`, then `/deploy` envelopes on the socket, and acknowledges each with its
 * envelope_id (the answer in the ack's payload, later answers through response_url). A wrong token
 * fails start-up with SHIPGATE_SLACK_SOCKET_MODE; there is no HTTP request listener in this mode.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import type { ReleaseSystem } from '../../pipeline/release/factory.ts';
import { readEnvironmentLock } from '../../pipeline/release/locks.ts';
import { startSlackFake, type SlackFake } from '../../pipeline/testing/fakes/slack.ts';
import { createSlackBot, type SlackBot } from './app.ts';
import { BOT_TOKEN } from './testing/harness.ts';
import { DEPLOY_GROUP, PEOPLE, slackTestSystem } from './testing/fixtures.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });
const t = useTestDatabase('slacksocket');
const APP_TOKEN = `xapp-1-A0SHIPGATE-${randomBytes(10).toString('hex')}`;
let system: ReleaseSystem;
let fake: SlackFake;
const bots: SlackBot[] = [];
const logs: string[] = [];

beforeAll(async () => {
  system = await slackTestSystem({ client: t.client, dbName: t.dbName, mode: 'local', stateDir: await mkdtemp(join(tmpdir(), 'sg-socket-')) });
  fake = await startSlackFake({ token: BOT_TOKEN, appToken: APP_TOKEN, userGroups: { [DEPLOY_GROUP]: [PEOPLE.gus] } });
});
afterAll(async () => {
  for (const b of bots) await b.close();
  await fake?.close();
  await system?.close();
});

function socketBot(appToken = APP_TOKEN): SlackBot {
  const bot = createSlackBot({ signingSecret: '', botToken: BOT_TOKEN, socketMode: { appToken }, slackApiUrl: fake.apiUrl, system, log: (l) => logs.push(l), resolveRef: async () => 'abc1234def5678900000000000000000000000000' });
  bots.push(bot);
  return bot;
}

const command = (text: string, user: string, responseUrl: string) => ({
  token: 'legacy-verification-token', team_id: 'T0SHIPGATE', team_domain: 'shipgate-test', channel_id: 'C0DEPLOYS1', channel_name: 'deploys',
  user_id: user, user_name: user.toLowerCase(), command: '/deploy', text, api_app_id: 'A0SHIPGATE', is_enterprise_install: 'false',
  response_url: responseUrl, trigger_id: `${Date.now()}.1.abc`,
});

describe('Socket Mode', () => {
  let bot: SlackBot;

  it('connects with the app-level token: apps.connections.open, then the WebSocket; no HTTP listener', async () => {
    bot = socketBot();
    expect(bot.requestListener).toBeUndefined();
    await bot.start();
    await fake.socketMode!.connected();
    expect(fake.socketMode!.connections()).toBe(1);
    expect(fake.callsOf('apps.connections.open')).toHaveLength(1);
  });

  it('a /deploy help envelope is acknowledged with its envelope_id and the help as the ack payload', async () => {
    const id = fake.socketMode!.send('slash_commands', command('help', PEOPLE.ana, fake.responseUrl('sm-help')));
    const ack = await fake.socketMode!.ackOf(id);
    expect(String(ack.payload?.text)).toContain('/deploy staging [ref]');
    expect(ack.payload?.response_type).toBe('ephemeral');
  });

  it('/deploy status: acknowledged at once, then answered through response_url; another app\'s command gets "not a command of this app"', async () => {
    const id = fake.socketMode!.send('slash_commands', command('status', PEOPLE.ana, fake.responseUrl('sm-status')));
    await fake.socketMode!.ackOf(id);
    await fake.waitFor((f) => f.responses.some((r) => r.token === 'sm-status'));
    expect(JSON.stringify(fake.responses.find((r) => r.token === 'sm-status')!.body)).toContain('staging');
    const other = fake.socketMode!.send('slash_commands', { ...command('x', PEOPLE.ana, fake.responseUrl('sm-other')), command: '/weather' });
    expect(JSON.stringify((await fake.socketMode!.ackOf(other)).payload)).toMatch(/not a command of this app/i);
  });

  it('a refused lock (not a deployer of production) is answered ephemerally and changes nothing, as over HTTP', async () => {
    const id = fake.socketMode!.send('slash_commands', command('lock production freeze', PEOPLE.eve, fake.responseUrl('sm-lock')));
    await fake.socketMode!.ackOf(id);
    await fake.waitFor((f) => f.responses.some((r) => r.token === 'sm-lock'));
    expect(JSON.stringify(fake.responses.find((r) => r.token === 'sm-lock')!.body)).toContain('SHIPGATE_NOT_A_DEPLOYER');
    expect(await readEnvironmentLock(system.store.db, 'production')).toBeNull();
  });

  it('close() disconnects', async () => {
    await bot.close();
    bots.splice(bots.indexOf(bot), 1);
    const end = Date.now() + 10_000;
    while (fake.socketMode!.connections() > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(fake.socketMode!.connections()).toBe(0);
  });

  it('a wrong token fails start-up with SHIPGATE_SLACK_SOCKET_MODE: the bot token is refused before connecting (Bolt would retry it forever), a made-up app token gets invalid_auth; neither token is in the message', async () => {
    expect(() => socketBot(BOT_TOKEN)).toThrow(/SHIPGATE_SLACK_SOCKET_MODE|not an app-level token/);
    const made = 'xapp-1-A0OTHER-000000000000';
    const err = (await socketBot(made).start().catch((e: unknown) => e)) as Error & { code: string; hint: string };
    expect(err.code).toBe('SHIPGATE_SLACK_SOCKET_MODE');
    expect(err.message).toContain('invalid_auth');
    expect(err.hint).toContain('xapp-');
    expect(`${err.message} ${err.hint}`).not.toContain(made);
    expect(logs.join('\n')).not.toContain(APP_TOKEN);
    expect(logs.join('\n')).not.toContain(BOT_TOKEN);
  });
});
