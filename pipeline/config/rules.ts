/**
 * Rules that span several fields (people referenced by name, slots and their services, approval
 * for protected environments…). They run on the raw data next to the schema, so every problem is
 * reported in one go even when other parts of the file are broken; each rule only looks at the
 * parts that have the expected shape and leaves shape errors to the schema.
 */
import type { PathSegment, RawProblem } from './problems.ts';
import { railwayRefProblems } from '../deploy/railway-ids.ts';
import { windowProblems } from '../release/windows.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function crossFieldProblems(data: unknown): RawProblem[] {
  const root = obj(data) ?? {};
  const problems: RawProblem[] = [];
  const add = (path: PathSegment[], message: string, hint: string) => problems.push({ path, message, hint });

  // people: unique names, Slack ids and GitHub logins.
  const people = list(root.people).map(obj);
  for (const field of ['name', 'slack', 'github'] as const) {
    const seen = new Map<string, number>();
    people.forEach((p, i) => {
      const v = str(p?.[field]);
      if (v === undefined) return;
      const first = seen.get(v.toLowerCase());
      if (first === undefined) seen.set(v.toLowerCase(), i);
      else add(['people', i, field], `"${v}" is listed twice (also people[${first}].${field})`, 'list each person once, with one name, Slack id and GitHub login');
    });
  }
  const names = new Set(people.map((p) => str(p?.name)).filter((n): n is string => n !== undefined));
  const personByName = new Map(people.filter((p): p is Obj => str(p?.name) !== undefined).map((p) => [p.name as string, p]));
  const checkPerson = (path: PathSegment[], name: unknown) => {
    if (typeof name === 'string' && !names.has(name)) add(path, `"${name}" is not in people`, `add { name: ${name}, slack: U…, github: … } to people`);
  };

  // approval: approvers are people, listed once, enough of them.
  const approval = obj(root.approval);
  const slackOn = obj(root.slack) !== undefined;
  if (approval) {
    const approvers = list(approval.approvers);
    const seenApprovers = new Set<string>();
    approvers.forEach((a, i) => {
      checkPerson(['approval', 'approvers', i], a);
      if (typeof a !== 'string') return;
      if (seenApprovers.has(a)) add(['approval', 'approvers', i], `"${a}" is listed twice`, 'list each approver once');
      seenApprovers.add(a);
      if (slackOn && names.has(a) && str(personByName.get(a)?.slack) === undefined)
        add(['approval', 'approvers', i], `"${a}" has no slack id in people, so cannot approve in Slack`, `add slack: U… to ${a} in people`);
    });
    const min = approval.minApprovals;
    if (typeof min === 'number' && approvers.length > 0 && min > seenApprovers.size)
      add(['approval', 'minApprovals'], `is ${min} but only ${seenApprovers.size} approver(s) are listed`, `lower minApprovals to at most ${seenApprovers.size}, or add approvers`);
  }

  // environments
  const envs = obj(root.environments) ?? {};
  const uriOwners = new Map<string, string>();
  for (const [envName, rawEnv] of Object.entries(envs)) {
    const env = obj(rawEnv);
    if (!env) continue;
    const at = (...rest: PathSegment[]): PathSegment[] => ['environments', envName, ...rest];
    if (env.protected === true && !approval)
      add(at('protected'), 'a protected environment needs approval configured', 'add approval: { approvers: [<names from people>], minApprovals: 1 } at the top level');
    list(env.deployers).forEach((d, i) => checkPerson(at('deployers', i), d));

    const deploy = obj(env.deploy);
    const slots = list(deploy?.slots).filter((s): s is string => typeof s === 'string');
    if (deploy?.provider === 'railway') {
      const services = obj(deploy.slotServices);
      for (const p of railwayRefProblems(deploy)) add(at('deploy', ...p.path), p.message, p.hint);
      if (slots.length > 0 && !services)
        add(at('deploy', 'slotServices'), 'is required when slots is given', `add slotServices: { ${slots.map((s) => `${s}: <railway service id>`).join(', ')} }`);
      if (services && slots.length === 0)
        add(at('deploy', 'slotServices'), 'needs slots', `add slots: [${Object.keys(services).join(', ')}], or remove slotServices`);
      if (services && slots.length > 0) {
        for (const s of slots) if (!(s in services)) add(at('deploy', 'slotServices'), `has no service for slot "${s}"`, `add ${s}: <railway service id> under slotServices`);
        for (const k of Object.keys(services)) if (!slots.includes(k)) add(at('deploy', 'slotServices', k), `"${k}" is not one of slots [${slots.join(', ')}]`, 'use the slot names listed in slots');
      }
    }

    // Where the deployment answers: the gates need a URL. `command` takes it from deploy.urlCommand
    // or the environment's url; `webhook` (a hook only answers "accepted") from the url alone.
    if (deploy?.provider === 'command' && deploy.urlCommand === undefined && env.url === undefined)
      add(at('deploy'), 'a command deploy needs to know where the deployment answers: set deploy.urlCommand or the environment\'s url',
        `add urlCommand: "<a command printing the deployed URL>" to environments.${envName}.deploy, or url: https://… to environments.${envName}`);
    if (deploy?.provider === 'webhook' && env.url === undefined)
      add(at('url'), 'is required with a webhook deploy: the hook does not say where the deployment answers',
        `add url: https://… (the URL the webhook deploys to) to environments.${envName}`);

    const dns = obj(env.dns);
    if (dns?.provider === 'local' && typeof deploy?.provider === 'string' && deploy.provider !== 'process')
      add(at('dns', 'provider'), `local DNS only works with deploy provider process (this environment uses ${deploy.provider})`, 'use dns provider cloudflare, or deploy with provider process');

    const uriEnv = str(obj(env.database)?.uriEnv);
    if (uriEnv) {
      const owner = uriOwners.get(uriEnv);
      if (owner) add(at('database', 'uriEnv'), `${uriEnv} is also the database of environment ${owner}`, 'give each environment its own database variable, e.g. STAGING_MONGODB_URI and PRODUCTION_MONGODB_URI');
      else uriOwners.set(uriEnv, envName);
    }
  }

  // policy.windows: per environment the config names; a real time zone, spans with an end, freezes in order.
  for (const [envName, rawWindow] of Object.entries(obj(obj(root.policy)?.windows) ?? {})) {
    const at = (...rest: PathSegment[]): PathSegment[] => ['policy', 'windows', envName, ...rest];
    if (!Object.hasOwn(envs, envName))
      add(at(), `"${envName}" is not an environment`, `use one of the environments of this file (${Object.keys(envs).join(', ') || 'none yet'}), or remove it`);
    const w = obj(rawWindow);
    if (w) for (const p of windowProblems(w)) add(at(...p.path), p.message, p.hint);
  }

  // load gate: something to run and something to judge it by.
  const load = obj(obj(root.gates)?.load);
  if (load && load.enabled !== false) {
    const engine = str(load.engine) ?? 'auto';
    if (engine === 'k6' && load.script === undefined) add(['gates', 'load', 'script'], 'is required with engine k6', 'add script: load/<name>.k6.js');
    if (engine === 'builtin' && load.profile === undefined) add(['gates', 'load', 'profile'], 'is required with engine builtin', 'add profile: load/<name>.profile.json');
    if (engine === 'auto' && load.profile === undefined)
      add(['gates', 'load', 'profile'], 'is required with engine auto: the built-in engine runs it when k6 is not installed', 'add profile: load/<name>.profile.json (and script: for k6), or choose engine: k6');
    const thresholds = obj(load.thresholds);
    if ((!thresholds || Object.keys(thresholds).length === 0) && load.profile === undefined)
      add(['gates', 'load', 'thresholds'], 'the load gate needs at least one threshold, or it could never fail', 'add thresholds: { http_req_failed: ["rate<0.01"] }');
  }
  return problems;
}
