/**
 * What people read about deploy windows in Slack, pinned as golden files (UPDATE_GOLDEN=1 rewrites
 * them): the approval request with a broken glass and `/deploy status` with windows and the
 * nightly smoke freeze; with hostile text, escaped; every one posted through the Slack fake,
 * which refuses anything outside Block Kit's limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebClient } from '@slack/web-api';
import type { ApprovalPolicy } from '../../pipeline/release/approvals.ts';
import type { EnvironmentState } from '../../pipeline/release/status.ts';
import type { ReleaseRecord } from '../../pipeline/release/types.ts';
import { startSlackFake, type SlackFake } from '../../pipeline/testing/fakes/slack.ts';
import { approvalRequestMessage, statusMessage, type SlackMessageBody } from './blocks.ts';

const here = dirname(fileURLToPath(import.meta.url));
const policy: ApprovalPolicy = { people: [{ name: 'ana', slack: 'U012ABC' }], approvers: ['ana', 'raj'], minApprovals: 1, expiresAfterMs: 4 * 3600_000 };
const H = '<!channel> <https://evil.example|click me> & <@U999EVIL> <#C999>';

const release = (reason: string, rule: string): ReleaseRecord => ({
  _id: 'rel-20261204-160000-b1a550', repo: 'acme/notes', sha: 'b1a5500000000000000000000000000000000000', ref: 'main', version: '2.0.1', path: ['staging', 'production'], target: 'production',
  requester: { person: 'ana', identity: { via: 'slack', id: 'U012ABC' } }, status: 'awaiting_approval', approvals: [], deployments: {},
  stages: [{ key: 'staging/deploy', env: 'staging', name: 'deploy', status: 'passed' }, { key: 'production/migrate-apply', env: 'production', name: 'migrate-apply', status: 'pending' }],
  targetPlan: { env: 'production', digest: 'p', pending: [], lines: [], approximate: false, irreversible: [], breaking: [] },
  digest: 'd'.repeat(64),
  breakGlass: { person: 'ana', identity: { via: 'slack', id: 'U012ABC' }, reason, at: '2026-12-04T16:00:00.000Z', rules: [{ env: 'production', rule, nextOpen: '2026-12-07T07:00:00.000Z' }] },
  rev: 4, createdAt: '2026-12-04T16:00:00.000Z', updatedAt: '2026-12-04T16:05:00.000Z',
});
const states = (text: string): EnvironmentState[] => [
  {
    env: 'production', protected: true,
    lock: { owner: 'nightly-smoke', reason: `nightly smoke failed on production: ${text}`, until: 'unlocked by hand', kind: 'nightly-smoke' },
    window: { timezone: 'Europe/Berlin', open: false, rule: `${text} (closed Fri 15:00 – Mon 08:00 Europe/Berlin)`, nextOpen: 'Mon 2026-12-07 08:00 Europe/Berlin (07:00 UTC)', freezes: Array.from({ length: 7 }, (_, i) => ({ from: `2026-12-2${i}`, to: `2026-12-2${i + 1}`, reason: text })) },
  },
  { env: 'staging', protected: false, window: { timezone: 'UTC', open: true, closesAt: 'Fri 2026-12-11 15:00 UTC', rule: 'closed Fri 15:00 – Mon 08:00 UTC', freezes: [] } },
];

const cases: Record<string, SlackMessageBody> = {
  'approval-break-glass': approvalRequestMessage(release('hotfix for the checkout outage (INC-142)', 'weekend (closed Fri 15:00 – Mon 08:00 Europe/Berlin)'), { policy }),
  'status-windows': statusMessage(states('weekend')),
  'hostile-approval-break-glass': approvalRequestMessage(release(`${H} ${'x'.repeat(250)}`, `${H} ${'y'.repeat(700)}`), { policy }),
  'hostile-status-windows': statusMessage(states(H)),
};

let fake: SlackFake;
beforeAll(async () => {
  fake = await startSlackFake({ token: 'xoxb-windows-test' });
});
afterAll(async () => {
  await fake?.close(); // throws on any malformed request the fake saw
});

describe('deploy-window messages', () => {
  it.each(Object.keys(cases))('%s matches its golden file and is accepted by the Slack fake', async (name) => {
    const file = join(here, 'golden', `${name}.json`);
    const actual = `${JSON.stringify(cases[name], null, 2)}\n`;
    if (process.env.UPDATE_GOLDEN) {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, actual);
    }
    expect(actual).toBe(await readFile(file, 'utf8'));
    const client = new WebClient('xoxb-windows-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
    const posted = await client.chat.postMessage({ channel: fake.channelId('#deploy-approvals'), text: cases[name]!.text, blocks: cases[name]!.blocks as never });
    expect(posted.ok).toBe(true);
  });

  it('shows who broke the glass, the rule and the reason right after the facts, and keeps the buttons (approval still needed)', () => {
    const m = cases['approval-break-glass']!;
    expect(JSON.stringify(m.blocks[2])).toContain('🔨 *Glass broken* by ana for production (weekend (closed Fri 15:00 – Mon 08:00 Europe/Berlin)) — reason: hotfix for the checkout outage (INC-142)');
    expect(m.blocks.at(-1)).toMatchObject({ type: 'actions' });
  });

  it('status: the nightly smoke freeze as such, the window closed until when, at most 5 freeze dates then how many more', () => {
    const text = JSON.stringify(cases['status-windows']!.blocks);
    expect(text).toContain('🔒 nightly smoke freeze: nightly smoke failed on production: weekend');
    expect(text).toContain('⛔ window closed: weekend (closed Fri 15:00 – Mon 08:00 Europe/Berlin); opens Mon 2026-12-07 08:00 Europe/Berlin (07:00 UTC)');
    expect(text.match(/❄ freeze/g)).toHaveLength(5);
    expect(text).toContain('… 2 more freezes');
    expect(text).toContain('🟢 window open now; closes Fri 2026-12-11 15:00 UTC: closed Fri 15:00 – Mon 08:00 UTC');
  });

  it('hostile text in a reason or a rule is escaped: no <!channel>, no disguised link, no foreign mention', () => {
    for (const name of ['hostile-approval-break-glass', 'hostile-status-windows']) {
      const text = JSON.stringify(cases[name]);
      expect(text).not.toMatch(/<!|<https:\/\/evil|<@U999EVIL>|<#C999>/);
      expect(text).toContain('&lt;!channel&gt;');
    }
  });
});
