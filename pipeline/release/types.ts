/** The release record: the state that the CLI, the bot and GitHub Actions share (DESIGN.md). */
import type { GateResult } from '../gates/types.ts';

export type StageStatus = 'pending' | 'running' | 'passed' | 'failed' | 'error' | 'skipped';
export type ReleaseStatus = 'running' | 'awaiting_approval' | 'succeeded' | 'failed' | 'rejected' | 'rolled_back';
export const FINAL_STATUSES: readonly ReleaseStatus[] = ['succeeded', 'failed', 'rejected', 'rolled_back'];

/** Who acted, on which side. For `cli`, the id is the person's configured name. */
export interface Identity {
  via: 'cli' | 'slack' | 'github';
  id: string;
}

export interface StageRecord {
  /** `<env>/<name>`, e.g. "production/cutover". */
  key: string;
  env: string;
  name: string;
  status: StageStatus;
  startedAt?: string;
  finishedAt?: string;
  result?: GateResult;
}

export interface ApprovalRecord {
  person: string;
  identity: Identity;
  at: string;
  expiresAt: string;
  /** The release digest this approval is bound to. */
  digest: string;
}

/** What production's pending migrations would do, shown to approvers (from `migrate plan`). */
export interface TargetPlanSummary {
  env: string;
  digest: string;
  pending: string[];
  lines: string[];
  approximate: boolean;
  irreversible: string[];
  breaking: string[];
}

/** An approver let the release start while a deploy window on its path was closed (window-policy.ts). */
export interface BreakGlassRecord {
  person: string;
  identity: Identity;
  reason: string;
  at: string;
  /** The closed windows it was broken for: environment, rule (with its reason), next open time. */
  rules: { env: string; rule: string; nextOpen: string | null }[];
}

/** What the provider needs to find a deployment again (its logs, for evidence): JSON-safe. */
export interface DeploymentRef {
  provider: string;
  id: string;
  startedAt: string;
  data: Record<string, string | number | boolean | null>;
}

export interface ReleaseRecord {
  _id: string;
  repo: string;
  sha: string;
  ref: string;
  version: string;
  /** Environments in release order, e.g. ["staging", "production"]. */
  path: string[];
  target: string;
  requester: { person?: string; identity: Identity };
  status: ReleaseStatus;
  stages: StageRecord[];
  targetPlan?: TargetPlanSummary;
  /** Digest of (sha, target, target plan digest, gate results) once approval is asked for. */
  digest?: string;
  approvals: ApprovalRecord[];
  breakGlass?: BreakGlassRecord;
  rejection?: { person: string; identity: Identity; at: string; reason: string };
  /** One line: why the release failed or was rolled back. */
  reason?: string;
  /** Per env: where the release deployed it (slot, url). */
  deployments: Record<string, { slot?: string; url: string; previousUrl?: string; previousSlot?: string; ref?: DeploymentRef }>;
  /** Per env: the backup database taken before its migrations. */
  backups?: Record<string, string>;
  owner?: { host: string; pid: number };
  rev: number;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
}
