/**
 * Fake of Railway's public GraphQL API (POST /graphql/v2), for tests and the local demo only.
 * Follows https://docs.railway.com/guides/public-api (endpoint, token headers) and **the schema
 * Railway publishes with its CLI**: railwayapp/cli `src/gql/schema.json`, cut by
 * tools/vendor-railway-schema.mjs into contracts/railway-schema.json (header: repository, path,
 * commit, date). Every request is parsed and validated with `graphql`'s `validate()` against that
 * schema and its variables coerced against their declared types: outside it, the answer is HTTP 400
 * `{ errors: [{ message, locations, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }` with
 * graphql-js's own messages ("Cannot query field …", "Variable "$id" of required type …") — the
 * shape of common GraphQL servers (Apollo); Railway's status code for it is **not confirmed** (the
 * Railway CLI reads `errors[]` whatever the status) — and the request is recorded in `violations`.
 *
 * Answers follow the schema's nullability: `deployment(id)`, `serviceInstance(…)`, `project(id)`
 * and `projectToken` are non-null, so "not found" is a GraphQL error with `data: null` (HTTP 200),
 * never a null field. Not from the schema (Railway's wording unknown): the "not found" messages.
 * Not confirmed either (issue 12, finding 14): whether a deployment replaced by a newer SUCCESS
 * turns REMOVED; `replacedBecome: 'REMOVED'` models that it does (default: it stays SUCCESS).
 *
 * It is not a GraphQL engine: the operation's root field picks a handler that reads `variables`
 * (a literal argument is refused and recorded, so a client that interpolates values into the query
 * fails its tests), and the answer carries the fields Shipgate selects. Knobs: per-deployment
 * status sequences, queued GraphQL errors, 429 with Retry-After, and the auth header kind it accepts.
 * State tests seed for preflight and evidence: `variables.set('<serviceId>/<environmentId>', {…})`,
 * `customDomains.push({ domain, serviceId, environmentId, verified })`, and
 * `logs.set('<deploymentId>', { deploy: [...], build: [...] })`.
 */
import type { ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import {
  buildClientSchema, coerceInputValue, GraphQLError, isInputType, isNonNullType, parse, print, typeFromAST, validate,
  type DocumentNode, type IntrospectionQuery, type OperationDefinitionNode,
} from 'graphql';
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
  /** Projects `project(id)` answers; any other id is a GraphQL error. With it, `serviceInstance` of a service or environment outside them is an error too. */
  projects?: FakeProject[];
  /** Deployments created by the next deploys, in order. Default for each: QUEUED → BUILDING → DEPLOYING → SUCCESS. */
  scripts?: DeploymentScript[];
  /** What a SUCCESS deployment becomes when a newer one of its service reaches SUCCESS (unknown for Railway; default it stays SUCCESS). */
  replacedBecome?: 'SUCCESS' | 'REMOVED';
}

/** A custom domain as the fake answers `domains(…) { customDomains }` (CustomDomain / CustomDomainStatus of the schema). */
export interface FakeCustomDomain {
  domain: string;
  serviceId: string;
  environmentId: string;
  verified: boolean;
  /** CertificateStatus enum value; default CERTIFICATE_STATUS_TYPE_VALID when verified, else …_VALIDATING_OWNERSHIP. */
  certificateStatus?: string;
  /** DNS records Railway asks for; default one CNAME, PROPAGATED when verified, else REQUIRES_UPDATE. */
  dnsRecords?: Array<{ fqdn: string; recordType: string; requiredValue: string; status: string }>;
}

export interface RailwayViolation {
  operation: string;
  messages: string[];
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
  /** Operations received (valid ones), by root field, with their variables. */
  calls(field: string): Array<Record<string, unknown>>;
  /** Requests outside the vendored schema (or with literal arguments), with the errors answered. Tests assert it empty. */
  violations: RailwayViolation[];
  /** HTTP 429 answers given. */
  limited: number;
  /** `variables(projectId, environmentId, serviceId)`: the service's variables, keyed `${serviceId}/${environmentId}`. */
  variables: Map<string, Record<string, string>>;
  /** `domains(…)`: the custom domains, each of a service in an environment. */
  customDomains: FakeCustomDomain[];
  /** `deploymentLogs` / `buildLogs`: log lines per deployment id (oldest first). */
  logs: Map<string, { deploy?: string[]; build?: string[] }>;
}

interface VendoredSchema { commit: string; commitDate: string; repository: string; path: string; operations: string[]; schema: IntrospectionQuery }

/** The vendored contract (contracts/railway-schema.json). */
export const railwaySchemaContract = JSON.parse(readFileSync(new URL('./contracts/railway-schema.json', import.meta.url), 'utf8')) as VendoredSchema;
export const railwaySchema = buildClientSchema(railwaySchemaContract.schema);

/** graphql-js's validation of one request against the vendored schema: the error messages, empty when valid. */
export function railwayRequestErrors(query: string, variables: Record<string, unknown>): { errors: GraphQLError[]; doc?: DocumentNode; op?: OperationDefinitionNode } {
  let doc: DocumentNode;
  try {
    doc = parse(query);
  } catch (err) {
    return { errors: [err instanceof GraphQLError ? err : new GraphQLError(String(err))] };
  }
  const errors = [...validate(railwaySchema, doc)];
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  const op = ops[0];
  if (!op) return { errors: [...errors, new GraphQLError('Must provide an operation.')], doc };
  if (errors.length) return { errors, doc, op };
  if (ops.length > 1) return { errors: [new GraphQLError('Must provide operation name if query contains multiple operations.')], doc };
  // Variables against their declared types, with graphql-js's messages (as its getVariableValues words them).
  const varErrors: GraphQLError[] = [];
  for (const def of op.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    const type = typeFromAST(railwaySchema, def.type);
    if (!type || !isInputType(type)) continue; // validate() already refused it
    if (!(name in variables) || variables[name] === undefined) {
      if (isNonNullType(type) && !def.defaultValue) varErrors.push(new GraphQLError(`Variable "$${name}" of required type "${print(def.type)}" was not provided.`));
      continue;
    }
    coerceInputValue(variables[name], type, (path, _invalid, error) => {
      const at = path.length ? ` at "${name}${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}"` : '';
      varErrors.push(new GraphQLError(`Variable "$${name}" got invalid value ${JSON.stringify(_invalid)}${at}; ${error.message}`));
    });
  }
  return { errors: varErrors, doc, op };
}

const DEFAULT_STATUSES = ['QUEUED', 'BUILDING', 'DEPLOYING', 'SUCCESS'];

export async function startRailwayFake(opts: RailwayFakeOptions): Promise<RailwayFake> {
  const deployments = new Map<string, FakeDeployment>();
  const variables = new Map<string, Record<string, string>>();
  const customDomains: FakeCustomDomain[] = [];
  const logs = new Map<string, { deploy?: string[]; build?: string[] }>();
  const scripts: DeploymentScript[] = [...(opts.scripts ?? [])];
  const errorsQueue: string[] = [];
  const violations: RailwayViolation[] = [];
  let rateLimited = { count: 0, retryAfterS: 0 };
  let limited = 0;
  let seq = 0;
  let clock = Date.parse('2026-12-01T00:00:00Z');
  /** Creation times one second apart, in the order deployments are made or seeded. */
  const createdAt = () => new Date((clock += 1000)).toISOString();
  const calls: Array<{ field: string; variables: Record<string, unknown> }> = [];

  const authorized = (req: FakeRequest): boolean =>
    opts.tokenKind === 'project'
      ? req.rawHeaders['project-access-token'] === opts.token && !req.rawHeaders.authorization
      : req.rawHeaders.authorization === `Bearer ${opts.token}` && !req.rawHeaders['project-access-token'];

  /** A resolver error: HTTP 200, `data: null` (every root field Shipgate uses is non-null), the message in `errors[]`. */
  const gqlError = (res: ServerResponse, message: string, path: string[] = []) => sendJson(res, 200, { data: null, errors: [{ message, locations: [], path }] });
  /** Outside the contract: HTTP 400 with graphql-js's messages, recorded. */
  const refuse = (res: ServerResponse, operation: string, errors: readonly GraphQLError[]) => {
    violations.push({ operation, messages: errors.map((e) => e.message) });
    return sendJson(res, 400, {
      errors: errors.map((e) => ({ message: e.message, locations: e.locations ?? [], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })),
    });
  };

  const statusOf = (d: FakeDeployment) => d.statuses[Math.min(Math.max(d.step, 0), d.statuses.length - 1)] ?? 'QUEUED';
  const view = (d: FakeDeployment) => ({ id: d.id, status: statusOf(d), url: d.url, staticUrl: d.staticUrl, canRollback: d.canRollback });
  /** A deployment that reached SUCCESS replaces the older SUCCESS ones of its service (which may turn REMOVED). */
  const settle = (d: FakeDeployment) => {
    if (statusOf(d) !== 'SUCCESS' || (opts.replacedBecome ?? 'SUCCESS') !== 'REMOVED') return;
    for (const o of deployments.values()) {
      if (o !== d && o.serviceId === d.serviceId && o.environmentId === d.environmentId && statusOf(o) === 'SUCCESS' && o.createdAt < d.createdAt) {
        o.statuses = ['REMOVED'];
        o.step = 0;
      }
    }
  };

  const server = await startFakeServer((req, res) => {
    if (req.method !== 'POST' || req.path !== '/graphql/v2') return sendJson(res, 404, { message: 'Not Found' });
    if (rateLimited.count > 0) {
      rateLimited = { ...rateLimited, count: rateLimited.count - 1 };
      limited++;
      return sendJson(res, 429, { message: 'Too Many Requests' }, { 'retry-after': String(rateLimited.retryAfterS), 'x-ratelimit-remaining': '0' });
    }
    if (!authorized(req)) return gqlError(res, 'Not Authorized');
    const body = req.body as { query?: unknown; variables?: unknown } | null;
    const query = typeof body?.query === 'string' ? body.query : '';
    const vars = (body?.variables && typeof body.variables === 'object' ? body.variables : {}) as Record<string, unknown>;
    const checked = railwayRequestErrors(query, vars);
    const opName = checked.op?.name?.value ?? '(unnamed)';
    if (checked.errors.length || !checked.op) return refuse(res, opName, checked.errors);
    const rootSel = checked.op.selectionSet.selections[0];
    const field = rootSel?.kind === 'Field' ? rootSel.name.value : '';
    // Arguments must be variables: a literal is valid GraphQL but means the client interpolates values.
    const literal = rootSel?.kind === 'Field' ? rootSel.arguments?.find((a) => a.value.kind !== 'Variable') : undefined;
    if (literal) return refuse(res, opName, [new GraphQLError(`fake: ${field} got a literal argument "${literal.name.value}"; pass it through variables`)]);
    const queued = errorsQueue.shift();
    if (queued !== undefined) return gqlError(res, queued);
    calls.push({ field, variables: vars });
    const str = (k: string) => (typeof vars[k] === 'string' ? (vars[k] as string) : undefined);

    switch (field) {
      case 'serviceInstanceDeployV2': {
        const serviceId = str('serviceId')!;
        const environmentId = str('environmentId')!;
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
          canRollback: true,
        });
        return sendJson(res, 200, { data: { serviceInstanceDeployV2: id } });
      }
      case 'deployment': {
        const d = deployments.get(str('id') ?? '');
        if (!d) return gqlError(res, 'Deployment not found', ['deployment']);
        d.step = Math.min(d.step + 1, d.statuses.length - 1);
        settle(d);
        return sendJson(res, 200, { data: { deployment: view(d) } });
      }
      case 'serviceInstance': {
        const serviceId = str('serviceId');
        const environmentId = str('environmentId');
        // Non-null in the schema: with `projects` given, a service or environment outside them is an error, not null.
        const known = (opts.projects ?? []).some((p) => p.services.some((x) => x.id === serviceId) && p.environments.some((x) => x.id === environmentId));
        if (opts.projects && !known) return gqlError(res, 'ServiceInstance not found', ['serviceInstance']);
        const mine = [...deployments.values()].filter((d) => d.serviceId === serviceId && d.environmentId === environmentId);
        const latest = mine.at(-1);
        return sendJson(res, 200, {
          data: { serviceInstance: { latestDeployment: latest ? { id: latest.id, status: statusOf(latest) } : null } },
        });
      }
      case 'deployments': {
        // deployments(input: { serviceId, environmentId, status: { in } }, first), in the configured order.
        const input = (vars.input ?? {}) as Record<string, unknown>;
        const first = typeof vars.first === 'number' ? vars.first : 100;
        const statusIn = ((input.status ?? {}) as { in?: unknown }).in;
        const ordered = [...deployments.values()].filter((d) => d.serviceId === input.serviceId && d.environmentId === input.environmentId);
        if ((opts.deploymentsOrder ?? 'newest-first') === 'newest-first') ordered.reverse();
        const mine = ordered.filter((d) => !Array.isArray(statusIn) || statusIn.includes(statusOf(d))).slice(0, first);
        return sendJson(res, 200, {
          data: { deployments: { edges: mine.map((d) => ({ node: { id: d.id, status: statusOf(d), createdAt: d.createdAt, canRollback: d.canRollback } })) } },
        });
      }
      case 'projectToken': {
        if (opts.tokenKind !== 'project' || !opts.projectTokenScope) return gqlError(res, 'Project Token not found', ['projectToken']);
        return sendJson(res, 200, { data: { projectToken: { ...opts.projectTokenScope } } });
      }
      case 'project': {
        const p = (opts.projects ?? []).find((x) => x.id === str('id'));
        if (!p) return gqlError(res, 'Project not found', ['project']);
        const edges = (list: Array<{ id: string; name: string }>) => ({ edges: list.map((n) => ({ node: { id: n.id, name: n.name } })) });
        return sendJson(res, 200, { data: { project: { id: p.id, name: p.name ?? 'project', services: edges(p.services), environments: edges(p.environments) } } });
      }
      case 'variables': {
        // EnvironmentVariables is a JSON map (name → value) of the service's variables in the environment.
        if (opts.projects && !opts.projects.some((p) => p.id === str('projectId'))) return gqlError(res, 'Project not found', ['variables']);
        return sendJson(res, 200, { data: { variables: { ...(variables.get(`${str('serviceId') ?? ''}/${str('environmentId')}`) ?? {}) } } });
      }
      case 'domains': {
        if (opts.projects && !opts.projects.some((p) => p.id === str('projectId'))) return gqlError(res, 'Project not found', ['domains']);
        const mine = customDomains.filter((d) => d.serviceId === str('serviceId') && d.environmentId === str('environmentId'));
        return sendJson(res, 200, {
          data: {
            domains: {
              customDomains: mine.map((d) => ({
                domain: d.domain,
                serviceId: d.serviceId,
                status: {
                  verified: d.verified,
                  certificateStatus: d.certificateStatus ?? (d.verified ? 'CERTIFICATE_STATUS_TYPE_VALID' : 'CERTIFICATE_STATUS_TYPE_VALIDATING_OWNERSHIP'),
                  dnsRecords: d.dnsRecords ?? [{ fqdn: d.domain, recordType: 'DNS_RECORD_TYPE_CNAME', requiredValue: `${d.serviceId}.up.railway.app`, status: d.verified ? 'DNS_RECORD_STATUS_PROPAGATED' : 'DNS_RECORD_STATUS_REQUIRES_UPDATE' }],
                },
              })),
            },
          },
        });
      }
      case 'deploymentLogs':
      case 'buildLogs': {
        const id = str('deploymentId') ?? '';
        if (!deployments.has(id) && !logs.has(id)) return gqlError(res, 'Deployment not found', [field]);
        const lines = (field === 'buildLogs' ? logs.get(id)?.build : logs.get(id)?.deploy) ?? [];
        const limit = typeof vars.limit === 'number' ? vars.limit : 500;
        return sendJson(res, 200, { data: { [field]: lines.slice(-limit).map((message, i) => ({ message, timestamp: new Date(Date.UTC(2026, 11, 5, 10, 0, i)).toISOString(), severity: 'info' })) } });
      }
      case 'deploymentRollback':
      case 'deploymentStop': {
        const d = deployments.get(str('id') ?? '');
        if (!d) return gqlError(res, 'Deployment not found', [field]);
        if (field === 'deploymentRollback' && !d.canRollback) return gqlError(res, 'Deployment cannot be rolled back', [field]);
        return sendJson(res, 200, { data: { [field]: true } });
      }
      default:
        // Valid against the schema but not modelled by this fake.
        return gqlError(res, `fake: ${field} is not modelled by the Railway fake`);
    }
  });

  return {
    ...server,
    apiUrl: `${server.url}/graphql/v2`,
    deployments,
    violations,
    variables,
    customDomains,
    logs,
    get limited() {
      return limited;
    },
    seedDeployment(d) {
      deployments.set(d.id, {
        commitSha: null,
        url: null,
        staticUrl: null,
        canRollback: d.status === 'SUCCESS' || d.status === 'REMOVED',
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
