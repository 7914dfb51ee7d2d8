/**
 * Invariant 9, site by site on the bot side: the real Bolt app (signed requests over HTTP, the
 * Slack Web API fake) and the real Probot app (App JWT and installation token against the GitHub
 * fake) are given secrets in their input, and what they log or post must not hold them. Each test
 * fails when the redaction or registration at its site is removed:
 * - createSlackBot registers the bot token and the signing secret, and its `log` redacts;
 * - the Slack messages (bot/slack/blocks.ts, sent by the notifier) are redacted;
 * - createGithubWebhookHandler registers the private key and the webhook secret, and its `log`
 *   redacts.
 * Secrets are random and not shaped like known tokens, so only registration can mask them (the
 * registry is process-global: no test may pass because another registered the same value).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { ReleaseSystem } from '../pipeline/release/factory.ts';
import type { ReleaseRecord } from '../pipeline/release/types.ts';
import { registerSecret } from '../pipeline/secrets/redact.ts';
import { startGithubFake } from '../pipeline/testing/fakes/github.ts';
import { startSlackFake } from '../pipeline/testing/fakes/slack.ts';
import { useTestDatabase } from '../pipeline/testing/mongo.ts';
import { silentNotifier } from './notify.ts';
import { startBotServer } from './server.ts';
import { createGithubWebhookHandler } from './github/index.ts';
import { linkRunToRelease } from './github/ledger.ts';
import { createQuickWorld } from './github/testing/quick-world.ts';
import { createSlackBot } from './slack/app.ts';
import { postSigned, slashCommandBody } from './slack/testing/harness.ts';
import { PEOPLE, awaitingApproval, gate, slackTestSystem } from './slack/testing/fixtures.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });
const t = useTestDatabase('redbot');
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

const fresh = (prefix: string) => `${prefix}${randomBytes(10).toString('hex')}`;

async function slackBot(opts: { resolveRef?: (ref: string) => Promise<string> } = {}) {
  const botToken = fresh('relaytok'); // a token through a proxy: no xoxb- shape for the patterns to catch
  const signingSecret = fresh('sgsign');
  const system: ReleaseSystem = await slackTestSystem({ client: t.client, dbName: t.freshName('slk'), mode: 'local', stateDir: await mkdtemp(join(tmpdir(), 'sg-red-')) });
  cleanup.push(() => system.close());
  const fake = await startSlackFake({ token: botToken });
  cleanup.push(() => fake.close());
  const logs: string[] = [];
  const bot = createSlackBot({
    signingSecret, botToken, system, slackApiUrl: fake.apiUrl, log: (l) => logs.push(l), approvalPollMs: 200, updateIntervalMs: 50,
    ...(opts.resolveRef ? { resolveRef: opts.resolveRef } : {}),
  });
  cleanup.push(() => bot.close());
  const server = await startBotServer({ slackHandler: bot.requestListener, slackSigningSecret: signingSecret });
  cleanup.push(() => server.close());
  return { botToken, signingSecret, system, fake, logs, bot, server };
}

describe('Slack side', () => {
  it('the bot token and signing secret are registered, and the Slack log masks them', async () => {
    const pw = fresh('pw');
    const s: Awaited<ReturnType<typeof slackBot>> = await slackBot({
      resolveRef: async () => {
        throw new Error(`git fetch failed with ${s.botToken} signed ${s.signingSecret} via mongodb://git:${pw}@mirror.example.com/x`);
      },
    });
    const res = await postSigned(`${s.server.url}/slack/events`, slashCommandBody({ text: 'staging main', user: PEOPLE.ana, responseUrl: s.fake.responseUrl('leak') }), { secret: s.signingSecret });
    expect(res.status).toBe(200);
    await s.fake.waitFor((f) => f.responses.some((r) => r.token === 'leak'), 30_000);
    await s.fake.waitFor(() => s.logs.some((l) => l.includes('git fetch failed')), 30_000);
    const logged = s.logs.join('\n');
    const answered = JSON.stringify(s.fake.responses);
    expect(logged).toContain('mirror.example.com'); // the line is there, with the host
    for (const secret of [s.botToken, s.signingSecret, pw]) {
      expect(logged).not.toContain(secret);
      expect(answered).not.toContain(secret);
    }
  });

  it('messages posted to Slack (live message, thread, notice, approval request) mask secrets from the record and notes', async () => {
    const s = await slackBot();
    const token = fresh('tok');
    registerSecret(token); // as resolveEnvSecret does for a provider token
    // A registered secret with mrkdwn's control characters: it must be masked before it is
    // escaped (escaped, `&amp;` no longer matches the registered value).
    const tail = randomBytes(10).toString('hex');
    const ampersand = `k&<${tail}`;
    registerSecret(ampersand);
    const linkTail = randomBytes(10).toString('hex');
    registerSecret(`q&${linkTail}`);
    const pw = fresh('pw');
    const leak = `mongodb://app:${pw}@db.example.com/prod ${token} ${ampersand}`;
    const stored = await awaitingApproval(s.system);
    // A record as the runner holds it in memory before the store masks it (the notifier is also
    // called with records that never went through the store).
    const record: ReleaseRecord = structuredClone(stored);
    record.targetPlan = { ...record.targetPlan!, lines: [`copy to ${leak}`] };
    record.version = `1.4.0-${token}`; // headers and buttons are plain_text
    record.ref = `feature/${token}`;
    for (const st of record.stages) if (st.result) st.result = gate(st.result.gate, 'passed', `ok against ${leak}`, {}, `details: ${leak}`);
    await s.bot.notifier.approvalRequested(record);
    const failed: ReleaseRecord = { ...structuredClone(record), status: 'failed', reason: `could not reach ${leak}`, rev: record.rev + 1 };
    await s.bot.notifier.releaseUpdated(failed, { note: `workflow said ${leak}`, runUrl: `https://ci.example.com/runs/1/q&${linkTail}?access_token=${pw}` });
    await s.bot.notifier.flush();
    const posted = JSON.stringify(s.fake.calls.filter((c) => c.method.startsWith('chat.')));
    expect(s.fake.callsOf('chat.postMessage').length).toBeGreaterThanOrEqual(2);
    expect(posted).toContain('app:***@db.example.com/prod');
    expect(posted).not.toContain(pw);
    expect(posted).not.toContain(token);
    expect(posted).not.toContain(tail);
    expect(posted).not.toContain(linkTail);
  });
});

describe('GitHub side', () => {
  it('the private key and webhook secret are registered, and the GitHub log masks them', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const webhookSecret = fresh('whsec');
    const keyLine = privateKey.split('\n')[3] as string; // one line of the key body, without its BEGIN/END armour
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const world = await createQuickWorld({ client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p) });
    cleanup.push(() => world.close());
    const fake = await startGithubFake({ appPublicKey: publicKey, appId: 77 });
    cleanup.push(async () => {
    expect(fake.violations, 'requests outside GitHub\'s contract').toEqual([]);
    await fake.close();
  });
    const handler = createGithubWebhookHandler({ appId: 77, privateKey, webhookSecret, baseUrl: fake.url, system: world.system, notifier: silentNotifier, mode: 'protection-rule', log });
    const release = await world.releaseToApproval('5.0.0');
    await linkRunToRelease(world.system.store.db, { repo: 'octo-org/notes', runId: 77001, release: release._id });
    // A rule for another environment is rejected and logged with the rule's id, which carries the
    // environment name from the delivery — here holding the secrets.
    const environment = `staging ${webhookSecret} ${keyLine}`;
    expect(await handler.keeper.onRuleRequested({ owner: 'octo-org', repo: 'notes', runId: 77001, environment, installationId: 1 })).toBe('rejected');
    const all = lines.join('\n');
    expect(all).toContain('rejected for'); // the line was logged
    expect(all).not.toContain(webhookSecret);
    expect(all).not.toContain(keyLine);
  });
});
