/**
 * What the GitHub side tells the Slack side (and the release engine tells either): the seam
 * between bot/github and bot/slack. bot/server.ts wires the Slack implementation in; tests may
 * pass a recording one.
 */
import type { ReleaseRecord } from '../pipeline/release/types.ts';

export interface ReleaseLinks {
  /** The GitHub Actions run (or deployment log) of the step that changed the release. */
  runUrl?: string;
  /** The release's page in the dashboard (SHIPGATE_DASHBOARD_URL). */
  dashboardUrl?: string;
  /** One line to show under the checklist, e.g. "staging job finished: success". */
  note?: string;
}

export interface ReleaseNotifier {
  /** The release changed: update its one live message (create it on first call). */
  releaseUpdated(release: ReleaseRecord, links?: ReleaseLinks): Promise<void>;
  /** The release waits for approval: post the approval request with Approve/Reject (once per digest). */
  approvalRequested(release: ReleaseRecord): Promise<void>;
}

/** A notifier that does nothing (a bot without Slack configured). */
export const silentNotifier: ReleaseNotifier = {
  async releaseUpdated() {},
  async approvalRequested() {},
};
