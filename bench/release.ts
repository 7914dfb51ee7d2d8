/**
 * Release-engine overhead bench: a whole local release of the sample app (staging → approval →
 * production on blue/green with the local router), on the embedded database, then
 *   overhead = total time − time inside stages (gates and changes alike),
 * i.e. what the engine itself costs: persisting transitions, the audit chain, locks, planning the
 * target for approval, provider bookkeeping. Target: < 5 s. Loopback only.
 *
 *   npx tsx bench/release.ts
 */
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo } from '../pipeline/mongo/embedded.ts';
import { createReleaseWorld } from '../pipeline/release/testing/world.ts';
import { approveRelease } from '../pipeline/release/decide.ts';
import { stageDurationMs } from '../pipeline/release/render.ts';
import { seedSampleData } from '../app/seed.ts';
import { randomBytes } from 'node:crypto';

const GATES = new Set(['migrate-plan', 'migrate-rehearse', 'health', 'smoke', 'load', 'verify-public']);

const server = await startEmbeddedMongo();
const client = new MongoClient(server.uri);
await client.connect();
const world = await createReleaseWorld({ client, serverUri: server.uri, freshName: (p) => `${p}${randomBytes(4).toString('hex')}`, load: true });
try {
  for (const env of ['staging', 'production']) await seedSampleData((await world.system.runtimes[env]!.migrationTarget()).db);
  let store = 0;
  const t0 = performance.now();
  const r = await world.release('production', '1.0.0');
  const out = await world.run(r._id, {
    waitForApproval: async (rel) => {
      await approveRelease({ store: world.system.store, audit: world.system.audit, policy: world.system.policy }, rel._id, { via: 'cli', id: 'ana' });
      return 'approved';
    },
    onUpdate: () => void store++,
  });
  const total = performance.now() - t0;
  if (out.status !== 'succeeded') throw new Error(`release ${out.status}: ${out.reason}`);
  const inGates = out.stages.filter((s) => GATES.has(s.name)).reduce((n, s) => n + (stageDurationMs(s) ?? 0), 0);
  const inChanges = out.stages.filter((s) => !GATES.has(s.name)).reduce((n, s) => n + (stageDurationMs(s) ?? 0), 0);
  const overhead = total - inGates - inChanges;
  const f = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`whole local release: ${f(total)} (${out.stages.length} stages, ${out.rev} persisted revisions, ${store} progress events)`);
  console.log(`  inside gates:   ${f(inGates)}`);
  console.log(`  inside changes: ${f(inChanges)} (migrate apply, backup, deploy, cutover)`);
  console.log(`  engine overhead: ${f(overhead)} = ${((overhead / total) * 100).toFixed(1)} % of the release (target < 5 s) ${overhead < 5000 ? '✓' : '✗'}`);
  console.log(`  total minus gates: ${f(total - inGates)}`);
} finally {
  await world.close();
  await client.close();
  await server.stop();
}
