/**
 * What people read in Slack, as Block Kit, built from the release record the same way
 * pipeline/release/render.ts builds the terminal's: the live release message, the approval
 * request (and its decided form), status, notifications, gate reports in the thread and the
 * ephemeral answers. Pure functions: golden files pin them. Every piece of text from outside
 * Slack (versions, refs, reasons, gate summaries, migration names…) goes through the `mrkdwn`
 * template of ./mrkdwn.ts, which escapes it; the Block Kit limits are kept here (never fail: cut
 * with "… N more").
 */
import { formatDuration } from '../../pipeline/config/duration.ts';
import { toSlack } from '../../pipeline/gates/render.ts';
import type { ApprovalPolicy } from '../../pipeline/release/approvals.ts';
import { releaseHeadline, stageLine } from '../../pipeline/release/render.ts';
import type { EnvironmentState } from '../../pipeline/release/status.ts';
import type { ReleaseRecord, StageRecord } from '../../pipeline/release/types.ts';
import type { GateResult } from '../../pipeline/gates/types.ts';
import { redactText } from '../../pipeline/secrets/redact.ts';
import type { ReleaseLinks } from '../notify.ts';
import { markdownToMrkdwn, packUnits } from './markdown.ts';
import { LIMITS, code, codeBlock, joinMrkdwn, link, mention, mrkdwn, slackError, text, truncateMrkdwn, truncatePlain, type Mrkdwn } from './mrkdwn.ts';

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
/** Longest lock or reject reason accepted (characters). */
export const MAX_REASON = 500;

/** What an Approve/Reject button carries: the release and the digest the approver saw. */
export interface ButtonValue {
  releaseId: string;
  digest: string;
}

const finalText = (m: Mrkdwn, max: number) => truncateMrkdwn(redactText(m.text), max);
const md = (m: Mrkdwn): Block => ({ type: 'section', text: { type: 'mrkdwn', text: finalText(m, LIMITS.sectionText) } });
const context = (m: Mrkdwn): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text: finalText(m, LIMITS.sectionText) }] });
const field = (title: string, value: Mrkdwn | string) => ({ type: 'mrkdwn', text: finalText(mrkdwn`*${title}*\n${value}`, LIMITS.field) });
const fields = (list: Array<{ title: string; value: string }>) => list.slice(0, LIMITS.fields).map((f) => field(f.title, short(f.value, SHORT.value)));
/**
 * Outside identifiers and one-liners (versions, refs, metric values, summaries) can be any length
 * (an app reports its version): cut them where they are shown so one long value cannot push the
 * rest of a message (the plan, the risks) out of Slack's size limits.
 */
const SHORT = { id: 100, value: 200, line: 600 } as const;
function short(v: string, n: number): string {
  const t = redactText(v);
  if (t.length <= n) return t;
  const suffix = (k: number) => `… ${k} more characters`;
  let cut = Math.max(1, n - suffix(t.length).length);
  if (/[\uD800-\uDBFF]/.test(t[cut - 1] ?? '')) cut -= 1;
  return `${t.slice(0, cut)}${suffix(t.length - cut)}`;
}
/** Top-level `text` (notifications and fallback): mrkdwn too, so escaped as well. */
const topText = (m: Mrkdwn) => finalText(m, LIMITS.text);
const who = (r: ReleaseRecord): Mrkdwn => (r.requester.identity.via === 'slack' ? mention(r.requester.identity.id) : text(r.requester.person ?? r.requester.identity.id));
const statusWords = (s: string) => s.replace('_', ' ');
const STATUS_ICON: Record<ReleaseRecord['status'], string> = { running: '⏳', awaiting_approval: '⏸', succeeded: '✓', failed: '✗', rejected: '✗', rolled_back: '↩' };

const size = (b: Block) => JSON.stringify(b).length;

/**
 * Keeps a message inside Slack's limits: at most 50 blocks and about 10 KB, `tail` (buttons,
 * decision, the release id) always kept; body blocks that do not fit are replaced by one
 * "… N more not shown" line.
 */
export function fitBlocks(body: readonly Block[], tail: readonly Block[] = []): Block[] {
  const budget = LIMITS.messageChars - tail.reduce((n, b) => n + size(b), 0) - 200;
  const room = LIMITS.blocks - tail.length - 1;
  const kept: Block[] = [];
  let used = 0;
  for (const b of body) {
    if (kept.length < room && used + size(b) <= budget) {
      kept.push(b);
      used += size(b);
      continue;
    }
    const left = budget - used - 400;
    const t = (b as { text?: { type?: string; text?: string } }).text;
    if (kept.length < room && b.type === 'section' && t?.type === 'mrkdwn' && t.text && left > 200) {
      kept.push({ type: 'section', text: { type: 'mrkdwn', text: truncateMrkdwn(t.text, left) } });
      used += left;
    }
    break;
  }
  const dropped = body.length - kept.length;
  return dropped > 0 ? [...kept, context(mrkdwn`… ${dropped} more not shown`), ...tail] : [...kept, ...tail];
}

/** The one live message per release: headline, checklist with durations, failure reason, who asked. */
export function liveReleaseMessage(r: ReleaseRecord, opts: { links?: ReleaseLinks; now?: number } = {}): SlackMessageBody {
  const checklist = r.stages.map((s) => stageLine(s, opts.now === undefined ? {} : { now: opts.now }));
  const body: Block[] = [
    md(mrkdwn`${STATUS_ICON[r.status]} *${short(r.version, SHORT.id)}* (${code(r.sha.slice(0, 7))}) → ${r.path.join(' → ')} · *${statusWords(r.status)}*`),
    md(codeBlock(checklist)),
  ];
  if (r.reason && r.status !== 'succeeded') body.push(md(mrkdwn`*${statusWords(r.status)}:* ${short(r.reason.split('\n')[0] ?? '', SHORT.line)}`));
  if (r.status === 'awaiting_approval') body.push(md(mrkdwn`⏸ waiting for approval in the approvals channel (digest ${code(r.digest?.slice(0, 12) ?? '—')})`));
  const parts = [mrkdwn`release ${code(r._id)}`, mrkdwn`asked by ${who(r)}`, mrkdwn`ref ${code(short(r.ref, SHORT.id))}`];
  if (opts.links?.runUrl) parts.push(link(opts.links.runUrl, 'run'));
  if (opts.links?.dashboardUrl) parts.push(link(opts.links.dashboardUrl, 'dashboard'));
  const tail = [context(joinMrkdwn(parts, ' · '))];
  if (opts.links?.note) tail.push(context(text(opts.links.note)));
  return { text: topText(text(releaseHeadline(r))), blocks: fitBlocks(body, tail) };
}

function gateBlocks(r: ReleaseRecord, thresholds: readonly string[]): Block[] {
  const out: Block[] = [];
  const all = r.stages.filter((s) => s.env !== r.target && s.result && ['health', 'smoke', 'load'].includes(s.name));
  // In full: the environment just before the target (what the approver compares with); earlier
  // environments as one line each, so a long path cannot push the plan out of the message.
  const last = all.at(-1)?.env;
  const earlier = [...new Set(all.filter((s) => s.env !== last).map((s) => s.env))];
  for (const env of earlier) {
    const line = all.filter((s) => s.env === env).map((s) => `${s.status === 'passed' ? '✓' : '✗'} ${s.name}: ${short(s.result!.summary, SHORT.id)}`).join(' · ');
    out.push(context(mrkdwn`*${env}* · ${line}`));
  }
  const results = all.filter((s) => s.env === last);
  if (results.length === 0) out.push(md(mrkdwn`*Gates:* no gate results recorded`));
  for (const s of results) {
    const c = toSlack(s.result!);
    out.push({ ...md(mrkdwn`*${s.env}* · ${short(c.text, SHORT.line)}`), ...(c.fields.length ? { fields: fields(c.fields) } : {}) });
    if (s.name === 'load' && thresholds.length) out.push(context(mrkdwn`thresholds: ${thresholds.join(' · ')}`));
  }
  // The other stages: those that did not pass by name, the passed ones counted per environment.
  const others = r.stages.filter((s) => s.env !== r.target && !['health', 'smoke', 'load'].includes(s.name));
  const notPassed = others.filter((s) => s.status !== 'passed');
  const passedBy = [...new Set(others.map((s) => s.env))].map((env) => `${env}: ${others.filter((s) => s.env === env && s.status === 'passed').length}/${others.filter((s) => s.env === env).length} passed`);
  if (others.length) out.push(context(text([...notPassed.map((s) => short(stageLine(s), SHORT.line)), `other stages — ${passedBy.join(' · ')}`].join('  ·  '))));
  return out;
}

/**
 * Names as inline code, joined with ", " within `budget` characters; the rest as "and N more".
 * Never cut inside a name.
 */
export function namesWithin(names: readonly string[], budget: number): Mrkdwn {
  const shown: Mrkdwn[] = [];
  let used = 0;
  for (const [i, name] of names.entries()) {
    const piece = code(name);
    const tail = i === names.length - 1 ? 0 : ` and ${names.length - i - 1} more`.length;
    if (used + piece.text.length + 2 + tail > budget) break;
    shown.push(piece);
    used += piece.text.length + 2;
  }
  const rest = names.length - shown.length;
  if (rest === 0) return joinMrkdwn(shown, ', ');
  return shown.length ? mrkdwn`${joinMrkdwn(shown, ', ')} and ${rest} more` : mrkdwn`${rest} (names too long to show)`;
}

/** Plan lines in a code block within `budget`, whole lines only, then how many were left out. */
function planLinesWithin(lines: readonly string[], budget: number): Mrkdwn {
  const kept: string[] = [];
  let used = 8;
  for (const l of lines) {
    const len = codeBlock([l]).text.length - 7;
    if (used + len + 80 > budget) break;
    kept.push(l);
    used += len;
  }
  const rest = lines.length - kept.length;
  const more = rest ? mrkdwn`\n… ${rest} more change${rest === 1 ? '' : 's'} not shown (the whole plan: ${code('shipgate migrate plan')})` : mrkdwn``;
  return kept.length ? mrkdwn`${codeBlock(kept)}${more}` : mrkdwn`${rest} change${rest === 1 ? '' : 's'} (the whole plan: ${code('shipgate migrate plan')})`;
}

/**
 * The risks of a plan, first and whole: what cannot come back and what the previous version
 * cannot run on. Empty when there are none.
 */
function riskBlocks(r: ReleaseRecord): Block[] {
  // Names within 600 characters each: the counts and the first names always fit next to the gates and the plan.
  const plan = r.targetPlan;
  if (!plan) return [];
  const risks: Mrkdwn[] = [];
  if (plan.breaking.length) risks.push(mrkdwn`⚠ *point of no return (${plan.breaking.length}):* ${namesWithin(plan.breaking, 600)} — the previous version cannot run on the new schema; switching back needs a forced rollback or a restore`);
  if (plan.irreversible.length) risks.push(mrkdwn`⚠ *irreversible (${plan.irreversible.length}):* ${namesWithin(plan.irreversible, 600)} — only a backup brings the data back`);
  return risks.length ? [md(joinMrkdwn(risks, '\n'))] : [];
}

function planBlocks(r: ReleaseRecord): Block[] {
  const plan = r.targetPlan;
  if (!plan) return [md(mrkdwn`*Migration plan:* not computed`)];
  if (plan.pending.length === 0) return [md(mrkdwn`*Migration plan:* no migrations to apply on ${plan.env}`)];
  const n = plan.pending.length;
  const out: Block[] = [
    md(mrkdwn`*Migrations to apply on ${plan.env}*${plan.approximate ? ' (approximate counts)' : ''}: ${n} migration${n === 1 ? '' : 's'}, ${plan.lines.length} change${plan.lines.length === 1 ? '' : 's'}\n${namesWithin(plan.pending, 800)}`),
  ];
  if (plan.lines.length) out.push(md(planLinesWithin(plan.lines, 2000)));
  return out;
}

export interface ApprovalMessageOptions {
  policy: ApprovalPolicy;
  /** Load thresholds from config, shown next to the load numbers. */
  thresholds?: readonly string[];
  decision?: { kind: 'approved' | 'rejected'; by: Mrkdwn; at: string; note?: string };
}

/** Who decided, as shown on the request: the person's name and a mention of the clicker. */
export function deciderLabel(person: string | undefined, slackUser: string): Mrkdwn {
  return person ? mrkdwn`${person} (${mention(slackUser)})` : mention(slackUser);
}

/** The approval request: version, commit, gate results, migration plan and risks, Approve / Reject. */
export function approvalRequestMessage(r: ReleaseRecord, opts: ApprovalMessageOptions): SlackMessageBody {
  const value = JSON.stringify({ releaseId: r._id, digest: r.digest ?? '' } satisfies ButtonValue);
  const body: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: truncatePlain(`Approval needed: ${r.version} → ${r.target}`, LIMITS.header) } },
    {
      type: 'section',
      fields: [
        field('Version', short(r.version, SHORT.id)),
        field('Commit', mrkdwn`${code(r.sha.slice(0, 7))} (${short(r.ref, SHORT.id)})`),
        field('Requested by', who(r)),
        field('Digest', code(r.digest?.slice(0, 12) ?? '—')),
      ],
    },
    // Break-glass and the risks come right after the facts, so no length of gates or plan can push them out.
    ...(r.breakGlass
      ? [md(mrkdwn`🔨 *Glass broken* by ${r.breakGlass.person} for ${short(r.breakGlass.rules.map((x) => `${x.env} (${x.rule})`).join(', '), SHORT.line)} — reason: ${short(r.breakGlass.reason, SHORT.line)}`)]
      : []),
    ...riskBlocks(r),
    { type: 'divider' },
    ...gateBlocks(r, opts.thresholds ?? []),
    { type: 'divider' },
    ...planBlocks(r),
  ];
  const tail: Block[] = [
    context(mrkdwn`approvers: ${opts.policy.approvers.join(', ')} (${opts.policy.minApprovals} needed) · an approval expires after ${formatDuration(opts.policy.expiresAfterMs)} · the requester cannot approve · release ${code(r._id)}`),
  ];
  if (opts.decision) {
    const d = opts.decision;
    const note = d.note ? mrkdwn` — ${d.note}` : mrkdwn``;
    tail.push(md(mrkdwn`${d.kind === 'approved' ? '✓' : '✗'} *${d.kind === 'approved' ? 'Approved' : 'Rejected'}* by ${d.by} at ${d.at}${note}`));
  } else if (value.length <= LIMITS.buttonValue) {
    tail.push({
      type: 'actions',
      block_id: 'shipgate_decision',
      elements: [
        { type: 'button', action_id: ACTION_APPROVE, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value },
        { type: 'button', action_id: ACTION_REJECT, style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value },
      ],
    });
  } else {
    tail.push(md(mrkdwn`⚠ this release cannot be decided from Slack (its id is too long for a button); use ${code(`shipgate approve ${r._id}`)}`));
  }
  return { text: topText(mrkdwn`Approval needed: ${short(r.version, SHORT.id)} (${r.sha.slice(0, 7)}) → ${r.target}, requested by ${r.requester.person ?? r.requester.identity.id}`), blocks: fitBlocks(body, tail) };
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
      md(mrkdwn`Reject *${meta.version}* (release ${code(meta.releaseId)})? The release ends here; the requester sees your reason.`),
      { type: 'input', block_id: REASON_BLOCK, label: { type: 'plain_text', text: 'Reason' }, element: { type: 'plain_text_input', action_id: REASON_INPUT, multiline: true, min_length: 3, max_length: MAX_REASON } },
    ],
  };
}

export function statusMessage(states: readonly EnvironmentState[]): SlackMessageBody {
  const blocks: Block[] = states.map((s) => {
    const lines: Mrkdwn[] = [mrkdwn`*${s.env}*${s.protected ? ' (protected)' : ''}`];
    lines.push(s.live ? mrkdwn`version *${short(s.live.version, SHORT.id)}* (${code(s.live.sha.slice(0, 7))})${s.live.slot ? mrkdwn` on slot *${s.live.slot}*` : mrkdwn``} — ${s.live.release}` : mrkdwn`nothing released yet`);
    if (s.publicUrl) lines.push(mrkdwn`public: ${s.publicUrl}`);
    if (s.lock?.kind === 'nightly-smoke') lines.push(mrkdwn`🔒 nightly smoke freeze: ${short(s.lock.reason, SHORT.line)} (lifted when the smoke is green again, or ${code(`/deploy unlock ${s.env}`)})`);
    else lines.push(s.lock ? mrkdwn`🔒 locked by ${s.lock.owner}: ${short(s.lock.reason, SHORT.line)} (${s.lock.until})` : mrkdwn`🔓 unlocked`);
    lines.push(...windowLines(s));
    if (s.inFlight) lines.push(mrkdwn`in flight: ${code(s.inFlight.release)} ${short(s.inFlight.version, SHORT.id)} — ${statusWords(s.inFlight.status)}${s.inFlight.stage ? mrkdwn` at ${s.inFlight.stage}` : mrkdwn``}`);
    return md(joinMrkdwn(lines, '\n'));
  });
  return { text: topText(text(states.map((s) => `${s.env}: ${s.live?.version ?? 'nothing released'}${s.lock ? ' (locked)' : ''}`).join('; '))), blocks: fitBlocks(blocks) };
}

/** An environment's deploy window in /deploy status: open or closed until when, and the freeze dates to come (at most 5). */
function windowLines(s: EnvironmentState): Mrkdwn[] {
  const w = s.window;
  if (!w) return [];
  const out = [w.open ? mrkdwn`🟢 window open now${w.closesAt ? mrkdwn`; closes ${w.closesAt}: ${short(w.rule ?? '', SHORT.value)}` : mrkdwn``}` : mrkdwn`⛔ window closed: ${short(w.rule ?? '', SHORT.value)}; opens ${w.nextOpen ?? ''}`];
  for (const f of w.freezes.slice(0, 5)) out.push(mrkdwn`❄ freeze ${f.from === f.to ? f.from : `${f.from} – ${f.to}`}: ${short(f.reason, SHORT.id)}`);
  if (w.freezes.length > 5) out.push(mrkdwn`… ${w.freezes.length - 5} more freezes (${code('shipgate status')})`);
  return out;
}

/** The channel notice when a release ends: succeeded, failed, rejected or rolled back. */
export function finishedNotice(r: ReleaseRecord): SlackMessageBody {
  const m =
    r.status === 'succeeded'
      ? mrkdwn`✓ ${short(r.version, SHORT.id)} is live on ${r.target} (asked by ${who(r)})`
      : mrkdwn`${STATUS_ICON[r.status]} release of ${short(r.version, SHORT.id)} to ${r.target} ${statusWords(r.status)}: ${short((r.reason ?? 'no reason recorded').split('\n')[0] ?? '', SHORT.line)} (asked by ${who(r)})`;
  return { text: topText(m), blocks: [md(m), context(mrkdwn`release ${code(r._id)}`)] };
}

export function lockNotice(p: { env: string; locked: boolean; by: string; reason?: string; was?: string }): SlackMessageBody {
  const m = p.locked ? mrkdwn`🔒 ${p.env} locked by ${mention(p.by)}: ${p.reason ?? ''}` : mrkdwn`🔓 ${p.env} unlocked by ${mention(p.by)}${p.was ? mrkdwn` (was: ${p.was})` : mrkdwn``}`;
  return { text: topText(m), blocks: [md(m)] };
}

export function rollbackNotice(p: { env: string; by: string; message: string }): SlackMessageBody {
  const m = mrkdwn`↩ ${p.env} rolled back by ${mention(p.by)}: ${p.message}`;
  return { text: topText(m), blocks: [md(m)] };
}

/**
 * A finished stage's gate report, as a reply in the live message's thread: the verdict, then its
 * details (GitHub markdown) rendered as mrkdwn sections, cut between lines and within Slack's
 * limits with "… N more not shown".
 */
export function gateReportReply(s: StageRecord & { result: GateResult }): SlackMessageBody {
  const c = toSlack(s.result);
  const body: Block[] = [md(mrkdwn`*${s.key}*\n${c.text}`)];
  for (const t of packUnits(markdownToMrkdwn(s.result.details.trim()), LIMITS.sectionText)) body.push({ type: 'section', text: { type: 'mrkdwn', text: truncateMrkdwn(redactText(t), LIMITS.sectionText) } });
  const tail = [context(mrkdwn`started ${s.result.startedAt} · took ${formatDuration(s.result.durationMs)}`)];
  return { text: topText(mrkdwn`${s.key}: ${s.result.summary}`), blocks: fitBlocks(body, tail) };
}

/** The nightly smoke report (the scheduled workflow posts it through bot/slack/post-smoke-report.ts). */
export function smokeReportMessage(result: GateResult, opts: { env: string; url: string; runUrl?: string }): SlackMessageBody {
  const c = toSlack(result);
  const headline = result.status === 'passed' ? mrkdwn`✓ nightly smoke on ${opts.env} passed` : mrkdwn`✗ nightly smoke on ${opts.env} ${result.status}`;
  const body: Block[] = [md(mrkdwn`*${headline}* — ${opts.url}`), { ...md(text(short(c.text, SHORT.line))), ...(c.fields.length ? { fields: fields(c.fields) } : {}) }];
  if (result.status !== 'passed' && result.details.trim()) body.push(md(text(result.details)));
  const parts = [mrkdwn`started ${result.startedAt}`, mrkdwn`took ${formatDuration(result.durationMs)}`, ...(opts.runUrl ? [link(opts.runUrl, 'run')] : [])];
  return { text: topText(mrkdwn`${headline}: ${result.summary}`), blocks: fitBlocks(body, [context(joinMrkdwn(parts, ' · '))]) };
}

/** An ephemeral answer (response_url or the ack body): mrkdwn only, redacted, within limits. */
export function ephemeral(m: Mrkdwn): { response_type: 'ephemeral'; text: string } {
  return { response_type: 'ephemeral', text: finalText(m, LIMITS.sectionText) };
}

/** The ephemeral answers of the Slack side, in one place (golden-tested with hostile text). */
export const answers = {
  error: (err: unknown) => slackError(err),
  starting: (ref: string, env: string) => mrkdwn`⏳ checking and starting a release of ${code(ref)} to ${env}…`,
  working: (commandText: string) => mrkdwn`⏳ /deploy ${commandText}`,
  releaseStarted: (p: { id: string; ref: string; sha: string; env: string }) => mrkdwn`⏳ release ${code(p.id)} of ${code(p.ref)} (${code(p.sha.slice(0, 7))}) to ${p.env} started — follow it in the deploys channel`,
  workflowDispatched: (p: { workflow: string; repo: string; ref: string; env: string }) => mrkdwn`⏳ ${p.workflow} dispatched in ${p.repo}: ${code(p.ref)} to ${p.env} — follow it in the deploys channel`,
  locked: (env: string, reason: string) => mrkdwn`🔒 ${env} locked: ${reason}`,
  notLocked: (env: string) => mrkdwn`${env} was not locked`,
  unlocked: (env: string, owner: string, reason: string) => mrkdwn`🔓 ${env} unlocked (was locked by ${owner}: ${reason})`,
  rolledBack: (message: string) => text(message),
  approvalRecorded: (id: string, state: string) => mrkdwn`✓ your approval of ${code(id)} is recorded: ${state}`,
  nothingToReject: (id: string, status: string) => mrkdwn`release ${code(id)} is ${statusWords(status)}: there is nothing to reject any more`,
  rejected: (id: string, reason: string) => mrkdwn`✗ you rejected ${code(id)}: ${reason}`,
  unknownCommand: (command: string) => mrkdwn`:warning: ${command} is not a command of this app; Shipgate answers ${code('/deploy')} (try ${code('/deploy help')})`,
  unknownAction: () => mrkdwn`:warning: this button or form is not one Shipgate knows (an old message?); nothing was done`,
  dashboardLink: (url: string) => mrkdwn`🔑 ${link(url, 'Open the release dashboard')} — this link signs you in; it works once, for 10 minutes, and only you can see it. Do not share it.`,
  dashboardOff: () => mrkdwn`the release dashboard is not on for this bot: its admin sets ${code('SHIPGATE_DASHBOARD_SECRET')} and ${code('SHIPGATE_DASHBOARD_URL')} (docs/dashboard.md)`,
  dashboardNotAPerson: (user: string) => mrkdwn`:no_entry: ${mention(user)} is not a person of the Shipgate config, so there is no dashboard link for you: ask an admin to add your Slack id under ${code('people')} in .github/shipgate.yml`,
};
