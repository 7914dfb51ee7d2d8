/**
 * Railway services and environments named in `.github/shipgate.yml`: by id, or by name when the
 * config gives `projectId`. Railway ids are UUIDs (the Railway CLI tells ids from names the same
 * way: `is_uuid` in railwayapp/cli src/commands/code.rs). Names are resolved, and ids checked,
 * through `project(id) { services { … } environments { … } }` — the query the Railway CLI's
 * `railway status` runs (src/gql/queries/strings/Project.graphql), which project tokens may run
 * for their own project. Names match case-insensitively, as `railway link --service` matches them.
 */
import { defineErrors } from '../errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isRailwayId = (value: string): boolean => UUID.test(value);

export const railwayIdErrors = defineErrors({
  SHIPGATE_RAILWAY_NAME_UNKNOWN: {
    message: (d: { key: string; kind: string; name: string; projectId: string; known: string[] }) =>
      `${d.key}: Railway project ${d.projectId} has no ${d.kind} named "${d.name}" (its ${d.kind}s: ${d.known.join(', ') || 'none visible to this token'})`,
    hint: (d: { kind: string }) =>
      `use one of the names listed, or the ${d.kind}'s id (Railway dashboard → ${d.kind === 'service' ? 'service → Settings' : 'project → Settings → Environments'}, or \`railway status --json\`)`,
    docs: 'providers.md#railway-ids',
  },
  SHIPGATE_RAILWAY_NAME_AMBIGUOUS: {
    message: (d: { key: string; kind: string; name: string; ids: string[] }) =>
      `${d.key}: ${d.ids.length} Railway ${d.kind}s are named "${d.name}" (${d.ids.join(', ')})`,
    hint: (d: { kind: string }) => `write the ${d.kind}'s id instead of its name`,
    docs: 'providers.md#railway-ids',
  },
  SHIPGATE_RAILWAY_TOKEN_SCOPE: {
    message: (d: { tokenProjectId: string; tokenEnvironmentId: string; projectId: string | null; environmentId: string }) =>
      `the Railway project token is scoped to environment ${d.tokenEnvironmentId} of project ${d.tokenProjectId}, but this deploy targets ` +
      (d.projectId !== null && d.projectId !== d.tokenProjectId ? `project ${d.projectId}` : `environment ${d.environmentId}`),
    hint: () =>
      'a project token works for the one environment it was created in (project → Settings → Tokens): store each environment\'s own token as the secret of that GitHub environment, or use an account/workspace token with tokenKind: account',
    docs: 'providers.md#railway-ids',
  },
  SHIPGATE_RAILWAY_NOT_IN_PROJECT: {
    message: (d: { key: string; kind: string; id: string; projectId: string }) =>
      `${d.key}: Railway ${d.kind} ${d.id} is not in project ${d.projectId}`,
    hint: () => 'check projectId and the id (Railway dashboard, or `railway status --json` in a folder linked to the project)',
    docs: 'providers.md#railway-ids',
  },
});

export interface RailwayNamed { id: string; name: string }
export interface RailwayProjectView { services: RailwayNamed[]; environments: RailwayNamed[] }

/** Resolves one config value (id or name) against the project; `key` is the config key it came from. */
export function resolveRailwayRef(
  project: RailwayProjectView,
  projectId: string,
  ref: { key: string; kind: 'service' | 'environment'; value: string },
): string {
  const pool = ref.kind === 'service' ? project.services : project.environments;
  if (isRailwayId(ref.value)) {
    if (pool.some((n) => n.id.toLowerCase() === ref.value.toLowerCase())) return ref.value;
    throw railwayIdErrors.SHIPGATE_RAILWAY_NOT_IN_PROJECT({ key: ref.key, kind: ref.kind, id: ref.value, projectId });
  }
  const matches = pool.filter((n) => n.name.toLowerCase() === ref.value.toLowerCase());
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length > 1) throw railwayIdErrors.SHIPGATE_RAILWAY_NAME_AMBIGUOUS({ key: ref.key, kind: ref.kind, name: ref.value, ids: matches.map((m) => m.id) });
  throw railwayIdErrors.SHIPGATE_RAILWAY_NAME_UNKNOWN({ key: ref.key, kind: ref.kind, name: ref.value, projectId, known: pool.map((n) => n.name) });
}

type Obj = Record<string, unknown>;

/**
 * Config-check rule for a raw `deploy: { provider: railway, … }` map: a projectId must be an id,
 * and a service/environment/slot service given by name needs projectId (names are resolved there).
 * Paths are relative to the deploy map.
 */
export function railwayRefProblems(deploy: Obj): Array<{ path: string[]; message: string; hint: string }> {
  const problems: Array<{ path: string[]; message: string; hint: string }> = [];
  const projectId = typeof deploy.projectId === 'string' ? deploy.projectId : undefined;
  if (projectId !== undefined && !isRailwayId(projectId))
    problems.push({
      path: ['projectId'],
      message: `"${projectId}" is not a Railway project id (ids look like 3f2b9c1e-8a4d-4f6b-9e2a-1c5d7b8a9f01)`,
      hint: 'copy it from the Railway dashboard (project → Settings → General → Project ID) or from the "id" that `railway status --json` prints',
    });
  if (projectId !== undefined) return problems;
  const refs: Array<{ path: string[]; kind: string; value: unknown }> = [
    { path: ['service'], kind: 'service', value: deploy.service },
    { path: ['environment'], kind: 'environment', value: deploy.environment },
  ];
  const slots = deploy.slotServices;
  if (slots && typeof slots === 'object' && !Array.isArray(slots))
    for (const [slot, value] of Object.entries(slots as Obj)) refs.push({ path: ['slotServices', slot], kind: 'service', value });
  for (const r of refs) {
    if (typeof r.value !== 'string' || r.value === '' || isRailwayId(r.value)) continue;
    problems.push({
      path: r.path,
      message: `"${r.value}" is a ${r.kind} name, not a Railway id; names can only be resolved with projectId`,
      hint: `add projectId: <the Railway project id> to this deploy map (names are then looked up in that project), or write the ${r.kind} id (Railway dashboard, or \`railway status --json\`)`,
    });
  }
  return problems;
}
