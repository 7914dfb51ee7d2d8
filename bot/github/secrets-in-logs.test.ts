/**
 * Invariant 9 on the GitHub side: with Probot logging at trace level through a whole rule flow
 * (App JWT, installation token, status reports, approval), neither the app's private key, nor
 * the webhook secret, nor any installation token appears in a log line.
 */
import { generateKeyPairSync } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, expect, it, vi } from 'vitest';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { startGithubFake } from '../../pipeline/testing/fakes/github.ts';
import { approveRelease } from '../../pipeline/release/decide.ts';
import { startBotServer } from '../server.ts';
import { silentNotifier } from '../notify.ts';
import { createGithubWebhookHandler } from './index.ts';
import { linkRunToRelease } from './ledger.ts';
import { createQuickWorld } from './testing/quick-world.ts';
import { deliver, protectionRulePayload } from './testing/webhooks.ts';

vi.setConfig({ testTimeout: 180_000 });
const t = useTestDatabase('ghlogs');
const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

it('never logs the private key, the webhook secret or an installation token', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const secret = 'whsec-logs-9d2e1f0a';
  const lines: string[] = [];
  const log = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  const world = await createQuickWorld({ client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p) });
  cleanup.push(() => world.close());
  const fake = await startGithubFake({ appPublicKey: publicKey, appId: 31 });
  cleanup.push(async () => {
    expect(fake.violations, 'requests outside GitHub\'s contract').toEqual([]);
    await fake.close();
  });
  const handler = createGithubWebhookHandler({ appId: 31, privateKey, webhookSecret: secret, baseUrl: fake.url, system: world.system, notifier: silentNotifier, mode: 'protection-rule', log });
  const server = await startBotServer({ githubHandler: handler });
  cleanup.push(() => server.close());

  const r = await world.releaseToApproval('4.0.0');
  await linkRunToRelease(world.system.store.db, { repo: 'octo-org/notes', runId: 31001, release: r._id });
  expect((await deliver(`${server.url}/api/github/webhooks`, { event: 'deployment_protection_rule', payload: protectionRulePayload({ owner: 'octo-org', repo: 'notes', runId: 31001 }), secret })).status).toBe(200);
  await approveRelease({ store: world.system.store, audit: world.system.audit, policy: world.system.policy }, r._id, { via: 'slack', id: 'U012ABC' });
  await handler.onReleaseDecision(r._id);
  expect(fake.rules.get(31001)?.decision?.state).toBe('approved');

  expect(lines.length).toBeGreaterThan(0); // trace level did log the flow
  const all = lines.join('\n');
  const keyBody = privateKey.split('\n')[1]!;
  expect(all).not.toContain(keyBody);
  expect(all).not.toContain(secret);
  expect(fake.installationTokens.length).toBeGreaterThan(0);
  for (const token of fake.installationTokens) expect(all).not.toContain(token);
});
