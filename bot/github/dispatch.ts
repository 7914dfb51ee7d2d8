/**
 * Starting a workflow run: `POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches`
 * with a ref and at most 25 string inputs (GitHub's limits). Used by the Slack side in GitHub mode
 * (release.yml) and by the bot after an approval (promote.yml). Needs `actions: write`.
 *
 * The dispatch `ref` is the branch or tag whose workflow file runs, and GitHub accepts only a
 * branch or tag name there: a commit SHA is answered 422 "No ref found for: <sha>" (the REST
 * reference: "The reference can be a branch or tag name"; github/docs#590). So a release of a
 * commit runs the default branch's workflow and names the commit in an input the workflow checks
 * out (release.yml: `ref`; promote.yml checks out the approved commit from the store).
 */
import type { Octokit } from '@octokit/rest';
import { defineErrors } from '../../pipeline/errors.ts';

export const dispatchErrors = defineErrors({
  SHIPGATE_DISPATCH_FAILED: {
    message: (d: { workflow: string; repo: string; status: number | string; reason: string }) => `could not start ${d.workflow} in ${d.repo}: ${d.status} ${d.reason}`,
    hint: (d: { status: number | string }) =>
      d.status === 404
        ? 'check the workflow file name (github.releaseWorkflow / promoteWorkflow) and that the app is installed on the repository'
        : d.status === 403
          ? 'the GitHub App needs the "Actions: write" permission'
          : d.status === 422
            ? 'the workflow must have a workflow_dispatch trigger declaring the inputs Shipgate sends (docs/github.md#workflows), and the branch it runs on must exist'
            : 'see the GitHub API response above',
    docs: 'github.md#permissions',
  },
  SHIPGATE_DISPATCH_SHORT_SHA: {
    message: (d: { ref: string }) => `"${d.ref}" looks like a short commit SHA: GitHub Actions cannot start a workflow on a commit, and a short SHA cannot be checked out reliably`,
    hint: () => 'give the full 40-character commit SHA (git rev-parse <ref>), or a branch or tag name',
    docs: 'github.md#which-commit-runs',
  },
});

/** A full commit SHA (what the release workflow checks out when it is given one). */
export const FULL_SHA = /^[0-9a-f]{40}$/i;
const SHORT_SHA = /^[0-9a-f]{7,39}$/i;

/** The repository's default branch (`GET /repos/{owner}/{repo}`; needs only metadata: read). */
export async function defaultBranchOf(octokit: Octokit, owner: string, repo: string): Promise<string> {
  try {
    const { data } = await octokit.rest.repos.get({ owner, repo });
    return data.default_branch;
  } catch (err) {
    throw asDispatchError(err, 'the workflow', `${owner}/${repo}`, 'could not read the default branch: ');
  }
}

/** GitHub's answer (or the auth's error, kept as the cause) as SHIPGATE_DISPATCH_FAILED; its hint reads the status. */
function asDispatchError(err: unknown, workflow: string, repo: string, prefix = ''): Error {
  const e = err as { status?: number; message?: string };
  return dispatchErrors.SHIPGATE_DISPATCH_FAILED({ workflow, repo, status: e.status ?? 'error', reason: `${prefix}${e.message ?? String(err)}` }, err);
}

/**
 * The branch or tag a release of `ref` is dispatched on: a branch or tag name runs its own
 * workflow file; a full commit SHA runs the default branch's, which checks the commit out from
 * the `ref` input. A short SHA is refused (ambiguous and not checkout-able by SHA alone).
 */
export async function workflowRefFor(octokit: Octokit, owner: string, repo: string, ref: string): Promise<string> {
  if (FULL_SHA.test(ref)) return defaultBranchOf(octokit, owner, repo);
  if (SHORT_SHA.test(ref)) throw dispatchErrors.SHIPGATE_DISPATCH_SHORT_SHA({ ref });
  return ref;
}

export interface DispatchRequest {
  owner: string;
  repo: string;
  workflow: string;
  ref: string;
  inputs: Record<string, string>;
}

export async function dispatchWorkflow(octokit: Octokit, req: DispatchRequest): Promise<void> {
  const keys = Object.keys(req.inputs);
  if (keys.length > 25) throw new Error(`workflow_dispatch takes at most 25 inputs, got ${keys.length}`);
  try {
    await octokit.rest.actions.createWorkflowDispatch({ owner: req.owner, repo: req.repo, workflow_id: req.workflow, ref: req.ref, inputs: req.inputs });
  } catch (err) {
    throw asDispatchError(err, req.workflow, `${req.owner}/${req.repo}`);
  }
}

/**
 * Starts promote.yml for an approved release: on the default branch (GitHub dispatches only on a
 * branch or tag, and release.ref may be a commit); promote.yml checks out the approved commit
 * from the store itself. Used by the GitHub app (rule-keeper.ts) and the Slack bot (app.ts).
 */
export async function dispatchPromote(octokit: Octokit, req: { owner: string; repo: string; workflow: string; release: string }): Promise<void> {
  const ref = await defaultBranchOf(octokit, req.owner, req.repo);
  await dispatchWorkflow(octokit, { owner: req.owner, repo: req.repo, workflow: req.workflow, ref, inputs: { release: req.release } });
}
