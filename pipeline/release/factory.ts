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
import type { DeployProvider } from '../deploy/types.ts';
import { inRepo } from '../repo.ts';
import { toShipgateError } from '../errors.ts';
import { buildGates } from './gates.ts';
import { preflightStage } from '../preflight/index.ts';
import { closedOnPath, decideWindows, describeBreakGlass, windowClosedError } from './window-policy.ts';
import type { Identity, ReleaseRecord } from './types.ts';

export interface ReleaseSystemOptions {
  config: ShipgateConfig;
  env: EnvVars;
  /** The user's repository (findWorkspace().root): the config's relative paths resolve against it. */
  repoRoot: string;
  localStateDir: string;
  storeClient: MongoClient;
  storeDbName?: string;
  /** Who runs this process (changelog `appliedBy`, lock owners). */
  actor: string;
  repo?: string;
  /** The clock deploy windows are judged by (tests move it); default: the system clock. */
  now?: () => Date;
}

export interface ReleaseSystem {
  config: ShipgateConfig;
  store: ReleaseStore;
  audit: AuditLog;
  policy: ApprovalPolicy;
  runtimes: Record<string, EnvironmentRuntime>;
  stages: StageSpec[];
  /** The clock deploy windows are judged by (ReleaseSystemOptions.now). */
  now(): Date;
  runnerDeps(hooks: Pick<RunnerDeps, 'waitForApproval' | 'onUpdate' | 'signal'>): RunnerDeps;
  /** `breakGlass`: an approver starts it while a deploy window on the path is closed (window-policy.ts). */
  createRelease(req: { to: string; ref: string; sha: string; version: string; requester: Identity; slackGroups?: string[]; breakGlass?: { reason: string } }): Promise<ReleaseRecord>;
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
  const now = opts.now ?? (() => new Date());
  const { runtimes, close: closeRuntimes } = buildEnvironmentRuntimes(opts);

  const wiring: StageWiring = { environments: runtimes, gates: buildGates(config, opts.repoRoot), actor: opts.actor };
  const stages: StageSpec[] = [];
  for (const name of releasePath(config)) {
    const rt = runtimes[name]!;
    const envStages: StageSpec[] = [];
    // Preflight first: read-only checks before anything of this environment is touched (docs/preflight.md).
    if (config.preflight.enabled) envStages.push(preflightStage(name, { config, vars: opts.env, repoRoot: opts.repoRoot, runtimes }));
    envStages.push(...migrateStages(rt, wiring, policy));
    envStages.push(deployStage(rt, () => lastLive(store, rt.name)));
    const { health, smoke, load } = wiring.gates;
    if (health) envStages.push(verifyStage(rt, health));
    if (smoke) envStages.push(verifyStage(rt, smoke));
    if (load && !rt.protected) envStages.push(verifyStage(rt, load));
    envStages.push(...cutoverStages(rt, wiring, audit));
    const firstWrite = envStages.find((spec) => spec.writes);
    stages.push(...envStages.map((spec) => (spec.writes ? providersFirst(rt, spec === firstWrite ? windowFirst(config, spec, now) : spec) : spec)));
  }

  return {
    config, store, audit, policy, runtimes, stages, now,
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
      const breakGlass = decideWindows({ config, path: releasePathTo, identity: req.requester, at: now(), ...(req.breakGlass ? { breakGlass: req.breakGlass } : {}) });
      const release = await store.create({
        _id: newReleaseId(), repo: opts.repo ?? config.app.name, sha: req.sha, ref: req.ref, version: req.version,
        path: releasePathTo, target: req.to,
        requester: { ...(person ? { person: person.name } : {}), identity: req.requester },
        status: 'running', stages: initialStages(stages, releasePathTo), approvals: [], deployments: {},
        ...(breakGlass ? { breakGlass } : {}),
      });
      await audit.append({ type: 'release.requested', release: release._id, env: req.to, actor: req.requester, data: { version: req.version, sha: req.sha, ref: req.ref, path: releasePathTo } });
      if (breakGlass) await audit.append({ type: 'release.break_glass', release: release._id, env: req.to, actor: req.requester, data: { person: breakGlass.person, reason: breakGlass.reason, rules: breakGlass.rules } });
      return release;
    },
    close: closeRuntimes,
  };
}

/**
 * Every environment's runtime (database, providers, DNS), built from config and env vars alone —
 * no store: `shipgate doctor` uses it as it is. Providers are built on first use; `close` closes
 * the database clients and providers that were opened.
 */
export function buildEnvironmentRuntimes(opts: Pick<ReleaseSystemOptions, 'config' | 'env' | 'repoRoot' | 'localStateDir'>): { runtimes: Record<string, EnvironmentRuntime>; close(): Promise<void> } {
  const { config } = opts;
  const ctx: ProviderContext = { config, env: opts.env, repoRoot: opts.repoRoot, localStateDir: opts.localStateDir };
  const clients: MongoClient[] = [];

  // Providers are built when their environment is first used, never up front: a staging job has
  // only staging's secrets, and `status` none. Those built are closed with the system.
  const built: object[] = [];
  const onBuilt = (p: object) => void built.push(p);
  const migrationsDir = inRepo({ root: opts.repoRoot }, config.migrations.dir);
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
    let deploy: DeployProvider | undefined;
    const rt: EnvironmentRuntime = {
      name,
      protected: e.protected,
      backup: e.database.backup,
      ...('slots' in e.deploy && e.deploy.slots ? { slots: e.deploy.slots } : {}),
      get deploy() {
        if (!deploy) {
          deploy = deployProviderFor(name, e.deploy, ctx);
          onBuilt(deploy);
        }
        return deploy;
      },
      ...(e.dns ? { dns: dnsFor(name, e.dns, ctx, onBuilt) } : {}),
      appEnv: () => {
        const { uri: u, dbName } = dbUri();
        return { ...mappedAppEnv(name, e.deploy, opts.env), MONGODB_URI: mongoUriWithDb(u, dbName) };
      },
      dbName: () => dbUri().dbName,
      migrationTarget: () =>
        (target ??= (async () => {
          const { uri: u, dbName } = dbUri();
          const client = await connectMongo(u, { source: e.database.uriEnv, timeoutMs: 10_000 });
          clients.push(client);
          return openMigrationTarget({ client, dbName, dir: migrationsDir, changelogCollection: config.migrations.changelogCollection, label: name });
        })()),
    };
    runtimes[name] = rt;
  }

  return {
    runtimes,
    async close() {
      await Promise.all([
        ...clients.map((c) => c.close().catch(() => undefined)),
        // Only providers that were built; none of today's holds a connection, a future one may.
        ...built.map(async (p) => {
          const close = (p as { close?: unknown }).close;
          if (typeof close === 'function') await Promise.resolve(close.call(p)).catch(() => undefined);
        }),
      ]);
    },
  };
}

/**
 * A stage that writes to env first builds env's providers: a missing provider secret (say production's
 * Cloudflare token) fails the release before the first write there — its backup or migrations — not
 * half-way, after the database changed. Fail closed: the stage errs with SHIPGATE_ENV_MISSING naming
 * the variable and the environment; it is never skipped.
 */
function providersFirst(rt: EnvironmentRuntime, spec: StageSpec): StageSpec {
  return {
    ...spec,
    async run(ctx) {
      const startedAt = new Date().toISOString();
      try {
        void rt.deploy;
        void rt.dns?.provider;
      } catch (err) {
        const e = toShipgateError(err);
        return { gate: spec.name, status: 'error', summary: `${e.code}: ${e.message}${e.hint ? ` — ${e.hint}` : ''}`, details: '', metrics: {}, startedAt, durationMs: 0 };
      }
      return spec.run(ctx);
    },
  };
}

/**
 * The deploy window, checked again right before the first stage that writes to its environment:
 * production may run hours after the request (approval waits). Closed meanwhile and no glass broken
 * on the release → the stage fails with SHIPGATE_WINDOW_CLOSED before anything is written there.
 */
function windowFirst(config: ShipgateConfig, spec: StageSpec, now: () => Date): StageSpec {
  if (!Object.hasOwn(config.policy.windows, spec.env)) return spec;
  return {
    ...spec,
    async run(ctx) {
      const at = now();
      const [closed] = closedOnPath(config, [spec.env], at);
      if (closed && !ctx.release.breakGlass) {
        const e = windowClosedError(spec.env, closed.verdict);
        return { gate: spec.name, status: 'failed', summary: `${e.code}: ${e.message}`, details: e.hint ?? '', metrics: {}, startedAt: at.toISOString(), durationMs: 0 };
      }
      if (closed && ctx.release.breakGlass) ctx.progress(`${spec.env} is closed (${closed.verdict.rule.label}); ${describeBreakGlass(ctx.release.breakGlass)}`);
      return spec.run(ctx);
    },
  };
}

/**
 * The app variables a `process` deploy maps from Shipgate's own environment (`deploy.env`:
 * { JWT_SECRET: STAGING_JWT_SECRET }). A mapped variable that is unset fails with SHIPGATE_ENV_MISSING
 * naming it (preflight reports it first, with every other missing one).
 */
export function mappedAppEnv(envName: string, deploy: ShipgateConfig['environments'][string]['deploy'], vars: EnvVars): Record<string, string> {
  if (deploy.provider !== 'process' || !deploy.env) return {};
  return Object.fromEntries(Object.entries(deploy.env).map(([appVar, from]) => [appVar, resolveEnvSecret(vars, from, `${appVar} of the app on ${envName}`)]));
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
