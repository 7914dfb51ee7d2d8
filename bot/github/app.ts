/**
 * The Shipgate GitHub App (Probot): a thin shell that turns webhook deliveries into calls on the
 * rule keeper and the notifier. Every delivery is claimed by its id first, so a redelivery
 * (same X-GitHub-Delivery) changes nothing. Signatures are verified by Probot's middleware
 * before any handler runs (index.ts).
 * - deployment_protection_rule (requested): the production environment's custom rule;
 * - workflow_run, deployment_status: progress onto the release's live Slack message; a run that
 *   left its release awaiting approval (release.yml's staging job) has Slack ask the approvers.
 * Migration PR checks run in Actions (migrate action, `step: check`), where the PR's code is
 * sandboxed — never here, next to the bot's credentials.
 */
import type { ApplicationFunction, Context } from 'probot';
import type { Db } from 'mongodb';
import type { ReleaseStore } from '../../pipeline/release/store.ts';
import { redactText } from '../../pipeline/secrets/redact.ts';
import type { ReleaseNotifier } from '../notify.ts';
import { claimDelivery, forgetDelivery, linkRunToRelease, releaseOfRun } from './ledger.ts';
import { RELEASE_ID, runIdOfCallback, type RuleKeeper } from './rule-keeper.ts';

export interface GithubAppDeps {
  store: ReleaseStore;
  notifier: ReleaseNotifier;
  keeper: RuleKeeper;
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

/** The release a workflow run belongs to: linked by the release action, or named in run-name. */
async function releaseOfWorkflowRun(store: ReleaseStore, repo: string, run: { id: number; display_title?: string }) {
  const id = (await releaseOfRun(store.db, repo, run.id)) ?? RELEASE_ID.exec(run.display_title ?? '')?.[0];
  if (!id) return undefined;
  await linkRunToRelease(store.db, { repo, runId: run.id, release: id });
  return (await store.find(id)) ?? undefined;
}

export function shipgateGithubApp(deps: GithubAppDeps): ApplicationFunction {
  const db = deps.store.db;
  return (app) => {
    app.on('deployment_protection_rule.requested', (context) => once(db, context, async () => {
      const p = context.payload;
      const runId = runIdOfCallback(p.deployment_callback_url ?? '');
      const environment = p.environment ?? '';
      if (!runId || !environment || !p.repository) {
        context.log.warn('deployment_protection_rule without a run callback URL, environment or repository: ignored');
        return;
      }
      const outcome = await deps.keeper.onRuleRequested({
        owner: p.repository.owner.login, repo: p.repository.name, runId, environment,
        ...(p.installation?.id ? { installationId: p.installation.id } : {}),
      });
      context.log.info(`protection rule for run ${runId} (${environment}): ${outcome}`);
    }));

    app.on('workflow_run', (context) => once(db, context, async () => {
      const run = context.payload.workflow_run;
      const release = await releaseOfWorkflowRun(deps.store, context.payload.repository.full_name, { id: run.id, display_title: (run as { display_title?: string }).display_title ?? '' });
      if (!release) return;
      const state = `${context.payload.action}${run.conclusion ? `: ${run.conclusion}` : ''}`;
      await deps.notifier.releaseUpdated(release, { runUrl: run.html_url, note: redactText(`${run.name ?? 'workflow'} ${state}`) });
      // The staging job ended at awaiting approval: Slack asks the approvers (the notifier posts once per digest).
      if (release.status === 'awaiting_approval') await deps.notifier.approvalRequested(release);
    }));

    app.on('deployment_status', (context) => once(db, context, async () => {
      const p = context.payload;
      const run = (p as { workflow_run?: { id: number; display_title?: string } | null }).workflow_run;
      if (!run) return;
      const release = await releaseOfWorkflowRun(deps.store, p.repository.full_name, run);
      if (!release) return;
      const s = p.deployment_status;
      const url = s.log_url ?? s.target_url ?? undefined;
      await deps.notifier.releaseUpdated(release, { ...(url ? { runUrl: url } : {}), note: redactText(`${p.deployment.environment} deployment ${s.state}${s.description ? `: ${s.description}` : ''}`) });
    }));
  };
}
