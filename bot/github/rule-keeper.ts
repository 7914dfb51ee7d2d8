/**
 * The production environment's custom deployment protection rule, and the promote dispatch of the
 * any-plan mode — both driven by the release record, never by the webhook alone:
 * - a rule request for a release whose staging gates did not all pass is rejected at once;
 * - otherwise the evidence (gates, migration plan) is posted as status reports, Slack is asked,
 *   and the rule is approved only once an approval valid for the release's CURRENT digest is
 *   recorded (a new migration after approval makes it stale: rejected, start a new release);
 * - a rejection in Slack or the CLI rejects the rule the same way;
 * - in dispatch mode, a completed approval dispatches promote.yml for the release, once per digest.
 * Each rule is decided once (a unique insert), and its evidence posted once, per (repository, run,
 * environment), whatever the number of deliveries, bot replicas or pollers. Only rules from the
 * release's own repository and installation are linked to it or decided for it (binding.ts).
 */
import type { Octokit } from '@octokit/rest';
import type { ReleaseSystem } from '../../pipeline/release/factory.ts';
import type { ReleaseRecord } from '../../pipeline/release/types.ts';
import { redactText } from '../../pipeline/secrets/redact.ts';
import type { ReleaseNotifier } from '../notify.ts';
import { approvalForCurrentDigest } from './approval-check.ts';
import { dispatchPromote } from './dispatch.ts';
import { approvalComment, failedGates, gatesReport, planReport, rejectionComment } from './evidence.ts';
import { approvalState } from '../../pipeline/release/approvals.ts';
import { checkEventOrigin, releaseRepository } from './binding.ts';
import { bindingOf, claimDispatch, claimRuleEvidence, dispatchSent, claimRuleDecision, forgetDispatch, forgetRuleEvidence, linkRunToRelease, releaseOfRun, releaseRuleDecision, rememberRule, undecidedRules, type PendingRule } from './ledger.ts';

export type RequestFn = (route: string, params?: Record<string, unknown>) => Promise<{ data: unknown }>;

export interface RuleKeeperDeps {
  system: Pick<ReleaseSystem, 'store' | 'policy' | 'runnerDeps'>;
  notifier: ReleaseNotifier;
  /** `dispatch` (any plan, default): an approval dispatches promote.yml. `protection-rule`: the rule on release.yml's production job is the gate. */
  mode: 'dispatch' | 'protection-rule';
  promoteWorkflow: string;
  /** False when another part of the bot dispatches promote.yml (the rules are still settled here). */
  dispatchPromote?: boolean;
  /** owner/name used when a release record's repo is not owner/name. */
  repository?: string;
  /** A client authenticated as the installation (by id), or as the installation of owner/repo. */
  installationClient(target: { installationId?: number; owner: string; repo: string }): Promise<{ request: RequestFn; octokit: unknown }>;
  log: { info(msg: string): void; warn(msg: string): void };
  now?: () => Date;
}

export interface RuleRequest {
  owner: string;
  repo: string;
  runId: number;
  environment: string;
  installationId?: number;
}

const RELEASE_ID = /\brel-\d{8}-\d{6}-[0-9a-f]{6}\b/;

export function runIdOfCallback(url: string): number | undefined {
  const m = /\/actions\/runs\/(\d+)\/deployment_protection_rule\/?$/.exec(url);
  return m ? Number(m[1]) : undefined;
}

export function createRuleKeeper(deps: RuleKeeperDeps) {
  const db = deps.system.store.db;
  const now = () => deps.now?.() ?? new Date();

  async function answer(rule: PendingRule, body: { state?: 'approved' | 'rejected'; comment: string }): Promise<void> {
    const { request } = await deps.installationClient({ ...(rule.installationId ? { installationId: rule.installationId } : {}), owner: rule.owner, repo: rule.repo });
    await request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule', {
      owner: rule.owner, repo: rule.repo, run_id: rule.runId, environment_name: rule.environment, ...body,
    });
  }

  async function decide(rule: PendingRule, state: 'approved' | 'rejected', comment: string, release: ReleaseRecord): Promise<void> {
    if (!(await claimRuleDecision(db, rule._id, state))) return;
    try {
      await answer(rule, { state, comment: redactText(comment) });
    } catch (err) {
      await releaseRuleDecision(db, rule._id);
      throw err;
    }
    deps.log.info(`protection rule ${rule._id} ${state} for ${release._id}`);
    await deps.notifier.releaseUpdated(release, { note: `GitHub ${rule.environment} protection rule ${state}` });
  }

  /** Approves, rejects or leaves the rule waiting, from what the release record says now. */
  async function settle(rule: PendingRule, release: ReleaseRecord): Promise<'approved' | 'rejected' | 'pending'> {
    if (release.target !== rule.environment) {
      await decide(rule, 'rejected', rejectionComment(release, `release targets ${release.target}, not ${rule.environment}`), release);
      return 'rejected';
    }
    const failed = failedGates(release);
    if (release.status === 'failed' || failed.length > 0) {
      const why = failed.length ? `staging gates did not all pass: ${failed.map((s) => `${s.key} ${s.status}${s.result?.summary ? ` (${s.result.summary})` : ''}`).join('; ')}` : release.reason ?? 'release failed';
      await decide(rule, 'rejected', rejectionComment(release, why), release);
      return 'rejected';
    }
    // Cheap first: without enough approvals for the recorded digest there is nothing to recompute.
    if (release.status === 'awaiting_approval' && !approvalState(release, deps.system.policy, release.digest, now()).approved) return 'pending';
    const check = await approvalForCurrentDigest(deps.system, release, now());
    if (check.ok) {
      await decide(rule, 'approved', approvalComment(release, check.approvals, check.digest), release);
      return 'approved';
    }
    if (check.final) {
      await decide(rule, 'rejected', rejectionComment(release, check.reason), release);
      return 'rejected';
    }
    return 'pending';
  }

  /** The release of the rule's run — only when the rule comes from its repository and installation. */
  async function findRelease(req: RuleRequest): Promise<ReleaseRecord | undefined> {
    const repo = `${req.owner}/${req.repo}`;
    let id = await releaseOfRun(db, repo, req.runId);
    let workflow: string | undefined;
    if (!id) {
      // promote.yml names its release in run-name: "promote rel-…".
      const { request } = await deps.installationClient({ ...(req.installationId ? { installationId: req.installationId } : {}), owner: req.owner, repo: req.repo });
      const run = (await request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', { owner: req.owner, repo: req.repo, run_id: req.runId })).data as { display_title?: string; name?: string };
      id = RELEASE_ID.exec(run.display_title ?? '')?.[0];
      workflow = run.name ?? 'promote';
    }
    const release = id ? await deps.system.store.find(id) : undefined;
    if (!release) return undefined;
    const origin = await checkEventOrigin(db, release, { repo, installationId: req.installationId }, deps.repository);
    if (!origin.ok) {
      deps.log.warn(`protection rule for run ${req.runId} not linked: ${origin.reason}`);
      return undefined;
    }
    if (workflow) await linkRunToRelease(db, { repo, runId: req.runId, release: release._id, workflow });
    return release;
  }

  /** The release's waiting rules that come from its own repository and installation. */
  async function rulesOf(release: ReleaseRecord): Promise<PendingRule[]> {
    const own: PendingRule[] = [];
    for (const rule of await undecidedRules(db, release._id)) {
      const origin = await checkEventOrigin(db, release, { repo: `${rule.owner}/${rule.repo}`, installationId: rule.installationId }, deps.repository);
      if (origin.ok) own.push(rule);
      else deps.log.warn(`protection rule ${rule._id} left alone: ${origin.reason}`);
    }
    return own;
  }

  return {
    /** A `deployment_protection_rule` (requested) delivery. */
    async onRuleRequested(req: RuleRequest): Promise<'approved' | 'rejected' | 'pending'> {
      const release = await findRelease(req);
      const rule = await rememberRule(db, { release: release?._id ?? 'unknown', owner: req.owner, repo: req.repo, runId: req.runId, environment: req.environment, ...(req.installationId ? { installationId: req.installationId } : {}) });
      if (!release) {
        if (await claimRuleDecision(db, rule._id, 'rejected')) {
          await answer(rule, { state: 'rejected', comment: `Rejected by Shipgate: no Shipgate release is linked to workflow run ${req.runId} (start releases with /deploy or release.yml; promote.yml needs the release id)` });
        }
        return 'rejected';
      }
      const outcome = await settle(rule, release);
      if (outcome !== 'pending') return outcome;
      // Once per (repository, run, environment): a second delivery of the same rule (new delivery
      // id, or another bot replica) finds the claim and posts nothing.
      if (!(await claimRuleEvidence(db, rule._id))) return 'pending';
      try {
        await answer(rule, { comment: gatesReport(release) });
        await answer(rule, { comment: planReport(release) });
      } catch (err) {
        await forgetRuleEvidence(db, rule._id);
        throw err;
      }
      await deps.notifier.approvalRequested(release);
      return 'pending';
    },

    /**
     * An approval or rejection was recorded (Slack calls this after approveRelease/rejectRelease;
     * the poll below catches CLI decisions). Settles the release's waiting rules; in dispatch mode
     * a completed approval starts promote.yml.
     */
    async onReleaseDecision(releaseId: string): Promise<void> {
      const release = await deps.system.store.get(releaseId);
      const rules = await rulesOf(release);
      for (const rule of rules) await settle(rule, release);
      if (deps.mode !== 'dispatch' || deps.dispatchPromote === false || rules.length > 0 || release.status !== 'awaiting_approval') return;
      const check = await approvalForCurrentDigest(deps.system, release, now());
      if (!check.ok || !(await claimDispatch(db, release._id, check.digest))) return;
      const [owner, repo] = (releaseRepository(release, deps.repository) ?? '').split('/');
      try {
        if (!owner || !repo) throw new Error(`release ${release._id} has repo "${release.repo}", not owner/name; set the bot's GitHub repository`);
        const bound = await bindingOf(db, release._id);
        const { octokit } = await deps.installationClient({ ...(bound ? { installationId: bound.installationId } : {}), owner, repo });
        await dispatchPromote(octokit as Octokit, { owner, repo, workflow: deps.promoteWorkflow, release: release._id });
      } catch (err) {
        await forgetDispatch(db, release._id, check.digest);
        throw err;
      }
      deps.log.info(`dispatched ${deps.promoteWorkflow} for ${release._id}`);
      await deps.notifier.releaseUpdated(release, { note: `approved: ${deps.promoteWorkflow} dispatched for production` });
    },

    /** One pass of the store poll: decisions recorded outside the bot (CLI). Cheap: reads only. */
    async pollDecisions(): Promise<void> {
      const ids = new Set<string>();
      for (const rule of await undecidedRules(db)) if (rule.release !== 'unknown') ids.add(rule.release);
      if (deps.mode === 'dispatch' && deps.dispatchPromote !== false) {
        for (const r of await deps.system.store.list({ active: true, limit: 50 })) {
          if (r.status === 'awaiting_approval' && approvalState(r, deps.system.policy, r.digest, now()).approved && !(await dispatchSent(db, r._id, r.digest ?? ''))) ids.add(r._id);
        }
      }
      for (const id of ids) {
        try {
          await this.onReleaseDecision(id);
        } catch (err) {
          deps.log.warn(`settling ${id} failed: ${redactText((err as Error).message)}`);
        }
      }
    },
  };
}

export type RuleKeeper = ReturnType<typeof createRuleKeeper>;
export { RELEASE_ID };
