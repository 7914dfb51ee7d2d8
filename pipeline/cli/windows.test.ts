/**
 * Deploy windows through the real `shipgate` command (a child process, FerretDB store and
 * production database): `release` in a freeze is refused with the next open time; `--break-glass`
 * from a non-approver or with an empty reason is refused; an approver's break-glass starts the
 * release, the approval request shows it and `audit show` has the reason; `status` shows the
 * manual lock, the window and its freeze dates. The freeze covers yesterday to tomorrow (UTC), so
 * the command's own clock is inside it whenever the test runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '../testing/mongo.ts';
import { runShipgate } from './test-helpers.ts';

const t = useTestDatabase('cliwin');
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const FROM = day(-1);
const TO = day(1);
const REOPENS = day(2);
const SHA = 'c0de000000000000000000000000000000000001';
let repo: string;
let env: Record<string, string>;

beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), 'shipgate-windows-'));
  await mkdir(join(repo, '.github'), { recursive: true });
  await mkdir(join(repo, 'migrations'));
  await writeFile(
    join(repo, '.github/shipgate.yml'),
    `app: { name: notes, start: "node -e 'process.exit(1)'" }
migrations: { dir: migrations }
environments:
  production: { protected: true, deploy: { provider: process }, database: { uriEnv: PRODUCTION_MONGODB_URI } }
policy:
  windows:
    production:
      timezone: UTC
      freezes: [{ from: ${FROM}, to: ${TO}, reason: release train cut-over }]
people:
  - { name: ana }
  - { name: raj }
  - { name: sam }
approval: { approvers: [ana, raj] }
`,
  );
  env = { SHIPGATE_STORE_URI: t.uriFor(t.dbName), PRODUCTION_MONGODB_URI: t.uriFor(t.freshName('prod')), SHIPGATE_STATE_DIR: join(repo, 'state') };
});
afterAll(() => rm(repo, { recursive: true, force: true }));

const release = (...extra: string[]) => runShipgate(['release', '--to', 'production', '--sha', SHA, ...extra], env, { cwd: repo, killAfterMs: 60_000 });

describe('shipgate release in a freeze', () => {
  it('is refused with the rule, its reason and the next open time; --break-glass by a non-approver or with an empty reason is refused too', async () => {
    const plain = await release('--as', 'sam');
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(`SHIPGATE_WINDOW_CLOSED: production is closed for releases: release train cut-over (freeze ${FROM} – ${TO} UTC); next open`);
    expect(plain.stderr).toContain(`${REOPENS} 00:00 UTC`);
    expect(plain.stderr).toContain('--break-glass "<reason>"');

    const sam = await release('--as', 'sam', '--break-glass', 'I need this now');
    expect(sam.code).toBe(1);
    expect(sam.stderr).toContain('SHIPGATE_BREAK_GLASS_REFUSED: break-glass by sam refused: only an approver may break the glass (approvers: ana, raj)');
    const empty = await release('--as', 'ana', '--break-glass', '');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('the reason is empty or too short');
    const list = await runShipgate(['releases', '--json'], env, { cwd: repo });
    expect(JSON.parse(list.stdout)).toEqual([]);
  }, 120_000);

  it('an approver breaks the glass: the release waits for approval with the break-glass in the request, and the audit log has the reason', async () => {
    const run = await release('--as', 'ana', '--break-glass', 'hotfix for INC-142');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`🔨 glass broken by ana for production (release train cut-over (freeze ${FROM} – ${TO} UTC)): hotfix for INC-142`);
    expect(run.stderr).toMatch(/approval needed[\s\S]*\n {2}🔨 glass broken by ana for production .*: hotfix for INC-142/); // the approval request
    expect(run.stdout).toContain('waiting for approval');
    const id = /shipgate approve (rel-\S+)/.exec(run.stdout)?.[1];
    expect(id).toBeDefined();
    const audit = await runShipgate(['audit', 'show', id!], env, { cwd: repo });
    expect(audit.stdout).toMatch(/release\.break_glass .*cli:ana .*"reason":"hotfix for INC-142"/);
  }, 120_000);

  it('status shows the manual lock, the closed window with its next open time, and the freeze dates', async () => {
    const lock = await runShipgate(['lock', 'production', '--reason', 'db maintenance', '--as', 'raj'], env, { cwd: repo });
    expect(lock.code, lock.stderr).toBe(0);
    const status = await runShipgate(['status'], env, { cwd: repo });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('🔒 locked by raj: db maintenance (unlocked by hand)');
    expect(status.stdout).toContain(`⛔ window closed: release train cut-over (freeze ${FROM} – ${TO} UTC); opens`);
    expect(status.stdout).toContain(`${REOPENS} 00:00 UTC`);
    expect(status.stdout).toContain(`freeze ${FROM} – ${TO} (UTC): release train cut-over`);
  }, 120_000);
});
