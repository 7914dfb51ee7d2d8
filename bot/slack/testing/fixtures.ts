/**
 * Fixtures of the Slack tests: a config with people, approvers, deployers and a deployer group;
 * a release system on the test database; a release brought to awaiting_approval with gate results
 * and a migration plan (as the runner leaves it), and a GitHub API fake for workflow dispatches.
 */
import { stringify } from 'yaml';
import type { MongoClient } from 'mongodb';
import { parseConfigText } from '../../../pipeline/config/load.ts';
import { buildReleaseSystem, type ReleaseSystem } from '../../../pipeline/release/factory.ts';
import type { GateResult } from '../../../pipeline/gates/types.ts';
import type { ReleaseRecord } from '../../../pipeline/release/types.ts';
import type { FakeServer } from '../../../pipeline/testing/fakes/http-fake.ts';
import { startGithubFake, type GithubFake, type GithubFakeOptions } from '../../../pipeline/testing/fakes/github.ts';

export const PEOPLE = { ana: 'U012ABC', raj: 'U034DEF', sam: 'U056GHI', eve: 'U078JKL', gus: 'U090GRP' } as const;
export const DEPLOY_GROUP = 'S0DEPLOYERS';

export function slackTestConfig(mode: 'local' | 'github') {
  return parseConfigText(
    stringify({
      app: { name: 'notes', start: 'node app/src/server.ts' },
      environments: {
        staging: { deploy: { provider: 'process' }, database: { uriEnv: 'STAGING_MONGODB_URI' } },
        production: {
          protected: true,
          deploy: { provider: 'process', slots: ['blue', 'green'] },
          database: { uriEnv: 'PRODUCTION_MONGODB_URI' },
          dns: { provider: 'local' },
          deployers: ['ana', 'sam'],
          deployerGroups: [DEPLOY_GROUP],
        },
      },
      gates: { load: { engine: 'builtin', profile: 'load/api.profile.json', thresholds: { http_req_duration: ['p(95)<300'], http_req_failed: ['rate<0.01'] } } },
      people: Object.entries(PEOPLE).map(([name, slack]) => ({ name, slack })),
      approval: { approvers: ['ana', 'raj'], minApprovals: 1, expiresAfter: '1h' },
      slack: { channel: '#deploys', approvalsChannel: '#deploy-approvals', mode },
    }),
    'shipgate.yml',
  );
}

export async function slackTestSystem(opts: { client: MongoClient; dbName: string; mode: 'local' | 'github'; stateDir: string }): Promise<ReleaseSystem> {
  return buildReleaseSystem({
    config: slackTestConfig(opts.mode), env: { STAGING_MONGODB_URI: 'mongodb://127.0.0.1:1/s', PRODUCTION_MONGODB_URI: 'mongodb://127.0.0.1:1/p' },
    repoRoot: process.cwd(), localStateDir: opts.stateDir, storeClient: opts.client, storeDbName: opts.dbName, actor: 'slack-test',
  });
}

const T0 = '2026-11-30T10:00:00.000Z';
export function gate(gateName: string, status: GateResult['status'], summary: string, metrics: GateResult['metrics'], details = ''): GateResult {
  return { gate: gateName, status, summary, details, metrics, startedAt: T0, durationMs: 4200 };
}

/** Brings a fresh release to awaiting_approval the way the runner does: staging passed, a plan, a digest. */
export async function awaitingApproval(system: ReleaseSystem, opts: { requester?: string; version?: string; digest?: string; ref?: string } = {}): Promise<ReleaseRecord> {
  const r = await system.createRelease({ to: 'production', ref: opts.ref ?? 'main', sha: 'abc1234def5678900000000000000000000000000', version: opts.version ?? '1.4.0', requester: { via: 'slack', id: opts.requester ?? PEOPLE.sam } });
  return system.store.update(r, (x) => {
    for (const s of x.stages.filter((st) => st.env === 'staging')) {
      s.status = 'passed';
      s.startedAt = T0;
      s.finishedAt = '2026-11-30T10:00:04.200Z';
      s.result =
        s.name === 'load'
          ? gate('load', 'passed', '2 of 2 thresholds pass (812 requests, 135 req/s)', { engine: 'builtin', rps: 135.4, p95Ms: 41.2, p99Ms: 80.1, failedRate: 0, thresholdsFailed: 0 }, '| threshold | value |\n|---|---|\n| p(95)<300 | 41.2 |')
          : gate(s.name, 'passed', `${s.name} ok`, {});
    }
    x.status = 'awaiting_approval';
    x.targetPlan = { env: 'production', digest: 'plan-digest-1', pending: ['0002-merge-legacy-memos'], lines: ['memos → notes: ~120 documents moved, memos dropped'], approximate: false, irreversible: ['0002-merge-legacy-memos'], breaking: [] };
    x.digest = opts.digest ?? `digest${Math.random().toString(16).slice(2)}0000000000000000000000000000000000000000`.slice(0, 64);
  });
}

export interface GithubDispatchFake extends FakeServer {
  dispatches(): Array<{ workflow: string; ref: string; inputs: Record<string, string> }>;
  /** Time each dispatch was answered. */
  answeredAt: number[];
  /** The GitHub fake underneath (contract violations, repos, rate limits). */
  github: GithubFake;
}

/**
 * The GitHub fake (pipeline/testing/fakes/github.ts, GitHub's OpenAPI contract and dispatch rules)
 * accepting static `tokens`, its dispatches in the shape these tests compare; optionally slow.
 */
export async function startGithubDispatchFake(opts: { delayMs?: number; tokens?: string[]; repos?: GithubFakeOptions['repos'] } = {}): Promise<GithubDispatchFake> {
  const github = await startGithubFake({ tokens: opts.tokens ?? ['ghs_testtoken0000000000000000', 'ghs_bench000000000000000000'], ...(opts.delayMs ? { dispatchDelayMs: opts.delayMs } : {}), ...(opts.repos ? { repos: opts.repos } : {}) });
  return {
    url: github.url,
    requests: github.requests,
    close: () => github.close(),
    github,
    get answeredAt() {
      return github.dispatches.map((d) => d.answeredAt);
    },
    dispatches: () => github.dispatches.map((d) => ({ workflow: d.workflow, ref: d.ref, inputs: d.inputs })),
  };
}
