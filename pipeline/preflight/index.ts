/**
 * The preflight checks, in the order they run, and the `preflight` stage that runs them first on
 * every environment (docs/preflight.md). `shipgate doctor` runs the same list.
 */
import type { StageSpec } from '../release/runner.ts';
import { databasePrivilegesCheck, databaseServerCheck, databaseTargetCheck } from './database.ts';
import { nodeEnginesCheck } from './node.ts';
import { customDomainCheck, dnsRecordCheck, tlsCheck } from './public-host.ts';
import { preflightResult, runChecks } from './run.ts';
import type { PreflightCheck, PreflightContext } from './types.ts';
import { requiredEnvCheck, secretsCheck, shipgateVariablesCheck } from './variables.ts';

export const PREFLIGHT_CHECKS: readonly PreflightCheck[] = [
  shipgateVariablesCheck,
  requiredEnvCheck,
  secretsCheck,
  databaseTargetCheck,
  databaseServerCheck,
  databasePrivilegesCheck,
  dnsRecordCheck,
  customDomainCheck,
  tlsCheck,
  nodeEnginesCheck,
];

export type PreflightWiring = Omit<PreflightContext, 'signal' | 'now' | 'env'>;

/** Read-only and safe to run again: it never writes, so it needs no approval and runs before anything is touched. */
export function preflightStage(env: string, wiring: PreflightWiring, checks: readonly PreflightCheck[] = PREFLIGHT_CHECKS): StageSpec {
  return {
    env, name: 'preflight', writes: false, rerunnable: true,
    async run({ signal, progress }) {
      const startedAt = new Date().toISOString();
      const t0 = performance.now();
      let n = 0;
      const verdicts = await runChecks(checks, { ...wiring, env, now: new Date() }, {
        timeoutMs: wiring.config.preflight.timeout,
        signal,
        onVerdict: (v) => {
          if (v.status === 'running') progress(`checking ${v.title} (${++n}/${checks.length})`);
        },
      });
      return preflightResult(env, verdicts, startedAt, Math.round(performance.now() - t0));
    },
  };
}

export { runChecks, verdictLines, blocking, preflightResult } from './run.ts';
export type { CheckVerdict, PreflightCheck, PreflightContext } from './types.ts';
