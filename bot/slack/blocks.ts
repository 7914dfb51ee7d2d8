/**
 * What people read in Slack, as Block Kit, built from the release record the same way
 * pipeline/release/render.ts builds the terminal's: the live release message, the approval
 * request (and its decided form), status, notifications. Pure functions: golden files pin them.
 */
import { formatDuration } from '../../pipeline/config/duration.ts';
import { toSlack } from '../../pipeline/gates/render.ts';
import type { ApprovalPolicy } from '../../pipeline/release/approvals.ts';
import { releaseHeadline, stageLine } from '../../pipeline/release/render.ts';
import type { EnvironmentState } from '../../pipeline/release/status.ts';
import type { ReleaseRecord } from '../../pipeline/release/types.ts';
import type { GateResult } from '../../pipeline/gates/types.ts';
import { redactText } from '../../pipeline/secrets/redact.ts';
import type { ReleaseLinks } from '../notify.ts';

export type Block = Record<string, unknown>;
export interface SlackMessageBody {
  text: string;
  blocks: Block[];
}

export const ACTION_APPROVE = 'shipgate_approve';
export const ACTION_REJECT = 'shipgate_reject';
export const REJECT_MODAL = 'shipgate_reject_modal';
export const REASON_BLOCK = 'reason';
export const REASON_INPUT = 'reason_input';

/** What an Approve/Reject button carries: the release and the digest the approver saw. */
export interface ButtonValue {
  releaseId: string;
  digest: string;
}

const MAX_TEXT = 2900; // a section's text is limited to 3000 characters
const clip = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s);
const md = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: clip(redactText(text)) } });
const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(redactText(text)) }] });
const who = (r: ReleaseRecord) => (r.requester.identity.via === 'slack' ? `<@${r.requester.identity.id}>` : (r.requester.person ?? r.requester.identity.id));
const STATUS_ICON: Record<ReleaseRecord['status'], string> = { running: '⏳', awaiting_approval: '⏸', succeeded: '✓', failed: '✗', rejected: '✗', rolled_back: '↩' };

/** The one live message per release: headline, checklist with durations, failure reason, who asked. */
export function liveReleaseMessage(r: ReleaseRecord, opts: { links?: ReleaseLinks; now?: number } = {}): SlackMessageBody {
  const checklist = r.stages.map((s) => stageLine(s, opts.now === undefined ? {} : { now: opts.now })).join('\n');
  const blocks: Block[] = [
    md(`${STATUS_ICON[r.status]} *${r.version}* (\`${r.sha.slice(0, 7)}\`) → ${r.path.join(' → ')} · *${r.status.replace('_', ' ')}*`),
    md(`\`\`\`\n${checklist}\n\`\`\``),
  ];
  if (r.reason && r.status !== 'succeeded') blocks.push(md(`*${r.status.replace('_', ' ')}:* ${r.reason.split('\n')[0]}`));
  if (r.status === 'awaiting_approval') blocks.push(md(`⏸ waiting for approval in the approvals channel (digest \`${r.digest?.slice(0, 12) ?? '—'}\`)`));
  const parts = [`release \`${r._id}\``, `asked by ${who(r)}`, `ref \`${r.ref}\``];
  if (opts.links?.runUrl) parts.push(`<${opts.links.runUrl}|run>`);
  blocks.push(context(parts.join(' · ')));
  if (opts.links?.note) blocks.push(context(opts.links.note));
  return { text: redactText(releaseHeadline(r)), blocks };
}

function gateBlocks(r: ReleaseRecord, thresholds: readonly string[]): Block[] {
  const out: Block[] = [];
  const results = r.stages.filter((s) => s.env !== r.target && s.result && ['health', 'smoke', 'load'].includes(s.name));
  if (results.length === 0) out.push(md('*Gates:* no gate results recorded'));
  for (const s of results) {
    const c = toSlack(s.result!);
    out.push({
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`*${s.env}* · ${c.text}`) },
      ...(c.fields.length ? { fields: c.fields.slice(0, 10).map((f) => ({ type: 'mrkdwn', text: `*${f.title}*\n${f.value}` })) } : {}),
    });
    if (s.name === 'load' && thresholds.length) out.push(context(`thresholds: ${thresholds.join(' · ')}`));
  }
  const others = r.stages.filter((s) => s.env !== r.target && !['health', 'smoke', 'load'].includes(s.name));
  if (others.length) out.push(context(others.map((s) => stageLine(s)).join('  ·  ')));
  return out;
}

function planBlocks(r: ReleaseRecord): Block[] {
  const plan = r.targetPlan;
  if (!plan) return [md('*Migration plan:* not computed')];
  const out: Block[] = [];
  if (plan.pending.length === 0) out.push(md(`*Migration plan:* no migrations to apply on ${plan.env}`));
  else {
    const lines = plan.lines.length ? `\n\`\`\`\n${plan.lines.join('\n')}\n\`\`\`` : '';
    out.push(md(`*Migrations to apply on ${plan.env}*${plan.approximate ? ' (approximate counts)' : ''}: ${plan.pending.map((p) => `\`${p}\``).join(', ')}${lines}`));
  }
  const risks: string[] = [];
  if (plan.irreversible.length) risks.push(`⚠ *irreversible:* ${plan.irreversible.join(', ')}`);
  if (plan.breaking.length) risks.push(`⚠ *point of no return:* ${plan.breaking.join(', ')} — the previous version cannot run on the new schema; switching back needs a forced rollback or a restore`);
  if (risks.length) out.push(md(risks.join('\n')));
  return out;
}

export interface ApprovalMessageOptions {
  policy: ApprovalPolicy;
  /** Load thresholds from config, shown next to the load numbers. */
  thresholds?: readonly string[];
  decision?: { kind: 'approved' | 'rejected'; by: string; at: string; note?: string };
}

/** The approval request: version, commit, gate results, migration plan and risks, Approve / Reject. */
export function approvalRequestMessage(r: ReleaseRecord, opts: ApprovalMessageOptions): SlackMessageBody {
  const value = JSON.stringify({ releaseId: r._id, digest: r.digest ?? '' } satisfies ButtonValue);
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: `Approval needed: ${r.version} → ${r.target}`.slice(0, 150) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Version*\n${r.version}` },
        { type: 'mrkdwn', text: `*Commit*\n\`${r.sha.slice(0, 7)}\` (${r.ref})` },
        { type: 'mrkdwn', text: `*Requested by*\n${who(r)}` },
        { type: 'mrkdwn', text: `*Digest*\n\`${r.digest?.slice(0, 12) ?? '—'}\`` },
      ],
    },
    { type: 'divider' },
    ...gateBlocks(r, opts.thresholds ?? []),
    { type: 'divider' },
    ...planBlocks(r),
    context(`approvers: ${opts.policy.approvers.join(', ')} (${opts.policy.minApprovals} needed) · an approval expires after ${formatDuration(opts.policy.expiresAfterMs)} · the requester cannot approve · release \`${r._id}\``),
  ];
  if (opts.decision) {
    const icon = opts.decision.kind === 'approved' ? '✓' : '✗';
    blocks.push(md(`${icon} *${opts.decision.kind === 'approved' ? 'Approved' : 'Rejected'}* by ${opts.decision.by} at ${opts.decision.at}${opts.decision.note ? ` — ${opts.decision.note}` : ''}`));
  } else {
    blocks.push({
      type: 'actions',
      block_id: 'shipgate_decision',
      elements: [
        { type: 'button', action_id: ACTION_APPROVE, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value },
        { type: 'button', action_id: ACTION_REJECT, style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value },
      ],
    });
  }
  return { text: redactText(`Approval needed: ${r.version} (${r.sha.slice(0, 7)}) → ${r.target}, requested by ${r.requester.person ?? r.requester.identity.id}`), blocks };
}

/** The modal a Reject click opens: one required reason. */
export function rejectModal(meta: { releaseId: string; digest: string; channel: string; ts: string; version: string }): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: REJECT_MODAL,
    private_metadata: JSON.stringify(meta),
    title: { type: 'plain_text', text: 'Reject release' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      md(`Reject *${meta.version}* (release \`${meta.releaseId}\`)? The release ends here; the requester sees your reason.`),
      { type: 'input', block_id: REASON_BLOCK, label: { type: 'plain_text', text: 'Reason' }, element: { type: 'plain_text_input', action_id: REASON_INPUT, multiline: true, min_length: 3, max_length: 500 } },
    ],
  };
}

export function statusMessage(states: readonly EnvironmentState[]): SlackMessageBody {
  const blocks: Block[] = states.map((s) => {
    const lines = [`*${s.env}*${s.protected ? ' (protected)' : ''}`];
    lines.push(s.live ? `version *${s.live.version}* (\`${s.live.sha.slice(0, 7)}\`)${s.live.slot ? ` on slot *${s.live.slot}*` : ''} — ${s.live.release}` : 'nothing released yet');
    if (s.publicUrl) lines.push(`public: ${s.publicUrl}`);
    lines.push(s.lock ? `🔒 locked by ${s.lock.owner}: ${s.lock.reason} (${s.lock.until})` : '🔓 unlocked');
    if (s.inFlight) lines.push(`in flight: \`${s.inFlight.release}\` ${s.inFlight.version} — ${s.inFlight.status.replace('_', ' ')}${s.inFlight.stage ? ` at ${s.inFlight.stage}` : ''}`);
    return md(lines.join('\n'));
  });
  return { text: states.map((s) => `${s.env}: ${s.live?.version ?? 'nothing released'}${s.lock ? ' (locked)' : ''}`).join('; '), blocks };
}

/** The channel notice when a release ends: succeeded, failed, rejected or rolled back. */
export function finishedNotice(r: ReleaseRecord): SlackMessageBody {
  const text =
    r.status === 'succeeded'
      ? `✓ ${r.version} is live on ${r.target} (asked by ${who(r)})`
      : `${STATUS_ICON[r.status]} release of ${r.version} to ${r.target} ${r.status.replace('_', ' ')}: ${(r.reason ?? 'no reason recorded').split('\n')[0]} (asked by ${who(r)})`;
  return { text: redactText(text), blocks: [md(text), context(`release \`${r._id}\``)] };
}

export function lockNotice(p: { env: string; locked: boolean; by: string; reason?: string; was?: string }): SlackMessageBody {
  const text = p.locked ? `🔒 ${p.env} locked by <@${p.by}>: ${p.reason ?? ''}` : `🔓 ${p.env} unlocked by <@${p.by}>${p.was ? ` (was: ${p.was})` : ''}`;
  return { text: redactText(text), blocks: [md(text)] };
}

/** The nightly smoke report (the scheduled workflow posts it through bot/slack/post-smoke-report.ts). */
export function smokeReportMessage(result: GateResult, opts: { env: string; url: string; runUrl?: string }): SlackMessageBody {
  const c = toSlack(result);
  const headline = result.status === 'passed' ? `✓ nightly smoke on ${opts.env} passed` : `✗ nightly smoke on ${opts.env} ${result.status}`;
  const blocks: Block[] = [
    md(`*${headline}* — ${opts.url}`),
    { type: 'section', text: { type: 'mrkdwn', text: clip(c.text) }, ...(c.fields.length ? { fields: c.fields.slice(0, 10).map((f) => ({ type: 'mrkdwn', text: `*${f.title}*\n${f.value}` })) } : {}) },
  ];
  if (result.status !== 'passed' && result.details.trim()) blocks.push(md(result.details));
  blocks.push(context([`started ${result.startedAt}`, `took ${formatDuration(result.durationMs)}`, ...(opts.runUrl ? [`<${opts.runUrl}|run>`] : [])].join(' · ')));
  return { text: redactText(`${headline}: ${result.summary}`), blocks };
}
