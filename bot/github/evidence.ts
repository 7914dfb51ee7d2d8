/**
 * The evidence GitHub reviewers see on the deployment protection rule — the same facts as the
 * Slack approval request: staging gate results and the production migration plan. GitHub takes
 * status reports of at most 1024 characters of markdown, so each report is cut to fit.
 */
import type { ReleaseRecord, StageRecord } from '../../pipeline/release/types.ts';
import { describeIdentity } from '../../pipeline/release/approvals.ts';

export const REPORT_LIMIT = 1024;

const ICON: Record<StageRecord['status'], string> = { pending: '·', running: '⏳', passed: '✅', failed: '❌', error: '❌', skipped: '➖' };

export function fitReport(text: string, limit = REPORT_LIMIT): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit - 2);
  return `${cut.slice(0, Math.max(cut.lastIndexOf('\n'), limit - 60))}\n…`;
}

/** The staging gates of a release that did not pass (a missing result is a failure). */
export function failedGates(release: ReleaseRecord): StageRecord[] {
  return release.stages.filter((s) => s.env !== release.target && s.status !== 'passed' && s.status !== 'skipped');
}

export function gatesReport(release: ReleaseRecord): string {
  const head = `**Shipgate ${release._id}** · ${release.version} (\`${release.sha.slice(0, 7)}\`) → ${release.target}`;
  const rows = release.stages
    .filter((s) => s.env !== release.target)
    .map((s) => `${ICON[s.status]} ${s.key}${s.result?.summary ? ` — ${s.result.summary.replace(/\s+/g, ' ').slice(0, 120)}` : ''}`);
  const who = `requested by ${release.requester.person ?? describeIdentity(release.requester.identity)}`;
  return fitReport([head, '', ...rows, '', `${who} · digest \`${release.digest?.slice(0, 12) ?? '—'}\``].join('\n'));
}

export function planReport(release: ReleaseRecord): string {
  const plan = release.targetPlan;
  if (!plan) return fitReport(`**Migration plan (${release.target})**: not computed yet`);
  const lines = [`**Migration plan (${plan.env})**${plan.approximate ? ' — approximate counts' : ''}`];
  if (plan.pending.length === 0) lines.push('', 'No migrations to apply.');
  else lines.push('', ...plan.lines.map((l) => `- ${l}`));
  if (plan.irreversible.length) lines.push('', `⚠️ irreversible: ${plan.irreversible.join(', ')}`);
  if (plan.breaking.length) lines.push('', `⚠️ point of no return: ${plan.breaking.join(', ')}`);
  lines.push('', 'Approve or reject in Slack (or `shipgate approve`); this rule follows that decision.');
  return fitReport(lines.join('\n'));
}

export function approvalComment(release: ReleaseRecord, approvals: ReadonlyArray<{ person: string; identity: { via: string; id: string } }>, digest: string): string {
  const who = approvals.map((a) => `${a.person} (${a.identity.via}:${a.identity.id})`).join(', ');
  return fitReport(`Approved by ${who} for ${release._id} at digest ${digest.slice(0, 12)} (Shipgate).`);
}

export function rejectionComment(release: ReleaseRecord, reason: string): string {
  return fitReport(`Rejected by Shipgate for ${release._id}: ${reason}`);
}
