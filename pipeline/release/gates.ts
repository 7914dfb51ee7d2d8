/** The verification gates of a release, built once from `gates:` in the config. */
import { resolve } from 'node:path';
import type { ShipgateConfig } from '../config/schema.ts';
import type { Gate, GateContext } from '../gates/types.ts';
import { healthGate } from '../gates/health/gate.ts';
import { smokeGate } from '../gates/smoke/gate.ts';
import { runLoadGate } from '../gates/load/gate.ts';

export interface ReleaseGates {
  health?: Gate;
  smoke?: Gate;
  load?: Gate;
}

export function buildGates(config: ShipgateConfig, repoRoot: string): ReleaseGates {
  const g = config.gates;
  const gates: ReleaseGates = {};
  if (g.health.enabled) {
    const health = healthGate({
      path: g.health.path,
      versionField: g.health.versionField,
      dbField: g.health.dbField,
      consecutive: g.health.consecutive,
      intervalMs: g.health.interval,
      timeoutMs: g.health.timeout,
      requestTimeoutMs: g.health.requestTimeout,
    });
    // expectVersion: false — the app does not report its version; do not ask it to.
    gates.health = g.health.expectVersion ? health : { name: 'health', run: (ctx: GateContext) => health.run({ ...ctx, version: undefined } as GateContext) };
  }
  if (g.smoke.enabled) {
    gates.smoke = smokeGate({ suites: [...g.smoke.suites], retries: g.smoke.retries, timeoutMs: g.smoke.timeout, cwd: repoRoot });
  }
  if (g.load.enabled) {
    const load = g.load;
    gates.load = {
      name: 'load',
      async run(ctx) {
        const r = await runLoadGate({
          url: ctx.url,
          engine: load.engine,
          ...(load.profile ? { profile: resolve(repoRoot, load.profile) } : {}),
          ...(load.script ? { script: resolve(repoRoot, load.script) } : {}),
          thresholds: Object.fromEntries(Object.entries(load.thresholds).map(([k, v]) => [k, [...v]])),
          ...(ctx.signal ? { signal: ctx.signal } : {}),
          ...(ctx.progress ? { progress: ctx.progress } : {}),
        });
        return r.result;
      },
    };
  }
  return gates;
}
