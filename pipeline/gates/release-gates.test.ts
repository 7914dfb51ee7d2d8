/**
 * The gates as a release runs them: built from a config by `buildGates` (pipeline/release/gates.ts)
 * and called with the release's context ({ url, version }), against real loopback servers.
 * Invariant 5 (every gate fails closed) and the users' bug: a health check that passes against
 * the OLD deployment because nobody told it which version to expect.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../config/load.ts';
import { buildGates } from '../release/gates.ts';
import { repoRoot } from '../mongo/embedded.ts';
import { healthy, json, startLoopback, type Loopback } from './health/loopback.testkit.ts';

const open: Loopback[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});
async function serve(h: Parameters<typeof startLoopback>[0]): Promise<Loopback> {
  const s = await startLoopback(h);
  open.push(s);
  return s;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shipgate-release-gates-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function config(gates: string) {
  return parseConfigText(
    ['app: { name: notes, start: "node app.js" }', 'environments:', '  staging:', '    deploy: { provider: process }', '    database: { uriEnv: STAGING_MONGODB_URI }', 'gates:', gates].join('\n'),
    'shipgate.yml',
  );
}

const fastHealth = '  health: { interval: 20ms, consecutive: 2, timeout: 600ms, requestTimeout: 2s }';

describe('health inside a release is given the release version', () => {
  it('fails against a server still serving the old version, naming both versions (staging health and verify-public)', async () => {
    const old = await serve((_req, res) => json(res, 200, healthy('1.4.2')));
    const gates = buildGates(config(fastHealth), repoRoot);
    for (const gate of [gates.health!, gates.verifyPublic!]) {
      const r = await gate.run({ url: old.url, version: '1.5.0' });
      expect(r.status).toBe('failed');
      expect(r.summary).toMatch(/^not healthy: version 1\.4\.2 still serving, expected 1\.5\.0/);
      expect(r.metrics).toMatchObject({ expectedVersion: '1.5.0', observedVersion: '1.4.2' });
    }
  });

  it('passes once the release version answers (the same gate, so the failure above is about the version)', async () => {
    const current = await serve((_req, res) => json(res, 200, healthy('1.5.0')));
    const r = await buildGates(config(fastHealth), repoRoot).health!.run({ url: current.url, version: '1.5.0' });
    expect(r.status).toBe('passed');
    expect(r.metrics.expectedVersion).toBe('1.5.0');
  });

  it('with expectVersion: false the version is not asked for (an app that does not report it)', async () => {
    const old = await serve((_req, res) => json(res, 200, healthy('1.4.2')));
    const gates = buildGates(config('  health: { expectVersion: false, interval: 20ms, consecutive: 2, timeout: 5s }'), repoRoot);
    const r = await gates.health!.run({ url: old.url, version: '1.5.0' });
    expect(r.status).toBe('passed');
    expect(r.metrics.expectedVersion).toBeNull();
  });
});

describe('load inside a release fails closed without thresholds', () => {
  it('refuses a load gate configured with zero thresholds before sending any request, saying how to fix it', async () => {
    const target = await serve((_req, res) => json(res, 200, { ok: true }));
    const profile = join(dir, 'no-thresholds.profile.json');
    await writeFile(profile, JSON.stringify({ requests: [{ path: '/ok' }], connections: 1, amount: 20 }));
    const gates = buildGates(config(`  load: { engine: builtin, profile: ${JSON.stringify(profile)} }`), repoRoot);
    const r = await gates.load!.run({ url: target.url, version: '1.5.0' });
    expect(r.status).toBe('error');
    expect(r.summary).toMatch(/^load could not decide: the load gate has no thresholds/);
    expect(r.details).toContain('SHIPGATE_LOAD_THRESHOLDS_MISSING');
    expect(r.details).toContain('gates.load.thresholds');
    expect(target.requests).toBe(0);
  });
});
