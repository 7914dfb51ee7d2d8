/**
 * The attack suite's world: the real bot — the real Bolt app (createSlackBot) and the real Probot
 * app (createGithubWebhookHandler) behind the real bot server (startBotServer, with the Slack edge
 * and the store-backed replay guard, as bot/main.ts wires them) — on the test database, with the
 * loopback Slack and GitHub fakes. `replicas: 2` starts two such bots on one store with the same
 * secrets (what a team runs for uptime). Every log line of every part is captured.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MongoClient } from 'mongodb';
import { Octokit } from '@octokit/rest';
import { pino } from 'pino';
import { buildReleaseSystem, type ReleaseSystem } from '../../pipeline/release/factory.ts';
import { startSlackFake, type SlackFake } from '../../pipeline/testing/fakes/slack.ts';
import { startGithubFake, type GithubFake } from '../../pipeline/testing/fakes/github.ts';
import { startBotServer, type BotServer } from '../server.ts';
import { storeReplayGuard } from '../http/replay.ts';
import { createSlackBot, type SlackBot } from '../slack/app.ts';
import { createGithubWebhookHandler, type GithubWebhookHandler } from '../github/index.ts';
import { BOT_TOKEN, SIGNING_SECRET, slackSignature } from '../slack/testing/harness.ts';
import type { RawRequest } from './http.ts';
import { slackTestConfig } from '../slack/testing/fixtures.ts';

export const REPO = 'octo-org/notes';
export const APP_ID = 4711;
export const WEBHOOK_SECRET = `whsec-attack-${randomBytes(8).toString('hex')}`;
export const GH_TOKEN = `ghs_${randomBytes(18).toString('hex')}`;
const keys = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
export const PRIVATE_KEY = keys.privateKey;

/** The secrets that must never appear in a response or a log line (the key by its body). */
export const SECRETS: Record<string, string> = {
  'signing secret': SIGNING_SECRET,
  'bot token': BOT_TOKEN,
  'webhook secret': WEBHOOK_SECRET,
  'private key': PRIVATE_KEY.split('\n')[1]!,
  'GitHub token': GH_TOKEN,
};

export interface AttackBot {
  system: ReleaseSystem;
  slack: SlackBot;
  github: GithubWebhookHandler;
  server: BotServer;
  url: string;
}

export interface AttackWorld {
  bots: AttackBot[];
  slackFake: SlackFake;
  githubFake: GithubFake;
  /** Every captured log line (server, Slack, Probot) of every bot. */
  logs: string[];
  /**
   * Errors nothing caught while the world ran (unhandled rejections, uncaught exceptions): each
   * would have killed a bot process without bot/main.ts's last line of defence. Must stay empty.
   */
  uncaught: string[];
  /** Document counts of every collection in the store (what an attack must not change). */
  storeCounts(except?: string[]): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export async function startAttackWorld(opts: { client: MongoClient; dbName: string; replicas?: number }): Promise<AttackWorld> {
  const stateDir = await mkdtemp(join(tmpdir(), 'sg-attack-'));
  const slackFake = await startSlackFake({ token: BOT_TOKEN });
  const githubFake = await startGithubFake({ appPublicKey: keys.publicKey, appId: APP_ID, tokens: [GH_TOKEN] });
  const logs: string[] = [];
  const uncaught: string[] = [];
  const onUncaught = (err: unknown) => void uncaught.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  process.on('unhandledRejection', onUncaught);
  process.on('uncaughtException', onUncaught);
  const bots: AttackBot[] = [];
  const config = slackTestConfig('github');
  for (let i = 0; i < (opts.replicas ?? 1); i++) {
    const system = await buildReleaseSystem({
      config, env: { STAGING_MONGODB_URI: 'mongodb://127.0.0.1:1/s', PRODUCTION_MONGODB_URI: 'mongodb://127.0.0.1:1/p' },
      repoRoot: process.cwd(), localStateDir: stateDir, storeClient: opts.client, storeDbName: opts.dbName, actor: `attack-bot-${i}`, repo: REPO,
    });
    const [owner, repo] = REPO.split('/') as [string, string];
    const decisions: { onReleaseDecision?: (id: string) => Promise<void> } = {};
    const slack = createSlackBot({
      signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, system, slackApiUrl: slackFake.apiUrl, log: (l) => logs.push(l),
      github: { octokit: new Octokit({ auth: GH_TOKEN, baseUrl: githubFake.url, request: { retries: 0 } }), owner, repo },
      onApproved: async (release) => decisions.onReleaseDecision?.(release._id),
      approvalPollMs: 200, updateIntervalMs: 200,
    });
    const github = createGithubWebhookHandler({
      appId: APP_ID, privateKey: PRIVATE_KEY, webhookSecret: WEBHOOK_SECRET, baseUrl: githubFake.url, system, notifier: slack.notifier,
      mode: 'protection-rule', repository: REPO, logLevel: 'info', log: pino({ level: 'info' }, { write: (line: string) => void logs.push(line) }),
    });
    decisions.onReleaseDecision = github.onReleaseDecision;
    const server = await startBotServer({
      slackHandler: slack.requestListener, slackSigningSecret: SIGNING_SECRET, replays: storeReplayGuard(system.store.db),
      githubHandler: github, log: (l) => logs.push(l),
    });
    bots.push({ system, slack, github, server, url: server.url });
  }
  const db = bots[0]!.system.store.db;
  return {
    bots, slackFake, githubFake, logs, uncaught,
    async storeCounts(except = []) {
      const out: Record<string, number> = {};
      for (const c of await db.listCollections({}, { nameOnly: true }).toArray()) {
        if (!except.includes(c.name)) out[c.name] = await db.collection(c.name).countDocuments();
      }
      return out;
    },
    async close() {
      for (const b of bots) {
        await b.server.close();
        await b.slack.close();
        await b.system.close();
      }
      await slackFake.close();
      await githubFake.close();
      await rm(stateDir, { recursive: true, force: true });
      process.off('unhandledRejection', onUncaught);
      process.off('uncaughtException', onUncaught);
    },
  };
}

/** A request signed as Slack signs it (form-encoded unless told), dated now unless told. */
export function signedSlack(body: string, opts: { path?: string; ts?: number; contentType?: string } = {}): RawRequest {
  const ts = opts.ts ?? Math.floor(Date.now() / 1000);
  return {
    path: opts.path ?? '/slack/events',
    headers: { 'content-type': opts.contentType ?? 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SIGNING_SECRET, ts, body) },
    body,
  };
}

/** The names of the bot's secrets that appear in `text` (expected: none). */
export function secretsIn(text: string): string[] {
  return Object.entries(SECRETS).filter(([, value]) => text.includes(value)).map(([name]) => name);
}
