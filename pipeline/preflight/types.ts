/**
 * Preflight (docs/preflight.md): read-only checks run first on every environment and by
 * `shipgate doctor`. Each check is a measurement (I/O, under its own time limit) followed by a pure
 * evaluation (STYLE.md's Argo habit): the evaluations are exported and tested on their own, and
 * the runner turns a check that throws or does not answer in time into a failure (fail closed).
 *
 * Values of variables and secrets are measured only to be judged: a verdict names variables,
 * never their values.
 */
import type { ShipgateConfig } from '../config/schema.ts';
import type { EnvVars } from '../config/secrets.ts';
import type { EnvironmentRuntime } from '../release/stages/runtime.ts';

export type CheckStatus = 'passed' | 'failed' | 'skipped' | 'error';

export interface CheckVerdict {
  /** Stable id, e.g. "required-env". */
  id: string;
  /** What was checked, e.g. "required variables on production". */
  title: string;
  status: CheckStatus;
  /** One line: what was found (passed), what is wrong (failed/error) or why it did not apply (skipped). */
  summary: string;
  /** What to do about a failure. */
  fix?: string;
  durationMs?: number;
}

/** What a verdict's evaluation returns; the runner adds id, title and duration. */
export type Finding = Omit<CheckVerdict, 'id' | 'title' | 'durationMs'>;

export interface PreflightContext {
  config: ShipgateConfig;
  /** The environment checked. */
  env: string;
  /** Shipgate's own environment (where the `*Env` settings of the config are read). */
  vars: EnvVars;
  /** The user's repository: .env.example, package.json and the migrations resolve against it. */
  repoRoot: string;
  /** Every environment of the release path (providers are built on first use). */
  runtimes: Record<string, EnvironmentRuntime>;
  /** Aborted when the check's time limit is up. */
  signal: AbortSignal;
  now: Date;
  /** Extra trusted CA certificates (PEM) for the TLS check, e.g. a company CA. */
  tlsCa?: string;
}

export interface PreflightCheck {
  id: string;
  title(env: string): string;
  run(ctx: PreflightContext): Promise<Finding>;
}

export const passed = (summary: string): Finding => ({ status: 'passed', summary });
export const skipped = (summary: string, fix?: string): Finding => ({ status: 'skipped', summary, ...(fix ? { fix } : {}) });
export const failed = (summary: string, fix: string): Finding => ({ status: 'failed', summary, fix });
