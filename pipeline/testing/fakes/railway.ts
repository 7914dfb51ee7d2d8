/**
 * Fake of Railway's public GraphQL API (POST /graphql/v2), for tests and the local demo only.
 * Follows https://docs.railway.com/guides/public-api (endpoint, token headers) and the schema
 * Railway publishes with its CLI: railwayapp/cli `src/gql/schema.json` at commit df14f094
 * (2026-08-08; read 2026-12-04). It answers only these root fields, each of which exists there
 * with these arguments and types:
 * `serviceInstanceDeployV2(serviceId!, environmentId!, commitSha): String!` (the deployment id),
 * `deployment(id!): Deployment!` selecting `id status url staticUrl canRollback`,
 * `serviceInstance(serviceId!, environmentId!): ServiceInstance!` selecting `latestDeployment { id status }`,
 * `deployments(input: DeploymentListInput!, first): QueryDeploymentsConnection!` selecting `edges { node { id status createdAt } }`
 * (input `serviceId`, `environmentId`, `status: { in }`; Railway documents no order, so the order is a knob),
 * `project(id!): Project!` selecting `id name services { edges { node { id name } } } environments { edges { node { id name } } }`
 * (the selection of the CLI's own src/gql/queries/strings/Project.graphql, trimmed),
 * `projectToken: ProjectToken!` selecting `projectId environmentId` (what a project token is scoped to),
 * `deploymentRollback(id!): Boolean!`, `deploymentStop(id!): Boolean!`.
 * Any other field in a selection set is refused with GraphQL's "Cannot query field" error, so a
 * client asking for something the fake does not model fails its tests instead of passing on
 * made-up data. Not from the schema (Railway's wording unknown): the "not found" messages.
 *
 * It is not a GraphQL engine: it recognises the root field in the query text and reads the
 * arguments from `variables` only (a literal argument is answered with a GraphQL error, so a
 * client that interpolates values into the query fails its tests). Knobs: per-deployment status
 * sequences, queued GraphQL errors, 429 with Retry-After, and the auth header kind it accepts.
 */
import type { ServerResponse } from 'node:http';
import { sendJson, startFakeServer, type FakeRequest, type FakeServer, type RecordedRequest } from './http-fake.ts';

export type RailwayTokenKind = 'account' | 'project';

export interface FakeDeployment {
  id: string;
  serviceId: string;
  environmentId: string;
  commitSha: string | null;
  /** Statuses this deployment goes through; each `deployment(id)` read advances one step. */
  statuses: string[];
  step: number;
  url: string | null;
  staticUrl: string | null;
  canRollback: boolean;
  createdAt: string;
}

export interface DeploymentScript {
  statuses: string[];
  url?: string | null;
  staticUrl?: string | null;
}

export interface FakeProject {
  id: string;
  name?: string;
  services: Array<{ id: string; name: string }>;
  environments: Array<{ id: string; name: string }>;
}

export interface RailwayFakeOptions {
  token: string;
  tokenKind: RailwayTokenKind;
  /** What `projectToken` answers for a project token (its project and environment). Without it, projectToken is an error. */
  projectTokenScope?: { projectId: string; environmentId: string };
  /** The order `deployments` lists in (Railway documents none). Default newest first, as the Railway CLI assumes. */
  deploymentsOrder?: 'newest-first' | 'oldest-first';
  /** Projects `project(id)` answers; any other id is a GraphQL error. */
  projects?: FakeProject[];
  /** Deployments created by the next deploys, in order. Default for each: QUEUED → BUILDING → DEPLOYING → SUCCESS. */
  scripts?: DeploymentScript[];
}

export interface RailwayFake extends FakeServer {
  /** The GraphQL endpoint: `${url}/graphql/v2`. */
  apiUrl: string;
  deployments: Map<string, FakeDeployment>;
  /** Adds a deployment that already exists (e.g. the live one before a release). */
  seedDeployment(d: Partial<FakeDeployment> & { id: string; serviceId: string; environmentId: string; status: string }): void;
  /** Scripts the next deployments created by serviceInstanceDeployV2. */
  scriptNextDeploys(...scripts: DeploymentScript[]): void;
  /** The next `count` requests get HTTP 429 with `Retry-After: retryAfterS`. */
  rateLimitNext(count: number, retryAfterS: number): void;
  /** The next request gets a GraphQL `errors[]` with this message (HTTP 200, like Railway). */
  failNext(message: string): void;
  /** Mutations received, by root field, with their variables. */
  calls(field: string): Array<Record<string, unknown>>;
}

const ROOT_FIELDS = ['serviceInstanceDeployV2', 'serviceInstance', 'deploymentRollback', 'deploymentStop', 'deployments', 'deployment', 'projectToken', 'project'] as const;
type RootField = (typeof ROOT_FIELDS)[number];

/** Fields each root field's selection set may name (all present on those types in the schema). */
const SELECTABLE: Record<RootField, { type: string; fields: string[] }> = {
  serviceInstanceDeployV2: { type: 'String', fields: [] },
  deploymentRollback: { type: 'Boolean', fields: [] },
  deploymentStop: { type: 'Boolean', fields: [] },
  deployment: { type: 'Deployment', fields: ['id', 'status', 'url', 'staticUrl', 'canRollback'] },
  serviceInstance: { type: 'ServiceInstance', fields: ['latestDeployment', 'id', 'status'] },
  deployments: { type: 'QueryDeploymentsConnection', fields: ['edges', 'node', 'id', 'status', 'createdAt'] },
  project: { type: 'Project', fields: ['id', 'name', 'services', 'environments', 'edges', 'node'] },
  projectToken: { type: 'ProjectToken', fields: ['projectId', 'environmentId'] },
};

/** `field(` or, for a field without arguments, `field {`. */
const rootPattern = (f: RootField) => new RegExp(`\\b${f}\\s*(\\([^)]*\\)|(?=\\{))`);

/** The names in the selection set after `field(…)` (the root field's own braces only). */
function selectedFields(query: string, field: RootField): string[] {
  const m = rootPattern(field).exec(query);
  if (!m) return [];
  const rest = query.slice(m.index + m[0].length);
  if (!rest.trimStart().startsWith('{')) return [];
  let depth = 0;
  let end = rest.length;
  for (let i = rest.indexOf('{'); i < rest.length; i++) {
    if (rest[i] === '{') depth++;
    else if (rest[i] === '}' && --depth === 0) {
      end = i;
      break;
    }
  }
  return rest.slice(rest.indexOf('{'), end).match(/[A-Za-z_]\w*/g) ?? [];
}

function rootField(query: string): RootField | undefined {
  for (const f of ROOT_FIELDS) {
    if (rootPattern(f).test(query)) return f;
  }
  return undefined;
}

const DEFAULT_STATUSES = ['QUEUED', 'BUILDING', 'DEPLOYING', 'SUCCESS'];

export async function startRailwayFake(opts: RailwayFakeOptions): Promise<RailwayFake> {
  const deployments = new Map<string, FakeDeployment>();
  const scripts: DeploymentScript[] = [...(opts.scripts ?? [])];
  const errorsQueue: string[] = [];
  let rateLimited = { count: 0, retryAfterS: 0 };
  let seq = 0;
  let clock = Date.parse('2026-12-01T00:00:00Z');
  /** Creation times one second apart, in the order deployments are made or seeded. */
  const createdAt = () => new Date((clock += 1000)).toISOString();
  const calls: Array<{ field: string; variables: Record<string, unknown> }> = [];

  const authorized = (req: FakeRequest): boolean =>
    opts.tokenKind === 'project'
      ? req.rawHeaders['project-access-token'] === opts.token && !req.rawHeaders.authorization
      : req.rawHeaders.authorization === `Bearer ${opts.token}` && !req.rawHeaders['project-access-token'];

  const gqlError = (res: ServerResponse, message: string) => sendJson(res, 200, { data: null, errors: [{ message, locations: [], path: [] }] });

  const view = (d: FakeDeployment) => ({
    id: d.id,
    status: d.statuses[Math.min(d.step, d.statuses.length - 1)] ?? 'QUEUED',
    url: d.url,
    staticUrl: d.staticUrl,
    canRollback: d.canRollback,
  });

  const server = await startFakeServer((req, res) => {
    if (req.method !== 'POST' || req.path !== '/graphql/v2') return sendJson(res, 404, { message: 'Not Found' });
    if (rateLimited.count > 0) {
      rateLimited = { ...rateLimited, count: rateLimited.count - 1 };
      return sendJson(res, 429, { message: 'Too Many Requests' }, { 'retry-after': String(rateLimited.retryAfterS), 'x-ratelimit-remaining': '0' });
    }
    if (!authorized(req)) return gqlError(res, 'Not Authorized');
    const queued = errorsQueue.shift();
    if (queued !== undefined) return gqlError(res, queued);
    const body = req.body as { query?: unknown; variables?: unknown } | null;
    const query = typeof body?.query === 'string' ? body.query : '';
    const vars = (body?.variables && typeof body.variables === 'object' ? body.variables : {}) as Record<string, unknown>;
    const field = rootField(query);
    if (!field) return gqlError(res, 'Problem processing request');
    // Arguments must be variables: `field(name: $var, …)`. A literal (quoted string) is refused.
    const args = new RegExp(`\\b${field}\\s*\\(([^)]*)\\)`).exec(query)?.[1] ?? '';
    if (/:\s*"/.test(args)) return gqlError(res, `fake: ${field} got a literal argument; pass it through variables`);
    const unknownField = selectedFields(query, field).find((f) => !SELECTABLE[field].fields.includes(f));
    if (unknownField !== undefined) return gqlError(res, `Cannot query field "${unknownField}" on type "${SELECTABLE[field].type}".`);
    calls.push({ field, variables: vars });
    const str = (k: string) => (typeof vars[k] === 'string' ? (vars[k] as string) : undefined);

    switch (field) {
      case 'serviceInstanceDeployV2': {
        const serviceId = str('serviceId');
        const environmentId = str('environmentId');
        if (!serviceId || !environmentId) return gqlError(res, 'Variable "$serviceId" of required type "String!" was not provided.');
        const script = scripts.shift() ?? { statuses: DEFAULT_STATUSES };
        const id = `dep-${++seq}`;
        deployments.set(id, {
          id,
          serviceId,
          environmentId,
          commitSha: str('commitSha') ?? null,
          statuses: script.statuses,
          step: -1,
          createdAt: createdAt(),
          url: script.url === undefined ? `${serviceId}-production.up.railway.app` : script.url,
          staticUrl: script.staticUrl === undefined ? null : script.staticUrl,
          canRollback: false,
        });
        return sendJson(res, 200, { data: { serviceInstanceDeployV2: id } });
      }
      case 'deployment': {
        const d = deployments.get(str('id') ?? '');
        if (!d) return gqlError(res, 'Deployment not found');
        d.step = Math.min(d.step + 1, d.statuses.length - 1);
        return sendJson(res, 200, { data: { deployment: view(d) } });
      }
      case 'serviceInstance': {
        const serviceId = str('serviceId');
        const environmentId = str('environmentId');
        const mine = [...deployments.values()].filter((d) => d.serviceId === serviceId && d.environmentId === environmentId);
        const latest = mine.at(-1);
        return sendJson(res, 200, {
          data: { serviceInstance: { latestDeployment: latest ? { id: latest.id, status: view(latest).status } : null } },
        });
      }
      case 'deployments': {
        // deployments(input: { serviceId, environmentId, status: { in } }, first), in the configured order.
        const input = (vars.input ?? {}) as Record<string, unknown>;
        const first = typeof vars.first === 'number' ? vars.first : 100;
        const statusIn = ((input.status ?? {}) as { in?: unknown }).in;
        const ordered = [...deployments.values()].filter((d) => d.serviceId === input.serviceId && d.environmentId === input.environmentId);
        if ((opts.deploymentsOrder ?? 'newest-first') === 'newest-first') ordered.reverse();
        const mine = ordered.filter((d) => !Array.isArray(statusIn) || statusIn.includes(view(d).status)).slice(0, first);
        return sendJson(res, 200, { data: { deployments: { edges: mine.map((d) => ({ node: { id: d.id, status: view(d).status, createdAt: d.createdAt } })) } } });
      }
      case 'projectToken': {
        if (opts.tokenKind !== 'project' || !opts.projectTokenScope) return gqlError(res, 'Project Token not found');
        return sendJson(res, 200, { data: { projectToken: { ...opts.projectTokenScope } } });
      }
      case 'project': {
        const p = (opts.projects ?? []).find((x) => x.id === str('id'));
        if (!p) return gqlError(res, 'Project not found');
        const edges = (list: Array<{ id: string; name: string }>) => ({ edges: list.map((n) => ({ node: { id: n.id, name: n.name } })) });
        return sendJson(res, 200, { data: { project: { id: p.id, name: p.name ?? 'project', services: edges(p.services), environments: edges(p.environments) } } });
      }
      case 'deploymentRollback':
      case 'deploymentStop': {
        const d = deployments.get(str('id') ?? '');
        if (!d) return gqlError(res, 'Deployment not found');
        if (field === 'deploymentRollback' && !d.canRollback) return gqlError(res, 'Deployment cannot be rolled back');
        return sendJson(res, 200, { data: { [field]: true } });
      }
    }
  });

  return {
    ...server,
    apiUrl: `${server.url}/graphql/v2`,
    deployments,
    seedDeployment(d) {
      deployments.set(d.id, {
        commitSha: null,
        url: null,
        staticUrl: null,
        canRollback: d.status === 'SUCCESS',
        createdAt: createdAt(),
        ...d,
        statuses: [d.status],
        step: 0,
      });
    },
    scriptNextDeploys: (...more) => void scripts.push(...more),
    rateLimitNext: (count, retryAfterS) => void (rateLimited = { count, retryAfterS }),
    failNext: (message) => void errorsQueue.push(message),
    calls: (field) => calls.filter((c) => c.field === field).map((c) => c.variables),
  };
}

export type { RecordedRequest };
