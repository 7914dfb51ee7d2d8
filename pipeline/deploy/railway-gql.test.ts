/**
 * Every GraphQL operation Shipgate sends to Railway is valid against Railway's published schema
 * (railwayapp/cli src/gql/schema.json, vendored by tools/vendor-railway-schema.mjs), and the
 * vendored cut stays what the generator makes of the CLI repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { shipgateHome } from '../repo.ts';
import { railwaySchema, railwaySchemaContract, startRailwayFake, type RailwayFake } from '../testing/fakes/railway.ts';
import { RAILWAY_OPERATIONS } from './railway-gql.ts';
import { trackedFakes } from '../testing/fakes/tracked.ts';

const CLI_GIT_DIR = process.env.RAILWAY_CLI_GIT_DIR ?? '/work/.mirror/railwayapp+cli/repo';
const vendoredText = readFileSync(join(shipgateHome, 'pipeline/testing/fakes/contracts/railway-schema.json'), 'utf8');

describe('Shipgate’s Railway operations against the vendored schema', () => {
  it.each(Object.entries(RAILWAY_OPERATIONS))('%s validates', (_key, text) => {
    expect(validate(railwaySchema, parse(text)).map((e) => e.message)).toEqual([]);
  });

  it('the catalogue is every GraphQL document in the Railway provider’s sources (nothing sent from outside it)', () => {
    const dir = join(shipgateHome, 'pipeline/deploy');
    const found = readdirSync(dir)
      .filter((f) => f.startsWith('railway') && f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/`((?:query|mutation)\b[^`]*)`/g)].map((m) => m[1]));
    expect(found.sort()).toEqual(Object.values(RAILWAY_OPERATIONS).sort());
  });

  it('the schema says what Shipgate relies on: deployment and serviceInstance are non-null, canRollback and createdAt exist', () => {
    const q = railwaySchema.getQueryType()!.getFields();
    expect(String(q.deployment!.type)).toBe('Deployment!');
    expect(String(q.serviceInstance!.type)).toBe('ServiceInstance!');
    const dep = railwaySchema.getType('Deployment') as unknown as { getFields(): Record<string, { type: unknown }> };
    expect(String(dep.getFields().canRollback!.type)).toBe('Boolean!');
    expect(String(dep.getFields().createdAt!.type)).toBe('DateTime!');
  });

  it('a field Railway does not have fails validation (the check can fail)', () => {
    const errors = validate(railwaySchema, parse('query X($id: String!) { deployment(id: $id) { id domain } }'));
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('Cannot query field "domain" on type "Deployment"')]);
  });
});

describe('contracts/railway-schema.json', () => {
  it('names the source repository, path, commit and date, and the operations it was cut for', () => {
    const head = railwaySchemaContract;
    expect(head.repository).toBe('railwayapp/cli');
    expect(head.path).toBe('src/gql/schema.json');
    expect(head.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(head.commitDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(head.operations.length).toBe(Object.keys(RAILWAY_OPERATIONS).length);
  });

  it.skipIf(!existsSync(CLI_GIT_DIR))('is what tools/vendor-railway-schema.mjs cuts from railwayapp/cli at the vendored commit (skipped without a clone: set RAILWAY_CLI_GIT_DIR)', () => {
    const commit = (JSON.parse(vendoredText) as { commit: string }).commit;
    const generated = execFileSync(process.execPath, ['tools/vendor-railway-schema.mjs', '--print', '--git-dir', CLI_GIT_DIR, '--commit', commit], {
      cwd: shipgateHome, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
    });
    expect(JSON.parse(vendoredText)).toEqual(JSON.parse(generated));
  });
});

describe('the Railway fake enforces the schema', () => {
  const TOKEN = 'rw-contract-token-9c1d';
  const fakes = trackedFakes<RailwayFake>();
  const post = async (f: RailwayFake, query: string, variables: Record<string, unknown>) => {
    const res = await fetch(f.apiUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ query, variables }) });
    return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> } };
  };

  it('a missing required variable, a wrong enum value and a syntax error: HTTP 400 with graphql-js messages, recorded', async () => {
    const f = await startRailwayFake({ token: TOKEN, tokenKind: 'account' });
    fakes.add(f);
    const missing = await post(f, RAILWAY_OPERATIONS.deployment, {});
    expect(missing).toMatchObject({ status: 400, body: { errors: [{ message: 'Variable "$id" of required type "String!" was not provided.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] } });
    const badEnum = await post(f, RAILWAY_OPERATIONS.deployments, { input: { serviceId: 's', environmentId: 'e', status: { in: ['LIVE'] } }, first: 5 });
    expect(badEnum.status).toBe(400);
    expect(badEnum.body.errors?.[0]?.message).toContain('Value "LIVE" does not exist in "DeploymentStatus" enum');
    expect((await post(f, 'query {', {})).status).toBe(400);
    expect(f.violations.splice(0).map((v) => v.operation)).toEqual(['ShipgateDeployment', 'ShipgateDeployments', '(unnamed)']);
  });

  it('a literal argument is refused and recorded (values travel in variables)', async () => {
    const f = await startRailwayFake({ token: TOKEN, tokenKind: 'account' });
    fakes.add(f);
    const out = await post(f, 'query L { deployment(id: "dep-1") { id } }', {});
    expect(out.status).toBe(400);
    expect(f.violations.splice(0)).toEqual([{ operation: 'L', messages: [expect.stringContaining('literal argument "id"')] }]);
  });

  it('serviceInstance is non-null: with projects given, a service outside them is a GraphQL error', async () => {
    const project = { id: 'p1', services: [{ id: 's1', name: 'api' }], environments: [{ id: 'e1', name: 'production' }] };
    const f = await startRailwayFake({ token: TOKEN, tokenKind: 'account', projects: [project] });
    fakes.add(f);
    expect(await post(f, RAILWAY_OPERATIONS.serviceInstance, { serviceId: 's1', environmentId: 'e1' })).toEqual({ status: 200, body: { data: { serviceInstance: { latestDeployment: null } } } });
    expect((await post(f, RAILWAY_OPERATIONS.serviceInstance, { serviceId: 's2', environmentId: 'e1' })).body).toEqual({ data: null, errors: [{ message: 'ServiceInstance not found', locations: [], path: ['serviceInstance'] }] });
  });

  it('a deployment it does not know is a GraphQL error with data null, not a null field (deployment is non-null)', async () => {
    const f = await startRailwayFake({ token: TOKEN, tokenKind: 'account' });
    fakes.add(f);
    expect(await post(f, RAILWAY_OPERATIONS.deployment, { id: 'nope' })).toEqual({ status: 200, body: { data: null, errors: [{ message: 'Deployment not found', locations: [], path: ['deployment'] }] } });
  });
});
