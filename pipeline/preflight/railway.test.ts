/**
 * Railway's side of preflight and evidence, against the Railway fake (every request validated
 * against the vendored schema of Railway's public API): the service's variables (per slot
 * service), its custom domains with Railway's verification, and a deployment's logs — read by the
 * provider and judged by the preflight checks; a failed Railway deploy's build logs become the
 * evidence of the deploy stage.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../config/load.ts';
import { createRailwayProvider } from '../deploy/railway.ts';
import { startRailwayFake, type RailwayFake } from '../testing/fakes/railway.ts';
import { trackedFakes } from '../testing/fakes/tracked.ts';
import type { EnvironmentRuntime } from '../release/stages/runtime.ts';
import { deployFailureEvidence, readLogs } from '../release/evidence.ts';
import { customDomainCheck } from './public-host.ts';
import { runChecks } from './run.ts';
import { requiredEnvCheck, secretsCheck } from './variables.ts';

const TOKEN = 'railway-project-token-preflight-0001';
const PROJECT = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c01';
const ENV_PROD = 'e0e1e2e3-a4b5-4c6d-8e7f-0a1b2c3d4e05';
const SVC_BLUE = '5e1d2c3b-4a59-4687-9abc-0d1e2f3a4b0b';
const SVC_GREEN = '5e1d2c3b-4a59-4687-9abc-0d1e2f3a4b0c';
const GOOD = 'n8Q#v2Lz7!pR4kT9wX1cY6mB';
const fakes = trackedFakes<RailwayFake>();

async function world() {
  const fake = await startRailwayFake({ token: TOKEN, tokenKind: 'project', projectTokenScope: { projectId: PROJECT, environmentId: ENV_PROD } });
  fakes.add(fake);
  const deploy = createRailwayProvider({ apiUrl: fake.apiUrl, token: TOKEN, tokenKind: 'project', serviceId: SVC_BLUE, environmentId: ENV_PROD, slotServices: { blue: SVC_BLUE, green: SVC_GREEN }, pollIntervalMs: 20 });
  const config = parseConfigText(
    stringify({
      app: { name: 'notes', start: 'node server.js', requiredEnv: ['MONGODB_URI', 'JWT_SECRET'] },
      environments: {
        production: {
          url: 'https://app.example.com',
          deploy: { provider: 'railway', service: SVC_BLUE, environment: ENV_PROD, slots: ['blue', 'green'], slotServices: { blue: SVC_BLUE, green: SVC_GREEN } },
          database: { uriEnv: 'PRODUCTION_MONGODB_URI' },
        },
      },
    }),
    'shipgate.yml',
  );
  const runtimes = { production: { name: 'production', deploy } as unknown as EnvironmentRuntime };
  const check = async (c: typeof requiredEnvCheck) => (await runChecks([c], { config, env: 'production', vars: {}, repoRoot: '/nonexistent', runtimes, now: new Date() }, { timeoutMs: 5000 }))[0]!;
  const both = (vars: Record<string, string>) => {
    fake.variables.set(`${SVC_BLUE}/${ENV_PROD}`, { ...vars });
    fake.variables.set(`${SVC_GREEN}/${ENV_PROD}`, { ...vars });
  };
  return { fake, deploy, check, both };
}

describe('Railway variables through preflight', () => {
  it('reads each slot service\'s variables; a variable missing on one slot is named with its slot and where to set it', async () => {
    const { fake, deploy, check, both } = await world();
    both({ MONGODB_URI: 'mongodb+srv://u:p@c.mongodb.net/notes', JWT_SECRET: GOOD });
    expect(await deploy.variables!({ slot: 'green' })).toEqual({ MONGODB_URI: 'mongodb+srv://u:p@c.mongodb.net/notes', JWT_SECRET: GOOD });
    expect(await check(requiredEnvCheck)).toMatchObject({ status: 'passed', summary: 'all 2 required variables (from app.requiredEnv) are set on Railway (service variables of production)' });
    fake.variables.set(`${SVC_GREEN}/${ENV_PROD}`, { MONGODB_URI: 'mongodb+srv://u:p@c.mongodb.net/notes' });
    const v = await check(requiredEnvCheck);
    expect(v).toMatchObject({ status: 'failed', summary: '1 required variable not set on production: JWT_SECRET (production slot green)' });
    expect(v.fix).toContain('Railway → the service → Variables');
    expect(fake.calls('variables').map((c) => c.projectId)).toContain(PROJECT);
  });

  it('a placeholder secret on Railway fails, its value never shown', async () => {
    const { check, both } = await world();
    both({ MONGODB_URI: 'mongodb+srv://c.mongodb.net/notes', JWT_SECRET: 'your-jwt-secret-here' });
    const v = await check(secretsCheck);
    expect(v).toMatchObject({ status: 'failed', summary: 'JWT_SECRET (production slot blue) is a placeholder; JWT_SECRET (production slot green) is a placeholder' });
    expect(JSON.stringify(v)).not.toContain('your-jwt-secret-here');
  });

  it('a refused token is an error naming Railway\'s answer, not a pass', async () => {
    const { fake, check } = await world();
    fake.failNext('Not Authorized');
    const v = await check(requiredEnvCheck);
    expect(v.status).toBe('error');
    expect(v.summary).toContain('Not Authorized');
  });
});

describe('Railway custom domains through preflight', () => {
  it('not attached, on one slot service only, unverified with the DNS record Railway wants, then verified on both', async () => {
    const { fake, deploy, check } = await world();
    expect(await check(customDomainCheck)).toMatchObject({ status: 'failed', summary: "app.example.com is not attached to production's service on Railway" });
    fake.customDomains.push({ domain: 'app.example.com', serviceId: SVC_BLUE, environmentId: ENV_PROD, verified: true });
    expect(await check(customDomainCheck)).toMatchObject({ status: 'failed', summary: 'app.example.com is attached to 1 of the 2 slot services on Railway' });
    fake.customDomains.push({ domain: 'app.example.com', serviceId: SVC_GREEN, environmentId: ENV_PROD, verified: false });
    expect(await check(customDomainCheck)).toMatchObject({ status: 'failed', summary: `app.example.com is not verified by Railway yet: DNS record app.example.com (CNAME) must be ${SVC_GREEN}.up.railway.app` });
    fake.customDomains[1]!.verified = true;
    expect(await check(customDomainCheck)).toMatchObject({ status: 'passed', summary: 'app.example.com is attached to 2 services and verified' });
    expect((await deploy.customDomains!({})).map((d) => d.serviceId).sort()).toEqual([SVC_BLUE, SVC_GREEN].sort());
  });
});

describe('Railway logs as evidence', () => {
  it('a deployment\'s runtime logs, the last N; a deploy that failed building gives its build logs as the deploy stage\'s evidence', async () => {
    const { fake, deploy } = await world();
    fake.seedDeployment({ id: 'dep-live', serviceId: SVC_BLUE, environmentId: ENV_PROD, status: 'SUCCESS' });
    fake.logs.set('dep-live', { deploy: Array.from({ length: 150 }, (_, i) => `request ${i}`) });
    const live = await readLogs(deploy, { provider: 'railway', env: 'production', version: '1', id: 'dep-live', url: '', startedAt: '', data: {} });
    expect(live).toMatchObject({ source: 'Railway deploymentLogs of dep-live' });
    expect(live?.lines).toHaveLength(100);
    expect(live?.lines.at(-1)).toBe('request 149');

    fake.scriptNextDeploys({ statuses: ['BUILDING', 'FAILED'] });
    const failure = await deploy.deploy({ env: 'production', slot: 'green', version: '2.0.0', sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', appEnv: {} }).catch((e: unknown) => e);
    const id = (failure as { details: { deploymentId: string } }).details.deploymentId;
    fake.logs.set(id, { build: ['#5 RUN npm ci', 'npm ERR! missing script: build', 'ERROR: failed to solve: exit code 1'] });
    const ev = await deployFailureEvidence(deploy, failure, { env: 'production', slot: 'green', version: '2.0.0' });
    expect(ev).toEqual({ source: `Railway buildLogs of ${id}`, lines: ['#5 RUN npm ci', 'npm ERR! missing script: build', 'ERROR: failed to solve: exit code 1'] });
  });

  it('a log query Railway refuses leaves a note, never a throw', async () => {
    const { fake, deploy } = await world();
    fake.failNext('Not Authorized');
    const ev = await readLogs(deploy, { provider: 'railway', env: 'production', version: '1', id: 'dep-x', url: '', startedAt: '', data: {} });
    expect(ev).toMatchObject({ lines: [], note: expect.stringContaining('could not read the logs: ') });
    expect(ev?.note).toContain('Not Authorized');
  });
});
