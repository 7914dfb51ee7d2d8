/**
 * What the stages of one environment need, resolved once at the edge (from config, env vars and
 * providers) by pipeline/release/factory.ts. Stages never read config or process.env.
 */
import type { DeployProvider } from '../../deploy/types.ts';
import type { ReleaseGates } from '../gates.ts';
import type { DnsProvider } from '../../dns/types.ts';
import type { MigrationTarget } from '../../migrate/target.ts';

export interface EnvironmentRuntime {
  name: string;
  protected: boolean;
  /** Opens (once) the environment's database as a migration target. */
  migrationTarget(): Promise<MigrationTarget>;
  /** Environment variables the deployed app gets (MONGODB_URI …). Secret values. */
  appEnv(): Record<string, string>;
  /** The environment's database name (from the config or its URI); a health body naming another one fails. */
  dbName(): string;
  /**
   * The environment's deploy provider, built on first read (and kept): its secrets are needed only
   * when a stage of this environment deploys. A missing one fails that stage (SHIPGATE_ENV_MISSING).
   */
  readonly deploy: DeployProvider;
  slots?: readonly string[];
  /** Public host switched at go-live. `provider` is built on first read, like `deploy`; the rest comes from the config. */
  dns?: { provider: DnsProvider; host: string; publicUrl: string; targetFor(url: string): string; urlFor(target: string): string };
  backup: boolean;
}

export interface StageWiring {
  environments: Record<string, EnvironmentRuntime>;
  gates: ReleaseGates;
  /** Who runs the release process (for migration changelog and locks). */
  actor: string;
}
