/**
 * The large messages (issue 12, finding 9): 200 migrations, 30 smoke tests, long error texts, an
 * app that reports a 5,000-character version, four environments. Every message people read must
 * be one Slack accepts (Block Kit limits, pipeline/testing/fakes/slack-contract.ts) and keep the
 * risks visible, and every list that does not fit says how much is left out. Each message is
 * also posted through the Slack fake (which refuses what Slack refuses), and pinned as a golden
 * file (`UPDATE_GOLDEN=1` rewrites them).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { markdownTable } from '../../pipeline/gates/render.ts';
import type { GateResult } from '../../pipeline/gates/types.ts';
import type { ApprovalPolicy } from '../../pipeline/release/approvals.ts';
import type { ReleaseRecord, StageRecord } from '../../pipeline/release/types.ts';
import { startSlackFake } from '../../pipeline/testing/fakes/slack.ts';
import { assertSlackAccepts, blockKitProblems } from '../../pipeline/testing/fakes/slack-contract.ts';
import { approvalRequestMessage, deciderLabel, finishedNotice, gateReportReply, liveReleaseMessage, rejectModal, smokeReportMessage, statusMessage, type SlackMessageBody } from './blocks.ts';

const here = dirname(fileURLToPath(import.meta.url));
const T0 = '2026-12-05T10:00:00.000Z';
const policy: ApprovalPolicy = { people: [{ name: 'ana', slack: 'U012ABC' }, { name: 'sam', slack: 'U056GHI' }], approvers: ['ana', 'raj', 'lee', 'kim'], minApprovals: 2, expiresAfterMs: 4 * 3600_000 };
const ENVS = ['dev', 'qa', 'staging', 'production'];
const STAGES = ['migrate-plan', 'migrate-rehearse', 'backup', 'migrate-apply', 'deploy', 'health', 'smoke', 'load', 'verify'];
const LONG_ERROR = `MongoServerError: E11000 duplicate key error collection: notes.notes index: slug_1 dup key: { slug: "${'x'.repeat(300)}" }\n${Array.from({ length: 80 }, (_, i) => `    at Migration.up (migrations/0150-backfill.ts:${i + 10}:7)`).join('\n')}`;
const HUGE_VERSION = `1.4.0+${'build.'.repeat(1000)}`;

const pending = Array.from({ length: 200 }, (_, i) => `${String(i + 1).padStart(4, '0')}-${['backfill-note-slugs', 'merge-legacy-memos', 'add-owner-index', 'drop-tags'][i % 4]}-${i + 1}`);
const planLines = pending.flatMap((id) => [`${id.slice(0, 4)}: notes updateMany {"archived":true} → ~1,204 docs`, `${id.slice(0, 4)}: notes createIndex owner_1_createdAt_-1`]);
const irreversible = pending.filter((_, i) => i % 5 === 0);
const breaking = pending.filter((_, i) => i % 20 === 7);

const smokeTests = Array.from({ length: 30 }, (_, i) => ({ file: `smoke/suites/notes-${i % 6}.test.ts`, name: `notes › case ${i + 1} returns the note with its tags and owner`, status: i % 11 === 3 ? 'failed' : i % 13 === 5 ? 'flaky' : 'passed', ms: 120 + i * 37 }));
const smokeDetails = [
  '**Target:** https://staging.notes.example · **suites:** smoke/suites · **retries:** 1',
  '',
  markdownTable(['suite', 'test', 'status', 'duration', 'attempts'], smokeTests.map((t) => [t.file, t.name, t.status === 'failed' ? '✗ failed' : t.status === 'flaky' ? '⚠ flaky' : '✓ passed', `${t.ms}ms`, t.status === 'flaky' ? 2 : 1])),
  '',
  '**Problems**',
  '',
  ...smokeTests.filter((t) => t.status !== 'passed').map((t) => `- ${t.status} ${t.file} › ${t.name}: ${LONG_ERROR.split('\n')[0]}`),
].join('\n');
const healthDetails = ['### ❌ health — failed', '', `**not healthy: ${'version mismatch; '.repeat(40)}**`, '', '| target | expected version | tries |', '|---|---|---|', `| https://qa.notes.example/health | ${HUGE_VERSION.slice(0, 200)} | 30 |`, '', '**Last body** (secrets redacted)', '', '```', JSON.stringify({ status: 'ok', version: HUGE_VERSION, db: 'up' }, null, 2), '```'].join('\n');

function result(gate: string, status: GateResult['status'], summary: string, metrics: GateResult['metrics'], details = ''): GateResult {
  return { gate, status, summary, details, metrics, startedAt: T0, durationMs: 61_400 };
}

function resultOf(env: string, name: string): GateResult {
  if (name === 'health') return result('health', 'passed', `healthy 3 times in a row, version ${HUGE_VERSION}`, { expectedVersion: HUGE_VERSION, observedVersion: HUGE_VERSION, tries: 30, timeToHealthyMs: 29_000, topReason: `version mismatch ${'x'.repeat(3000)}` }, healthDetails);
  if (name === 'smoke') return result('smoke', 'passed', `30 of 30 tests passed on ${env} (2 flaky)`, { tests: 30, passed: 30, failed: 0, flaky: 2 }, smokeDetails);
  if (name === 'load') return result('load', 'passed', '6 of 6 thresholds pass (48,120 requests, 802 req/s)', { engine: 'builtin', rps: 802.1, p95Ms: 41.2, p99Ms: 80.1, failedRate: 0, thresholdsFailed: 0 });
  if (name === 'migrate-apply') return result(name, 'passed', `applied ${pending.join(', ')}`, { applied: 200 });
  return result(name, 'passed', `${name} on ${env}: ok`, {});
}

function stagesOf(upTo: string): StageRecord[] {
  return ENVS.flatMap((env) =>
    STAGES.map((name): StageRecord => {
      const done = ENVS.indexOf(env) < ENVS.indexOf(upTo);
      return { key: `${env}/${name}`, env, name, status: done ? 'passed' : 'pending', ...(done ? { startedAt: T0, finishedAt: '2026-12-05T10:01:01.400Z', result: resultOf(env, name) } : {}) };
    }),
  );
}

const big: ReleaseRecord = {
  _id: 'rel-20261205-100000-abc123', repo: 'acme/notes', sha: 'abc1234def5678900000000000000000000000000', ref: 'release/2026-12-05-the-big-one', version: HUGE_VERSION,
  path: ENVS, target: 'production', requester: { person: 'sam', identity: { via: 'slack', id: 'U056GHI' } },
  status: 'awaiting_approval', stages: stagesOf('production'), approvals: [], deployments: {}, rev: 40,
  createdAt: T0, updatedAt: T0, digest: 'd1gest0000000000000000000000000000000000000000000000000000000000',
  targetPlan: { env: 'production', digest: 'p', pending, lines: planLines, approximate: true, irreversible, breaking },
};
const failedSmoke = result('smoke', 'failed', `3 of 30 tests failed: ${smokeTests.filter((t) => t.status === 'failed').map((t) => t.name).join('; ')}`, { tests: 30, passed: 25, failed: 3, flaky: 2 }, smokeDetails);
const failedRelease: ReleaseRecord = { ...big, status: 'failed', reason: `qa/migrate-apply failed: ${LONG_ERROR}`, stages: stagesOf('qa') };

const allText = (m: SlackMessageBody) => JSON.stringify(m.blocks);

const messages: Record<string, SlackMessageBody> = {
  'large-approval-request': approvalRequestMessage(big, { policy, thresholds: Array.from({ length: 6 }, (_, i) => `http_req_duration{scenario:s${i}} p(95)<${300 + i}`) }),
  'large-approval-approved': approvalRequestMessage(big, { policy, decision: { kind: 'approved', by: deciderLabel('ana', 'U012ABC'), at: T0 } }),
  'large-approval-rejected': approvalRequestMessage(big, { policy, decision: { kind: 'rejected', by: deciderLabel('raj', 'U034DEF'), at: T0, note: 'x'.repeat(500) } }),
  'large-live-awaiting': liveReleaseMessage(big, { now: Date.parse(T0) }),
  'large-live-failed': liveReleaseMessage(failedRelease, { now: Date.parse(T0) }),
  'large-notice-failed': finishedNotice(failedRelease),
  'large-reply-smoke': gateReportReply({ key: 'staging/smoke', env: 'staging', name: 'smoke', status: 'failed', startedAt: T0, result: failedSmoke }),
  'large-reply-health': gateReportReply({ key: 'qa/health', env: 'qa', name: 'health', status: 'passed', startedAt: T0, result: resultOf('qa', 'health') }),
  'large-reply-migrate': gateReportReply({ key: 'qa/migrate-apply', env: 'qa', name: 'migrate-apply', status: 'failed', startedAt: T0, result: result('migrate-apply', 'error', '0150-backfill failed', {}, `\`\`\`\n${LONG_ERROR}\n\`\`\``) }),
  'large-smoke-report': smokeReportMessage(failedSmoke, { env: 'production', url: 'https://notes.example', runUrl: 'https://github.com/acme/notes/actions/runs/9' }),
  'large-status': statusMessage(ENVS.map((env) => ({ env, protected: env === 'production', live: { version: HUGE_VERSION, sha: 'abc1234def', release: big._id, url: `https://${env}.notes.example`, at: T0 }, publicUrl: `https://${env}.notes.example`, lock: { owner: 'slack:U012ABC', reason: 'r'.repeat(500), until: 'unlocked by hand' }, inFlight: { release: big._id, version: HUGE_VERSION, status: 'awaiting_approval', stage: 'production/approval' } }))),
};

describe('large messages stay within Slack\'s limits and keep the risks visible', () => {
  for (const [name, m] of Object.entries(messages)) {
    it(`${name}: Slack accepts it`, () => {
      assertSlackAccepts(m, name);
    });
  }

  it('the reject modal accepts a huge version', () => {
    const modal = rejectModal({ releaseId: big._id, digest: big.digest!, channel: 'C0APPROVE', ts: '1700000000.000100', version: HUGE_VERSION });
    expect(blockKitProblems(modal.blocks, 'modal')).toEqual([]);
  });

  it('the approval request shows every risk count and says how many names and changes are left out', () => {
    const text = allText(messages['large-approval-request']!);
    expect(text).toContain(`point of no return (${breaking.length}):*`);
    expect(text).toContain(`irreversible (${irreversible.length}):*`);
    expect(text).toContain('200 migrations, 400 changes');
    const shownNames = (text.match(/`0\d{3}-[a-z-]+-\d+`/g) ?? []).length;
    expect(shownNames).toBeGreaterThan(10);
    expect(text).toMatch(/ and \d+ more/);
    const more = Number(/… (\d+) more changes not shown/.exec(text)?.[1]);
    const shownLines = (text.match(/\\n0\d{3}: notes /g) ?? []).length;
    expect(shownLines).toBeGreaterThan(10);
    expect(shownLines + more).toBe(400);
    // The decision buttons are always there.
    expect(text).toContain('shipgate_approve');
  });

  it('the decided forms keep the risks and the decision', () => {
    for (const name of ['large-approval-approved', 'large-approval-rejected']) {
      const text = allText(messages[name]!);
      expect(text).toContain('point of no return (');
      expect(text).toMatch(/(Approved|Rejected)\* by/);
    }
  });

  it('the smoke reply renders the table as code and shows the failures, no markdown left', () => {
    const text = allText(messages['large-reply-smoke']!);
    for (const t of smokeTests.filter((x) => x.status === 'failed')) expect(text).toContain(t.name);
    expect(text).not.toContain('**');
    expect(text).not.toContain('|---');
    expect(text).toContain('*Problems*');
  });

  it('a long error keeps its code block closed and says how much is cut', () => {
    for (const block of messages['large-reply-migrate']!.blocks) {
      const t = (block as { text?: { text?: string } }).text?.text ?? '';
      expect((t.match(/```/g) ?? []).length % 2, t.slice(0, 80)).toBe(0);
    }
    expect(allText(messages['large-reply-migrate']!)).toMatch(/more characters|more not shown/);
  });

  it('every message posts through the Slack fake', async () => {
    const fake = await startSlackFake({ token: 'xoxb-large' });
    try {
      const client = new webApi.WebClient('xoxb-large', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
      for (const m of Object.values(messages)) await client.chat.postMessage({ channel: '#deploys', ...m });
      expect(fake.callsOf('chat.postMessage')).toHaveLength(Object.keys(messages).length);
    } finally {
      await fake.close();
    }
  });

  it('golden files', async () => {
    for (const [name, m] of Object.entries(messages)) {
      const file = join(here, 'golden', `${name}.json`);
      const body = `${JSON.stringify(m, null, 2)}\n`;
      if (process.env.UPDATE_GOLDEN) await writeFile(file, body);
      expect(body, name).toBe(await readFile(file, 'utf8'));
    }
  });
});
