/**
 * What the GitHub side remembers in the release store, each write a unique insert (the
 * compare-and-set that holds on FerretDB and MongoDB alike):
 * - `github_deliveries`: webhook delivery ids seen — a redelivery (same X-GitHub-Delivery) changes nothing;
 * - `github_runs`: which workflow run belongs to which release (written by the release action);
 * - `github_bindings`: the repository and installation a release's GitHub events come from (set by
 *   the first event that matches the release's repository; every later event must match it);
 * - `github_rules`: protection rules waiting for a decision, `github_rule_evidence` (status reports
 *   posted once per rule) and `github_rule_decisions` (one per rule);
 * - `github_dispatches`: promote.yml dispatched once per (release, digest).
 */
import type { Db } from 'mongodb';
import { insertOnce } from '../../pipeline/mongo/insert-once.ts';

/** True the first time a delivery id is seen; false for a redelivery. */
export async function claimDelivery(db: Db, delivery: { id: string; event: string }): Promise<boolean> {
  return insertOnce(db.collection<{ _id: string; event: string; at: Date }>('github_deliveries'), { _id: delivery.id, event: delivery.event, at: new Date() });
}

export async function forgetDelivery(db: Db, id: string): Promise<void> {
  await db.collection<{ _id: string }>('github_deliveries').deleteOne({ _id: id });
}

export interface RunLink { _id: string; repo: string; runId: number; release: string; workflow?: string; at: Date }

export async function linkRunToRelease(db: Db, link: { repo: string; runId: number; release: string; workflow?: string }): Promise<void> {
  const doc: RunLink = { _id: `${link.repo}#${link.runId}`, ...link, at: new Date() };
  await insertOnce(db.collection<RunLink>('github_runs'), doc);
}

export async function releaseOfRun(db: Db, repo: string, runId: number): Promise<string | undefined> {
  return (await db.collection<RunLink>('github_runs').findOne({ _id: `${repo}#${runId}` }))?.release;
}

export interface ReleaseBinding { _id: string; repo: string; installationId: number; at: Date }

/**
 * Binds a release to the installation of its first GitHub event (a unique insert); answers the
 * binding in force, which may be another installation's — the caller compares.
 */
export async function bindReleaseInstallation(db: Db, b: { release: string; repo: string; installationId: number }): Promise<ReleaseBinding> {
  const doc: ReleaseBinding = { _id: b.release, repo: b.repo, installationId: b.installationId, at: new Date() };
  if (await insertOnce(db.collection<ReleaseBinding>('github_bindings'), doc)) return doc;
  const bound = await db.collection<ReleaseBinding>('github_bindings').findOne({ _id: b.release });
  if (!bound) throw new Error(`binding of ${b.release} vanished`);
  return bound;
}

export async function bindingOf(db: Db, release: string): Promise<ReleaseBinding | undefined> {
  return (await db.collection<ReleaseBinding>('github_bindings').findOne({ _id: release })) ?? undefined;
}

/** Claims the posting of a rule's evidence (status reports, the Slack request); false when done already. */
export async function claimRuleEvidence(db: Db, ruleId: string): Promise<boolean> {
  return insertOnce(db.collection<{ _id: string; at: Date }>('github_rule_evidence'), { _id: ruleId, at: new Date() });
}

export async function forgetRuleEvidence(db: Db, ruleId: string): Promise<void> {
  await db.collection<{ _id: string }>('github_rule_evidence').deleteOne({ _id: ruleId });
}

export interface PendingRule {
  _id: string;
  release: string;
  owner: string;
  repo: string;
  runId: number;
  environment: string;
  installationId?: number;
  at: Date;
}

export async function rememberRule(db: Db, rule: Omit<PendingRule, '_id' | 'at'>): Promise<PendingRule> {
  const doc: PendingRule = { _id: `${rule.owner}/${rule.repo}#${rule.runId}:${rule.environment}`, ...rule, at: new Date() };
  await insertOnce(db.collection<PendingRule>('github_rules'), doc);
  return doc;
}

export async function undecidedRules(db: Db, release?: string): Promise<PendingRule[]> {
  const rules = await db.collection<PendingRule>('github_rules').find(release ? { release } : {}).sort({ at: 1 }).limit(200).toArray();
  const decided = new Set((await db.collection<{ _id: string }>('github_rule_decisions').find({ _id: { $in: rules.map((r) => r._id) } }).toArray()).map((d) => d._id));
  return rules.filter((r) => !decided.has(r._id));
}

/** Claims the one decision of a rule; false when it was already decided. */
export async function claimRuleDecision(db: Db, ruleId: string, state: 'approved' | 'rejected'): Promise<boolean> {
  return insertOnce(db.collection<{ _id: string; state: string; at: Date }>('github_rule_decisions'), { _id: ruleId, state, at: new Date() });
}

export async function releaseRuleDecision(db: Db, ruleId: string): Promise<void> {
  await db.collection<{ _id: string }>('github_rule_decisions').deleteOne({ _id: ruleId });
}

/** Claims the promote dispatch of (release, digest); false when it was already sent. */
export async function claimDispatch(db: Db, release: string, digest: string): Promise<boolean> {
  return insertOnce(db.collection<{ _id: string; at: Date }>('github_dispatches'), { _id: `${release}:${digest}`, at: new Date() });
}

export async function forgetDispatch(db: Db, release: string, digest: string): Promise<void> {
  await db.collection<{ _id: string }>('github_dispatches').deleteOne({ _id: `${release}:${digest}` });
}

export async function dispatchSent(db: Db, release: string, digest: string): Promise<boolean> {
  return (await db.collection<{ _id: string }>('github_dispatches').countDocuments({ _id: `${release}:${digest}` })) > 0;
}
