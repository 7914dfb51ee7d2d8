/**
 * Approve / Reject on the approval request. Acknowledge first, then: the button's digest must
 * still be the release's (otherwise the message is outdated and nothing is recorded), and the
 * engine (approveRelease / rejectRelease) decides the rest — approver, not the requester, release
 * still awaiting approval, not already approved, approval not expired. Every refusal is an
 * ephemeral answer to the clicker and changes nothing.
 */
import type { App, BlockAction, ButtonAction, RespondFn, ViewSubmitAction, webApi } from '@slack/bolt';
import { z } from 'zod';
import { presentError } from '../../pipeline/errors.ts';
import type { ReleaseSystem } from '../../pipeline/release/factory.ts';
import { approveRelease, rejectRelease } from '../../pipeline/release/decide.ts';
import { personFor } from '../../pipeline/release/approvals.ts';
import type { Identity, ReleaseRecord } from '../../pipeline/release/types.ts';
import type { ReleaseNotifier } from '../notify.ts';
import { ACTION_APPROVE, ACTION_REJECT, REASON_BLOCK, REASON_INPUT, REJECT_MODAL, approvalRequestMessage, rejectModal } from './blocks.ts';
import { slackErrors } from './errors.ts';

export interface ApprovalDeps {
  system: ReleaseSystem;
  notifier: ReleaseNotifier;
  thresholds: readonly string[];
  /** Called after an approval completed the required number (GitHub mode: dispatch promote.yml). */
  onApproved?(release: ReleaseRecord): Promise<void>;
  log(line: string): void;
  now?: () => Date;
}

const buttonValue = z.object({ releaseId: z.string().min(1), digest: z.string() });
const modalMeta = buttonValue.extend({ channel: z.string(), ts: z.string(), version: z.string() });

const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, replace_original: false, text });

/** The release behind a button, or an error when the message no longer matches it. */
async function currentRelease(deps: ApprovalDeps, value: { releaseId: string; digest: string }): Promise<ReleaseRecord> {
  const release = await deps.system.store.get(value.releaseId);
  if (release.digest !== value.digest) {
    throw slackErrors.SHIPGATE_SLACK_OUTDATED({ id: release._id, why: `the release changed after it was posted (digest ${value.digest.slice(0, 12) || '—'} ≠ now ${release.digest?.slice(0, 12) ?? '—'})` });
  }
  return release;
}

function decidedBy(deps: ApprovalDeps, identity: Identity): string {
  const p = personFor(deps.system.policy.people, identity);
  return p ? `${p.name} (<@${identity.id}>)` : `<@${identity.id}>`;
}

export function registerApprovalActions(app: App, deps: ApprovalDeps): void {
  const decisionDeps = () => ({ store: deps.system.store, audit: deps.system.audit, policy: deps.system.policy, ...(deps.now ? { now: deps.now } : {}) });

  app.action<BlockAction<ButtonAction>>(ACTION_APPROVE, async ({ ack, body, action, respond, client }) => {
    await ack();
    const identity: Identity = { via: 'slack', id: body.user.id };
    try {
      const value = buttonValue.parse(JSON.parse(action.value ?? '{}'));
      await currentRelease(deps, value);
      const out = await approveRelease(decisionDeps(), value.releaseId, identity);
      const at = out.release.approvals.at(-1)?.at ?? new Date().toISOString();
      await updateRequest(client, body, approvalRequestMessage(out.release, {
        policy: deps.system.policy, thresholds: deps.thresholds,
        ...(out.approved ? { decision: { kind: 'approved' as const, by: decidedBy(deps, identity), at } } : {}),
      }));
      await respond(ephemeral(`✓ your approval of \`${value.releaseId}\` is recorded: ${out.state}`));
      await deps.notifier.releaseUpdated(out.release);
      if (out.approved) await deps.onApproved?.(out.release);
    } catch (err) {
      await refuse(deps, respond, identity, 'approve', err);
    }
  });

  app.action<BlockAction<ButtonAction>>(ACTION_REJECT, async ({ ack, body, action, respond, client }) => {
    await ack();
    const identity: Identity = { via: 'slack', id: body.user.id };
    try {
      const value = buttonValue.parse(JSON.parse(action.value ?? '{}'));
      const release = await currentRelease(deps, value);
      if (release.status !== 'awaiting_approval') {
        await respond(ephemeral(`release \`${release._id}\` is ${release.status.replace('_', ' ')}: there is nothing to reject any more`));
        return;
      }
      const channel = body.channel?.id ?? body.container?.channel_id ?? '';
      const ts = body.message?.ts ?? body.container?.message_ts ?? '';
      await client.views.open({ trigger_id: body.trigger_id, view: rejectModal({ ...value, channel, ts, version: release.version }) as never });
    } catch (err) {
      await refuse(deps, respond, identity, 'reject', err);
    }
  });

  app.view<ViewSubmitAction>(REJECT_MODAL, async ({ ack, body, view, client }) => {
    await ack();
    const identity: Identity = { via: 'slack', id: body.user.id };
    let meta: z.infer<typeof modalMeta> | undefined;
    try {
      meta = modalMeta.parse(JSON.parse(view.private_metadata || '{}'));
      const reason = view.state.values[REASON_BLOCK]?.[REASON_INPUT]?.value ?? '';
      await currentRelease(deps, meta);
      const release = await rejectRelease(decisionDeps(), meta.releaseId, identity, reason);
      if (meta.channel && meta.ts) {
        await client.chat.update({
          channel: meta.channel, ts: meta.ts,
          ...approvalRequestMessage(release, { policy: deps.system.policy, thresholds: deps.thresholds, decision: { kind: 'rejected', by: decidedBy(deps, identity), at: release.rejection?.at ?? '', note: release.rejection?.reason ?? '' } }),
        });
      }
      await deps.notifier.releaseUpdated(release);
      if (meta.channel) await client.chat.postEphemeral({ channel: meta.channel, user: identity.id, text: `✗ you rejected \`${release._id}\`: ${release.rejection?.reason ?? ''}` });
    } catch (err) {
      deps.log(`slack: reject by ${identity.id} refused: ${(err as Error).message.split('\n')[0]}`);
      if (meta?.channel) await client.chat.postEphemeral({ channel: meta.channel, user: identity.id, text: presentError(err, 'slack') }).catch(() => undefined);
    }
  });
}

async function updateRequest(client: webApi.WebClient, body: BlockAction, message: { text: string; blocks: unknown[] }): Promise<void> {
  const channel = body.channel?.id ?? body.container?.channel_id;
  const ts = body.message?.ts ?? body.container?.message_ts;
  if (!channel || !ts) return;
  await client.chat.update({ channel, ts, text: message.text, blocks: message.blocks as never });
}

async function refuse(deps: ApprovalDeps, respond: RespondFn, identity: Identity, what: string, err: unknown): Promise<void> {
  deps.log(`slack: ${what} by ${identity.id} refused: ${(err as Error).message.split('\n')[0]}`);
  await respond(ephemeral(presentError(err, 'slack'))).catch(() => undefined);
}
