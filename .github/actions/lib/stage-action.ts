/** The body shared by the migrate, verify and promote actions: run some stages of one environment, report, fail on a failed gate. */
import * as core from '@actions/core';
import { reportRelease } from './report.ts';
import type { ActionSession } from './session.ts';
import { runStageStep } from './stages.ts';

export async function runStagesAndReport(s: ActionSession, opts: { releaseId: string; env: string; names: readonly string[]; heading: string }): Promise<void> {
  const out = await runStageStep(s, opts);
  if (out.ran.length === 0) core.info(`nothing to run for ${opts.env}: ${opts.names.join(', ')} (not configured for this release)`);
  await reportRelease(out.release, out.ran, opts.heading);
  if (out.failure) core.setFailed(out.failure);
}
