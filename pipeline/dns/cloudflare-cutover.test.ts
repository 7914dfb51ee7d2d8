/**
 * The cutover and the automatic switch-back (invariant 8) through the real Cloudflare provider
 * against the loopback fake, while Cloudflare answers 429: both wait as Retry-After says, report
 * each wait on the stage's progress line, and finish. Rate-limit waits run on an injected clock.
 */
import { describe, expect, it } from 'vitest';
import { createCloudflareDns } from './cloudflare.ts';
import { startCloudflareFake, type CloudflareFake } from '../testing/fakes/cloudflare.ts';
import { cutoverStages } from '../release/stages/deploy.ts';
import type { EnvironmentRuntime, StageWiring } from '../release/stages/runtime.ts';
import type { AuditLog } from '../release/audit.ts';
import type { ReleaseRecord } from '../release/types.ts';
import type { GateResult } from '../gates/types.ts';
import type { StageRunContext } from '../release/runner.ts';
import { trackedFakes } from '../testing/fakes/tracked.ts';

const TOKEN = 'cf-secret-token-5e1f0a2b77';
const ZONE = '9a7806061c88ada191ed06f989cc3dac';
const fakes = trackedFakes<CloudflareFake>();

async function world(verify: GateResult['status']) {
  const fake = await startCloudflareFake({ token: TOKEN, zones: { [ZONE]: [{ id: 'rec-1', type: 'CNAME', name: 'example.com', content: 'blue.up.railway.app' }] } });
  fakes.add(fake);
  const clock = { t: 0, sleeps: [] as number[] };
  const provider = createCloudflareDns({
    apiUrl: fake.apiUrl, token: TOKEN, zoneId: ZONE, recordName: 'example.com',
    now: () => clock.t, sleep: async (ms) => void (clock.sleeps.push(ms), (clock.t += ms)),
  });
  const rt = {
    name: 'production',
    dbName: () => 'notes',
    dns: { provider, host: 'example.com', publicUrl: 'https://example.com', targetFor: (u: string) => new URL(u).hostname, urlFor: (t: string) => `https://${t}` },
  } as unknown as EnvironmentRuntime;
  const gate = { name: 'health', run: async () => ({ gate: 'health', status: verify, summary: verify === 'passed' ? 'serves v2' : 'still serves v1', details: '', metrics: {}, startedAt: new Date().toISOString(), durationMs: 0 }) };
  const wiring = { environments: {}, gates: { verifyPublic: gate }, actor: 'test' } as unknown as StageWiring;
  const audited: Array<{ type: string; data?: Record<string, unknown> }> = [];
  const audit = { append: async (e: { type: string; data?: Record<string, unknown> }) => void audited.push(e) } as unknown as AuditLog;
  const [cutover, verifyPublic] = cutoverStages(rt, wiring, audit);
  const release = { _id: 'r1', version: 'v2', deployments: { production: { url: 'https://green.up.railway.app', previousUrl: 'https://blue.up.railway.app' } } } as unknown as ReleaseRecord;
  const lines: string[] = [];
  const ctx: StageRunContext = { release, env: 'production', signal: new AbortController().signal, progress: (m) => lines.push(m), patch: async () => release };
  return { fake, clock, cutover: cutover!, verifyPublic: verifyPublic!, ctx, lines, audited };
}

describe('cutover and switch-back while Cloudflare rate-limits', () => {
  it('the cutover waits out 429s (progress line per wait) and points the host at the new slot', async () => {
    const w = await world('passed');
    w.fake.rateLimitNext(3, 5);
    const out = await w.cutover.run(w.ctx);
    expect(out).toMatchObject({ status: 'passed', metrics: { from: 'blue.up.railway.app', to: 'green.up.railway.app' } });
    expect(w.fake.records(ZONE)[0]?.content).toBe('green.up.railway.app');
    expect(w.clock.sleeps).toEqual([5000, 5000, 5000]);
    expect(w.lines.filter((l) => l.includes('Cloudflare rate limit (HTTP 429)'))).toHaveLength(3);
  });

  it('the switch-back after a failed public check waits out 429s and puts the host back', async () => {
    const w = await world('failed');
    await w.cutover.run(w.ctx);
    expect(w.fake.records(ZONE)[0]?.content).toBe('green.up.railway.app');
    w.fake.rateLimitNext(4, 60, 'PATCH');
    const out = await w.verifyPublic.run(w.ctx);
    expect(out).toMatchObject({ gate: 'verify-public', status: 'failed', metrics: { rolledBack: true } });
    expect(out.summary).toContain('switched https://example.com back to blue.up.railway.app');
    expect(w.fake.records(ZONE)[0]?.content).toBe('blue.up.railway.app');
    expect(w.fake.limited).toBe(4);
    expect(w.lines.filter((l) => l.includes('on update CNAME example.com: retrying in 60s'))).toHaveLength(4);
    expect(w.audited.map((e) => e.type)).toEqual(['dns.cutover', 'dns.rollback']);
  });
});
