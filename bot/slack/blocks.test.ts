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
import type { GateResult } from '../../pipeline/gates/types.ts';
import type { ApprovalPolicy } from '../../pipeline/release/approvals.ts';
import { startSlackFake } from '../../pipeline/testing/fakes/slack.ts';
import { answers, approvalRequestMessage, deciderLabel, ephemeral, finishedNotice, gateReportReply, liveReleaseMessage, lockNotice, rejectModal, rollbackNotice, smokeReportMessage, statusMessage } from './blocks.ts';
import { helpText, usageMessage } from './command.ts';
import { slackErrors } from './errors.ts';
import { LIMITS, code, mention, mrkdwn, truncateMrkdwn } from './mrkdwn.ts';
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
  'approval-approved': approvalRequestMessage(awaiting, { policy, decision: { kind: 'approved', by: deciderLabel('ana', 'U012ABC'), at: '2026-11-30T10:05:00.000Z' } }),
  'approval-rejected': approvalRequestMessage(awaiting, { policy, decision: { kind: 'rejected', by: deciderLabel('raj', 'U034DEF'), at: '2026-11-30T10:05:00.000Z', note: 'load p99 regressed' } }),
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

/**
 * Hostile text in every field that comes from outside Slack: a lock reason that pings the channel
 * and disguises a link, a mention of someone else, a bare ampersand.
 */
const H = '<!channel> <https://evil.example|click me> & <@U999EVIL> <#C999>';
const hostileGate = (name: string, status: GateResult['status'] = 'passed') =>
  gate(name, status, `${name}: ${H}`, { expectedVersion: H, observedVersion: H, tests: 12, failed: 1, topReason: H, engine: H }, `- ${H}\n- second line ${H}`);
const hostile = record({
  _id: `rel-${H}`, version: H, ref: H, status: 'awaiting_approval', reason: `staging/smoke failed: ${H}\nstack ${H}`, digest: `d1gest${H}`,
  requester: { person: H, identity: { via: 'cli', id: H } },
  stages: [
    { ...stage('staging', 'migrate-apply', 'passed', 2), result: gate('migrate-apply', 'passed', `applied ${H}`, {}) },
    { ...stage('staging', 'health', 'passed', 3), result: hostileGate('health') },
    { ...stage('staging', 'smoke', 'failed', 9), result: hostileGate('smoke', 'failed') },
    { ...stage('staging', 'load', 'passed', 20), result: hostileGate('load') },
    stage('production', 'migrate-apply', 'pending'),
  ],
  targetPlan: { env: 'production', digest: 'p', pending: [`0002-${H}`], lines: [`0002: ${H}`, '```', H], approximate: true, irreversible: [`0002-${H}`], breaking: [`0003-${H}`] },
});
const hostileCases: Record<string, unknown> = {
  'hostile-live': liveReleaseMessage({ ...hostile, status: 'failed' }, { now: NOW, links: { runUrl: `https://evil.example/|${H}`, note: H } }),
  'hostile-approval-request': approvalRequestMessage(hostile, { policy, thresholds: [`p(95)<300 ${H}`] }),
  'hostile-approval-approved': approvalRequestMessage(hostile, { policy, decision: { kind: 'approved', by: deciderLabel(H, 'U012ABC'), at: H } }),
  'hostile-approval-rejected': approvalRequestMessage(hostile, { policy, decision: { kind: 'rejected', by: deciderLabel('raj', H), at: '2026-11-30T10:05:00.000Z', note: H } }),
  'hostile-reject-modal': rejectModal({ releaseId: H, digest: H, channel: 'C0APPROVE', ts: '1700000000.000100', version: H }),
  'hostile-status': statusMessage([
    { env: 'production', protected: true, live: { version: H, sha: H, release: H, url: H, slot: H, at: H }, publicUrl: H, lock: { owner: H, reason: H, until: H }, inFlight: { release: H, version: H, status: 'awaiting_approval', stage: H } },
  ]),
  'hostile-notice-failed': finishedNotice({ ...hostile, status: 'failed' }),
  'hostile-notice-lock': lockNotice({ env: 'production', locked: true, by: 'U012ABC', reason: H }),
  'hostile-notice-unlock': lockNotice({ env: 'production', locked: false, by: H, was: `${H}: ${H}` }),
  'hostile-notice-rollback': rollbackNotice({ env: 'production', by: 'U012ABC', message: H }),
  'hostile-gate-reply': gateReportReply({ ...stage('staging', 'smoke', 'failed', 9), result: hostileGate('smoke', 'failed') }),
  'hostile-smoke-report': smokeReportMessage(hostileGate('smoke', 'failed'), { env: H, url: H, runUrl: H }),
  'hostile-ephemerals': {
    error: ephemeral(answers.error(slackErrors.SHIPGATE_SLACK_OUTDATED({ id: H, why: H }))),
    internal: ephemeral(answers.error(new Error(H))),
    starting: ephemeral(answers.starting(H, H)),
    working: ephemeral(answers.working(H)),
    releaseStarted: ephemeral(answers.releaseStarted({ id: H, ref: H, sha: H, env: H })),
    workflowDispatched: ephemeral(answers.workflowDispatched({ workflow: H, repo: H, ref: H, env: H })),
    locked: ephemeral(answers.locked('production', H)),
    notLocked: ephemeral(answers.notLocked(H)),
    unlocked: ephemeral(answers.unlocked('production', H, H)),
    rolledBack: ephemeral(answers.rolledBack(H)),
    approvalRecorded: ephemeral(answers.approvalRecorded(H, H)),
    nothingToReject: ephemeral(answers.nothingToReject(H, H)),
    rejected: ephemeral(answers.rejected(H, H)),
    unknownCommand: ephemeral(answers.unknownCommand(H)),
    usage: ephemeral(usageMessage({ problem: `unknown subcommand "${H}"`, usage: H })),
    help: ephemeral(helpText(['staging', H])),
  },
};

/** Every text Slack parses as mrkdwn in a message (plain_text and button values are not parsed). */
function mrkdwnTexts(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) mrkdwnTexts(x, out);
  else if (v && typeof v === 'object') {
    if ((v as { type?: string }).type === 'plain_text') return out;
    for (const [k, x] of Object.entries(v)) if (!['value', 'private_metadata', 'action_id', 'block_id', 'callback_id'].includes(k)) mrkdwnTexts(x, out);
  }
  return out;
}

describe('Slack messages (golden files)', () => {
  const all = { ...cases, ...hostileCases };
  it.each(Object.keys(all))('%s', async (name) => {
    const file = join(here, 'golden', `${name}.json`);
    const actual = `${JSON.stringify(all[name], null, 2)}\n`;
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

describe('text from outside Slack is escaped', () => {
  it.each(Object.keys(hostileCases))('%s: no <!channel>, no disguised link, no foreign mention; & < > arrive as entities', (name) => {
    const texts = mrkdwnTexts(hostileCases[name]);
    expect(texts.length).toBeGreaterThan(0);
    for (const t of texts) {
      expect(t).not.toMatch(/<!|<https:\/\/evil|<@U999EVIL>|<#C999>/);
      expect(t.replace(/&(amp|lt|gt);/g, '')).not.toMatch(/&/);
    }
    expect(texts.join('\n')).toContain('&lt;!channel&gt; &lt;https://evil.example|click me&gt; &amp; &lt;@U999EVIL&gt;');
  });

  it('our own markup still works: mentions and links we build, bold, code', () => {
    expect(mrkdwn`*${'a<b'}* by ${mention('U012ABC')} ${code('x`y')}`.text).toBe('*a&lt;b* by <@U012ABC> `xˋy`');
    const live = liveReleaseMessage(record({ status: 'succeeded' }), { links: { runUrl: 'https://github.com/acme/notes/actions/runs/1' } });
    expect(JSON.stringify(live)).toContain('asked by <@U056GHI> · ref `main` · <https://github.com/acme/notes/actions/runs/1|run>');
    expect(lockNotice({ env: 'production', locked: true, by: 'U012ABC', reason: 'x' }).text).toBe('🔒 production locked by <@U012ABC>: x');
    // something that is not a Slack user id is never turned into a mention
    expect(mention('U1> <!channel').text).toBe('U1&gt; &lt;!channel');
  });
});

describe('Block Kit limits', () => {
  const long = (n: number) => `${'a&<'.repeat(Math.ceil(n / 3)).slice(0, n)}`;
  const huge = record({
    version: long(400), ref: long(300), status: 'awaiting_approval', reason: long(20_000), digest: 'd'.repeat(64),
    stages: Array.from({ length: 80 }, (_, i) => ({ ...stage('staging', i % 3 === 0 ? 'health' : i % 3 === 1 ? 'smoke' : 'load', 'passed', 3), key: `staging/g${i}`, result: gate(['health', 'smoke', 'load'][i % 3]!, 'passed', long(5000), Object.fromEntries(Array.from({ length: 14 }, (_, k) => [`m${k}`, long(3000)]))) })),
    targetPlan: { env: 'production', digest: 'p', pending: Array.from({ length: 300 }, (_, i) => `00${i}-${long(40)}`), lines: Array.from({ length: 300 }, () => long(80)), approximate: false, irreversible: [long(4000)], breaking: [long(4000)] },
  });
  const messages = {
    live: liveReleaseMessage({ ...huge, status: 'failed' }, { now: NOW, links: { note: long(9000) } }),
    request: approvalRequestMessage(huge, { policy, thresholds: Array.from({ length: 100 }, () => long(100)) }),
    decided: approvalRequestMessage(huge, { policy, decision: { kind: 'rejected', by: mention('U012ABC'), at: 'now', note: long(6000) } }),
    status: statusMessage(Array.from({ length: 70 }, (_, i) => ({ env: `e${i}`, protected: false, lock: { owner: long(100), reason: long(4000), until: 'x' } }))),
    notice: finishedNotice({ ...huge, status: 'failed' }),
    lock: lockNotice({ env: 'production', locked: true, by: 'U012ABC', reason: long(5000) }),
    smoke: smokeReportMessage(gate('smoke', 'failed', long(5000), Object.fromEntries(Array.from({ length: 14 }, (_, k) => [`m${k}`, long(3000)])), long(50_000)), { env: 'production', url: long(5000) }),
  };

  it.each(Object.keys(messages))('%s stays within every limit, cut with "… N more", never failing', (name) => {
    const m = messages[name as keyof typeof messages];
    expect(m.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    expect(m.text.length).toBeLessThanOrEqual(LIMITS.text);
    expect(JSON.stringify(m.blocks).length).toBeLessThanOrEqual(12_000);
    type Element = { type: string; text: string; value: string };
    for (const b of m.blocks as Array<{ type: string; text?: { type: string; text: string }; fields?: Element[]; elements?: Element[] }>) {
      if (b.type === 'header') expect(b.text?.text.length).toBeLessThanOrEqual(LIMITS.header);
      if (b.text?.type === 'mrkdwn') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
      for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(LIMITS.field);
      expect((b.fields ?? []).length).toBeLessThanOrEqual(LIMITS.fields);
      for (const e of b.elements ?? []) {
        if (e.type === 'mrkdwn') expect(e.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
        if (e.type === 'button') expect(e.value.length).toBeLessThanOrEqual(LIMITS.buttonValue);
      }
    }
    expect(JSON.stringify(m)).toMatch(/… \d+ more (characters|not shown)/);
  });

  it('a long approval request keeps its buttons; a decided one keeps its decision', () => {
    expect(messages.request.blocks.at(-1)).toMatchObject({ type: 'actions' });
    expect(JSON.stringify(messages.decided.blocks.at(-1))).toContain('*Rejected* by <@U012ABC>');
  });

  it('a cut never splits an entity, a mention or a code block', () => {
    for (let max = 40; max < 80; max++) {
      const t = truncateMrkdwn(mrkdwn`${'x'.repeat(20)}${'&<>'.repeat(10)} ${mention('U012ABC')} ${'y'.repeat(30)}`, max);
      expect(t.length).toBeLessThanOrEqual(max);
      expect(t.replace(/&(amp|lt|gt);/g, '').replace(/<@U012ABC>/g, '')).not.toMatch(/[&<]/);
      const c = truncateMrkdwn(mrkdwn`intro\n\`\`\`\n${'z'.repeat(200)}\n\`\`\``, max);
      expect((c.match(/```/g) ?? []).length % 2).toBe(0);
    }
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
