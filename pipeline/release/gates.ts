/** The verification gates of a release, built once from `gates:` in the config. */
import { resolve } from 'node:path';
import type { ShipgateConfig } from '../config/schema.ts';
import type { Gate, GateContext } from '../gates/types.ts';
import { healthGate } from '../gates/health/gate.ts';
import { smokeGate } from '../gates/smoke/gate.ts';
import { runLoadGate } from '../gates/load/gate.ts';

export interface ReleaseGates {
  health?: Gate;
  /** The health check of the public host after a cutover: the slot was already healthy, so it fails fast. */
  verifyPublic?: Gate;
  smoke?: Gate;
  load?: Gate;
}

export function buildGates(config: ShipgateConfig, repoRoot: string): ReleaseGates {
  const g = config.gates;
  const gates: ReleaseGates = {};
  if (g.health.enabled) {
    const options = {
      path: g.health.path,
      versionField: g.health.versionField,
      dbField: g.health.dbField,
      dbNameField: g.health.dbNameField,
      consecutive: g.health.consecutive,
      intervalMs: g.health.interval,
      timeoutMs: g.health.timeout,
      requestTimeoutMs: g.health.requestTimeout,
    };
    // expectVersion: false — the app does not report its version; do not ask it to.
    const versioned = (gate: Gate): Gate => (g.health.expectVersion ? gate : { name: gate.name, run: (ctx: GateContext) => gate.run({ ...ctx, version: undefined } as GateContext) });
    gates.health = versioned(healthGate(options));
    const publicBudget = Math.min(g.health.timeout, Math.max(10_000, g.health.interval * g.health.consecutive * 3));
    gates.verifyPublic = versioned(healthGate({ ...options, timeoutMs: publicBudget }));
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
