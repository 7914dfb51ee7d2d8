/**
 * Assembles a release system from config, env vars and a store: the environments' runtimes
 * (databases, providers, DNS), the gates, and the stage list — the one wiring that the CLI, the
 * bot and the GitHub actions share.
 */
import type { MongoClient } from 'mongodb';
import { hostname } from 'node:os';
import { isPidAlive } from '../local/process-group.ts';
import type { ShipgateConfig } from '../config/schema.ts';
import { releasePath, environmentByName } from '../config/lookup.ts';
import { resolveEnvSecret, type EnvVars } from '../config/secrets.ts';
import { connectMongo, dbNameFromUri, mongoUriWithDb } from '../mongo/connect.ts';
import { openMigrationTarget, type MigrationTarget } from '../migrate/target.ts';
import { planDigest } from '../migrate/plan.ts';
import { runnableStatus } from '../migrate/status.ts';
import { AuditLog } from './audit.ts';
import { ReleaseStore, newReleaseId } from './store.ts';
import type { ApprovalPolicy } from './approvals.ts';
import { assertMayRelease } from './authorize.ts';
import { assertEnvironmentFree } from './locks.ts';
import { initialStages, type RunnerDeps, type StageSpec } from './runner.ts';
import { deployProviderFor, dnsFor, type ProviderContext } from './providers.ts';
import { migrateStages, planEnvironment, summarizePlan } from './stages/migrate.ts';
import { cutoverStages, deployStage, verifyStage } from './stages/deploy.ts';
import type { EnvironmentRuntime, StageWiring } from './stages/runtime.ts';
import { buildGates } from './gates.ts';
import type { Identity, ReleaseRecord } from './types.ts';

export interface ReleaseSystemOptions {
  config: ShipgateConfig;
  env: EnvVars;
  repoRoot: string;
  localStateDir: string;
  storeClient: MongoClient;
  storeDbName?: string;
  /** Who runs this process (changelog `appliedBy`, lock owners). */
  actor: string;
  repo?: string;
}

export interface ReleaseSystem {
  config: ShipgateConfig;
  store: ReleaseStore;
  audit: AuditLog;
  policy: ApprovalPolicy;
  runtimes: Record<string, EnvironmentRuntime>;
  stages: StageSpec[];
  runnerDeps(hooks: Pick<RunnerDeps, 'waitForApproval' | 'onUpdate' | 'signal'>): RunnerDeps;
  createRelease(req: { to: string; ref: string; sha: string; version: string; requester: Identity; slackGroups?: string[] }): Promise<ReleaseRecord>;
  close(): Promise<void>;
}

export function approvalPolicy(config: ShipgateConfig): ApprovalPolicy {
  return {
    people: config.people,
    approvers: config.approval?.approvers ?? [],
    minApprovals: config.approval?.minApprovals ?? 1,
    expiresAfterMs: config.approval?.expiresAfter ?? 4 * 3600_000,
  };
}

export async function buildReleaseSystem(opts: ReleaseSystemOptions): Promise<ReleaseSystem> {
  const { config } = opts;
  const db = opts.storeClient.db(opts.storeDbName ?? 'shipgate');
  const store = new ReleaseStore(db);
  await store.init();
  const audit = new AuditLog(db);
  const policy = approvalPolicy(config);
  const ctx: ProviderContext = { config, env: opts.env, repoRoot: opts.repoRoot, localStateDir: opts.localStateDir };
  const clients: MongoClient[] = [];

  const runtimes: Record<string, EnvironmentRuntime> = {};
  for (const name of releasePath(config)) {
    const e = environmentByName(config, name);
    let uri: string | undefined;
    let target: Promise<MigrationTarget> | undefined;
    const dbUri = () => {
      uri ??= resolveEnvSecret(opts.env, e.database.uriEnv, `MongoDB connection string of ${name}`);
      const dbName = e.database.name ?? dbNameFromUri(uri, `${config.app.name}${name}`.replace(/[^A-Za-z0-9]/g, ''));
      return { uri, dbName };
    };
    runtimes[name] = {
      name,
      protected: e.protected,
      backup: e.database.backup,
      ...('slots' in e.deploy && e.deploy.slots ? { slots: e.deploy.slots } : {}),
      deploy: deployProviderFor(name, e.deploy, ctx),
      ...(e.dns ? { dns: dnsFor(name, e.dns, ctx) } : {}),
      appEnv: () => {
        const { uri: u, dbName } = dbUri();
        return { MONGODB_URI: mongoUriWithDb(u, dbName) };
      },
      migrationTarget: () =>
        (target ??= (async () => {
          const { uri: u, dbName } = dbUri();
          const client = await connectMongo(u, { source: e.database.uriEnv, timeoutMs: 10_000 });
          clients.push(client);
          return openMigrationTarget({ client, dbName, dir: config.migrations.dir, changelogCollection: config.migrations.changelogCollection, label: name });
        })()),
    };
  }

  const wiring: StageWiring = { environments: runtimes, gates: buildGates(config, opts.repoRoot), actor: opts.actor };
  const stages: StageSpec[] = [];
  for (const name of releasePath(config)) {
    const rt = runtimes[name]!;
    stages.push(...migrateStages(rt, wiring, policy));
    stages.push(deployStage(rt, () => lastLive(store, rt.name)));
    const { health, smoke, load } = wiring.gates;
    if (health) stages.push(verifyStage(rt, health));
    if (smoke) stages.push(verifyStage(rt, smoke));
    if (load && !rt.protected) stages.push(verifyStage(rt, load));
    stages.push(...cutoverStages(rt, wiring, audit));
  }

  return {
    config, store, audit, policy, runtimes, stages,
    runnerDeps: (hooks) => ({
      store, audit, policy, stages,
      isProtected: (env) => runtimes[env]?.protected ?? true,
      isOwnerDead: isOwnerDeadHere,
      planTarget: async (release) => summarizePlan(release.target, await planEnvironment(runtimes[release.target]!)),
      targetPlanDigest: async (release) => {
        const target = await runtimes[release.target]!.migrationTarget();
        return planDigest(target, (await runnableStatus(target)).pending);
      },
      ...hooks,
    }),
    async createRelease(req) {
      const path = releasePath(config);
      const end = path.indexOf(req.to);
      if (end < 0) environmentByName(config, req.to); // throws naming the known environments
      const releasePathTo = path.slice(0, end + 1);
      const person = assertMayRelease({ people: config.people, environments: config.environments, path: releasePathTo, identity: req.requester, ...(req.slackGroups ? { slackGroups: req.slackGroups } : {}) });
      for (const env of releasePathTo) await assertEnvironmentFree(db, env);
      const release = await store.create({
        _id: newReleaseId(), repo: opts.repo ?? config.app.name, sha: req.sha, ref: req.ref, version: req.version,
        path: releasePathTo, target: req.to,
        requester: { ...(person ? { person: person.name } : {}), identity: req.requester },
        status: 'running', stages: initialStages(stages, releasePathTo), approvals: [], deployments: {},
      });
      await audit.append({ type: 'release.requested', release: release._id, env: req.to, actor: req.requester, data: { version: req.version, sha: req.sha, ref: req.ref, path: releasePathTo } });
      return release;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    },
  };
}

/** A release's previous owner is known dead only when it ran on this host and its pid is gone. */
export function isOwnerDeadHere(owner: { host: string; pid: number }): boolean {
  return owner.host === hostname() && !isPidAlive(owner.pid);
}

/** Where the last successful release put the environment live (slot and URL), if any. */
async function lastLive(store: ReleaseStore, env: string): Promise<{ slot?: string; url: string } | undefined> {
  const [last] = await store.releases.find({ target: env, status: 'succeeded' }).sort({ finishedAt: -1 }).limit(1).toArray();
  return last?.deployments[env];
}
