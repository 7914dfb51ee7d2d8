/**
 * Deploy windows on a real release system (FerretDB store, the real runner and stages, the
 * production database on FerretDB): a release outside the window is refused with the rule and
 * the next open time; an approver breaks the glass with a reason (release record, audit log,
 * approval request); a non-approver, a stranger, a bad reason and a needless break-glass are
 * refused; a window that closes while approval waits fails the first production write, unless
 * the glass was broken. The window's clock is the system's `now` option.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { useTestDatabase } from '../testing/mongo.ts';
import { parseConfigText } from '../config/load.ts';
import { isShipgateError, type ShipgateError } from '../errors.ts';
import { buildReleaseSystem, type ReleaseSystem } from './factory.ts';
import { runRelease } from './runner.ts';
import { approveRelease } from './decide.ts';
import { renderApprovalRequest } from './render.ts';
import type { Identity } from './types.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });
const t = useTestDatabase('windows');

// Fri 15:00 → Mon 08:00 Europe/Berlin, and a holiday freeze.
const OPEN = new Date('2026-12-03T10:00:00Z'); // Thu 11:00 CET
const CLOSED = new Date('2026-12-04T16:00:00Z'); // Fri 17:00 CET
const HOLIDAY = new Date('2026-12-24T10:00:00Z');

let clock = OPEN;
let system: ReleaseSystem;
let dir: string;
const cli = (id: string): Identity => ({ via: 'cli', id });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sg-windows-'));
  const config = parseConfigText(
    stringify({
      app: { name: 'notes', start: 'node -e "process.exit(1)"' },
      migrations: { dir: join(dir, 'migrations') },
      environments: { production: { protected: true, deploy: { provider: 'process' }, database: { uriEnv: 'PRODUCTION_MONGODB_URI' } } },
      policy: {
        windows: {
          production: {
            timezone: 'Europe/Berlin',
            closed: [{ from: 'Fri 15:00', to: 'Mon 08:00', reason: 'weekend' }],
            freezes: [{ from: '2026-12-21', to: '2027-01-04', reason: 'holiday freeze' }],
          },
        },
      },
      people: [{ name: 'ana', slack: 'U012ABC' }, { name: 'raj', slack: 'U034DEF' }, { name: 'sam', slack: 'U056GHI' }],
      approval: { approvers: ['ana', 'raj'], minApprovals: 1, expiresAfter: '1h' },
    }),
    'shipgate.yml',
  );
  await mkdir(join(dir, 'migrations'));
  system = await buildReleaseSystem({
    config, env: { PRODUCTION_MONGODB_URI: t.uriFor(t.freshName('prod')) }, repoRoot: dir, localStateDir: join(dir, 'state'),
    storeClient: t.client, storeDbName: t.freshName('store'), actor: 'windows-test', now: () => clock,
  });
});
afterAll(async () => {
  await system?.close();
  await rm(dir, { recursive: true, force: true });
});

const request = (requester: Identity, breakGlass?: string) =>
  system.createRelease({ to: 'production', ref: 'main', sha: 'f00d000000000000000000000000000000000000', version: '2.0.0', requester, ...(breakGlass !== undefined ? { breakGlass: { reason: breakGlass } } : {}) });

async function refusal(p: Promise<unknown>): Promise<ShipgateError> {
  try {
    await p;
  } catch (err) {
    if (isShipgateError(err)) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

const firstWrite = () => system.stages.find((s) => s.env === 'production' && s.writes)!;
const decisions = () => ({ store: system.store, audit: system.audit, policy: system.policy });

describe('a release outside its window', () => {
  it('is refused with the environment, the rule and its reason, and the next open time in the team zone and UTC; nothing is created', async () => {
    clock = CLOSED;
    const before = await system.store.releases.countDocuments();
    const err = await refusal(request(cli('sam')));
    expect(err.code).toBe('SHIPGATE_WINDOW_CLOSED');
    expect(err.message).toBe('production is closed for releases: weekend (closed Fri 15:00 – Mon 08:00 Europe/Berlin); next open Mon 2026-12-07 08:00 Europe/Berlin (07:00 UTC)');
    expect(err.hint).toContain('--break-glass');
    expect(await system.store.releases.countDocuments()).toBe(before);
  });

  it('in a freeze that chains with the weekend, the freeze is named and the next open time is after both', async () => {
    clock = HOLIDAY;
    const err = await refusal(request(cli('sam')));
    expect(err.message).toContain('holiday freeze (freeze 2026-12-21 – 2027-01-04 Europe/Berlin)');
    expect(err.message).toContain('next open Tue 2027-01-05 00:00 Europe/Berlin (2027-01-04 23:00 UTC)');
  });
});

describe('break-glass', () => {
  it('by an approver with a reason: recorded on the release and in the audit log (its own event), shown in the approval request; approval is still asked for', async () => {
    clock = CLOSED;
    const r = await request(cli('ana'), '  hotfix for the checkout outage (INC-142)  ');
    expect(r.breakGlass).toEqual({
      person: 'ana', identity: cli('ana'), reason: 'hotfix for the checkout outage (INC-142)', at: CLOSED.toISOString(),
      rules: [{ env: 'production', rule: 'weekend (closed Fri 15:00 – Mon 08:00 Europe/Berlin)', nextOpen: '2026-12-07T07:00:00.000Z' }],
    });
    const audit = await system.audit.forRelease(r._id);
    expect(audit.find((e) => e.type === 'release.break_glass')).toMatchObject({ actor: cli('ana'), data: { person: 'ana', reason: 'hotfix for the checkout outage (INC-142)' } });
    expect((await system.audit.verify()).ok).toBe(true);

    const waiting = await runRelease(system.runnerDeps({ waitForApproval: async () => 'pending' }), r._id);
    expect(waiting.status).toBe('awaiting_approval');
    const shown = renderApprovalRequest(waiting, system.policy).join('\n');
    expect(shown).toContain('🔨 glass broken by ana for production (weekend (closed Fri 15:00 – Mon 08:00 Europe/Berlin)): hotfix for the checkout outage (INC-142)');

    // Four eyes still: ana broke the glass and requested, so raj approves; the closed window does not stop the first write.
    await expect(approveRelease(decisions(), r._id, cli('ana'))).rejects.toMatchObject({ code: 'SHIPGATE_SELF_APPROVAL' });
    await approveRelease(decisions(), r._id, cli('raj'));
    const key = `production/${firstWrite().name}`;
    // Only the migrate stages (the app's start command exits at once, so no deploy here).
    const only = new Set(system.stages.filter((s) => s.env === 'production' && s.name.startsWith('migrate')).map((s) => `production/${s.name}`));
    const done = await runRelease({ ...system.runnerDeps({ waitForApproval: async () => 'approved' }), only }, r._id);
    expect(done.stages.find((s) => s.key === key)?.status).toBe('passed');
  });

  it('is refused for a person who is not an approver, for an identity that is no person, for an empty, oversized or multi-line reason, and when every window is open', async () => {
    clock = CLOSED;
    const notApprover = await refusal(request(cli('sam'), 'I really need this'));
    expect(notApprover.code).toBe('SHIPGATE_BREAK_GLASS_REFUSED');
    expect(notApprover.message).toBe('break-glass by sam refused: only an approver may break the glass (approvers: ana, raj)');
    // A Slack user who is no person in people is refused before the glass (production is protected).
    const count = await system.store.releases.countDocuments();
    const stranger = await refusal(request({ via: 'slack', id: 'U999EVIL' }, 'let me in'));
    expect(stranger.code).toBe('SHIPGATE_NOT_A_DEPLOYER');
    expect(stranger.message).toContain('slack:U999EVIL');
    expect(await system.store.releases.countDocuments()).toBe(count);
    for (const reason of ['', '  ', 'ok', 'x'.repeat(301), 'line one\nline two']) {
      const err = await refusal(request(cli('ana'), reason));
      expect(err.code, JSON.stringify(reason)).toBe('SHIPGATE_BREAK_GLASS_REFUSED');
      expect(err.hint).toContain('one-line reason of 3–300 characters');
    }
    clock = OPEN;
    const needless = await refusal(request(cli('ana'), 'just in case'));
    expect(needless.message).toContain('every window on the path (production) is open now: there is no glass to break');
  });
});

describe('a window that closes while approval waits', () => {
  it('fails the first production write before anything is written (fail closed), naming the rule and the next open time', async () => {
    clock = OPEN;
    const r = await request(cli('sam'));
    expect(r.breakGlass).toBeUndefined();
    expect((await runRelease(system.runnerDeps({ waitForApproval: async () => 'pending' }), r._id)).status).toBe('awaiting_approval');
    await approveRelease(decisions(), r._id, cli('ana'));
    clock = CLOSED; // the approval came on Friday evening
    const done = await runRelease(system.runnerDeps({ waitForApproval: async () => 'approved' }), r._id);
    expect(done.status).toBe('failed');
    const key = `production/${firstWrite().name}`;
    const stage = done.stages.find((s) => s.key === key);
    expect(stage?.status).toBe('failed');
    expect(stage?.result?.summary).toBe('SHIPGATE_WINDOW_CLOSED: production is closed for releases: weekend (closed Fri 15:00 – Mon 08:00 Europe/Berlin); next open Mon 2026-12-07 08:00 Europe/Berlin (07:00 UTC)');
    expect(done.reason).toContain('SHIPGATE_WINDOW_CLOSED');
    // Nothing after it ran; nothing was deployed.
    expect(done.stages.filter((s) => s.env === 'production' && system.stages.findIndex((x) => `production/${x.name}` === s.key) > system.stages.indexOf(firstWrite())).every((s) => s.status === 'pending')).toBe(true);
    expect(done.deployments.production).toBeUndefined();
  });
});
