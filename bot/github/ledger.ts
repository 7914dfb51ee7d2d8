/**
 * What the GitHub side remembers in the release store, each write a unique insert (the
 * compare-and-set that holds on FerretDB and MongoDB alike):
 * - `github_deliveries`: webhook delivery ids seen — a redelivery (same X-GitHub-Delivery) changes nothing;
 * - `github_runs`: which workflow run belongs to which release (written by the release action);
 * - `github_rules`: protection rules waiting for a decision, and `github_rule_decisions` (one per rule);
 * - `github_dispatches`: promote.yml dispatched once per (release, digest).
 */
import type { Db } from 'mongodb';

const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000;

/** True the first time a delivery id is seen; false for a redelivery. */
export async function claimDelivery(db: Db, delivery: { id: string; event: string }): Promise<boolean> {
  try {
    await db.collection<{ _id: string; event: string; at: Date }>('github_deliveries').insertOne({ _id: delivery.id, event: delivery.event, at: new Date() });
    return true;
  } catch (err) {
    if (isDuplicate(err)) return false;
    throw err;
  }
}

export async function forgetDelivery(db: Db, id: string): Promise<void> {
  await db.collection<{ _id: string }>('github_deliveries').deleteOne({ _id: id });
}

export interface RunLink { _id: string; repo: string; runId: number; release: string; workflow?: string; at: Date }

export async function linkRunToRelease(db: Db, link: { repo: string; runId: number; release: string; workflow?: string }): Promise<void> {
  const doc: RunLink = { _id: `${link.repo}#${link.runId}`, ...link, at: new Date() };
  try {
    await db.collection<RunLink>('github_runs').insertOne(doc);
  } catch (err) {
    if (!isDuplicate(err)) throw err;
  }
}

export async function releaseOfRun(db: Db, repo: string, runId: number): Promise<string | undefined> {
  return (await db.collection<RunLink>('github_runs').findOne({ _id: `${repo}#${runId}` }))?.release;
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
  try {
    await db.collection<PendingRule>('github_rules').insertOne(doc);
  } catch (err) {
    if (!isDuplicate(err)) throw err;
  }
  return doc;
}

export async function undecidedRules(db: Db, release?: string): Promise<PendingRule[]> {
  const rules = await db.collection<PendingRule>('github_rules').find(release ? { release } : {}).sort({ at: 1 }).limit(200).toArray();
  const decided = new Set((await db.collection<{ _id: string }>('github_rule_decisions').find({ _id: { $in: rules.map((r) => r._id) } }).toArray()).map((d) => d._id));
  return rules.filter((r) => !decided.has(r._id));
}

/** Claims the one decision of a rule; false when it was already decided. */
export async function claimRuleDecision(db: Db, ruleId: string, state: 'approved' | 'rejected'): Promise<boolean> {
  try {
    await db.collection<{ _id: string; state: string; at: Date }>('github_rule_decisions').insertOne({ _id: ruleId, state, at: new Date() });
    return true;
  } catch (err) {
    if (isDuplicate(err)) return false;
    throw err;
  }
}

export async function releaseRuleDecision(db: Db, ruleId: string): Promise<void> {
  await db.collection<{ _id: string }>('github_rule_decisions').deleteOne({ _id: ruleId });
}

/** Claims the promote dispatch of (release, digest); false when it was already sent. */
export async function claimDispatch(db: Db, release: string, digest: string): Promise<boolean> {
  try {
    await db.collection<{ _id: string; at: Date }>('github_dispatches').insertOne({ _id: `${release}:${digest}`, at: new Date() });
    return true;
  } catch (err) {
    if (isDuplicate(err)) return false;
    throw err;
  }
}

export async function forgetDispatch(db: Db, release: string, digest: string): Promise<void> {
  await db.collection<{ _id: string }>('github_dispatches').deleteOne({ _id: `${release}:${digest}` });
}

export async function dispatchSent(db: Db, release: string, digest: string): Promise<boolean> {
  return (await db.collection<{ _id: string }>('github_dispatches').countDocuments({ _id: `${release}:${digest}` })) > 0;
}
