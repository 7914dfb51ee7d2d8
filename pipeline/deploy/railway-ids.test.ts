/** `shipgate config check` on Railway ids and names: names need projectId, projectId must be an id. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../mongo/embedded.ts';
import { parseConfigText } from '../config/load.ts';
import type { ConfigProblem } from '../config/problems.ts';
import { caught } from '../testing/caught.ts';
import { isRailwayId } from './railway-ids.ts';
import { deployProviderFor } from '../release/providers.ts';

const SVC = '5e1d2c3b-4a59-4687-9abc-0d1e2f3a4b01';
const ENV = 'e0e1e2e3-a4b5-4c6d-8e7f-0a1b2c3d4e01';
const config = (deploy: string) =>
  `app: { name: notes, start: node server.js }\nenvironments:\n  staging:\n    deploy: ${deploy}\n    database: { uriEnv: STAGING_MONGODB_URI }\n`;
async function problems(deploy: string): Promise<ConfigProblem[]> {
  const err = await caught(Promise.resolve().then(() => parseConfigText(config(deploy), 'shipgate.yml')));
  expect(err.code).toBe('SHIPGATE_CONFIG_INVALID');
  return (err as unknown as { details: { problems: ConfigProblem[] } }).details.problems;
}

describe('railway ids and names in the config', () => {
  it('tells ids (UUIDs, as the Railway CLI does) from names', () => {
    expect(isRailwayId(SVC)).toBe(true);
    expect(isRailwayId(SVC.toUpperCase())).toBe(true);
    for (const v of ['api', 'production', SVC.slice(1), `${SVC.slice(0, -1)}g`, SVC.replaceAll('-', '_')]) expect(isRailwayId(v)).toBe(false);
  });

  it('accepts ids without projectId, and names with one', () => {
    expect(() => parseConfigText(config(`{ provider: railway, service: ${SVC}, environment: ${ENV} }`), 'a.yml')).not.toThrow();
    expect(() => parseConfigText(config(`{ provider: railway, projectId: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c01, service: api, environment: staging }`), 'b.yml')).not.toThrow();
  });

  it('refuses names without projectId, naming each key and both ways out', async () => {
    const found = await problems(`{ provider: railway, service: api, environment: ${ENV}, slots: [blue, green], slotServices: { blue: ${SVC}, green: api-green } }`);
    expect(found.map((p) => p.path)).toEqual(['environments.staging.deploy.service', 'environments.staging.deploy.slotServices.green']);
    expect(found[0]).toMatchObject({
      line: 4,
      message: '"api" is a service name, not a Railway id; names can only be resolved with projectId',
      hint: expect.stringContaining('add projectId: <the Railway project id>') as string,
    });
    expect(found[0]?.hint).toContain('railway status --json');
  });

  it('refuses a projectId that is not an id, saying where to find it', async () => {
    const [p] = await problems(`{ provider: railway, projectId: my-shop, service: api, environment: production }`);
    expect(p).toMatchObject({ path: 'environments.staging.deploy.projectId', message: expect.stringContaining('"my-shop" is not a Railway project id') as string });
    expect(p?.hint).toContain('project → Settings → General');
  });

  it('docs/examples/railway-cloudflare.yml uses names with its projectId', () => {
    const c = parseConfigText(readFileSync(join(repoRoot, 'docs/examples/railway-cloudflare.yml'), 'utf8'), 'railway-cloudflare.yml');
    for (const e of Object.values(c.environments)) expect(e.deploy).toMatchObject({ provider: 'railway', projectId: '3f2b9c1e-8a4d-4f6b-9e2a-1c5d7b8a9f01' });
  });


  it('the release wiring passes projectId on: the example (names + projectId) builds its Railway providers', () => {
    const c = parseConfigText(readFileSync(join(repoRoot, 'docs/examples/railway-cloudflare.yml'), 'utf8'), 'railway-cloudflare.yml');
    const ctx = { config: c, env: { RAILWAY_TOKEN: 'rw-token-for-the-wiring-test' }, repoRoot, localStateDir: join(repoRoot, '.shipgate/never-used') };
    for (const [name, e] of Object.entries(c.environments)) expect(() => deployProviderFor(name, e.deploy, ctx), name).not.toThrow();
  });
});

