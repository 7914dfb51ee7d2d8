/**
 * Deploy, verify and go-live stages. A slotted (blue/green) environment deploys into the slot
 * that is NOT serving, verifies it directly, then switches the public host over and verifies the
 * public host; if that fails it switches back by itself (invariant 8).
 */
import { runGuarded, type Gate, type GateResult } from '../../gates/types.ts';
import type { StageSpec } from '../runner.ts';
import type { ReleaseRecord } from '../types.ts';
import type { EnvironmentRuntime, StageWiring } from './runtime.ts';
import type { AuditLog } from '../audit.ts';
import { deployFailureEvidence, readLogs, recordedDeployment, withEvidence } from '../evidence.ts';

type Outcome = Omit<GateResult, 'gate' | 'startedAt' | 'durationMs'>;

/**
 * The slot to deploy into: not the one serving now. What serves is what the last successful
 * release put live, as long as the public host still points there; on a first release, the first slot.
 */
export async function idleSlot(rt: EnvironmentRuntime, live: { slot?: string; url: string } | undefined): Promise<{ slot: string; serving: string | null; servingSlot?: string }> {
  const slots = rt.slots ?? [];
  const serving = rt.dns ? await rt.dns.provider.current(rt.dns.host) : null;
  const servingSlot = live?.slot && (serving === null || rt.dns?.targetFor(live.url) === serving) ? live.slot : undefined;
  const slot = slots.find((s) => s !== servingSlot) ?? (slots[0] as string);
  return { slot, serving, ...(servingSlot ? { servingSlot } : {}) };
}

export function deployStage(rt: EnvironmentRuntime, lastLive: () => Promise<{ slot?: string; url: string } | undefined>): StageSpec {
  return {
    env: rt.name, name: 'deploy', writes: true, rerunnable: true,
    async run({ release, signal, progress, patch }) {
      let failure: unknown;
      let slot: string | undefined;
      const result = await runGuarded('deploy', async (): Promise<Outcome> => {
        const choice = rt.slots?.length ? await idleSlot(rt, await lastLive()) : undefined;
        slot = choice?.slot;
        const d = await rt.deploy
          .deploy({
            env: rt.name, version: release.version, sha: release.sha, appEnv: rt.appEnv(), signal, progress,
            ...(choice ? { slot: choice.slot } : {}),
          })
          .catch((err: unknown) => {
            failure = err;
            throw err;
          });
        await patch((r) => {
          r.deployments[rt.name] = {
            url: d.url,
            ref: { provider: d.provider, id: d.id, startedAt: d.startedAt, data: d.data },
            ...(choice ? { slot: choice.slot } : {}),
            ...(choice?.serving ? { previousUrl: rt.dns?.urlFor(choice.serving) ?? choice.serving } : {}),
            ...(choice?.servingSlot ? { previousSlot: choice.servingSlot } : {}),
          };
        });
        return {
          status: 'passed',
          summary: `${release.version} deployed${choice ? ` to slot ${choice.slot}` : ''} at ${d.url}`,
          details: '',
          metrics: { provider: d.provider, url: d.url, slot: choice?.slot ?? null },
        };
      });
      if (result.status === 'passed' || failure === undefined) return result;
      // The deploy failed: the logs of what it started are the first thing anyone asks for.
      return withEvidence(result, await deployFailureEvidence(rt.deploy, failure, { env: rt.name, version: release.version, ...(slot ? { slot } : {}) }));
    },
  };
}

/** A failed check of this release's deployment carries its logs (evidence); a pass carries nothing more. */
async function withDeploymentLogs(rt: EnvironmentRuntime, release: ReleaseRecord, result: GateResult): Promise<GateResult> {
  if (result.status === 'passed' || result.status === 'skipped') return result;
  const deployment = recordedDeployment(release, rt.name);
  if (!deployment) return result;
  return withEvidence(result, await readLogs(rt.deploy, deployment));
}

/** A verification gate run against where this release deployed the env (the slot, not the public host). */
export function verifyStage(rt: EnvironmentRuntime, gate: Gate): StageSpec {
  return {
    env: rt.name, name: gate.name, writes: false, rerunnable: true,
    async run({ release, signal, progress }) {
      const url = release.deployments[rt.name]?.url;
      if (!url) {
        return { gate: gate.name, status: 'error', summary: `no deployment recorded for ${rt.name}: nothing to check`, details: '', metrics: {}, startedAt: new Date().toISOString(), durationMs: 0 };
      }
      return withDeploymentLogs(rt, release, await gate.run({ url, version: release.version, dbName: rt.dbName(), signal, progress: (e) => progress(e.message) }));
    },
  };
}

export function cutoverStages(rt: EnvironmentRuntime, wiring: StageWiring, audit: AuditLog): StageSpec[] {
  const dns = rt.dns;
  if (!dns) return [];
  const cutover: StageSpec = {
    env: rt.name, name: 'cutover', writes: true, rerunnable: true,
    run: ({ release, signal, progress }) =>
      runGuarded('cutover', async (): Promise<Outcome> => {
        const url = release.deployments[rt.name]?.url;
        if (!url) throw new Error(`no deployment recorded for ${rt.name}`);
        const target = dns.targetFor(url);
        const { previous } = await dns.provider.switch(dns.host, target, { signal, progress });
        await audit.append({ type: 'dns.cutover', release: release._id, env: rt.name, data: { host: dns.host, from: previous, to: target } });
        return {
          status: 'passed',
          summary: previous === target ? `${dns.publicUrl} → ${target} (it already pointed there)` : `${dns.publicUrl} → ${target} (was ${previous ?? 'unset'})`,
          details: '',
          metrics: { from: previous, to: target },
        };
      }),
  };
  const verify: StageSpec = {
    env: rt.name, name: 'verify-public', writes: true, rerunnable: true,
    async run({ release, signal, progress }) {
      const gate = wiring.gates.verifyPublic ?? wiring.gates.health;
      if (!gate) return { gate: 'verify-public', status: 'error', summary: 'no health gate configured to verify the public host', details: '', metrics: {}, startedAt: new Date().toISOString(), durationMs: 0 };
      const result = await gate.run({ url: dns.publicUrl, version: release.version, dbName: rt.dbName(), signal, progress: (e) => progress(e.message) });
      if (result.status === 'passed') return { ...result, gate: 'verify-public', summary: `${dns.publicUrl} serves ${release.version}: ${result.summary}` };
      return withDeploymentLogs(rt, release, await switchBack(rt, release, audit, { ...result, gate: 'verify-public' }, progress));
    },
  };
  return [cutover, verify];
}

/** After a failed public check: point the host back where it was, and say so. */
async function switchBack(rt: EnvironmentRuntime, release: ReleaseRecord, audit: AuditLog, failed: GateResult, progress: (message: string) => void): Promise<GateResult> {
  const dns = rt.dns!;
  const previousUrl = release.deployments[rt.name]?.previousUrl;
  if (!previousUrl) {
    return { ...failed, summary: `${failed.summary}; no previous deployment to switch back to` };
  }
  const back = dns.targetFor(previousUrl);
  // No abort signal: giving up half-way here leaves the public host on the failed version; the
  // provider keeps retrying rate limits until its own bound, reporting each wait.
  await dns.provider.switch(dns.host, back, { progress });
  await audit.append({ type: 'dns.rollback', release: release._id, env: rt.name, data: { host: dns.host, to: back, reason: failed.summary } });
  const breaking = release.targetPlan?.breaking ?? [];
  return {
    ...failed,
    status: 'failed',
    summary: `public check failed (${failed.summary}); switched ${dns.publicUrl} back to ${back}${breaking.length ? ` — warning: breaking migration(s) ${breaking.join(', ')} stay applied` : ''}`,
    metrics: { ...failed.metrics, rolledBack: true },
  };
}
