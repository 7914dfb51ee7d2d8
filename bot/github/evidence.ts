/**
 * The evidence GitHub reviewers see on the deployment protection rule — the same facts as the
 * Slack approval request: staging gate results and the production migration plan. GitHub takes
 * status reports of at most 1024 characters of markdown. Risks and counts always fit; long lists
 * show what fits and say how many more there are (never a silent cut).
 */
import type { ReleaseRecord, StageRecord } from '../../pipeline/release/types.ts';
import { describeIdentity } from '../../pipeline/release/approvals.ts';

export const REPORT_LIMIT = 1024;

const ICON: Record<StageRecord['status'], string> = { pending: '·', running: '⏳', passed: '✅', failed: '❌', error: '❌', skipped: '➖' };

/** Last resort for free text: cut at a line end and mark the cut. Structured reports use fitLines. */
export function fitReport(text: string, limit = REPORT_LIMIT): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit - 2);
  return `${cut.slice(0, Math.max(cut.lastIndexOf('\n'), limit - 60))}\n…`;
}

/**
 * Names joined with ", " within `budget` characters; what does not fit becomes "and N more", so a
 * list is never cut silently.
 */
export function joinNames(names: readonly string[], budget: number): string {
  const all = names.join(', ');
  if (all.length <= budget) return all;
  const shown: string[] = [];
  let used = 0;
  for (const [i, name] of names.entries()) {
    const tail = ` and ${names.length - i - 1} more`.length;
    const add = (shown.length ? 2 : 0) + name.length;
    if (used + add + tail > budget) break;
    shown.push(name);
    used += add;
  }
  const rest = names.length - shown.length;
  return shown.length ? `${shown.join(', ')} and ${rest} more` : `${rest} (names too long to list)`;
}

/**
 * A report of fixed lines (always shown, in order: `head`, then `tail`) and a list in between that
 * gets only the room left: the items that fit, then one "N more" line made by `more`. The result
 * is at most `limit` characters; nothing is dropped without saying how much.
 */
export function fitLines(head: readonly string[], items: readonly string[], tail: readonly string[], more: (n: number) => string, limit = REPORT_LIMIT): string {
  const fixed = [...head, ...tail].join('\n').length + 1;
  const all = [...head, ...items, ...tail].join('\n');
  if (all.length <= limit) return all;
  const shown: string[] = [];
  let used = fixed;
  for (const [i, item] of items.entries()) {
    const reserve = more(items.length - i - 1).length + 1;
    if (used + item.length + 1 + reserve > limit) break;
    shown.push(item);
    used += item.length + 1;
  }
  return fitReport([...head, ...shown, more(items.length - shown.length), ...tail].join('\n'), limit);
}

/** The staging gates of a release that did not pass (a missing result is a failure). */
export function failedGates(release: ReleaseRecord): StageRecord[] {
  return release.stages.filter((s) => s.env !== release.target && s.status !== 'passed' && s.status !== 'skipped');
}

export function gatesReport(release: ReleaseRecord): string {
  const head = `**Shipgate ${release._id}** · ${release.version} (\`${release.sha.slice(0, 7)}\`) → ${release.target}`;
  const stages = release.stages.filter((s) => s.env !== release.target);
  const row = (s: StageRecord) => `${ICON[s.status]} ${s.key}${s.result?.summary ? ` — ${s.result.summary.replace(/\s+/g, ' ').slice(0, 120)}` : ''}`;
  const who = `requested by ${release.requester.person ?? describeIdentity(release.requester.identity)}`;
  const tail = ['', `${who} · digest \`${release.digest?.slice(0, 12) ?? '—'}\``];
  const rows = stages.map(row);
  const all = [head, '', ...rows, ...tail].join('\n');
  if (all.length <= REPORT_LIMIT) return all;
  // Too long (many environments): what did not pass first, then the passed ones while they fit.
  const notPassed = stages.filter((s) => s.status !== 'passed');
  const passed = stages.filter((s) => s.status === 'passed');
  const counts = `${passed.length} of ${stages.length} gates passed`;
  return fitLines([head, '', counts, ...notPassed.map(row)], passed.map(row), tail, (n) => (n ? `✅ … ${n} more passed` : ''));
}

export function planReport(release: ReleaseRecord): string {
  const plan = release.targetPlan;
  if (!plan) return fitReport(`**Migration plan (${release.target})**: not computed yet`);
  const head = [`**Migration plan (${plan.env})**${plan.approximate ? ' — approximate counts' : ''}`];
  const tail = ['', 'Approve or reject in Slack (or `shipgate approve`); this rule follows that decision.'];
  if (plan.pending.length === 0) return fitLines([...head, '', 'No migrations to apply.'], [], tail, () => '');
  // Risks first, then counts, then the plan lines that fit and how many did not.
  const risks: string[] = [];
  if (plan.breaking.length) risks.push(`⚠️ point of no return (${plan.breaking.length}): ${joinNames(plan.breaking, 240)}`);
  if (plan.irreversible.length) risks.push(`⚠️ irreversible (${plan.irreversible.length}): ${joinNames(plan.irreversible, 240)}`);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const counts = `${plural(plan.pending.length, 'pending migration')} · ${plural(plan.lines.length, 'change')} · ${plan.irreversible.length} irreversible · ${plan.breaking.length} point of no return`;
  return fitLines(
    [...head, ...(risks.length ? ['', ...risks] : []), '', counts, ''],
    plan.lines.map((l) => `- ${l}`),
    tail,
    (n) => (n ? `- … ${plural(n, 'more change')} (the whole plan: \`shipgate migrate plan\`)` : ''),
  );
}

export function approvalComment(release: ReleaseRecord, approvals: ReadonlyArray<{ person: string; identity: { via: string; id: string } }>, digest: string): string {
  const who = approvals.map((a) => `${a.person} (${a.identity.via}:${a.identity.id})`).join(', ');
  return fitReport(`Approved by ${who} for ${release._id} at digest ${digest.slice(0, 12)} (Shipgate).`);
}

export function rejectionComment(release: ReleaseRecord, reason: string): string {
  return fitReport(`Rejected by Shipgate for ${release._id}: ${reason}`);
}
