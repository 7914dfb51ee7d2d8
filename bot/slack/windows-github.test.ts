/**
 * Deploy windows on the GitHub path: `/deploy` in `slack.mode: github` through the real Bolt app
 * (signed requests) applies the window rule before dispatching release.yml — a closed window or a
 * non-approver's break-glass is answered at once and nothing is dispatched; an approver's
 * break-glass is dispatched with the `break-glass` input, which the contract-enforcing GitHub fake
 * accepts only because release.yml declares it. Then the bundled release action (run as the
 * runner runs it) starts the release with that input: recorded and audited; without it the
 * action refuses. The freeze covers yesterday to tomorrow (UTC), so every clock is inside it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { repoRoot } from '../../pipeline/mongo/embedded.ts';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { loadConfig } from '../../pipeline/config/load.ts';
import { buildReleaseSystem, type ReleaseSystem } from '../../pipeline/release/factory.ts';
import { AuditLog } from '../../pipeline/release/audit.ts';
import { ReleaseStore } from '../../pipeline/release/store.ts';
import { buildActions, runActionProcess } from '../github/testing/run-action.ts';
import { postSigned, slashCommandBody, startSlackHarness, type SlackHarness } from './testing/harness.ts';
import { startGithubDispatchFake, type GithubDispatchFake } from './testing/fixtures.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });
const t = useTestDatabase('ghwin');
const USERS = { ana: 'U012ABC', raj: 'U034DEF', sam: 'U056GHI' } as const;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const FROM = day(-1);
const TO = day(1);
const APP_BOT = 'shipgate-app[bot]';
let dir: string;
let configFile: string;
let system: ReleaseSystem;
let gh: GithubDispatchFake;
let h: SlackHarness;
let bundles: string | undefined;

beforeAll(async () => {
  await mkdir(join(repoRoot, '.shipgate/worlds'), { recursive: true });
  dir = await mkdtemp(join(repoRoot, '.shipgate/worlds/ghwin-'));
  await mkdir(join(dir, '.github'), { recursive: true });
  configFile = join(dir, '.github/shipgate.yml');
  await writeFile(
    configFile,
    `app: { name: notes, start: "node -e 'process.exit(1)'" }
environments:
  staging: { deploy: { provider: process }, database: { uriEnv: STAGING_MONGODB_URI } }
  production: { protected: true, deploy: { provider: process }, database: { uriEnv: PRODUCTION_MONGODB_URI } }
policy:
  windows:
    production:
      freezes: [{ from: ${FROM}, to: ${TO}, reason: data center move }]
people:
  - { name: ana, slack: ${USERS.ana}, github: ana-dev }
  - { name: raj, slack: ${USERS.raj}, github: rajk }
  - { name: sam, slack: ${USERS.sam}, github: sam-gh }
approval: { approvers: [ana, raj] }
slack: { channel: "#deploys", approvalsChannel: "#deploy-approvals", mode: github }
`,
  );
  system = await buildReleaseSystem({
    config: await loadConfig({ file: configFile }), env: {}, repoRoot: dir, localStateDir: join(dir, 'state'),
    storeClient: t.client, storeDbName: t.dbName, actor: 'slack-github-windows',
  });
  gh = await startGithubDispatchFake({ repos: { 'acme/notes': { defaultBranch: 'main', branches: ['main'] } } });
  h = await startSlackHarness({ system, github: { octokit: new Octokit({ auth: 'ghs_testtoken0000000000000000', baseUrl: gh.url, request: { retries: 0 } }), owner: 'acme', repo: 'notes' } });
});
afterAll(async () => {
  expect(gh?.github.violations ?? [], "requests outside GitHub's contract").toEqual([]);
  await h?.close();
  await gh?.close();
  await system?.close();
  if (bundles) await rm(bundles, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function deploy(text: string, user: string): Promise<string> {
  const token = `ghwin${++n}`;
  const res = await postSigned(`${h.server.url}/slack/events`, slashCommandBody({ text, user, responseUrl: h.fake.responseUrl(token) }));
  expect(res.status).toBe(200);
  await h.fake.waitFor((f) => f.responses.some((r) => r.token === token), 30_000);
  return h.fake.responses.filter((r) => r.token === token).map((r) => String(r.body.text ?? '')).join('\n');
}

describe('/deploy in GitHub mode outside the window', () => {
  it('is refused before anything is dispatched: a closed window, a non-approver breaking the glass', async () => {
    expect(await deploy('production', USERS.sam)).toContain(`*SHIPGATE_WINDOW_CLOSED*: production is closed for releases: data center move (freeze ${FROM} – ${TO} UTC); next open`);
    expect(await deploy('production --break-glass please let me', USERS.sam)).toContain('break-glass by sam refused: only an approver may break the glass');
    expect(gh.dispatches()).toEqual([]);
  });

  it("an approver's break-glass is dispatched with the break-glass input release.yml declares", async () => {
    expect(await deploy('production main --break-glass  fix the login outage (INC-7) ', USERS.ana)).toContain('release.yml dispatched in acme/notes');
    expect(gh.dispatches()).toEqual([{ workflow: 'release.yml', ref: 'main', inputs: { environment: 'production', ref: 'main', requester: `slack:${USERS.ana}`, 'break-glass': 'fix the login outage (INC-7)' } }]);
  });
});

describe('the release action with the break-glass input', () => {
  const env = () => ({ GITHUB_REPOSITORY: 'acme/notes', GITHUB_RUN_ID: '77', GITHUB_SERVER_URL: 'https://github.com', GITHUB_API_URL: gh.url, GITHUB_WORKSPACE: dir, GITHUB_ACTOR: APP_BOT, SHIPGATE_STORE_URI: t.uriFor(t.freshName('store')) });

  it('starts the release for an approver requester (recorded and audited); without it, or for a non-approver, the action fails with the refusal', async () => {
    bundles = await buildActions();
    const base = { step: 'start', to: 'production', sha: 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2', 'app-bot': APP_BOT, config: configFile };
    const e = env();
    const closed = await runActionProcess(bundles, 'release', { inputs: { ...base, requester: `slack:${USERS.ana}` }, env: e, cwd: dir });
    expect(closed.code).toBe(1);
    expect(closed.log + closed.summary).toContain('SHIPGATE_WINDOW_CLOSED');
    const sam = await runActionProcess(bundles, 'release', { inputs: { ...base, requester: `slack:${USERS.sam}`, 'break-glass': 'fix the login outage (INC-7)' }, env: e, cwd: dir });
    expect(sam.code).toBe(1);
    expect(sam.log + sam.summary).toContain('SHIPGATE_BREAK_GLASS_REFUSED');

    const ok = await runActionProcess(bundles, 'release', { inputs: { ...base, requester: `slack:${USERS.ana}`, 'break-glass': 'fix the login outage (INC-7)' }, env: e, cwd: dir });
    expect(ok.code, ok.log).toBe(0);
    expect(ok.log).toContain('🔨 glass broken by ana for production');
    const db = t.client.db(new URL(e.SHIPGATE_STORE_URI).pathname.slice(1));
    const release = await new ReleaseStore(db).get(ok.outputs['release-id']!);
    expect(release.breakGlass).toMatchObject({ person: 'ana', identity: { via: 'slack', id: USERS.ana }, reason: 'fix the login outage (INC-7)' });
    expect((await new AuditLog(db).forRelease(release._id)).some((x) => x.type === 'release.break_glass' && x.data.reason === 'fix the login outage (INC-7)')).toBe(true);
  });
});
