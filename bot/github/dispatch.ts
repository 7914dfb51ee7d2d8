/**
 * Starting a workflow run: `POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches`
 * with a ref and at most 25 string inputs (GitHub's limits). Used by the Slack side in GitHub mode
 * (release.yml) and by the bot after an approval (promote.yml). Needs `actions: write`.
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
            ? 'the workflow must have a workflow_dispatch trigger whose inputs match, and the ref must exist'
            : 'see the GitHub API response above',
    docs: 'github.md#permissions',
  },
});

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
    const e = err as { status?: number; message?: string };
    throw dispatchErrors.SHIPGATE_DISPATCH_FAILED({ workflow: req.workflow, repo: `${req.owner}/${req.repo}`, status: e.status ?? 'error', reason: e.message ?? String(err) }, err);
  }
}
