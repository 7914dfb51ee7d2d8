/**
 * Deploy windows from Slack, through the real Bolt app over signed HTTP in local mode (the engine
 * in the bot's process, FerretDB store and production database, the Slack Web API fake enforcing
 * Block Kit limits): `/deploy production` outside the window is refused with the next open time;
 * `--break-glass` with a bad reason, by a non-approver or by a stranger is refused; an approver's
 * break-glass starts the release, lands in the audit log and in the approval request posted to
 * Slack; `/deploy status` shows the window, the freeze dates and the nightly smoke freeze.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { parseConfigText } from '../../pipeline/config/load.ts';
import { buildReleaseSystem, type ReleaseSystem } from '../../pipeline/release/factory.ts';
import { freezeEnvironment } from '../../pipeline/release/locks.ts';
import { NIGHTLY_LOCK_OWNER } from '../github/nightly.ts';
import { postSigned, slashCommandBody, startSlackHarness, type SlackHarness } from './testing/harness.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });
const t = useTestDatabase('slackwin');
const CLOSED = new Date('2026-12-04T16:00:00Z'); // Fri 17:00 in Berlin
const USERS = { ana: 'U012ABC', raj: 'U034DEF', sam: 'U056GHI' } as const;
const SHA = 'b1a55000000000000000000000000000000000aa';
let system: ReleaseSystem;
let h: SlackHarness;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sg-slackwin-'));
  await mkdir(join(dir, 'migrations'));
  const config = parseConfigText(
    stringify({
      app: { name: 'notes', start: 'node -e "process.exit(1)"' },
      migrations: { dir: join(dir, 'migrations') },
      environments: { production: { protected: true, deploy: { provider: 'process' }, database: { uriEnv: 'PRODUCTION_MONGODB_URI' } } },
      policy: {
        windows: {
          production: { timezone: 'Europe/Berlin', closed: [{ from: 'Fri 15:00', to: 'Mon 08:00', reason: 'weekend' }], freezes: [{ from: '2026-12-21', to: '2027-01-04', reason: 'holiday freeze' }] },
        },
      },
      people: Object.entries(USERS).map(([name, slack]) => ({ name, slack })),
      approval: { approvers: ['ana', 'raj'], minApprovals: 1, expiresAfter: '1h' },
      slack: { channel: '#deploys', approvalsChannel: '#deploy-approvals', mode: 'local' },
    }),
    'shipgate.yml',
  );
  system = await buildReleaseSystem({
    config, env: { PRODUCTION_MONGODB_URI: t.uriFor(t.freshName('prod')) }, repoRoot: dir, localStateDir: join(dir, 'state'),
    storeClient: t.client, storeDbName: t.dbName, actor: 'slack-windows', now: () => CLOSED,
  });
  h = await startSlackHarness({ system, resolveRef: async () => SHA });
});
afterAll(async () => {
  await h?.close();
  await system?.close();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function deploy(text: string, user: string, opts: { secret?: string } = {}) {
  const token = `win${++n}`;
  const res = await postSigned(`${h.server.url}/slack/events`, slashCommandBody({ text, user, responseUrl: h.fake.responseUrl(token) }), opts.secret ? { secret: opts.secret } : {});
  const answer = async () => {
    await h.fake.waitFor((f) => f.responses.some((r) => r.token === token), 30_000);
    return h.fake.responses.filter((r) => r.token === token).map((r) => String(r.body.text ?? '') + JSON.stringify(r.body.blocks ?? '')).join('\n');
  };
  return { res, ack: String(res.json?.text ?? ''), answer };
}
const releases = () => system.store.releases.countDocuments();

describe('/deploy outside the deploy window', () => {
  it('is refused with the rule, its reason and the next open time in the team zone and UTC; no release is created', async () => {
    const cmd = await deploy('production', USERS.sam);
    expect(cmd.res.status).toBe(200);
    const text = await cmd.answer();
    expect(text).toContain('SHIPGATE_WINDOW_CLOSED');
    expect(text).toContain('production is closed for releases: weekend (closed Fri 15:00 – Mon 08:00 Europe/Berlin); next open Mon 2026-12-07 08:00 Europe/Berlin (07:00 UTC)');
    expect(text).toContain('/deploy production --break-glass');
    expect(await releases()).toBe(0);
  });

  it('--break-glass without a reason, or with one over 300 characters, is refused in the acknowledgement naming the fix', async () => {
    const none = await deploy('production --break-glass', USERS.ana);
    expect(none.ack).toContain('needs a reason (at least 3 characters)');
    expect(none.ack).toContain('--break-glass &lt;reason&gt;');
    const long = await deploy(`production --break-glass ${'x'.repeat(301)}`, USERS.ana);
    expect(long.ack).toContain('reason is 301 characters long; at most 300 are accepted');
    expect(await releases()).toBe(0);
  });

  it('--break-glass by a person who is not an approver, by a stranger, or with a forged signature is refused; nothing starts', async () => {
    const sam = await deploy('production —break-glass I really need this', USERS.sam);
    expect(await sam.answer()).toContain('break-glass by sam refused: only an approver may break the glass (approvers: ana, raj)');
    const stranger = await deploy('production --break-glass let me in please', 'U999EVIL');
    expect(await stranger.answer()).toContain('SHIPGATE_NOT_A_DEPLOYER');
    const forged = await deploy('production --break-glass forged', USERS.ana, { secret: 'another-workspace-signing-secret' });
    expect(forged.res.status).toBe(401);
    expect(await releases()).toBe(0);
  });

  it('an approver breaks the glass: the release starts, the audit log has the reason, and the approval request in Slack shows it (approval still needed)', async () => {
    const cmd = await deploy('production main --break-glass hotfix for the checkout outage <!channel> (INC-142)', USERS.ana);
    expect(await cmd.answer()).toMatch(/release `rel-.*` of `main` \(`b1a5500`\) to production started/);
    const [release] = await system.store.releases.find({}).toArray();
    expect(release?.breakGlass).toMatchObject({ person: 'ana', identity: { via: 'slack', id: USERS.ana }, reason: 'hotfix for the checkout outage <!channel> (INC-142)' });
    const audit = await system.audit.forRelease(release!._id);
    expect(audit.find((e) => e.type === 'release.break_glass')?.data).toMatchObject({ person: 'ana', reason: 'hotfix for the checkout outage <!channel> (INC-142)' });

    const approvals = h.fake.channelId('#deploy-approvals');
    await h.fake.waitFor((f) => [...f.messages.values()].some((m) => m.channel === approvals), 30_000);
    const request = JSON.stringify([...h.fake.messages.values()].find((m) => m.channel === approvals)!.blocks);
    expect(request).toContain('🔨 *Glass broken* by ana for production (weekend (closed Fri 15:00 – Mon 08:00 Europe/Berlin)) — reason: hotfix for the checkout outage &lt;!channel&gt; (INC-142)');
    expect(request).toContain('Approve'); // the buttons are still there: break-glass does not skip approval
    expect((await system.store.get(release!._id)).status).toBe('awaiting_approval');
  });

  it('/deploy status shows every freeze in one place: the window closed until when, the freeze dates, the nightly smoke freeze', async () => {
    await freezeEnvironment(system.store.db, 'production', { by: NIGHTLY_LOCK_OWNER, reason: 'nightly smoke failed on production: https://github.com/acme/notes/issues/7' });
    const text = await (await deploy('status', USERS.sam)).answer();
    expect(text).toContain('🔒 nightly smoke freeze: nightly smoke failed on production: https://github.com/acme/notes/issues/7 (lifted when the smoke is green again, or `/deploy unlock production`)');
    expect(text).toContain('⛔ window closed: weekend (closed Fri 15:00 – Mon 08:00 Europe/Berlin); opens Mon 2026-12-07 08:00 Europe/Berlin (07:00 UTC)');
    expect(text).toContain('❄ freeze 2026-12-21 – 2027-01-04: holiday freeze');
  });
});
