import { describe, expect, it } from 'vitest';
import { createRailwayProvider, railwayState, type RailwayProviderOptions } from './railway.ts';
import { startRailwayFake, type RailwayFake, type RailwayTokenKind } from '../testing/fakes/railway.ts';
import { isShipgateError, presentError } from '../errors.ts';
import { parseRetryAfter } from './remote-wait.ts';
import type { DeployRequest } from './types.ts';
import { caught } from '../testing/caught.ts';
import { trackedFakes } from '../testing/fakes/tracked.ts';

const TOKEN = 'rw-secret-token-4f1e9a7c2b';
// Railway ids are UUIDs; the provider refuses anything else unless projectId is given (then names resolve).
const SVC_API = '5e1d2c3b-4a59-4687-9abc-0d1e2f3a4b01';
const SVC_BLUE = '5e1d2c3b-4a59-4687-9abc-0d1e2f3a4b02';
const SVC_GREEN = '5e1d2c3b-4a59-4687-9abc-0d1e2f3a4b03';
const ENV_PROD = 'e0e1e2e3-a4b5-4c6d-8e7f-0a1b2c3d4e01';
const fakes = trackedFakes<RailwayFake>();

/** A virtual clock: sleeping advances time at once, so hour-long Retry-Afters take no real time. */
function virtualClock() {
  let t = Date.parse('2026-12-05T10:00:00Z');
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms: number) => {
      slept.push(ms);
      t += ms;
      await Promise.resolve();
    },
  };
}

async function setup(kind: RailwayTokenKind = 'account', over: Partial<RailwayProviderOptions> = {}, fakeToken = TOKEN) {
  const fake = await startRailwayFake({ token: fakeToken, tokenKind: kind, projectTokenScope: { projectId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c01', environmentId: ENV_PROD } });
  fakes.add(fake);
  const provider = createRailwayProvider({
    apiUrl: fake.apiUrl,
    token: TOKEN,
    tokenKind: kind,
    serviceId: SVC_API,
    environmentId: ENV_PROD,
    slotServices: { blue: SVC_BLUE, green: SVC_GREEN },
    pollIntervalMs: 20,
    ...over,
  });
  return { fake, provider };
}

function request(progress: string[], over: Partial<DeployRequest> = {}): DeployRequest {
  return { env: 'production', version: '1.4.0', sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', appEnv: {}, progress: (m) => progress.push(m), ...over };
}


describe('railway provider against the loopback fake', () => {
  it('deploys with an account token: Bearer header, variables, status progress, https URL', async () => {
    const { fake, provider } = await setup('account');
    fake.seedDeployment({ id: 'dep-old', serviceId: SVC_API, environmentId: ENV_PROD, status: 'SUCCESS' });
    fake.scriptNextDeploys({ statuses: ['QUEUED', 'BUILDING', 'BUILDING', 'DEPLOYING', 'SUCCESS'], url: 'api-production.up.railway.app' });
    const progress: string[] = [];
    const d = await provider.deploy(request(progress));

    expect(d).toMatchObject({ provider: 'railway', env: 'production', version: '1.4.0', url: 'https://api-production.up.railway.app' });
    expect(d.data).toMatchObject({ serviceId: SVC_API, environmentId: ENV_PROD, previousDeploymentId: 'dep-old', status: 'SUCCESS' });
    expect(fake.calls('serviceInstanceDeployV2')).toEqual([
      { serviceId: SVC_API, environmentId: ENV_PROD, commitSha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' },
    ]);
    // One progress line per status change, not per poll.
    const statusLines = progress.filter((l) => l.includes(`deployment ${d.id} `) && !l.includes('live at'));
    expect(statusLines.map((l) => l.split(' ').at(-1))).toEqual(['QUEUED', 'BUILDING', 'DEPLOYING', 'SUCCESS']);
    for (const r of fake.requests) {
      expect(r.headers.authorization).toBe('Bearer <redacted>');
      expect(r.headers['project-access-token']).toBeUndefined();
      // Values travel in `variables`, never inside the query text.
      expect((r.body as { query: string }).query).not.toContain(SVC_API);
    }
    expect(progress.join('\n')).not.toContain(TOKEN);
    expect(JSON.stringify(fake.requests)).not.toContain(TOKEN);
  });

  it('uses Project-Access-Token for a project token and the slot’s own service', async () => {
    const { fake, provider } = await setup('project');
    fake.scriptNextDeploys({ statuses: ['BUILDING', 'SUCCESS'], url: null, staticUrl: 'green-api.up.railway.app' });
    const d = await provider.deploy(request([], { slot: 'green' }));
    expect(d.slot).toBe('green');
    expect(d.url).toBe('https://green-api.up.railway.app');
    expect(d.data.serviceId).toBe(SVC_GREEN);
    expect(d.data.previousDeploymentId).toBeNull();
    expect(fake.requests.every((r) => r.headers['project-access-token'] === '<redacted>' && !r.headers.authorization)).toBe(true);
  });

  it('refuses an unknown slot before calling Railway', async () => {
    const { fake, provider } = await setup();
    const err = await caught(provider.deploy(request([], { slot: 'purple' })));
    expect(err.code).toBe('SHIPGATE_RAILWAY_SLOT_UNKNOWN');
    expect(err.message).toContain('blue, green');
    expect(fake.requests).toHaveLength(0);
  });

  it('turns "Not Authorized" into a token-kind hint and never shows the token', async () => {
    const { provider } = await setup('project', {}, 'some-other-token-xyz');
    const progress: string[] = [];
    const err = await caught(provider.deploy(request(progress)));
    expect(err.code).toBe('SHIPGATE_RAILWAY_UNAUTHORIZED');
    const shown = presentError(err);
    expect(shown).toContain('Not Authorized');
    expect(shown).toContain('Project-Access-Token');
    expect(shown + progress.join('\n') + JSON.stringify(isShipgateError(err) ? err.details : {})).not.toContain(TOKEN);
  });

  it('"Project Token not found" (a project token Railway does not know) is an authorization failure with the token hint', async () => {
    const { fake, provider } = await setup('project');
    fake.failNext('Project Token not found');
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_UNAUTHORIZED');
    expect(presentError(err)).toContain('only works for the one project and environment it was created in');
  });

  it('sending a project token as Bearer is refused by the fake (header kind matters)', async () => {
    const fake = await startRailwayFake({ token: TOKEN, tokenKind: 'project' });
    fakes.add(fake);
    const provider = createRailwayProvider({ apiUrl: fake.apiUrl, token: TOKEN, tokenKind: 'account', serviceId: SVC_API, environmentId: ENV_PROD, pollIntervalMs: 20 });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_UNAUTHORIZED');
    expect(presentError(err)).toContain('tokenKind: project');
  });

  it('fails clearly on a crashed deployment, naming status and deployment id', async () => {
    const { fake, provider } = await setup();
    fake.scriptNextDeploys({ statuses: ['BUILDING', 'DEPLOYING', 'CRASHED'] });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_DEPLOY_FAILED');
    expect(err.message).toMatch(/deployment dep-\d+ of service 5e1d2c3b-4a59-4687-9abc-0d1e2f3a4b01 ended CRASHED/);
  });

  it.each(['FAILED', 'REMOVED', 'SKIPPED'])('treats %s as a failed deploy', async (status) => {
    const { fake, provider } = await setup();
    fake.scriptNextDeploys({ statuses: ['QUEUED', status] });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_DEPLOY_FAILED');
    expect(err.message).toContain(status);
  });

  it('times out at the deadline with the last status', async () => {
    const { fake, provider } = await setup('account', { timeoutMs: 300, pollIntervalMs: 50 });
    fake.scriptNextDeploys({ statuses: ['BUILDING'] });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_DEPLOY_TIMEOUT');
    expect(err.message).toContain('still BUILDING');
  });

  it('stops polling when the signal aborts', async () => {
    const { fake, provider } = await setup('account', { pollIntervalMs: 10_000 });
    fake.scriptNextDeploys({ statuses: ['BUILDING'] });
    const ac = new AbortController();
    const progress: string[] = [];
    const p = provider.deploy(request(progress, { signal: ac.signal, progress: (m) => { progress.push(m); if (m.endsWith('BUILDING')) ac.abort(); } }));
    const err = await caught(p);
    expect(err.code).toBe('SHIPGATE_REMOTE_DEPLOY_ABORTED');
  });

  it('honours Retry-After on HTTP 429 and then succeeds', async () => {
    const { fake, provider } = await setup();
    fake.rateLimitNext(2, 0);
    fake.scriptNextDeploys({ statuses: ['SUCCESS'] });
    const d = await provider.deploy(request([]));
    expect(d.url).toMatch(/^https:\/\//);
    expect(fake.requests.filter((r) => r.path === '/graphql/v2')).toHaveLength(2 + 3);
  });

  it('waits out a Retry-After longer than a minute (the old cap) while the deploy deadline allows, saying so (finding 10)', async () => {
    const clock = virtualClock();
    const { fake, provider } = await setup('account', { clock, timeoutMs: 15 * 60_000 });
    fake.scriptNextDeploys({ statuses: ['BUILDING', 'BUILDING', 'SUCCESS'] });
    const progress: string[] = [];
    let limitedOnce = false;
    const d = await provider.deploy(request(progress, {
      progress: (m) => {
        progress.push(m);
        if (m.endsWith('BUILDING') && !limitedOnce) {
          limitedOnce = true;
          fake.rateLimitNext(1, 600);
        }
      },
    }));
    expect(d.data.status).toBe('SUCCESS');
    expect(fake.limited).toBe(1);
    expect(clock.slept).toContain(600_000);
    expect(progress.join('\n')).toMatch(/rate-limited on deployment .*waiting 600 s until 10:1\d:\d\d UTC \(deadline 10:15:00 UTC\); a deployment already started keeps running/);
  });

  it('polls with backoff: a 15-minute BUILDING costs a bounded number of requests, not one per 3 s (finding 10)', async () => {
    const clock = virtualClock();
    const { fake, provider } = await setup('account', { clock, pollIntervalMs: 3000, timeoutMs: 15 * 60_000 });
    fake.scriptNextDeploys({ statuses: ['BUILDING'] });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_DEPLOY_TIMEOUT');
    const reads = fake.calls('deployment').length;
    // 3 s growing by half to 30 s: about 38 reads in 15 minutes (every 3 s would be 300).
    expect(reads).toBeLessThanOrEqual(45);
    expect(Math.max(...clock.slept)).toBe(30_000);
  });

  it('stops at the request budget with an error saying the deployment may still be running (finding 10)', async () => {
    const clock = virtualClock();
    const { fake, provider } = await setup('account', { clock, requestBudget: 10, timeoutMs: 60 * 60_000 });
    fake.scriptNextDeploys({ statuses: ['BUILDING'] });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_STILL_RUNNING');
    expect(fake.requests).toHaveLength(10);
    expect(err.message).toMatch(/last seen BUILDING\): Shipgate spent its Railway request budget \(10 requests in an hour/);
    expect(presentError(err)).toContain('railway deployment list');
  });

  it('the budget counts the last hour only: a long-lived provider is not starved by yesterday’s requests (finding 10)', async () => {
    const clock = virtualClock();
    const { fake, provider } = await setup('account', { clock, requestBudget: 8 });
    fake.scriptNextDeploys({ statuses: ['QUEUED', 'BUILDING', 'SUCCESS'] }, { statuses: ['QUEUED', 'BUILDING', 'SUCCESS'] });
    await provider.deploy(request([])); // 5 requests
    await clock.sleep(61 * 60_000);
    expect((await provider.deploy(request([]))).data.status).toBe('SUCCESS');
    expect(fake.requests).toHaveLength(10);
  });

  it('past the deadline, a rate limit ends with "may still be running" and how to check, not a failed deploy (finding 10)', async () => {
    const clock = virtualClock();
    const { fake, provider } = await setup('account', { clock, timeoutMs: 15 * 60_000 });
    fake.scriptNextDeploys({ statuses: ['BUILDING'] });
    const err = await caught(provider.deploy(request([], { progress: (m) => { if (m.endsWith('BUILDING')) fake.rateLimitNext(100, 3600); } })));
    expect(err.code).toBe('SHIPGATE_RAILWAY_STILL_RUNNING');
    expect(err.message).toMatch(/^stopped watching Railway deployment dep-\d+ \(last seen BUILDING\): Railway rate-limited the status reads \(Retry-After 3600 s\) past the deploy deadline \(15m\); the deployment may still be running on Railway$/);
    expect(presentError(err)).toContain('Railway dashboard');
    expect(fake.limited).toBe(1); // an hour's wait that cannot fit is not retried in a loop
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-30T09:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Mon, 30 Nov 2026 09:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 30 Nov 2026 08:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });

  it('surfaces a GraphQL error message', async () => {
    const { fake, provider } = await setup();
    fake.failNext('Service not found in environment');
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_GRAPHQL');
    expect(err.message).toContain('serviceInstance: Service not found in environment');
  });

  it('fails when the service has no domain', async () => {
    const { fake, provider } = await setup();
    fake.scriptNextDeploys({ statuses: ['SUCCESS'], url: null, staticUrl: null });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_NO_URL');
  });

  it('rolls back to the previous successful deployment and stops a deployment', async () => {
    const { fake, provider } = await setup();
    fake.seedDeployment({ id: 'dep-old', serviceId: SVC_API, environmentId: ENV_PROD, status: 'SUCCESS' });
    const d = await provider.deploy(request([]));
    await provider.rollback!(d);
    expect(fake.calls('deploymentRollback')).toEqual([{ id: 'dep-old' }]);
    const rollbackReq = fake.requests.find((r) => JSON.stringify(r.body).includes('deploymentRollback'));
    expect((rollbackReq?.body as { query: string }).query).toMatch(/mutation \w+\(\$id: String!\) \{ deploymentRollback\(id: \$id\) \}/);
    await provider.stop(d);
    expect(fake.calls('deploymentStop')).toEqual([{ id: d.id }]);
  });

  it('after a crashed attempt, keeps the newest SUCCESS (the live one) as rollback target', async () => {
    const { fake, provider } = await setup();
    fake.seedDeployment({ id: 'dep-older', serviceId: SVC_API, environmentId: ENV_PROD, status: 'SUCCESS' });
    fake.seedDeployment({ id: 'dep-live', serviceId: SVC_API, environmentId: ENV_PROD, status: 'SUCCESS' });
    fake.seedDeployment({ id: 'dep-other-svc', serviceId: SVC_BLUE, environmentId: ENV_PROD, status: 'SUCCESS' });
    fake.seedDeployment({ id: 'dep-crashed', serviceId: SVC_API, environmentId: ENV_PROD, status: 'CRASHED' });
    const d = await provider.deploy(request([]));
    expect(d.data.previousDeploymentId).toBe('dep-live');
    expect(fake.calls('deployments')).toEqual([{ input: { serviceId: SVC_API, environmentId: ENV_PROD, status: { in: ['SUCCESS', 'REMOVED'] } }, first: 20 }]);
  });

  it('picks the newest SUCCESS by createdAt, whatever order Railway lists deployments in', async () => {
    const fake = await startRailwayFake({ token: TOKEN, tokenKind: 'account', deploymentsOrder: 'oldest-first' });
    fakes.add(fake);
    const provider = createRailwayProvider({ apiUrl: fake.apiUrl, token: TOKEN, tokenKind: 'account', serviceId: SVC_API, environmentId: ENV_PROD, pollIntervalMs: 20 });
    fake.seedDeployment({ id: 'dep-older', serviceId: SVC_API, environmentId: ENV_PROD, status: 'SUCCESS' });
    fake.seedDeployment({ id: 'dep-live', serviceId: SVC_API, environmentId: ENV_PROD, status: 'SUCCESS' });
    fake.seedDeployment({ id: 'dep-crashed', serviceId: SVC_API, environmentId: ENV_PROD, status: 'CRASHED' });
    const d = await provider.deploy(request([]));
    expect(d.data.previousDeploymentId).toBe('dep-live');
  });

  it('if replaced deployments turn REMOVED, the fallback after a crash picks the newest REMOVED that can roll back (finding 14)', async () => {
    const fake = await startRailwayFake({ token: TOKEN, tokenKind: 'account', replacedBecome: 'REMOVED', deploymentsOrder: 'oldest-first' });
    fakes.add(fake);
    const provider = createRailwayProvider({ apiUrl: fake.apiUrl, token: TOKEN, tokenKind: 'account', serviceId: SVC_API, environmentId: ENV_PROD, pollIntervalMs: 20 });
    fake.seedDeployment({ id: 'dep-ancient', serviceId: SVC_API, environmentId: ENV_PROD, status: 'REMOVED', canRollback: false });
    fake.seedDeployment({ id: 'dep-old', serviceId: SVC_API, environmentId: ENV_PROD, status: 'SUCCESS' });
    const first = await provider.deploy(request([]));
    expect(first.data.previousDeploymentId).toBe('dep-old');
    expect(fake.deployments.get('dep-old')!.statuses).toEqual(['REMOVED']); // replaced by the first release
    const live = fake.deployments.get(first.id)!;
    live.statuses = ['CRASHED']; // …which then crashed at runtime: no SUCCESS deployment is left
    live.step = 0;
    const second = await provider.deploy(request([]));
    expect(second.data.previousDeploymentId).toBe('dep-old');
    await provider.rollback!(second);
    expect(fake.calls('deploymentRollback')).toEqual([{ id: 'dep-old' }]);
  });

  it('if replaced deployments turn REMOVED, rolling back to the one live before the release still works (finding 14)', async () => {
    const fake = await startRailwayFake({ token: TOKEN, tokenKind: 'account', replacedBecome: 'REMOVED' });
    fakes.add(fake);
    const provider = createRailwayProvider({ apiUrl: fake.apiUrl, token: TOKEN, tokenKind: 'account', serviceId: SVC_API, environmentId: ENV_PROD, pollIntervalMs: 20 });
    fake.seedDeployment({ id: 'dep-live', serviceId: SVC_API, environmentId: ENV_PROD, status: 'SUCCESS' });
    const d = await provider.deploy(request([]));
    expect(d.data.previousDeploymentId).toBe('dep-live');
    expect(fake.deployments.get('dep-live')!.statuses).toEqual(['REMOVED']);
    await provider.rollback!(d);
    expect(fake.calls('deploymentRollback')).toEqual([{ id: 'dep-live' }]);
  });

  it('prefers a deployment that can roll back over a newer one that cannot (finding 14)', async () => {
    const { fake, provider } = await setup();
    fake.seedDeployment({ id: 'dep-rollbackable', serviceId: SVC_API, environmentId: ENV_PROD, status: 'REMOVED', canRollback: true });
    fake.seedDeployment({ id: 'dep-expired', serviceId: SVC_API, environmentId: ENV_PROD, status: 'SUCCESS', canRollback: false });
    fake.seedDeployment({ id: 'dep-crashed', serviceId: SVC_API, environmentId: ENV_PROD, status: 'CRASHED' });
    const d = await provider.deploy(request([]));
    expect(d.data.previousDeploymentId).toBe('dep-rollbackable');
  });

  it('refuses to roll back without a recorded previous deployment', async () => {
    const { fake, provider } = await setup();
    fake.seedDeployment({ id: 'dep-crashed', serviceId: SVC_API, environmentId: ENV_PROD, status: 'CRASHED' });
    const d = await provider.deploy(request([]));
    expect(d.data.previousDeploymentId).toBeNull();
    const err = await caught(provider.rollback!(d));
    expect(err.code).toBe('SHIPGATE_RAILWAY_NO_PREVIOUS');
    expect(fake.calls('deploymentRollback')).toEqual([]);
  });

  it('status() of a deployment Railway does not know is unknown: deployment(id) is non-null, "not found" is a GraphQL error (finding 13)', async () => {
    const { fake, provider } = await setup();
    const d = await provider.deploy(request([]));
    fake.deployments.delete(d.id);
    expect(await provider.status(d)).toEqual({ state: 'unknown', detail: `deployment ${d.id} not found on Railway (Deployment not found)` });
    fake.failNext('Internal server error');
    expect((await caught(provider.status(d))).code).toBe('SHIPGATE_RAILWAY_GRAPHQL');
  });

  it('reports status from Railway', async () => {
    const { fake, provider } = await setup();
    const d = await provider.deploy(request([]));
    expect(await provider.status(d)).toEqual({ state: 'running', detail: 'Railway status SUCCESS' });
    fake.deployments.get(d.id)!.statuses.push('CRASHED');
    expect((await provider.status(d)).state).toBe('failed');
  });

  it('maps every documented DeploymentStatus', () => {
    const all = ['BUILDING', 'CRASHED', 'DEPLOYING', 'FAILED', 'INITIALIZING', 'NEEDS_APPROVAL', 'QUEUED', 'REMOVED', 'REMOVING', 'SKIPPED', 'SLEEPING', 'SUCCESS', 'WAITING'];
    expect(Object.fromEntries(all.map((s) => [s, railwayState(s)]))).toEqual({
      BUILDING: 'starting', CRASHED: 'failed', DEPLOYING: 'starting', FAILED: 'failed', INITIALIZING: 'starting', NEEDS_APPROVAL: 'starting',
      QUEUED: 'starting', REMOVED: 'stopped', REMOVING: 'stopped', SKIPPED: 'stopped', SLEEPING: 'stopped', SUCCESS: 'running', WAITING: 'starting',
    });
    expect(railwayState('SOMETHING_NEW')).toBe('unknown');
  });

  it('validates options at the edge, naming the field', () => {
    expect(() => createRailwayProvider({ token: '', tokenKind: 'account', serviceId: SVC_API, environmentId: ENV_PROD })).toThrow(/token/);
    expect(() => createRailwayProvider({ token: TOKEN, tokenKind: 'workspace' as 'account', serviceId: SVC_API, environmentId: ENV_PROD })).toThrow(/tokenKind/);
  });
});

describe('railway services and environment by name or id (projectId)', () => {
  const PROJECT = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c01';
  const SVC_WORKER = '5e1d2c3b-4a59-4687-9abc-0d1e2f3a4b04';
  const ENV_STAGING = 'e0e1e2e3-a4b5-4c6d-8e7f-0a1b2c3d4e02';
  const project = {
    id: PROJECT,
    services: [
      { id: SVC_API, name: 'api' },
      { id: SVC_BLUE, name: 'api-blue' },
      { id: SVC_GREEN, name: 'api-green' },
      { id: SVC_WORKER, name: 'worker' },
    ],
    environments: [
      { id: ENV_STAGING, name: 'staging' },
      { id: ENV_PROD, name: 'production' },
    ],
  };

  async function withProject(over: Partial<RailwayProviderOptions>, projects = [project], projectTokenScope = { projectId: PROJECT, environmentId: ENV_PROD }) {
    const fake = await startRailwayFake({ token: TOKEN, tokenKind: 'project', projects, projectTokenScope });
    fakes.add(fake);
    const provider = createRailwayProvider({ apiUrl: fake.apiUrl, token: TOKEN, tokenKind: 'project', pollIntervalMs: 20, serviceId: 'api', environmentId: 'production', projectId: PROJECT, ...over });
    return { fake, provider };
  }

  it('resolves names through project(id) once, case-insensitively, and deploys by id', async () => {
    const { fake, provider } = await withProject({ slotServices: { blue: 'api-blue', green: 'API-Green' } });
    const green = await provider.deploy(request([], { slot: 'green' }));
    const plain = await provider.deploy(request([]));
    expect(fake.calls('project')).toEqual([{ id: PROJECT }]);
    expect(fake.calls('serviceInstanceDeployV2').map((v) => [v.serviceId, v.environmentId])).toEqual([
      [SVC_GREEN, ENV_PROD],
      [SVC_API, ENV_PROD],
    ]);
    expect(green.data).toMatchObject({ serviceId: SVC_GREEN, environmentId: ENV_PROD });
    expect(plain.data).toMatchObject({ serviceId: SVC_API, environmentId: ENV_PROD });
    const projectQuery = fake.requests.find((r) => JSON.stringify(r.body).includes('project('))?.body as { query: string };
    expect(projectQuery.query).not.toContain(PROJECT);
  });

  it('an unknown name fails before deploying, naming the key and the names the project has', async () => {
    const { fake, provider } = await withProject({ slotServices: { blue: 'api-bleu', green: 'api-green' } });
    const err = await caught(provider.deploy(request([], { slot: 'blue' })));
    expect(err.code).toBe('SHIPGATE_RAILWAY_NAME_UNKNOWN');
    expect(err.message).toBe(`slotServices.blue: Railway project ${PROJECT} has no service named "api-bleu" (its services: api, api-blue, api-green, worker)`);
    expect(presentError(err)).toContain('railway status --json');
    expect(fake.calls('serviceInstanceDeployV2')).toEqual([]);
  });

  it('an unknown environment name fails the same way', async () => {
    const { fake, provider } = await withProject({ environmentId: 'prod' });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_NAME_UNKNOWN');
    expect(err.message).toContain('environment: Railway project');
    expect(err.message).toContain('(its environments: staging, production)');
    expect(fake.calls('serviceInstance')).toEqual([]);
  });

  it('two services with the same name are ambiguous: the id is asked for', async () => {
    const twin = { ...project, services: [...project.services, { id: SVC_WORKER.replace(/04$/, '05'), name: 'API' }] };
    const { fake, provider } = await withProject({}, [twin]);
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_NAME_AMBIGUOUS');
    expect(err.message).toContain(`2 Railway services are named "api" (${SVC_API}, ${SVC_WORKER.replace(/04$/, '05')})`);
    expect(fake.calls('serviceInstanceDeployV2')).toEqual([]);
  });

  it('projectId is used with ids too: an id from another project is refused', async () => {
    const other = '5e1d2c3b-4a59-4687-9abc-0d1e2f3a4bff';
    const { fake, provider } = await withProject({ serviceId: other, environmentId: ENV_PROD });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_NOT_IN_PROJECT');
    expect(err.message).toBe(`service: Railway service ${other} is not in project ${PROJECT}`);
    expect(fake.calls('serviceInstanceDeployV2')).toEqual([]);
  });

  it('a project token of another environment is refused before deploying, naming both (read once)', async () => {
    const { fake, provider } = await withProject({}, [project], { projectId: PROJECT, environmentId: ENV_STAGING });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_TOKEN_SCOPE');
    expect(err.message).toBe(`the Railway project token is scoped to environment ${ENV_STAGING} of project ${PROJECT}, but this deploy targets environment ${ENV_PROD}`);
    expect(presentError(err)).toContain('secret of that GitHub environment');
    await caught(provider.deploy(request([])));
    expect(fake.calls('projectToken')).toHaveLength(1);
    expect(fake.calls('serviceInstanceDeployV2')).toEqual([]);
  });

  it('a project token of another project is refused, naming the project', async () => {
    const other = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7cff';
    const { provider } = await withProject({ serviceId: SVC_API, environmentId: ENV_PROD }, [project], { projectId: other, environmentId: ENV_PROD });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_TOKEN_SCOPE');
    expect(err.message).toContain(`of project ${other}, but this deploy targets project ${PROJECT}`);
  });

  it('an account token is not asked for a scope', async () => {
    const fake = await startRailwayFake({ token: TOKEN, tokenKind: 'account', projects: [project] });
    fakes.add(fake);
    const provider = createRailwayProvider({ apiUrl: fake.apiUrl, token: TOKEN, tokenKind: 'account', serviceId: 'api', environmentId: 'production', projectId: PROJECT, pollIntervalMs: 20 });
    await provider.deploy(request([]));
    expect(fake.calls('projectToken')).toEqual([]);
    expect(fake.calls('serviceInstanceDeployV2')).toHaveLength(1);
  });

  it('a project Railway does not know is a GraphQL error, and the next deploy asks again', async () => {
    const { fake, provider } = await withProject({}, []);
    expect((await caught(provider.deploy(request([])))).code).toBe('SHIPGATE_RAILWAY_GRAPHQL');
    await caught(provider.deploy(request([])));
    expect(fake.calls('project')).toHaveLength(2);
  });

  it('without projectId, a name is refused when the provider is created, naming the key', () => {
    const err = (() => {
      try {
        createRailwayProvider({ token: TOKEN, tokenKind: 'project', serviceId: 'api', environmentId: ENV_PROD, slotServices: { blue: SVC_BLUE, green: 'api-green' } });
      } catch (e) {
        return e as Error & { code?: string };
      }
      throw new Error('expected a refusal');
    })();
    expect(err.code).toBe('SHIPGATE_RAILWAY_OPTIONS_INVALID');
    expect(err.message).toContain('service: "api" is not a Railway id');
    expect(err.message).toContain('slotServices.green: "api-green" is not a Railway id');
    expect(err.message).not.toContain('slotServices.blue');
  });

  it('a projectId that is not an id is refused', () => {
    expect(() => createRailwayProvider({ token: TOKEN, tokenKind: 'project', serviceId: 'api', environmentId: 'production', projectId: 'my-project' })).toThrow(
      /projectId: must be a Railway project id/,
    );
  });

  it('the fake refuses fields its schema types do not have', async () => {
    const fake = await startRailwayFake({ token: TOKEN, tokenKind: 'account' });
    fakes.add(fake);
    const res = await fetch(fake.apiUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ query: 'query Q($id: String!) { deployment(id: $id) { id status domain } }', variables: { id: 'x' } }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ message: expect.stringMatching(/^Cannot query field "domain" on type "Deployment"\./), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    expect(fake.violations.splice(0)).toEqual([{ operation: 'Q', messages: [expect.stringContaining('Cannot query field "domain"')] }]);
  });
});

