/**
 * Railway deploy provider (GraphQL API v2, https://docs.railway.com/guides/public-api).
 * deploy: read the service instance's latest deployment (kept as `data.previousDeploymentId`
 * for rollback when it is SUCCESS), `serviceInstanceDeployV2(serviceId, environmentId,
 * commitSha)` → deployment id, then poll `deployment(id)` until SUCCESS or a failure status,
 * reporting each status change. Blue/green slots map to one Railway service each.
 * Services and the environment are Railway ids, or names when `projectId` is given: then one
 * `project(id)` read (before the first deploy) resolves the names and checks that every id is in
 * that project (railway-ids.ts). Without projectId every one of them must be an id.
 */
import { z } from 'zod';
import { formatDuration } from '../config/duration.ts';
import { registerSecret } from '../secrets/redact.ts';
import { deployErrors } from './errors.ts';
import { railwayGql, type RailwayTransport } from './railway-gql.ts';
import { isRailwayId, railwayIdErrors, resolveRailwayRef, type RailwayNamed, type RailwayProjectView } from './railway-ids.ts';
import { sleep } from './remote-wait.ts';
import type { DeployProvider, DeployRequest, Deployment, DeploymentState } from './types.ts';

const optionsSchema = z.object({
  apiUrl: z.string().url().default('https://backboard.railway.com/graphql/v2'),
  token: z.string().min(1, 'token is empty (the env var named in config is not set?)'),
  tokenKind: z.enum(['account', 'project']),
  /** Service id, or its name when projectId is given. */
  serviceId: z.string().min(1),
  /** Environment id, or its name when projectId is given. */
  environmentId: z.string().min(1),
  slotServices: z.record(z.string(), z.string().min(1)).optional(),
  projectId: z.string().refine(isRailwayId, 'must be a Railway project id (a UUID: project → Settings → General, or `railway status --json`)').optional(),
  pollIntervalMs: z.number().int().positive().default(3000),
  timeoutMs: z.number().int().positive().default(15 * 60_000),
  requestTimeoutMs: z.number().int().positive().default(30_000),
  maxRateLimitRetries: z.number().int().min(0).default(5),
  maxRetryAfterMs: z.number().int().positive().default(60_000),
});

export type RailwayProviderOptions = z.input<typeof optionsSchema> & { fetch?: typeof globalThis.fetch };

export const RAILWAY_FAILED = ['CRASHED', 'FAILED', 'REMOVED', 'SKIPPED'] as const;

export function railwayState(status: string): DeploymentState {
  switch (status) {
    case 'SUCCESS':
      return 'running';
    case 'QUEUED': case 'WAITING': case 'INITIALIZING': case 'BUILDING': case 'DEPLOYING': case 'NEEDS_APPROVAL':
      return 'starting';
    case 'CRASHED': case 'FAILED':
      return 'failed';
    case 'REMOVED': case 'REMOVING': case 'SKIPPED': case 'SLEEPING':
      return 'stopped';
    default:
      return 'unknown';
  }
}

const Q_INSTANCE = `query ShipgateServiceInstance($serviceId: String!, $environmentId: String!) {
  serviceInstance(serviceId: $serviceId, environmentId: $environmentId) { latestDeployment { id status } }
}`;
const M_DEPLOY = `mutation ShipgateDeploy($serviceId: String!, $environmentId: String!, $commitSha: String) {
  serviceInstanceDeployV2(serviceId: $serviceId, environmentId: $environmentId, commitSha: $commitSha)
}`;
const Q_DEPLOYMENT = `query ShipgateDeployment($id: String!) {
  deployment(id: $id) { id status url staticUrl canRollback }
}`;
const Q_DEPLOYMENTS = `query ShipgateDeployments($input: DeploymentListInput!, $first: Int) {
  deployments(input: $input, first: $first) { edges { node { id status createdAt } } }
}`;
const Q_PROJECT = `query ShipgateProject($id: String!) {
  project(id: $id) { id services { edges { node { id name } } } environments { edges { node { id name } } } }
}`;
const Q_PROJECT_TOKEN = `query ShipgateProjectToken { projectToken { projectId environmentId } }`;
const M_ROLLBACK = `mutation ShipgateRollback($id: String!) { deploymentRollback(id: $id) }`;
const M_STOP = `mutation ShipgateStop($id: String!) { deploymentStop(id: $id) }`;

interface RailwayDeploymentView { id: string; status: string; url: string | null; staticUrl: string | null; canRollback?: boolean }

function httpsUrl(d: RailwayDeploymentView): string | null {
  const raw = d.staticUrl || d.url;
  if (!raw) return null;
  return /^https?:\/\//i.test(raw) ? raw.replace(/\/+$/, '') : `https://${raw.replace(/\/+$/, '')}`;
}

export function createRailwayProvider(options: RailwayProviderOptions): DeployProvider {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw deployErrors.SHIPGATE_RAILWAY_OPTIONS_INVALID({
      problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`),
    });
  }
  const o = parsed.data;
  if (o.projectId === undefined) {
    const names = [
      ['service', o.serviceId],
      ['environment', o.environmentId],
      ...Object.entries(o.slotServices ?? {}).map(([slot, v]) => [`slotServices.${slot}`, v] as const),
    ].filter(([, v]) => !isRailwayId(v));
    if (names.length)
      throw deployErrors.SHIPGATE_RAILWAY_OPTIONS_INVALID({
        problems: names.map(([k, v]) => `${k}: "${v}" is not a Railway id (a UUID); give projectId to use names, or the id (Railway dashboard, or \`railway status --json\`)`),
      });
  }
  registerSecret(o.token);
  const transport: RailwayTransport = {
    apiUrl: o.apiUrl,
    token: o.token,
    tokenKind: o.tokenKind,
    fetch: options.fetch ?? globalThis.fetch,
    requestTimeoutMs: o.requestTimeoutMs,
    maxRateLimitRetries: o.maxRateLimitRetries,
    maxRetryAfterMs: o.maxRetryAfterMs,
  };
  const gql = <T>(operation: string, query: string, variables: Record<string, unknown>, signal?: AbortSignal) =>
    railwayGql<T>(transport, { operation, query, variables, signal });

  /** The configured value (id or name) of the slot's service; unknown slots are refused before any API call. */
  const serviceRefFor = (slot: string | undefined): { key: string; value: string } => {
    if (slot === undefined) return { key: 'service', value: o.serviceId };
    const value = o.slotServices?.[slot];
    if (!value) throw deployErrors.SHIPGATE_RAILWAY_SLOT_UNKNOWN({ slot, known: Object.keys(o.slotServices ?? {}) });
    return { key: `slotServices.${slot}`, value };
  };

  /** The project, read once (a failed read is retried by the next deploy). */
  let project: Promise<RailwayProjectView> | undefined;
  const readProject = (projectId: string, signal?: AbortSignal): Promise<RailwayProjectView> => {
    project ??= gql<{ project: { services: { edges: Array<{ node: RailwayNamed }> }; environments: { edges: Array<{ node: RailwayNamed }> } } }>(
      'project', Q_PROJECT, { id: projectId }, signal,
    ).then(
      (d) => ({ services: d.project.services.edges.map((e) => e.node), environments: d.project.environments.edges.map((e) => e.node) }),
      (err: unknown) => {
        project = undefined;
        throw err;
      },
    );
    return project;
  };

  /** What a project token is scoped to, read once (a failed read is retried by the next deploy). */
  let tokenScope: Promise<{ projectId: string; environmentId: string }> | undefined;
  const readTokenScope = (signal?: AbortSignal) => {
    tokenScope ??= gql<{ projectToken: { projectId: string; environmentId: string } }>('projectToken', Q_PROJECT_TOKEN, {}, signal).then(
      (d) => d.projectToken,
      (err: unknown) => {
        tokenScope = undefined;
        throw err;
      },
    );
    return tokenScope;
  };

  /**
   * Service and environment ids for a deploy: as configured, or resolved/checked through projectId.
   * A project token must be the one of this environment (and project): otherwise Railway's answer
   * would be a bare "Not Authorized".
   */
  async function idsFor(slot: string | undefined, signal?: AbortSignal): Promise<{ serviceId: string; environmentId: string }> {
    const service = serviceRefFor(slot);
    let ids = { serviceId: service.value, environmentId: o.environmentId };
    if (o.projectId !== undefined) {
      const view = await readProject(o.projectId, signal);
      ids = {
        serviceId: resolveRailwayRef(view, o.projectId, { key: service.key, kind: 'service', value: service.value }),
        environmentId: resolveRailwayRef(view, o.projectId, { key: 'environment', kind: 'environment', value: o.environmentId }),
      };
    }
    if (o.tokenKind === 'project') {
      const scope = await readTokenScope(signal);
      const sameProject = o.projectId === undefined || scope.projectId.toLowerCase() === o.projectId.toLowerCase();
      if (!sameProject || scope.environmentId.toLowerCase() !== ids.environmentId.toLowerCase())
        throw railwayIdErrors.SHIPGATE_RAILWAY_TOKEN_SCOPE({
          tokenProjectId: scope.projectId,
          tokenEnvironmentId: scope.environmentId,
          projectId: o.projectId ?? null,
          environmentId: ids.environmentId,
        });
    }
    return ids;
  }

  const readDeployment = async (id: string, signal?: AbortSignal) =>
    (await gql<{ deployment: RailwayDeploymentView | null }>('deployment', Q_DEPLOYMENT, { id }, signal)).deployment;

  async function waitForTerminal(id: string, serviceId: string, req: DeployRequest): Promise<RailwayDeploymentView> {
    const deadline = Date.now() + o.timeoutMs;
    let last = '';
    for (;;) {
      const d = await readDeployment(id, req.signal);
      if (!d) throw deployErrors.SHIPGATE_RAILWAY_GRAPHQL({ operation: 'deployment', messages: [`deployment ${id} not found`] });
      if (d.status !== last) {
        req.progress?.(`railway: deployment ${id} ${last ? `${last} → ` : ''}${d.status}`);
        last = d.status;
      }
      if (d.status === 'SUCCESS') return d;
      if ((RAILWAY_FAILED as readonly string[]).includes(d.status))
        throw deployErrors.SHIPGATE_RAILWAY_DEPLOY_FAILED({ deploymentId: id, status: d.status, serviceId });
      const left = deadline - Date.now();
      if (left <= 0) throw deployErrors.SHIPGATE_RAILWAY_DEPLOY_TIMEOUT({ deploymentId: id, status: d.status, timeout: formatDuration(o.timeoutMs) });
      try {
        await sleep(Math.min(o.pollIntervalMs, left), req.signal);
      } catch {
        throw deployErrors.SHIPGATE_REMOTE_DEPLOY_ABORTED({ provider: 'railway', what: `waiting for deployment ${id} (${d.status})` });
      }
    }
  }

  /**
   * When the latest deployment is not SUCCESS (a crashed attempt), the live one is the newest SUCCESS
   * before it. Railway documents no order for `deployments`, so only SUCCESS ones are asked for and
   * the newest is picked by `createdAt`.
   */
  async function lastSuccessful(serviceId: string, environmentId: string, signal?: AbortSignal): Promise<string | null> {
    const list = await gql<{ deployments: { edges: Array<{ node: { id: string; status: string; createdAt: string } }> } }>(
      'deployments', Q_DEPLOYMENTS, { input: { serviceId, environmentId, status: { in: ['SUCCESS'] } }, first: 20 }, signal,
    );
    const ok = list.deployments.edges.map((e) => e.node).filter((n) => n.status === 'SUCCESS');
    ok.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
    return ok[0]?.id ?? null;
  }

  return {
    name: 'railway',

    async deploy(req) {
      const startedAt = new Date().toISOString();
      const { serviceId, environmentId } = await idsFor(req.slot, req.signal);
      const before = await gql<{ serviceInstance: { latestDeployment: { id: string; status: string } | null } | null }>(
        'serviceInstance', Q_INSTANCE, { serviceId, environmentId }, req.signal,
      );
      const latest = before.serviceInstance?.latestDeployment ?? null;
      const previousDeploymentId = latest?.status === 'SUCCESS' ? latest.id : latest ? await lastSuccessful(serviceId, environmentId, req.signal) : null;
      req.progress?.(
        `railway: deploying ${req.sha.slice(0, 12)} (${req.version}) to service ${serviceId}${req.slot ? ` (slot ${req.slot})` : ''}; ` +
          (previousDeploymentId ? `previous successful deployment ${previousDeploymentId}` : 'no previous successful deployment'),
      );
      const created = await gql<{ serviceInstanceDeployV2: string }>(
        'serviceInstanceDeployV2', M_DEPLOY, { serviceId, environmentId, commitSha: req.sha }, req.signal,
      );
      const id = created.serviceInstanceDeployV2;
      const done = await waitForTerminal(id, serviceId, req);
      const url = httpsUrl(done);
      if (!url) throw deployErrors.SHIPGATE_RAILWAY_NO_URL({ deploymentId: id, serviceId });
      req.progress?.(`railway: deployment ${id} is live at ${url}`);
      return {
        provider: 'railway',
        env: req.env,
        ...(req.slot === undefined ? {} : { slot: req.slot }),
        version: req.version,
        id,
        url,
        startedAt,
        data: { serviceId, environmentId, previousDeploymentId, status: done.status },
      } satisfies Deployment;
    },

    async status(d) {
      const view = await readDeployment(d.id);
      if (!view) return { state: 'unknown', detail: `deployment ${d.id} not found on Railway` };
      return { state: railwayState(view.status), detail: `Railway status ${view.status}` };
    },

    url: (d) => d.url,

    async stop(d) {
      const data = await gql<{ deploymentStop: boolean }>('deploymentStop', M_STOP, { id: d.id });
      if (data.deploymentStop !== true) throw deployErrors.SHIPGATE_RAILWAY_REFUSED({ operation: 'deploymentStop', deploymentId: d.id });
    },

    async rollback(d) {
      const previous = d.data.previousDeploymentId;
      if (typeof previous !== 'string' || !previous) throw deployErrors.SHIPGATE_RAILWAY_NO_PREVIOUS({ deploymentId: d.id });
      const data = await gql<{ deploymentRollback: boolean }>('deploymentRollback', M_ROLLBACK, { id: previous });
      if (data.deploymentRollback !== true) throw deployErrors.SHIPGATE_RAILWAY_REFUSED({ operation: 'deploymentRollback', deploymentId: previous });
    },
  };
}
