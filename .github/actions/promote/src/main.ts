/**
 * shipgate/promote — deploy a release to an environment (`step: deploy`), switch its public host
 * (`cutover`: DNS switch, then the public host is verified; failure switches back), or switch
 * back to the previous deployment (`rollback`). Every write to a protected environment is
 * re-checked against the approval by the engine first.
 */
import * as core from '@actions/core';
import { z } from 'zod';
import { assertMayOperate } from '../../../../pipeline/release/authorize.ts';
import { rollbackEnvironment } from '../../../../pipeline/release/rollback.ts';
import { readInputs } from '../../lib/inputs.ts';
import { runAction } from '../../lib/report.ts';
import { openActionSession } from '../../lib/session.ts';
import { runStagesAndReport } from '../../lib/stage-action.ts';

const Inputs = z.object({
  step: z.enum(['deploy', 'cutover', 'rollback'], { error: () => 'step must be one of: deploy, cutover, rollback' }),
  release: z.string().optional(),
  environment: z.string().default('staging'),
  force: z.enum(['true', 'false']).default('false'),
  config: z.string().optional(),
});

await runAction(async () => {
  const input = readInputs(Inputs, ['step', 'release', 'environment', 'force', 'config']);
  const s = await openActionSession({ ...(input.config ? { config: input.config } : {}) });
  try {
    if (input.step === 'rollback') {
      // The same rule as the CLI and Slack: whoever may release to the environment may roll it back.
      const actor = { via: 'github' as const, id: s.env.GITHUB_ACTOR ?? 'actions' };
      assertMayOperate({ action: 'rollback', env: input.environment, identity: actor, people: s.config.people, environments: s.config.environments });
      const out = await rollbackEnvironment(s.system, input.environment, { force: input.force === 'true', actor });
      core.info(out.message);
      await core.summary.addRaw(`## Rollback of ${input.environment}\n\n${out.message}`, true).write();
      return;
    }
    if (!input.release) throw new Error('input release is required for deploy and cutover');
    const names = input.step === 'deploy' ? ['deploy'] : ['cutover', 'verify-public'];
    await runStagesAndReport(s, { releaseId: input.release, env: input.environment, names, heading: `${input.step} on ${input.environment}` });
  } finally {
    await s.close();
  }
});
