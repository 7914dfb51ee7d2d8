/**
 * The deploy-window rules of a release (docs/releases.md#deploy-windows-and-freezes), once, for
 * every entry point (CLI, Slack, GitHub action — all go through createRelease):
 *
 * - At request time, every environment of the release's path that has a window must be open now.
 *   A closed one refuses the release with SHIPGATE_WINDOW_CLOSED (the rule, its reason, the next
 *   open time) — unless an approver breaks the glass with a reason.
 * - Break-glass: only a person in `approval.approvers`, with a one-line reason of 3–300
 *   characters, and only when a window on the path is closed (nothing to break otherwise). It is
 *   recorded on the release (`breakGlass`) and in the audit log, shown in the approval request,
 *   and covers the whole release; it never replaces approval.
 * - Later, right before the first stage that writes to a windowed environment (production waits
 *   for approval, maybe for hours), the window is checked again: closed meanwhile and no glass
 *   broken → that stage fails (fail closed) before anything is written there.
 */
import type { ShipgateConfig } from '../config/schema.ts';
import { personFor, describeIdentity } from './approvals.ts';
import { releaseErrors } from './errors.ts';
import type { BreakGlassRecord, Identity } from './types.ts';
import { describeNextOpen, describeRule, evaluateWindow, type WindowVerdict } from './windows.ts';

export const BREAK_GLASS_REASON = { min: 3, max: 300 } as const;

export type ClosedVerdict = Extract<WindowVerdict, { open: false }>;

/** The environments of `path` whose window is closed at `at`, in path order. */
export function closedOnPath(config: Pick<ShipgateConfig, 'policy'>, path: readonly string[], at: Date): { env: string; verdict: ClosedVerdict }[] {
  const out: { env: string; verdict: ClosedVerdict }[] = [];
  for (const env of path) {
    const w = Object.hasOwn(config.policy.windows, env) ? config.policy.windows[env] : undefined;
    if (!w) continue;
    const verdict = evaluateWindow(w, at);
    if (!verdict.open) out.push({ env, verdict });
  }
  return out;
}

export function windowClosedError(env: string, v: ClosedVerdict) {
  return releaseErrors.SHIPGATE_WINDOW_CLOSED({ env, rule: describeRule(v.rule, v.timezone), next: describeNextOpen(v) });
}

/** A break-glass reason as given (CLI flag, Slack text): trimmed, one line, 3–300 characters; else a refusal naming the fix. */
export function checkBreakGlassReason(raw: string, who: string): string {
  const reason = raw.trim();
  const refuse = (problem: string) =>
    releaseErrors.SHIPGATE_BREAK_GLASS_REFUSED({ who, problem, fix: `give a one-line reason of ${BREAK_GLASS_REASON.min}–${BREAK_GLASS_REASON.max} characters, e.g. --break-glass "hotfix for the checkout outage (INC-142)"` });
  if (reason.length < BREAK_GLASS_REASON.min) throw refuse('the reason is empty or too short');
  if (reason.length > BREAK_GLASS_REASON.max) throw refuse(`the reason is ${reason.length} characters long; at most ${BREAK_GLASS_REASON.max} are accepted`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(reason)) throw refuse('the reason must be one line of text (no line breaks or control characters)');
  return reason;
}

export interface WindowRequest {
  config: Pick<ShipgateConfig, 'policy' | 'people' | 'approval'>;
  path: readonly string[];
  identity: Identity;
  at: Date;
  breakGlass?: { reason: string };
}

/**
 * The request-time rule (see the top of this file). Returns the break-glass record to store on the
 * release when the glass was broken; undefined when every window on the path is open; throws otherwise.
 */
export function decideWindows(req: WindowRequest): BreakGlassRecord | undefined {
  const who = describeIdentity(req.identity);
  let reason: string | undefined;
  let person: string | undefined;
  if (req.breakGlass) {
    reason = checkBreakGlassReason(req.breakGlass.reason, who);
    const p = personFor(req.config.people, req.identity);
    const approvers = req.config.approval?.approvers ?? [];
    if (!p || !approvers.includes(p.name)) {
      throw releaseErrors.SHIPGATE_BREAK_GLASS_REFUSED({
        who: p?.name ?? who,
        problem: `only an approver may break the glass (approvers: ${approvers.join(', ') || 'none configured'})`,
        fix: p ? 'ask one of the approvers to start the release with --break-glass' : 'the caller is not a person in people: ask one of the approvers to start the release with --break-glass',
      });
    }
    person = p.name;
  }
  const closed = closedOnPath(req.config, req.path, req.at);
  if (closed.length === 0) {
    if (req.breakGlass)
      throw releaseErrors.SHIPGATE_BREAK_GLASS_REFUSED({ who: person ?? who, problem: `every window on the path (${req.path.join(' → ')}) is open now: there is no glass to break`, fix: 'start the release without --break-glass' });
    return undefined;
  }
  if (reason === undefined || person === undefined) {
    const first = closed[0]!;
    throw windowClosedError(first.env, first.verdict);
  }
  return {
    person,
    identity: req.identity,
    reason,
    at: req.at.toISOString(),
    rules: closed.map(({ env, verdict }) => ({
      env,
      rule: describeRule(verdict.rule, verdict.timezone),
      nextOpen: verdict.nextOpen ? verdict.nextOpen.toISOString() : null,
    })),
  };
}

/** One line for people: `glass broken by ana for production (weekend (closed Fri 15:00 – Mon 08:00 Europe/Berlin)): hotfix`. */
export function describeBreakGlass(b: BreakGlassRecord): string {
  return `glass broken by ${b.person} for ${b.rules.map((r) => `${r.env} (${r.rule})`).join(', ')}: ${b.reason}`;
}
