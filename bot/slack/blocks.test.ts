/**
 * What people read in Slack, pinned as golden files (bot/slack/golden/*.json): a change in a
 * message shows up as a diff. `UPDATE_GOLDEN=1 npx vitest run bot/slack/blocks.test.ts` rewrites
 * them. Also: the nightly smoke report posted by the script through the Slack fake.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ReleaseRecord, StageRecord } from '../../pipeline/release/types.ts';
import type { ApprovalPolicy } from '../../pipeline/release/approvals.ts';
import { startSlackFake } from '../../pipeline/testing/fakes/slack.ts';
import { approvalRequestMessage, finishedNotice, liveReleaseMessage, lockNotice, rejectModal, smokeReportMessage, statusMessage } from './blocks.ts';
import { gate } from './testing/fixtures.ts';

const here = dirname(fileURLToPath(import.meta.url));
const policy: ApprovalPolicy = { people: [{ name: 'ana', slack: 'U012ABC' }, { name: 'sam', slack: 'U056GHI' }], approvers: ['ana', 'raj'], minApprovals: 1, expiresAfterMs: 4 * 3600_000 };

function stage(env: string, name: string, status: StageRecord['status'], secs?: number, summary?: string): StageRecord {
  const s: StageRecord = { key: `${env}/${name}`, env, name, status };
  if (status !== 'pending') s.startedAt = '2026-11-30T10:00:00.000Z';
  if (secs !== undefined) s.finishedAt = new Date(Date.parse('2026-11-30T10:00:00.000Z') + secs * 1000).toISOString();
  if (summary) s.result = gate(name, status === 'passed' ? 'passed' : 'failed', summary, {});
  return s;
}

function record(over: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return {
    _id: 'rel-20261130-100000-abc123', repo: 'notes', sha: 'abc1234def5678900000000000000000000000000', ref: 'main', version: '1.4.0',
    path: ['staging', 'production'], target: 'production', requester: { person: 'sam', identity: { via: 'slack', id: 'U056GHI' } },
    status: 'running', stages: [], approvals: [], deployments: {}, rev: 3, createdAt: '2026-11-30T10:00:00.000Z', updatedAt: '2026-11-30T10:00:30.000Z',
    ...over,
  };
}

const running = record({
  stages: [
    stage('staging', 'migrate-apply', 'passed', 2.1, '2 migrations applied'),
    stage('staging', 'deploy', 'passed', 6.4, 'deployed to http://127.0.0.1:4100'),
    stage('staging', 'health', 'running'),
    stage('staging', 'smoke', 'pending'),
    stage('production', 'deploy', 'pending'),
  ],
});
const failed = record({
  status: 'failed', reason: 'staging/smoke failed: 1 of 12 tests failed: notes › create returns 201\nstack…',
  stages: [stage('staging', 'deploy', 'passed', 6.4, 'deployed'), stage('staging', 'smoke', 'failed', 12.3, '1 of 12 tests failed: notes › create returns 201'), stage('production', 'deploy', 'pending')],
});
const awaiting = record({
  status: 'awaiting_approval', digest: 'd1gest0000000000000000000000000000000000000000000000000000000000',
  stages: [
    { ...stage('staging', 'health', 'passed', 3), result: gate('health', 'passed', 'healthy 3 times in a row, version 1.4.0', { expectedVersion: '1.4.0', observedVersion: '1.4.0', tries: 3, timeToHealthyMs: 2900 }) },
    { ...stage('staging', 'smoke', 'passed', 9), result: gate('smoke', 'passed', '12 of 12 tests passed', { tests: 12, passed: 12, failed: 0, flaky: 0 }) },
    { ...stage('staging', 'load', 'passed', 20), result: gate('load', 'passed', '2 of 2 thresholds pass', { engine: 'builtin', rps: 135.4, p95Ms: 41.2, p99Ms: 80.1, failedRate: 0, thresholdsFailed: 0 }) },
    stage('production', 'migrate-apply', 'pending'),
  ],
  targetPlan: { env: 'production', digest: 'p', pending: ['0002-merge-legacy-memos', '0003-backfill-note-slugs'], lines: ['0002: memos → notes ~120 docs, drops memos', '0003: notes ~4,000 docs get slug'], approximate: true, irreversible: ['0002-merge-legacy-memos'], breaking: ['0003-backfill-note-slugs'] },
});
const NOW = Date.parse('2026-11-30T10:00:20.000Z');

const cases: Record<string, unknown> = {
  'live-running': liveReleaseMessage(running, { now: NOW, links: { runUrl: 'https://github.com/acme/notes/actions/runs/1', note: 'staging job running' } }),
  'live-failed': liveReleaseMessage(failed, { now: NOW }),
  'live-awaiting-approval': liveReleaseMessage(awaiting, { now: NOW }),
  'live-succeeded': liveReleaseMessage(record({ status: 'succeeded', stages: [stage('staging', 'deploy', 'passed', 6.4, 'deployed'), stage('production', 'cutover', 'passed', 1.2, 'switched')] }), { now: NOW }),
  'approval-request': approvalRequestMessage(awaiting, { policy, thresholds: ['http_req_duration p(95)<300', 'http_req_failed rate<0.01'] }),
  'approval-approved': approvalRequestMessage(awaiting, { policy, decision: { kind: 'approved', by: 'ana (<@U012ABC>)', at: '2026-11-30T10:05:00.000Z' } }),
  'approval-rejected': approvalRequestMessage(awaiting, { policy, decision: { kind: 'rejected', by: 'raj (<@U034DEF>)', at: '2026-11-30T10:05:00.000Z', note: 'load p99 regressed' } }),
  'reject-modal': rejectModal({ releaseId: awaiting._id, digest: awaiting.digest!, channel: 'C0APPROVE', ts: '1700000000.000100', version: '1.4.0' }),
  status: statusMessage([
    { env: 'staging', protected: false, live: { version: '1.4.0', sha: 'abc1234def', release: 'rel-1', url: 'http://127.0.0.1:4100', at: '2026-11-30T09:00:00.000Z' } },
    { env: 'production', protected: true, live: { version: '1.3.2', sha: 'fff0000aaa', release: 'rel-0', url: 'http://127.0.0.1:4201', slot: 'green', at: '2026-11-29T09:00:00.000Z' }, publicUrl: 'https://example.com', lock: { owner: 'slack:U012ABC', reason: 'quarter-end freeze', until: 'unlocked by hand' }, inFlight: { release: 'rel-2', version: '1.4.0', status: 'awaiting_approval' } },
  ]),
  'notice-succeeded': finishedNotice(record({ status: 'succeeded' })),
  'notice-rolled-back': finishedNotice(record({ status: 'rolled_back', reason: 'production/verify failed: public host answered 502; switched back to blue' })),
  'notice-lock': lockNotice({ env: 'production', locked: true, by: 'U012ABC', reason: 'quarter-end freeze' }),
  'smoke-report-failed': smokeReportMessage(gate('smoke', 'failed', '1 of 12 tests failed', { tests: 12, passed: 11, failed: 1, flaky: 0 }, '- notes › create returns 201: expected 201, got 500'), { env: 'production', url: 'https://example.com', runUrl: 'https://github.com/acme/notes/actions/runs/9' }),
};

describe('Slack messages (golden files)', () => {
  it.each(Object.keys(cases))('%s', async (name) => {
    const file = join(here, 'golden', `${name}.json`);
    const actual = `${JSON.stringify(cases[name], null, 2)}\n`;
    if (process.env.UPDATE_GOLDEN) {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, actual);
    }
    expect(actual).toBe(await readFile(file, 'utf8'));
  });

  it('a live message shows ✓/✗/⏳ per stage with durations, and the one-line reason of a failure', () => {
    const live = JSON.stringify(liveReleaseMessage(running, { now: NOW }));
    expect(live).toContain('✓ staging/deploy (6.4s)');
    expect(live).toContain('⏳ staging/health (20s)');
    const f = JSON.stringify(liveReleaseMessage(failed, { now: NOW }));
    expect(f).toContain('✗ staging/smoke (12.3s) — 1 of 12 tests failed');
    expect(f).toContain('*failed:* staging/smoke failed: 1 of 12 tests failed: notes › create returns 201"');
  });
});

describe('nightly smoke report script', () => {
  it('posts the report through the same formatter; exit 1 when the smoke run failed', async () => {
    const token = 'xoxb-9999-smoke-report-token';
    const fake = await startSlackFake({ token });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'sg-smoke-'));
      const resultFile = join(dir, 'smoke.json');
      const result = gate('smoke', 'failed', '1 of 12 tests failed', { tests: 12, passed: 11, failed: 1, flaky: 0 }, '- notes › create returns 201: expected 201, got 500');
      await writeFile(resultFile, JSON.stringify(result));
      const run = promisify(execFile);
      const out = await run(process.execPath, ['--import', 'tsx', join(here, 'post-smoke-report.ts'), '--result', resultFile, '--env', 'production', '--url', 'https://example.com', '--channel', '#oncall'], {
        env: { ...process.env, SLACK_BOT_TOKEN: token, SLACK_API_URL: fake.apiUrl },
      }).catch((e: { code: number; stdout: string; stderr: string }) => e);
      expect((out as { code?: number }).code).toBe(1);
      const posted = fake.callsOf('chat.postMessage');
      expect(posted).toHaveLength(1);
      const expected = smokeReportMessage(result, { env: 'production', url: 'https://example.com' });
      expect(posted[0]!.args).toMatchObject({ channel: '#oncall', text: expected.text, blocks: expected.blocks });
      expect(JSON.stringify(out)).not.toContain(token);
    } finally {
      await fake.close();
    }
  }, 60_000);
});
