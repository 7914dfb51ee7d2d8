/**
 * What people read about a release: the stage checklist (terminal, plain lines, markdown), the
 * approval request, the final summary. Slack and GitHub render from the same record.
 */
import { evidenceLines } from './evidence.ts';
import { formatDuration } from '../config/duration.ts';
import type { ApprovalPolicy } from './approvals.ts';
import type { ReleaseRecord, StageRecord } from './types.ts';
import { describeBreakGlass } from './window-policy.ts';

export const ICON: Record<StageRecord['status'], string> = { pending: '·', running: '⏳', passed: '✓', failed: '✗', error: '✗', skipped: '–' };
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function stageDurationMs(s: StageRecord, now = Date.now()): number | undefined {
  if (!s.startedAt) return undefined;
  const end = s.finishedAt ? Date.parse(s.finishedAt) : now;
  return end - Date.parse(s.startedAt);
}

export function stageLine(s: StageRecord, opts: { frame?: number; now?: number } = {}): string {
  const icon = s.status === 'running' && opts.frame !== undefined ? (SPINNER[opts.frame % SPINNER.length] as string) : ICON[s.status];
  const ms = stageDurationMs(s, opts.now);
  const time = ms === undefined ? '' : ` (${formatDuration(ms)})`;
  const why = s.result?.summary ? ` — ${s.result.summary}` : '';
  return `${icon} ${s.key}${time}${s.status === 'pending' ? '' : why}`;
}

export function releaseHeadline(r: ReleaseRecord): string {
  return `release ${r._id} · ${r.version} (${r.sha.slice(0, 7)}) → ${r.path.join(' → ')} · ${r.status.replace('_', ' ')}`;
}

export function renderChecklist(r: ReleaseRecord, opts: { frame?: number; now?: number } = {}): string[] {
  return [releaseHeadline(r), ...r.stages.map((s) => `  ${stageLine(s, opts)}`)];
}

export function renderApprovalRequest(r: ReleaseRecord, policy: ApprovalPolicy): string[] {
  const lines = [`── approval needed: ${r.version} (${r.sha.slice(0, 7)}) → ${r.target} · digest ${r.digest?.slice(0, 12) ?? '—'} ──`];
  if (r.breakGlass) lines.push(`  🔨 ${describeBreakGlass(r.breakGlass)}`);
  for (const s of r.stages.filter((x) => x.env !== r.target)) lines.push(`  ${stageLine(s)}`);
  const plan = r.targetPlan;
  if (plan) {
    if (plan.pending.length === 0) lines.push(`  no migrations to apply on ${plan.env}`);
    else {
      lines.push(`  migrations to apply on ${plan.env}${plan.approximate ? ' (approximate counts)' : ''}: ${plan.pending.join(', ')}`);
      for (const l of plan.lines) lines.push(`    ${l}`);
    }
    if (plan.irreversible.length) lines.push(`  ⚠ irreversible: ${plan.irreversible.join(', ')}`);
    if (plan.breaking.length) lines.push(`  ⚠ point of no return: ${plan.breaking.join(', ')} (the previous version cannot run on the new schema; switching back needs --force or a restore)`);
  }
  lines.push(`  requested by ${r.requester.person ?? r.requester.identity.id}; approvers: ${policy.approvers.join(', ')} (${policy.minApprovals} needed); approval expires after ${formatDuration(policy.expiresAfterMs)}`);
  return lines;
}

export function renderFinal(r: ReleaseRecord, publicUrls: Record<string, string> = {}): string[] {
  const lines = renderChecklist(r);
  if (r.status === 'succeeded') lines.push(`✓ ${r.version} is live on ${r.target}`);
  else if (r.status === 'awaiting_approval') lines.push(`⏸ waiting for approval: shipgate approve ${r._id} --as <approver>   (then: shipgate release resume ${r._id})`);
  else lines.push(`✗ ${r.status.replace('_', ' ')}: ${r.reason ?? 'no reason recorded'}`);
  for (const s of r.stages) {
    if (s.status !== 'failed' && s.status !== 'error') continue;
    // A stage of several checks (preflight): each failed one with its fix.
    for (const c of s.result?.checks ?? []) {
      if (c.status === 'failed' || c.status === 'error') lines.push(`  ✗ ${c.title}: ${c.summary}`, ...(c.fix ? [`      fix: ${c.fix}`] : []));
    }
    if (s.result?.evidence) lines.push(...evidenceLines(s.key, s.result.evidence));
  }
  for (const env of r.path) {
    const d = r.deployments[env];
    if (d) lines.push(`  ${env}: ${publicUrls[env] ? `${publicUrls[env]} → ` : ''}${d.url}${d.slot ? ` (slot ${d.slot})` : ''}`);
  }
  return lines;
}

export function renderReleaseMarkdown(r: ReleaseRecord): string {
  const rows = r.stages.map((s) => {
    const ms = stageDurationMs(s);
    return `| ${ICON[s.status]} | ${s.key} | ${ms === undefined ? '' : formatDuration(ms)} | ${(s.result?.summary ?? '').replace(/\|/g, '\\|')} |`;
  });
  return [`### ${releaseHeadline(r)}`, '', '| | stage | time | result |', '|---|---|---|---|', ...rows, '', r.reason ? `**${r.status}**: ${r.reason}` : `**${r.status}**`].join('\n');
}
