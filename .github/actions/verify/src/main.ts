/**
 * shipgate/verify — the verification gates (health, smoke, load) of one environment: for a
 * release (its verify stages, against where it deployed), or without a release against a URL
 * (the environment's public host by default) — the nightly smoke.
 */
import * as core from '@actions/core';
import { z } from 'zod';
import { buildGates } from '../../../../pipeline/release/gates.ts';
import { environmentStates } from '../../../../pipeline/release/status.ts';
import { toJobSummary } from '../../../../pipeline/gates/render.ts';
import { allowsPromotion, type GateResult } from '../../../../pipeline/gates/types.ts';
import { redactText } from '../../../../pipeline/secrets/redact.ts';
import { list, readInputs } from '../../lib/inputs.ts';
import { runAction } from '../../lib/report.ts';
import { openActionSession } from '../../lib/session.ts';
import { runStagesAndReport } from '../../lib/stage-action.ts';

const GATES = ['health', 'smoke', 'load'] as const;
const Inputs = z.object({
  gates: z.string().default('health,smoke,load').refine((v) => list(v).every((g) => (GATES as readonly string[]).includes(g)), `gates must be a list of ${GATES.join(', ')}`),
  release: z.string().optional(),
  environment: z.string().default('staging'),
  url: z.url('url must be an http(s) URL').optional(),
  config: z.string().optional(),
});

await runAction(async () => {
  const input = readInputs(Inputs, ['gates', 'release', 'environment', 'url', 'config']);
  const s = await openActionSession({ ...(input.config ? { config: input.config } : {}) });
  try {
    if (input.release) {
      await runStagesAndReport(s, { releaseId: input.release, env: input.environment, names: list(input.gates), heading: `Verification on ${input.environment}` });
      return;
    }
    const state = (await environmentStates(s.system)).find((e) => e.env === input.environment);
    const url = input.url ?? state?.publicUrl ?? s.config.environments[input.environment]?.url ?? state?.live?.url;
    if (!url) throw new Error(`no URL for ${input.environment}: set the url input or environments.${input.environment}.url in the config`);
    const gates = buildGates(s.config, s.workspace.root);
    const results: GateResult[] = [];
    for (const name of list(input.gates)) {
      const gate = gates[name as (typeof GATES)[number]];
      if (!gate) continue;
      core.info(`▶ ${name} against ${url}`);
      const r = await gate.run({ url, progress: (e) => core.info(`  ${redactText(e.message)}`) });
      core.info(`${allowsPromotion(r) ? '✓' : '✗'} ${name}: ${redactText(r.summary)}`);
      results.push(r);
    }
    const ok = results.every(allowsPromotion) && results.length > 0;
    core.setOutput('status', ok ? 'passed' : 'failed');
    core.setOutput('summary', results.map((r) => `${r.gate} ${r.status}: ${r.summary}`).join('; ') || 'no gate configured');
    core.setOutput('flaky', results.flatMap((r) => r.flaky ?? []).join('\n'));
    await core.summary.addRaw(redactText([`## ${input.environment}: ${url}`, ...results.map(toJobSummary)].join('\n\n')), true).write();
    if (!ok) core.setFailed(`${input.environment}: ${results.filter((r) => !allowsPromotion(r)).map((r) => `${r.gate} ${r.status}`).join(', ') || 'no gate configured'}`);
  } finally {
    await s.close();
  }
});
