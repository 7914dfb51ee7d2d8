/**
 * Preflight results in Slack: the live message's stage line carries the failed checks, and the
 * thread gets the table of every check (as an aligned code block: Slack renders no tables),
 * failures first with their fix — through the Slack fake, which enforces Block Kit's limits.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { webApi } from '@slack/bolt';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { startSlackFake, type SlackFake } from '../../pipeline/testing/fakes/slack.ts';
import type { ReleaseRecord } from '../../pipeline/release/types.ts';
import { parseConfigText } from '../../pipeline/config/load.ts';
import { PREFLIGHT_CHECKS, preflightResult, runChecks } from '../../pipeline/preflight/index.ts';
import { SlackNotifier } from './notifier.ts';

vi.setConfig({ testTimeout: 60_000 });
const t = useTestDatabase('slackpre');
const TOKEN = 'xoxb-preflight-test-token-000';
let fake: SlackFake;
beforeAll(async () => {
  fake = await startSlackFake({ token: TOKEN });
});
afterAll(async () => fake?.close());

it('a failed preflight: the stage line names the failed checks, the thread has every check with its fix, no value shown', async () => {
  const config = parseConfigText(
    [
      'app: { name: notes, start: node server.js, requiredEnv: [JWT_SECRET, SMTP_URL] }',
      'environments:',
      '  staging: { deploy: { provider: process, env: { JWT_SECRET: STAGING_JWT_SECRET } }, database: { uriEnv: STAGING_MONGODB_URI } }',
    ].join('\n'),
    'shipgate.yml',
  );
  const vars = { STAGING_MONGODB_URI: t.uriFor(t.dbName), STAGING_JWT_SECRET: 'your-jwt-secret-here' };
  const verdicts = await runChecks(PREFLIGHT_CHECKS, { config, env: 'staging', vars, repoRoot: t.dbName, runtimes: {}, now: new Date() }, { timeoutMs: 5000 });
  const result = preflightResult('staging', verdicts, '2026-12-05T10:00:00.000Z', 40);
  expect(result.status).toBe('failed');
  const release: ReleaseRecord = {
    _id: 'rel-preflight-1', repo: 'notes', sha: 'abc1234000', ref: 'main', version: '2.0.0', path: ['staging'], target: 'staging', requester: { identity: { via: 'slack', id: 'U012ABC' } },
    status: 'failed', reason: `staging/preflight failed: ${result.summary}`,
    stages: [
      { key: 'staging/preflight', env: 'staging', name: 'preflight', status: 'failed', startedAt: '2026-12-05T10:00:00.000Z', finishedAt: '2026-12-05T10:00:01.000Z', result },
      { key: 'staging/migrate-plan', env: 'staging', name: 'migrate-plan', status: 'pending' },
    ],
    approvals: [], deployments: {}, rev: 3, createdAt: '2026-12-05T10:00:00.000Z', updatedAt: '2026-12-05T10:00:01.000Z',
  };
  const n = new SlackNotifier({ client: new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl }), db: t.db, channel: '#deploys', approvalsChannel: '#approvals', policy: { people: [], approvers: ['ana'], minApprovals: 1, expiresAfterMs: 3600_000 }, minIntervalMs: 0 });
  const before = fake.calls.length;
  await n.releaseUpdated(release);
  await n.flush();
  const calls = fake.calls.slice(before);
  const live = calls.find((c) => c.method === 'chat.postMessage' && !c.args.thread_ts && String(c.args.text).startsWith('release rel-preflight-1'));
  expect(JSON.stringify(live?.args.blocks)).toContain('2 of 10 checks failed on staging: required-env — 1 required variable not set on staging: SMTP_URL; secrets — JWT_SECRET is a placeholder');
  const thread = calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts);
  expect(thread).toHaveLength(1);
  const text = JSON.stringify(thread[0]!.args.blocks);
  expect(text).toContain('❌');
  expect(text).toContain('required variables on staging');
  expect(text).toContain('JWT_SECRET is a placeholder');
  expect(text).toContain('map SMTP_URL in environments.staging.deploy.env');
  expect(text).toContain('right database for staging');
  expect(JSON.stringify(calls)).not.toContain('your-jwt-secret-here');
  expect(fake.violations).toEqual([]);
});
