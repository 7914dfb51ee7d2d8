/**
 * The two ways `/deploy <env>` starts a release (config `slack.mode`):
 * - local: the release engine runs in the bot's process (demo, tests): createRelease, then
 *   runRelease in the background; approval is waited for by watching the store, where the
 *   Approve/Reject handlers record decisions. On start (`resume`) it picks up what a previous bot
 *   process left: releases awaiting approval (unless a live process on this host runs them), and
 *   running releases whose runner died — so an approval clicked after a restart continues the
 *   release. Two bots resuming one release is safe: every write is a compare-and-set on the
 *   release's revision, so only one of them moves it forward;
 * - github: the bot dispatches `release.yml` (inputs environment, ref, requester) and GitHub
 *   Actions runs the engine; the bot is told of progress through the ReleaseNotifier.
 * Both authorize through the engine (assertMayRelease, lock check) before anything starts.
 */
import type { Octokit } from '@octokit/rest';
import { hostname } from 'node:os';
import { isPidAlive } from '../../pipeline/local/process-group.ts';
import { dispatchWorkflow, workflowRefFor } from '../github/dispatch.ts';
import { releasePath } from '../../pipeline/config/lookup.ts';
import type { ReleaseSystem } from '../../pipeline/release/factory.ts';
import { assertMayRelease } from '../../pipeline/release/authorize.ts';
import { assertEnvironmentFree } from '../../pipeline/release/locks.ts';
import { decideWindows } from '../../pipeline/release/window-policy.ts';
import { approvalState } from '../../pipeline/release/approvals.ts';
import { runRelease, type ApprovalWait } from '../../pipeline/release/runner.ts';
import type { Identity, ReleaseRecord } from '../../pipeline/release/types.ts';
import type { ReleaseNotifier } from '../notify.ts';
import { slackErrors } from './errors.ts';
import { answers } from './blocks.ts';
import type { Mrkdwn } from './mrkdwn.ts';

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
  /** An approver's break-glass reason (window-policy.ts decides whether it counts). */
  breakGlass?: { reason: string };
}

export interface StartOutcome {
  /** One line for the requester (ephemeral). */
  message: Mrkdwn;
  release?: ReleaseRecord;
}

export interface ReleaseStarter {
  start(req: StartRequest): Promise<StartOutcome>;
  /** Picks up releases a previous process left waiting or running; resolves to their ids. */
  resume(): Promise<string[]>;
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

  const runInBackground = (id: string) => {
    const deps = system.runnerDeps({
      signal: controller.signal,
      waitForApproval,
      onUpdate: async (r, e) => {
        await notifier.releaseUpdated(r);
        if (e.type === 'awaiting-approval') await notifier.approvalRequested(r).catch((err: unknown) => opts.log(`slack: approval request of ${r._id} not posted: ${(err as Error).message}`));
      },
    });
    const run = runRelease(deps, id)
      .catch((err: unknown) => opts.log(`release ${id} stopped: ${(err as Error).message}`))
      .finally(() => running.delete(run));
    running.add(run);
  };

  /** A process on this host other than this one, still alive, is running the release. */
  const runByAnotherLiveProcess = (owner: ReleaseRecord['owner']) => !!owner && owner.host === hostname() && owner.pid !== process.pid && isPidAlive(owner.pid);

  return {
    async start(req) {
      const sha = await opts.resolveRef(req.ref);
      const release = await system.createRelease({
        to: req.env, ref: req.ref, sha, version: `0.0.0-${sha.slice(0, 7)}`, requester: req.requester,
        ...(req.slackGroups ? { slackGroups: req.slackGroups } : {}),
        ...(req.breakGlass ? { breakGlass: req.breakGlass } : {}),
      });
      await notifier.releaseUpdated(release);
      runInBackground(release._id);
      return { message: answers.releaseStarted({ id: release._id, ref: req.ref, sha, env: req.env }), release };
    },
    async resume() {
      const isOwnerDead = system.runnerDeps({ waitForApproval }).isOwnerDead ?? (() => false);
      const left = await system.store.releases.find({ status: { $in: ['awaiting_approval', 'running'] } }).project<Pick<ReleaseRecord, '_id' | 'status' | 'owner'>>({ _id: 1, status: 1, owner: 1 }).toArray();
      const ids: string[] = [];
      for (const r of left) {
        const pick = r.status === 'awaiting_approval' ? !runByAnotherLiveProcess(r.owner) : !!r.owner && isOwnerDead(r.owner);
        if (!pick || controller.signal.aborted) continue;
        opts.log(`slack: resuming release ${r._id} (${r.status.replace('_', ' ')}) left by a previous process`);
        await system.audit.append({ type: 'release.resumed', release: r._id, data: { status: r.status, by: 'slack bot start' } });
        runInBackground(r._id);
        ids.push(r._id);
      }
      return ids;
    },
    async close() {
      controller.abort();
      await Promise.allSettled([...running]);
    },
  };
}

export interface GithubStarterOptions {
  system: Pick<ReleaseSystem, 'config' | 'store'> & Partial<Pick<ReleaseSystem, 'now'>>;
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
      // The window rule before dispatching, so a refusal is answered now; the action's createRelease applies it again.
      const glass = decideWindows({ config, path: upTo, identity: req.requester, at: opts.system.now?.() ?? new Date(), ...(req.breakGlass ? { breakGlass: req.breakGlass } : {}) });
      const workflow = config.github.releaseWorkflow;
      // GitHub runs a dispatch on a branch or tag only: a commit runs the default branch's workflow, which checks out `inputs.ref`.
      const on = await workflowRefFor(opts.github.octokit, opts.github.owner, opts.github.repo, req.ref);
      await dispatchWorkflow(opts.github.octokit, {
        owner: opts.github.owner, repo: opts.github.repo, workflow, ref: on,
        inputs: { environment: req.env, ref: req.ref, requester: `${req.requester.via}:${req.requester.id}`, ...(glass ? { 'break-glass': glass.reason } : {}) },
      });
      return { message: answers.workflowDispatched({ workflow, repo: `${opts.github.owner}/${opts.github.repo}`, ref: req.ref, env: req.env }) };
    },
    // GitHub Actions runs the releases; nothing of theirs lives in the bot's process.
    async resume() {
      return [];
    },
    async close() {},
  };
}
