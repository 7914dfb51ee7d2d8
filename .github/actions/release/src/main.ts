/**
 * shipgate/release — start a release, end the staging job at awaiting_approval, or (first step of
 * the production job) re-check that the release is approved for exactly its current digest,
 * failing closed otherwise. A thin shell: the rules are the engine's.
 */
import * as core from '@actions/core';
import { z } from 'zod';
import { requesterOfDispatch } from '../../../../pipeline/release/requester.ts';
import { renderApprovalRequest } from '../../../../pipeline/release/render.ts';
import { releaseErrors } from '../../../../pipeline/release/errors.ts';
import { describeBreakGlass } from '../../../../pipeline/release/window-policy.ts';
import { approvalForCurrentDigest } from '../../../../bot/github/approval-check.ts';
import { readInputs } from '../../lib/inputs.ts';
import { reportRelease, runAction } from '../../lib/report.ts';
import { openActionSession } from '../../lib/session.ts';
import { linkThisRun, requestApproval } from '../../lib/stages.ts';

const Inputs = z.discriminatedUnion('step', [
  z.object({ step: z.literal('start'), to: z.string().default('production'), ref: z.string().optional(), sha: z.string().optional(), version: z.string().optional(), requester: z.string().optional(), 'break-glass': z.string().optional(), 'app-bot': z.string().optional(), config: z.string().optional() }),
  z.object({ step: z.literal('request-approval'), release: z.string().min(1, 'give the release id (output release-id of the start step)'), config: z.string().optional() }),
  z.object({ step: z.literal('check-approval'), release: z.string().min(1, 'give the release id (the promote workflow input)'), config: z.string().optional() }),
], { error: () => 'step must be one of: start, request-approval, check-approval' });
const NAMES = ['step', 'to', 'ref', 'sha', 'version', 'requester', 'break-glass', 'app-bot', 'release', 'config'];

await runAction(async () => {
  const input = readInputs(Inputs, NAMES);
  const s = await openActionSession({ ...(input.config ? { config: input.config } : {}) });
  try {
    if (input.step === 'start') {
      const env = s.env;
      const requester = requesterOfDispatch({ actor: env.GITHUB_ACTOR ?? '', ...(input['app-bot'] ? { appBotLogin: input['app-bot'] } : {}), ...(input.requester ? { requested: input.requester } : {}) });
      const sha = input.sha ?? env.GITHUB_SHA ?? '';
      if (!/^[0-9a-f]{7,40}$/i.test(sha)) throw releaseErrors.SHIPGATE_RELEASE_STATE({ id: '(new)', status: 'not started', wanted: `sha "${sha}" is not a commit: set the sha input or run on a checkout (GITHUB_SHA)` });
      const ref = input.ref ?? env.GITHUB_REF_NAME ?? 'main';
      const release = await s.system.createRelease({
        to: input.to, ref, sha, version: input.version ?? `0.0.0-${sha.slice(0, 7)}`, requester,
        ...(input['break-glass'] !== undefined ? { breakGlass: { reason: input['break-glass'] } } : {}),
      });
      if (release.breakGlass) core.warning(`🔨 ${describeBreakGlass(release.breakGlass)}`);
      await linkThisRun(s, release._id);
      core.info(`release ${release._id}: ${release.version} (${sha.slice(0, 7)}) → ${release.path.join(' → ')}, requested by ${requester.via}:${requester.id}`);
      await reportRelease(release, [], 'Release started');
    } else if (input.step === 'request-approval') {
      const release = await requestApproval(s, input.release);
      await reportRelease(release, [], 'Staging done');
      if (release.status === 'awaiting_approval') {
        core.info(renderApprovalRequest(release, s.system.policy).join('\n'));
        await core.summary.addRaw(`\n\n\`\`\`\n${renderApprovalRequest(release, s.system.policy).join('\n')}\n\`\`\`\n`, true).write();
      } else if (release.status === 'succeeded' && !s.system.runtimes[release.target]?.protected) {
        core.info(`release ${release._id} to ${release.target} is done (no approval needed)`);
      } else core.setFailed(`release ${release._id} is ${release.status}: ${release.reason ?? 'it did not reach the approval'}`);
    } else {
      const release = await s.system.store.get(input.release);
      await linkThisRun(s, release._id);
      const check = await approvalForCurrentDigest(s.system, release);
      await reportRelease(release, [], 'Approval check');
      if (check.ok) {
        core.setOutput('approved-by', check.approvals.map((a) => a.person).join(','));
        core.info(`✓ ${release._id} is approved for digest ${check.digest.slice(0, 12)}: ${check.reason}`);
      } else core.setFailed(releaseErrors.SHIPGATE_NOT_APPROVED({ id: release._id, env: release.target, reason: check.reason }).message);
    }
  } finally {
    await s.close();
  }
});
