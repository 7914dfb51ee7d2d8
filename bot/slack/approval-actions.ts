/**
 * Approve / Reject on the approval request. Acknowledge first, then, before anything is recorded:
 * - the button value is read defensively (at most 2000 characters, JSON, the expected fields;
 *   otherwise SHIPGATE_SLACK_BAD_BUTTON, one line);
 * - the click must come from the release's own approval request: the message it was clicked on
 *   (channel + ts) is the one the notifier posted for that release and digest (message store) —
 *   a value edited to name another release is refused (SHIPGATE_SLACK_NOT_THIS_MESSAGE);
 * - the button's digest must still be the release's (otherwise the message is outdated);
 * then the engine (approveRelease / rejectRelease) decides the rest — approver, not the requester,
 * release still awaiting approval, not already approved, approval not expired. Every refusal is an
 * ephemeral answer to the clicker and changes nothing. Once an approval is recorded, editing the
 * request message is best-effort: the clicker is told it is recorded, and the notifier and the
 * onApproved hook run even when Slack will not edit the message.
 */
import type { App, BlockAction, ButtonAction, RespondFn, ViewSubmitAction, webApi } from '@slack/bolt';
import { z } from 'zod';
import type { ReleaseSystem } from '../../pipeline/release/factory.ts';
import { approveRelease, rejectRelease } from '../../pipeline/release/decide.ts';
import { personFor } from '../../pipeline/release/approvals.ts';
import type { Identity, ReleaseRecord } from '../../pipeline/release/types.ts';
import type { ReleaseNotifier } from '../notify.ts';
import { ACTION_APPROVE, ACTION_REJECT, MAX_REASON, REASON_BLOCK, REASON_INPUT, REJECT_MODAL, answers, approvalRequestMessage, deciderLabel, ephemeral, rejectModal, type ButtonValue } from './blocks.ts';
import { slackErrors } from './errors.ts';
import { approvalMessageId, type SlackMessageStore } from './message-store.ts';
import { LIMITS, mrkdwn, type Mrkdwn } from './mrkdwn.ts';

export interface ApprovalDeps {
  system: ReleaseSystem;
  notifier: ReleaseNotifier;
  /** Where the notifier recorded each approval request it posted (channel + ts per release and digest). */
  messages: SlackMessageStore;
  thresholds: readonly string[];
  /** Called after an approval completed the required number (GitHub mode: dispatch promote.yml). */
  onApproved?(release: ReleaseRecord): Promise<void>;
  log(line: string): void;
  now?: () => Date;
}

const buttonValue = z.object({ releaseId: z.string().min(1).max(200), digest: z.string().max(200) });
const modalMeta = buttonValue.extend({ channel: z.string(), ts: z.string(), version: z.string() });

interface Where {
  channel: string;
  ts: string;
}

/** Parses what Slack sends back (a button value, a modal's private_metadata) without trusting it. */
function parseSent<T>(raw: string | undefined, schema: z.ZodType<T>, what: string): T {
  const problem = (p: string) => slackErrors.SHIPGATE_SLACK_BAD_BUTTON({ problem: p });
  if (!raw) throw problem(`the ${what} is empty`);
  if (raw.length > LIMITS.buttonValue) throw problem(`the ${what} is ${raw.length} characters long; at most ${LIMITS.buttonValue} are accepted`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw problem(`the ${what} is not JSON`);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw problem(`the ${what} has no valid ${issue?.path.join('.') || 'content'} (${issue?.message ?? 'invalid'})`);
  }
  return r.data;
}

/** The message a click came from. */
function clickedOn(body: BlockAction): Where | undefined {
  const channel = body.channel?.id ?? body.container?.channel_id;
  const ts = body.message?.ts ?? body.container?.message_ts;
  return channel && ts ? { channel, ts } : undefined;
}

/**
 * The release behind a button, or an error: the click must come from the approval request the
 * notifier posted for this release and digest, and the digest must still be the release's.
 */
async function boundRelease(deps: ApprovalDeps, value: ButtonValue, where: Where | undefined): Promise<ReleaseRecord> {
  const posted = await deps.messages.find(approvalMessageId(value.releaseId, value.digest));
  if (!where || !posted?.ts || posted.channel !== where.channel || posted.ts !== where.ts) {
    throw slackErrors.SHIPGATE_SLACK_NOT_THIS_MESSAGE({ id: value.releaseId });
  }
  const release = await deps.system.store.get(value.releaseId);
  if (release.digest !== value.digest) {
    throw slackErrors.SHIPGATE_SLACK_OUTDATED({ id: release._id, why: `the release changed after it was posted (digest ${value.digest.slice(0, 12) || '—'} ≠ now ${release.digest?.slice(0, 12) ?? '—'})` });
  }
  return release;
}

function decidedBy(deps: ApprovalDeps, identity: Identity): Mrkdwn {
  return deciderLabel(personFor(deps.system.policy.people, identity)?.name, identity.id);
}

const toEphemeral = (m: Mrkdwn) => ({ ...ephemeral(m), replace_original: false });

export function registerApprovalActions(app: App, deps: ApprovalDeps): void {
  const decisionDeps = () => ({ store: deps.system.store, audit: deps.system.audit, policy: deps.system.policy, ...(deps.now ? { now: deps.now } : {}) });
  const approvalView = (release: ReleaseRecord, decision?: Parameters<typeof approvalRequestMessage>[1]['decision']) =>
    approvalRequestMessage(release, { policy: deps.system.policy, thresholds: deps.thresholds, ...(decision ? { decision } : {}) });

  app.action<BlockAction<ButtonAction>>(ACTION_APPROVE, async ({ ack, body, action, respond, client }) => {
    await ack();
    const identity: Identity = { via: 'slack', id: body.user.id };
    let out: Awaited<ReturnType<typeof approveRelease>>;
    const where = clickedOn(body);
    try {
      const value = parseSent(action.value, buttonValue, 'button value');
      await boundRelease(deps, value, where);
      out = await approveRelease(decisionDeps(), value.releaseId, identity);
    } catch (err) {
      await refuse(deps, respond, identity, 'approve', err);
      return;
    }
    // Recorded. Everything below is reporting: a failure there never reads as a refused approval.
    const id = out.release._id;
    const at = out.release.approvals.at(-1)?.at ?? new Date().toISOString();
    const shown = await updateMessage(client, where, approvalView(out.release, out.approved ? { kind: 'approved', by: decidedBy(deps, identity), at } : undefined)).catch((err: unknown) => {
      deps.log(`slack: approval of ${id} recorded, but its request message was not updated: ${(err as Error).message}`);
      return false;
    });
    const note = shown ? mrkdwn`` : mrkdwn` (the request message could not be updated; the release page and the live message show it)`;
    await respond(toEphemeral(mrkdwn`${answers.approvalRecorded(id, out.state)}${note}`)).catch(() => undefined);
    await deps.notifier.releaseUpdated(out.release).catch((err: unknown) => deps.log(`slack: live message of ${id} not updated: ${(err as Error).message}`));
    if (out.approved && deps.onApproved) {
      try {
        await deps.onApproved(out.release);
      } catch (err) {
        deps.log(`slack: approval of ${id} recorded, but what follows it failed: ${(err as Error).message.split('\n')[0]}`);
        await respond(toEphemeral(mrkdwn`your approval of ${id} is recorded, but starting what follows it failed:\n${answers.error(err)}`)).catch(() => undefined);
      }
    }
  });

  app.action<BlockAction<ButtonAction>>(ACTION_REJECT, async ({ ack, body, action, respond, client }) => {
    await ack();
    const identity: Identity = { via: 'slack', id: body.user.id };
    try {
      const value = parseSent(action.value, buttonValue, 'button value');
      const where = clickedOn(body);
      const release = await boundRelease(deps, value, where);
      if (release.status !== 'awaiting_approval') {
        await respond(toEphemeral(answers.nothingToReject(release._id, release.status)));
        return;
      }
      await client.views.open({ trigger_id: body.trigger_id, view: rejectModal({ ...value, channel: where?.channel ?? '', ts: where?.ts ?? '', version: release.version }) as never });
    } catch (err) {
      await refuse(deps, respond, identity, 'reject', err);
    }
  });

  app.view<ViewSubmitAction>(REJECT_MODAL, async ({ ack, body, view, client }) => {
    const reason = (view.state.values[REASON_BLOCK]?.[REASON_INPUT]?.value ?? '').trim();
    if (reason.length < 3 || reason.length > MAX_REASON) {
      // Shown under the field; the modal stays open and nothing is recorded.
      await ack({ response_action: 'errors', errors: { [REASON_BLOCK]: reason.length < 3 ? 'give a reason of at least 3 characters' : `the reason is ${reason.length} characters long; at most ${MAX_REASON} are accepted` } });
      return;
    }
    await ack();
    const identity: Identity = { via: 'slack', id: body.user.id };
    let meta: z.infer<typeof modalMeta> | undefined;
    try {
      meta = parseSent(view.private_metadata, modalMeta, 'form');
      await boundRelease(deps, meta, { channel: meta.channel, ts: meta.ts });
      const release = await rejectRelease(decisionDeps(), meta.releaseId, identity, reason);
      await updateMessage(client, meta, approvalView(release, { kind: 'rejected', by: decidedBy(deps, identity), at: release.rejection?.at ?? '', note: release.rejection?.reason ?? '' })).catch((err: unknown) =>
        deps.log(`slack: rejection of ${release._id} recorded, but its request message was not updated: ${(err as Error).message}`),
      );
      await deps.notifier.releaseUpdated(release).catch((err: unknown) => deps.log(`slack: live message of ${release._id} not updated: ${(err as Error).message}`));
      await client.chat.postEphemeral({ channel: meta.channel, user: identity.id, text: ephemeral(answers.rejected(release._id, release.rejection?.reason ?? '')).text });
    } catch (err) {
      deps.log(`slack: reject by ${identity.id} refused: ${(err as Error).message.split('\n')[0]}`);
      if (meta?.channel) await client.chat.postEphemeral({ channel: meta.channel, user: identity.id, text: ephemeral(answers.error(err)).text }).catch(() => undefined);
    }
  });
}

/** Edits the request message; false when there is no message to edit. Throws what Slack answers. */
async function updateMessage(client: webApi.WebClient, where: Where | undefined, message: { text: string; blocks: unknown[] }): Promise<boolean> {
  if (!where?.channel || !where.ts) return false;
  await client.chat.update({ channel: where.channel, ts: where.ts, text: message.text, blocks: message.blocks as never });
  return true;
}

async function refuse(deps: ApprovalDeps, respond: RespondFn, identity: Identity, what: string, err: unknown): Promise<void> {
  deps.log(`slack: ${what} by ${identity.id} refused: ${(err as Error).message.split('\n')[0]}`);
  await respond(toEphemeral(answers.error(err))).catch(() => undefined);
}
