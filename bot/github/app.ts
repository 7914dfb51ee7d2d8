/**
 * The Shipgate GitHub App (Probot): a thin shell that turns webhook deliveries into calls on the
 * rule keeper and the notifier. Every delivery is claimed by its id first, so a redelivery
 * (same X-GitHub-Delivery) changes nothing. Signatures and payload shapes are checked at the
 * edge (webhook-edge.ts) before any handler runs; an event touches a release only when it comes
 * from the release's repository and installation (binding.ts).
 * - deployment_protection_rule (requested): the production environment's custom rule;
 * - workflow_run, deployment_status: progress onto the release's live Slack message; a run that
 *   left its release awaiting approval (release.yml's staging job) has Slack ask the approvers.
 * Migration PR checks run in Actions (migrate action, `step: check`), where the PR's code is
 * sandboxed — never here, next to the bot's credentials.
 */
import type { ApplicationFunction, Context } from 'probot';
import type { Db } from 'mongodb';
import type { ReleaseStore } from '../../pipeline/release/store.ts';
import type { ReleaseRecord } from '../../pipeline/release/types.ts';
import { redactText } from '../../pipeline/secrets/redact.ts';
import type { ReleaseNotifier } from '../notify.ts';
import { checkEventOrigin, type EventOrigin } from './binding.ts';
import { claimDelivery, forgetDelivery, linkRunToRelease, releaseOfRun } from './ledger.ts';
import { callbackTarget, parsePayload, type HandledEvent, type PayloadOf } from './payloads.ts';
import { RELEASE_ID, type RuleKeeper } from './rule-keeper.ts';

export interface GithubAppDeps {
  store: ReleaseStore;
  notifier: ReleaseNotifier;
  keeper: RuleKeeper;
  /** owner/name, for releases whose record carries only the app name (GITHUB_REPOSITORY). */
  repository?: string;
}

/** Runs `body` for the first delivery of an id only; a failed run frees the id for GitHub's redelivery. */
async function once(db: Db, context: Context, body: () => Promise<void>): Promise<void> {
  if (!(await claimDelivery(db, { id: context.id, event: context.name }))) {
    context.log.info(`delivery ${context.id} (${context.name}) already handled: ignored`);
    return;
  }
  try {
    await body();
  } catch (err) {
    await forgetDelivery(db, context.id);
    throw err;
  }
}

/** The payload as validated at the edge (parsed again: probot.receive callers skip the edge). */
function payloadOf<E extends HandledEvent>(event: E, context: Context): PayloadOf<E> {
  const parsed = parsePayload(event, context.payload);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.payload;
}

const originOf = (p: { repository: { full_name: string }; installation?: { id: number } | undefined }): EventOrigin => ({ repo: p.repository.full_name, installationId: p.installation?.id });

/**
 * The release a workflow run belongs to — linked by the release action, or named in run-name —
 * and only when the event comes from the release's repository and installation; linked then.
 */
async function releaseOfWorkflowRun(deps: GithubAppDeps, context: Context, origin: EventOrigin, run: { id: number; display_title?: string | null | undefined }): Promise<ReleaseRecord | undefined> {
  const db = deps.store.db;
  const id = (await releaseOfRun(db, origin.repo, run.id)) ?? RELEASE_ID.exec(run.display_title ?? '')?.[0];
  if (!id) return undefined;
  const release = await deps.store.find(id);
  if (!release) return undefined;
  const check = await checkEventOrigin(db, release, origin, deps.repository);
  if (!check.ok) {
    context.log.warn(redactText(`delivery ${context.id} (${context.name}) not linked: ${check.reason}`));
    return undefined;
  }
  await linkRunToRelease(db, { repo: origin.repo, runId: run.id, release: release._id });
  return release;
}

export function shipgateGithubApp(deps: GithubAppDeps): ApplicationFunction {
  const db = deps.store.db;
  return (app) => {
    app.on('deployment_protection_rule.requested', (context) => once(db, context, async () => {
      const p = payloadOf('deployment_protection_rule', context);
      const target = callbackTarget(p.deployment_callback_url)!;
      const outcome = await deps.keeper.onRuleRequested({
        owner: p.repository.owner.login, repo: p.repository.name, runId: target.runId, environment: p.environment,
        ...(p.installation ? { installationId: p.installation.id } : {}),
      });
      context.log.info(`protection rule for run ${target.runId} (${p.environment}): ${outcome}`);
    }));

    app.on('workflow_run', (context) => once(db, context, async () => {
      const p = payloadOf('workflow_run', context);
      const run = p.workflow_run;
      const release = await releaseOfWorkflowRun(deps, context, originOf(p), run);
      if (!release) return;
      const state = `${p.action ?? 'updated'}${run.conclusion ? `: ${run.conclusion}` : ''}`;
      await deps.notifier.releaseUpdated(release, { runUrl: run.html_url, note: redactText(`${(run.name ?? 'workflow').slice(0, 200)} ${state}`) });
      // The staging job ended at awaiting approval: Slack asks the approvers (the notifier posts once per digest).
      if (release.status === 'awaiting_approval') await deps.notifier.approvalRequested(release);
    }));

    app.on('deployment_status', (context) => once(db, context, async () => {
      const p = payloadOf('deployment_status', context);
      if (!p.workflow_run) return;
      const release = await releaseOfWorkflowRun(deps, context, originOf(p), p.workflow_run);
      if (!release) return;
      const s = p.deployment_status;
      const url = s.log_url || s.target_url || undefined;
      await deps.notifier.releaseUpdated(release, { ...(url ? { runUrl: url } : {}), note: redactText(`${p.deployment.environment} deployment ${s.state}${s.description ? `: ${s.description.slice(0, 300)}` : ''}`) });
    }));
  };
}
