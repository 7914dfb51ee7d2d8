/**
 * Workflows pass actionlint (issue 11: the workflows init writes; item 10: this repository's own
 * release.yml / promote.yml used outputs their action.yml did not declare), and the caller
 * workflows give each job only its own GitHub environment's secrets (item 4).
 *
 * actionlint is tools/bin/actionlint, built by tools/actionlint.sh; a missing binary fails here
 * (never a skip).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { shipgateHome } from '../repo.ts';
import { answersFrom, defaultsFor, planInit, secretsOf, type InitPlan } from './init.ts';

const ACTIONLINT = join(shipgateHome, 'tools/bin/actionlint');

function actionlint(files: string[], cwd: string, extra: string[] = []): { code: number | null; out: string } {
  if (!existsSync(ACTIONLINT)) throw new Error(`actionlint is missing at ${ACTIONLINT}: run tools/actionlint.sh (it builds actionlint v1.7.12 with go install)`);
  const r = spawnSync(ACTIONLINT, ['-no-color', ...extra, ...files], { cwd, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

let repo = '';
const plans: Record<string, InitPlan> = {};

beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), 'sg-init-wf-'));
  await writeFile(join(repo, 'package.json'), JSON.stringify({ name: 'widgets', type: 'module' }));
  const d = () => defaultsFor(repo);
  plans.process = planInit({ root: repo }, answersFrom({ approvers: 'ana' }, d()));
  plans.railway = planInit({ root: repo }, answersFrom({ approvers: 'ana', people: 'ana:U012ABC', provider: 'railway', railwayProject: '3f2b9c1e-8a4d-4f6b-9e2a-1c5d7b8a9f01', railwayService: 'api', cloudflareRecord: 'example.com', url: ['prod=https://example.com'], environments: 'stage,prod', actionsRepo: 'acme/shipgate-fork', migrations: 'db/migrations' }, d()));
});
afterAll(async () => {
  await rm(repo, { recursive: true, force: true });
});

async function writeWorkflows(plan: InitPlan, dir: string): Promise<string[]> {
  await mkdir(join(dir, '.github/workflows'), { recursive: true });
  const files = plan.files.filter((f) => f.kind === 'workflow');
  for (const f of files) await writeFile(join(dir, f.path), f.content);
  return files.map((f) => f.path);
}

describe('actionlint', () => {
  it.each(['process', 'railway'])('passes on the workflows init writes (%s)', async (kind) => {
    const dir = await mkdtemp(join(tmpdir(), `sg-init-lint-${kind}-`));
    try {
      const files = await writeWorkflows(plans[kind]!, dir);
      expect(files).toHaveLength(4);
      const r = actionlint(files, dir);
      expect(r.out).toBe('');
      expect(r.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('passes on this repository\'s own workflows (with the actions\' declared outputs)', () => {
    // dist/ of the local actions is built by the workflows themselves (npm run build:actions) and
    // not committed: only that finding is ignored.
    const r = actionlint(['.github/workflows/ci.yml', '.github/workflows/release.yml', '.github/workflows/promote.yml', '.github/workflows/nightly-smoke.yml', '.github/workflows/migrations.yml', '.github/workflows/publish-actions.yml'], shipgateHome, ['-ignore', 'file "dist/index.js" does not exist']);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });
});

type Job = { environment?: string | { name: string }; env?: Record<string, string>; steps?: Array<{ env?: Record<string, string>; with?: Record<string, string>; run?: string; uses?: string }> };

/** Every `secrets.X` a job can reach: its own text plus the workflow-level env. */
function secretsOfJob(workflow: { env?: Record<string, string>; jobs: Record<string, Job> }, job: string): string[] {
  const text = JSON.stringify([workflow.env ?? {}, workflow.jobs[job]]);
  return [...text.matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
}

describe('each job of the caller workflows sees only its own environment\'s secrets', () => {
  it.each(['process', 'railway'])('%s', (kind) => {
    const plan = plans[kind]!;
    const config = parse(plan.files.find((f) => f.path === '.github/shipgate.yml')!.content) as { environments: Record<string, unknown> };
    const [first, last] = Object.keys(config.environments) as [string, string];
    const answers = kind === 'process'
      ? answersFrom({ approvers: 'ana' }, defaultsFor(repo))
      : answersFrom({ approvers: 'ana', people: 'ana:U012ABC', provider: 'railway', railwayProject: '3f2b9c1e-8a4d-4f6b-9e2a-1c5d7b8a9f01', railwayService: 'api', cloudflareRecord: 'example.com', url: ['prod=https://example.com'], environments: 'stage,prod' }, defaultsFor(repo));
    const perEnv = secretsOf(answers);
    const repoWide = ['SHIPGATE_STORE_URI', 'SHIPGATE_SLACK_WEBHOOK_URL'];
    const readonlyOfLast = `${last.toUpperCase()}_MONGODB_READONLY_URI`;
    // A secret of the last environment that the first's job must never see (names shared by both,
    // like RAILWAY_TOKEN, resolve to each GitHub environment's own value).
    const lastOnly = (perEnv[last] ?? []).filter((s) => !(perEnv[first] ?? []).includes(s));
    expect(lastOnly).toContain(`${last.toUpperCase()}_MONGODB_URI`);
    if (kind === 'railway') expect(lastOnly).toEqual(expect.arrayContaining(['CF_API_TOKEN', 'CF_ZONE_ID']));

    const release = parse(plan.files.find((f) => f.path === '.github/workflows/release.yml')!.content) as { env?: Record<string, string>; jobs: Record<string, Job> };
    const staging = release.jobs.staging!;
    expect(staging.environment).toBe(first);
    const stagingSecrets = secretsOfJob(release, 'staging');
    for (const s of stagingSecrets) expect([...(perEnv[first] ?? []), readonlyOfLast, ...repoWide], `release.yml's ${first} job uses secrets.${s}`).toContain(s);
    for (const s of lastOnly) expect(stagingSecrets).not.toContain(s);
    // The read-only connection is handed over under the name the config reads for the last env.
    expect(staging.env?.[`${last.toUpperCase()}_MONGODB_URI`]).toBe(`\${{ secrets.${readonlyOfLast} }}`);

    for (const [file, job] of [['release.yml', 'production'], ['promote.yml', 'production']] as const) {
      const wf = parse(plan.files.find((f) => f.path === `.github/workflows/${file}`)!.content) as { env?: Record<string, string>; jobs: Record<string, Job> };
      expect(wf.jobs[job]!.environment).toBe(last);
      for (const s of secretsOfJob(wf, job)) expect([...(perEnv[last] ?? []), ...repoWide], `${file}'s ${last} job uses secrets.${s}`).toContain(s);
    }
    // Published actions, never the local ./.github/actions of Shipgate's checkout.
    for (const f of plan.files.filter((x) => x.kind === 'workflow')) {
      const uses = [...f.content.matchAll(/uses: (\S+)/g)].map((m) => m[1] as string).filter((u) => !u.startsWith('actions/'));
      expect(uses.length, f.path).toBeGreaterThan(0);
      for (const u of uses) expect(u, f.path).toMatch(new RegExp(`^${kind === 'railway' ? 'acme/shipgate-fork' : 'shipgate/shipgate'}/\\.github/actions/(release|migrate|promote|verify|nightly-report)@v1$`));
    }
  });

  it('the repository\'s own release.yml staging job references no production-only secret', async () => {
    const wf = parse(await readFile(join(shipgateHome, '.github/workflows/release.yml'), 'utf8')) as { env?: Record<string, string>; jobs: Record<string, Job> };
    const s = secretsOfJob(wf, 'staging');
    for (const prod of ['PRODUCTION_MONGODB_URI', 'CF_API_TOKEN', 'CF_ZONE_ID']) expect(s).not.toContain(prod);
  });
});
