/**
 * The two ways `/deploy <env>` starts a release (config `slack.mode`):
 * - local: the release engine runs in the bot's process (demo, tests): createRelease, then
 *   runRelease in the background; approval is waited for by watching the store, where the
 *   Approve/Reject handlers record decisions;
 * - github: the bot dispatches `release.yml` (inputs environment, ref, requester) and GitHub
 *   Actions runs the engine; the bot is told of progress through the ReleaseNotifier.
 * Both authorize through the engine (assertMayRelease, lock check) before anything starts.
 */
import type { Octokit } from '@octokit/rest';
import { dispatchWorkflow } from '../github/dispatch.ts';
import { releasePath } from '../../pipeline/config/lookup.ts';
import type { ReleaseSystem } from '../../pipeline/release/factory.ts';
import { assertMayRelease } from '../../pipeline/release/authorize.ts';
import { assertEnvironmentFree } from '../../pipeline/release/locks.ts';
import { approvalState } from '../../pipeline/release/approvals.ts';
import { runRelease, type ApprovalWait } from '../../pipeline/release/runner.ts';
import type { Identity, ReleaseRecord } from '../../pipeline/release/types.ts';
import type { ReleaseNotifier } from '../notify.ts';
import { slackErrors } from './errors.ts';

export interface GithubAccess {
  octokit: Octokit;
  owner: string;
  repo: string;
}

export interface StartRequest {
  env: string;
  ref: string;
  requester: Identity;
  slackGroups?: string[];
}

export interface StartOutcome {
  /** One line for the requester (ephemeral). */
  message: string;
  release?: ReleaseRecord;
}

export interface ReleaseStarter {
  start(req: StartRequest): Promise<StartOutcome>;
  /** Stops watching background releases and waits for them to settle. */
  close(): Promise<void>;
}

export interface LocalStarterOptions {
  system: ReleaseSystem;
  notifier: ReleaseNotifier;
  /** Resolves a ref to a commit sha (default: git in the repository root). */
  resolveRef(ref: string): Promise<string>;
  approvalPollMs?: number;
  log(line: string): void;
}

export function localStarter(opts: LocalStarterOptions): ReleaseStarter {
  const running = new Set<Promise<unknown>>();
  const controller = new AbortController();
  const { system, notifier } = opts;
  const pollMs = opts.approvalPollMs ?? 1000;

  const waitForApproval = async (release: ReleaseRecord): Promise<ApprovalWait> => {
    const deadline = Date.now() + system.policy.expiresAfterMs;
    while (!controller.signal.aborted && Date.now() < deadline) {
      const r = await system.store.get(release._id);
      if (r.status === 'rejected') return 'rejected';
      if (r.status !== 'awaiting_approval') return 'pending';
      if (approvalState(r, system.policy, r.digest, new Date()).approved) return 'approved';
      await new Promise((res) => setTimeout(res, pollMs));
    }
    return 'pending';
  };

  return {
    async start(req) {
      const sha = await opts.resolveRef(req.ref);
      const release = await system.createRelease({
        to: req.env, ref: req.ref, sha, version: `0.0.0-${sha.slice(0, 7)}`, requester: req.requester,
        ...(req.slackGroups ? { slackGroups: req.slackGroups } : {}),
      });
      await notifier.releaseUpdated(release);
      const deps = system.runnerDeps({
        signal: controller.signal,
        waitForApproval,
        onUpdate: async (r, e) => {
          await notifier.releaseUpdated(r);
          if (e.type === 'awaiting-approval') await notifier.approvalRequested(r).catch((err: unknown) => opts.log(`slack: approval request of ${r._id} not posted: ${(err as Error).message}`));
        },
      });
      const run = runRelease(deps, release._id)
        .catch((err: unknown) => opts.log(`release ${release._id} stopped: ${(err as Error).message}`))
        .finally(() => running.delete(run));
      running.add(run);
      return { message: `⏳ release \`${release._id}\` of \`${req.ref}\` (\`${sha.slice(0, 7)}\`) to ${req.env} started — follow it in the deploys channel`, release };
    },
    async close() {
      controller.abort();
      await Promise.allSettled([...running]);
    },
  };
}

export interface GithubStarterOptions {
  system: Pick<ReleaseSystem, 'config' | 'store'>;
  github?: GithubAccess;
}

export function githubStarter(opts: GithubStarterOptions): ReleaseStarter {
  const { config } = opts.system;
  return {
    async start(req) {
      if (!opts.github) throw slackErrors.SHIPGATE_SLACK_GITHUB_MODE({});
      const path = releasePath(config);
      const upTo = path.slice(0, path.indexOf(req.env) + 1);
      assertMayRelease({ people: config.people, environments: config.environments, path: upTo, identity: req.requester, ...(req.slackGroups ? { slackGroups: req.slackGroups } : {}) });
      for (const env of upTo) await assertEnvironmentFree(opts.system.store.db, env);
      const workflow = config.github.releaseWorkflow;
      await dispatchWorkflow(opts.github.octokit, {
        owner: opts.github.owner, repo: opts.github.repo, workflow, ref: req.ref,
        inputs: { environment: req.env, ref: req.ref, requester: `${req.requester.via}:${req.requester.id}` },
      });
      return { message: `⏳ ${workflow} dispatched in ${opts.github.owner}/${opts.github.repo}: \`${req.ref}\` to ${req.env} — follow it in the deploys channel` };
    },
    async close() {},
  };
}
