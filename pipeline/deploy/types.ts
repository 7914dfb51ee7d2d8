/**
 * Deploy providers (DESIGN.md): a small interface; adding a provider is one module and one line
 * in deploy/registry.ts. A provider deploys a version of the app to an environment (and, for
 * blue/green, to a slot), reports where it answers, and can stop or roll back what it deployed.
 */
export interface DeployRequest {
  env: string;
  /** Blue/green slot to deploy into (production); absent for single-slot environments. */
  slot?: string;
  version: string;
  sha: string;
  /** Environment variables the app gets (MONGODB_URI, …). Values may be secrets: never log them. */
  appEnv: Record<string, string>;
  signal?: AbortSignal;
  progress?: (message: string) => void;
}

export interface Deployment {
  provider: string;
  env: string;
  slot?: string;
  version: string;
  /** Provider's own id (Railway deployment id, a pid, …). */
  id: string;
  /** Base URL where this deployment answers directly (not through DNS). */
  url: string;
  startedAt: string;
  /** Provider-specific, JSON-safe data needed to stop/roll back later (resumable across processes). */
  data: Record<string, string | number | boolean | null>;
}

/** The recent log lines of a deployment (evidence when a stage fails). Redacted before anyone sees them. */
export interface LogTail {
  /** Where the lines came from, e.g. "log file .shipgate/logs/staging.log" or "Railway deploymentLogs". */
  source: string;
  lines: string[];
}

/** A custom domain attached to a service on the platform (Railway), and whether the platform verified it. */
export interface AttachedDomain {
  domain: string;
  serviceId: string;
  verified: boolean;
  /** The platform's word on why it is not verified yet (DNS record missing, certificate pending). */
  detail?: string;
}

export type DeploymentState = 'starting' | 'running' | 'failed' | 'stopped' | 'unknown';

export interface DeployProvider {
  readonly name: string;
  deploy(req: DeployRequest): Promise<Deployment>;
  status(d: Deployment): Promise<{ state: DeploymentState; detail?: string }>;
  url(d: Deployment): string;
  /** Stops a deployment (idle slot after the rollback window; a failed deploy). */
  stop(d: Deployment): Promise<void>;
  /** Returns the environment to the deployment before `d`, where the platform supports it. */
  rollback?(d: Deployment): Promise<void>;
  /** The last `lines` lines of a deployment's logs (deploy and build), for failure evidence. */
  logs?(d: Deployment, opts: { lines: number; signal?: AbortSignal }): Promise<LogTail>;
  /**
   * The variables the app will start with on the target (Railway: the service's variables in the
   * environment). Values are secrets: used for checks only, never printed, stored or sent.
   */
  variables?(opts: { signal?: AbortSignal; slot?: string }): Promise<Record<string, string>>;
  /** Custom domains attached to the environment's service(s) (one per slot service). */
  customDomains?(opts: { signal?: AbortSignal }): Promise<AttachedDomain[]>;
}
