/**
 * `shipgate init`: Shipgate in an existing repository. From the answers (flags, or questions on a
 * terminal) it plans every file — `.github/shipgate.yml`, the caller workflows that use the
 * published actions (`<actions-repo>/.github/actions/<name>@<ref>`), an example migration, a smoke
 * suite skeleton, a k6 script and a built-in load profile — from the templates in ./templates,
 * validates the config with the real loader, and writes them only when none of them exists
 * (or with --force). Nothing is written on a conflict: the existing files are listed instead.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { stringify } from 'yaml';
import { coreErrors } from '../errors.ts';
import { validateConfigText } from '../config/load.ts';
import { MIGRATION_FILE } from '../migrate/discover.ts';
import { inRepo, shipgateHome, type Workspace } from '../repo.ts';

export const INIT_USAGE = 'shipgate init [--yes] [--force] [--app <name>] [--start <command>] [--health-path </path>] [--environments staging,production] [--provider process|railway|command] [--migrations <dir>] [--people <name[:slackId[:githubLogin]]>,…] [--approvers <name>,…] [--actions-repo <owner/name>]';
export const DEFAULT_ACTIONS_REPO = 'shipgate/shipgate';
export const DEFAULT_ACTIONS_REF = 'v1';

export type Provider = 'process' | 'railway' | 'command';

export interface InitAnswers {
  app: string;
  start: string;
  healthPath: string;
  /** Exactly two: the first is released to, the second (protected) promoted to. */
  environments: [string, string];
  provider: Provider;
  railwayProject?: string;
  railwayService?: string;
  deployCommand?: string;
  /** Public URL per environment (required for command deploys). */
  urls: Record<string, string>;
  cloudflareRecord?: string;
  migrations: string;
  changelogCollection?: string;
  smoke: string;
  loadDir: string;
  people: Array<{ name: string; slack?: string; github?: string }>;
  approvers: string[];
  slackChannel?: string;
  actionsRepo: string;
  actionsRef: string;
  nodeVersion: string;
  language: 'ts' | 'js';
}

/** The flags of `shipgate init`, as commander gives them (all strings). */
export interface InitFlags {
  yes?: boolean;
  force?: boolean;
  app?: string;
  start?: string;
  healthPath?: string;
  environments?: string;
  provider?: string;
  railwayProject?: string;
  railwayService?: string;
  deployCommand?: string;
  url?: string[];
  cloudflareRecord?: string;
  migrations?: string;
  changelogCollection?: string;
  smoke?: string;
  loadDir?: string;
  people?: string;
  approvers?: string;
  slackChannel?: string;
  actionsRepo?: string;
  actionsRef?: string;
  nodeVersion?: string;
  language?: string;
}

/** The templates ship as files of the package (pipeline/init/templates/*.tmpl), beside compiled or source code alike. */
const TEMPLATES = join(shipgateHome, 'pipeline/init/templates');
const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REL_DIR = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/;

function usage(flag: string, problem: string, fix: string): Error {
  return coreErrors.SHIPGATE_USAGE({ problem: `${flag} ${problem}: ${fix}`, usage: INIT_USAGE });
}

/** Defaults for this repository: the app's name from package.json (else the folder), its start script. */
export function defaultsFor(root: string): InitAnswers {
  let pkg: { name?: string; type?: string; scripts?: Record<string, string> } = {};
  try {
    pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as typeof pkg;
  } catch {
    /* no package.json: defaults below */
  }
  const base = (pkg.name ?? root.split('/').pop() ?? 'app').replace(/^@[^/]+\//, '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '') || 'app';
  return {
    app: base.slice(0, 63),
    start: pkg.scripts?.start ? 'npm start' : 'node server.js',
    healthPath: '/health',
    environments: ['staging', 'production'],
    provider: 'process',
    urls: {},
    migrations: 'migrations',
    smoke: 'smoke',
    loadDir: 'load',
    people: [],
    approvers: [],
    actionsRepo: DEFAULT_ACTIONS_REPO,
    actionsRef: DEFAULT_ACTIONS_REF,
    nodeVersion: '24',
    language: existsSync(join(root, 'tsconfig.json')) ? 'ts' : 'js',
  };
}

function list(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Flags over defaults; every bad value is a SHIPGATE_USAGE naming the flag and the fix. */
export function answersFrom(flags: InitFlags, defaults: InitAnswers): InitAnswers {
  const a: InitAnswers = { ...defaults, urls: { ...defaults.urls } };
  if (flags.app !== undefined) {
    if (!NAME.test(flags.app)) throw usage('--app', `"${flags.app}" is not an app name`, 'use lowercase letters, digits and -, starting with a letter (e.g. billing-api)');
    a.app = flags.app;
  }
  if (flags.start !== undefined) {
    if (!flags.start.trim()) throw usage('--start', 'is empty', 'give the shell command that starts your app, e.g. --start "node server.js"');
    a.start = flags.start.trim();
  }
  if (flags.healthPath !== undefined) {
    if (!/^\/[\x21-\x7e]*$/.test(flags.healthPath)) throw usage('--health-path', `"${flags.healthPath}" is not a path`, 'start it with / (e.g. --health-path /health)');
    a.healthPath = flags.healthPath;
  }
  if (flags.environments !== undefined) {
    const envs = list(flags.environments);
    const bad = envs.find((e) => !/^[a-z][a-z0-9-]{0,30}$/.test(e));
    if (bad !== undefined) throw usage('--environments', `"${bad}" is not an environment name`, 'use lowercase words, e.g. --environments staging,production');
    if (envs.length !== 2 || envs[0] === envs[1]) throw usage('--environments', `needs two distinct environments, got "${flags.environments}"`, 'name the one released to first and the protected one promoted to, e.g. --environments staging,production');
    a.environments = [envs[0] as string, envs[1] as string];
  }
  if (flags.provider !== undefined) {
    if (!['process', 'railway', 'command'].includes(flags.provider)) throw usage('--provider', `"${flags.provider}" is not a provider`, 'use process (local child processes), railway or command');
    a.provider = flags.provider as Provider;
  }
  if (flags.railwayProject !== undefined) {
    if (!UUID.test(flags.railwayProject)) throw usage('--railway-project', `"${flags.railwayProject}" is not a Railway project id`, 'give the project id (a UUID: project → Settings → General)');
    a.railwayProject = flags.railwayProject;
  }
  if (flags.railwayService !== undefined) {
    if (!/^[\w-]{1,100}$/.test(flags.railwayService)) throw usage('--railway-service', `"${flags.railwayService}" is not a Railway service`, 'give its name (with --railway-project) or its id');
    a.railwayService = flags.railwayService;
  }
  if (flags.deployCommand !== undefined) a.deployCommand = flags.deployCommand.trim();
  for (const u of flags.url ?? []) {
    const m = /^([a-z][a-z0-9-]*)=(https?:\/\/\S+)$/.exec(u);
    if (!m) throw usage('--url', `"${u}" is not <environment>=<url>`, 'e.g. --url production=https://example.com (repeat it per environment)');
    try {
      const parsed = new URL(m[2] as string);
      if (parsed.password || parsed.username) throw new Error('credentials');
    } catch {
      throw usage('--url', `"${m[1]}=…" is not a public URL`, 'give an http(s) URL without credentials');
    }
    a.urls[m[1] as string] = m[2] as string;
  }
  if (flags.cloudflareRecord !== undefined) {
    if (!/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/i.test(flags.cloudflareRecord)) throw usage('--cloudflare-record', `"${flags.cloudflareRecord}" is not a DNS name`, 'give the record to switch, e.g. --cloudflare-record example.com');
    a.cloudflareRecord = flags.cloudflareRecord;
  }
  for (const [flag, key] of [['--migrations', 'migrations'], ['--smoke', 'smoke'], ['--load-dir', 'loadDir']] as const) {
    const v = flags[key];
    if (v === undefined) continue;
    const clean = v.replace(/\/+$/, '');
    if (!REL_DIR.test(clean)) throw usage(flag, `"${v}" is not a folder inside the repository`, 'give a relative path without .., e.g. db/migrations');
    a[key] = clean;
  }
  if (flags.changelogCollection !== undefined) {
    if (!/^[A-Za-z0-9_]{1,100}$/.test(flags.changelogCollection)) throw usage('--changelog-collection', `"${flags.changelogCollection}" is not a collection name`, 'use letters, digits and _');
    a.changelogCollection = flags.changelogCollection;
  }
  if (flags.people !== undefined) {
    a.people = list(flags.people).map((p) => {
      const [name = '', slack, github] = p.split(':');
      if (!/^[a-z][a-z0-9._-]*$/.test(name)) throw usage('--people', `"${p}": "${name}" is not a person name`, 'write name[:slackId[:githubLogin]], lowercase names, e.g. ana:U012ABC:ana-dev');
      if (slack && !/^[UW][A-Z0-9]{2,}$/.test(slack)) throw usage('--people', `"${p}": "${slack}" is not a Slack member id`, 'a Slack id starts with U or W (Slack profile → Copy member ID), or leave it empty: ana::ana-dev');
      if (github && !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(github)) throw usage('--people', `"${p}": "${github}" is not a GitHub login`, 'give the login without @');
      return { name, ...(slack ? { slack } : {}), ...(github ? { github } : {}) };
    });
  }
  if (flags.approvers !== undefined) a.approvers = list(flags.approvers);
  if (flags.slackChannel !== undefined) {
    if (!/^(#[a-z0-9][a-z0-9_-]{0,79}|C[A-Z0-9]{6,})$/.test(flags.slackChannel)) throw usage('--slack-channel', `"${flags.slackChannel}" is not a Slack channel`, 'give "#name" or a channel id (C…)');
    a.slackChannel = flags.slackChannel;
  }
  if (flags.actionsRepo !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/.test(flags.actionsRepo)) throw usage('--actions-repo', `"${flags.actionsRepo}" is not owner/name`, `give the repository that publishes Shipgate's actions, e.g. ${DEFAULT_ACTIONS_REPO}`);
    a.actionsRepo = flags.actionsRepo;
  }
  if (flags.actionsRef !== undefined) {
    if (!/^[A-Za-z0-9][\w.\-/]{0,99}$/.test(flags.actionsRef)) throw usage('--actions-ref', `"${flags.actionsRef}" is not a git ref`, 'e.g. v1 (the published tag) or a commit sha');
    a.actionsRef = flags.actionsRef;
  }
  if (flags.nodeVersion !== undefined) {
    if (!/^\d{2}(\.\d+){0,2}$/.test(flags.nodeVersion)) throw usage('--node-version', `"${flags.nodeVersion}" is not a Node.js version`, 'e.g. 24');
    a.nodeVersion = flags.nodeVersion;
  }
  if (flags.language !== undefined) {
    if (flags.language !== 'ts' && flags.language !== 'js') throw usage('--language', `"${flags.language}" is not ts or js`, 'the language of the example migration and smoke skeleton');
    a.language = flags.language;
  }
  return checkAnswers(a);
}

/** The rules across answers (also for answers given at the terminal). */
export function checkAnswers(a: InitAnswers): InitAnswers {
  if (a.approvers.length === 0) throw usage('--approvers', 'is missing', `name who may approve releases to ${a.environments[1]}, e.g. --approvers ana (add their Slack id with --people ana:U012ABC)`);
  const names = new Set(a.people.map((p) => p.name));
  for (const ap of a.approvers) {
    if (!/^[a-z][a-z0-9._-]*$/.test(ap)) throw usage('--approvers', `"${ap}" is not a person name`, 'use lowercase names, as in --people');
    if (!names.has(ap)) a.people.push({ name: ap });
    names.add(ap);
  }
  if (a.provider === 'railway' && !a.railwayProject) throw usage('--railway-project', 'is missing (--provider railway)', 'give the Railway project id, so service and environment names resolve to ids');
  if (a.provider === 'railway' && !a.railwayService) throw usage('--railway-service', 'is missing (--provider railway)', 'give the service that runs the app (its name or id)');
  if (a.provider === 'command' && !a.deployCommand) throw usage('--deploy-command', 'is missing (--provider command)', 'give the shell command that deploys, e.g. --deploy-command "./deploy.sh"');
  if (a.provider === 'command') {
    for (const env of a.environments) if (!a.urls[env]) throw usage('--url', `is missing for ${env} (--provider command)`, `the gates need to know where it answers: --url ${env}=https://…`);
  }
  if (a.provider === 'process' && a.cloudflareRecord) throw usage('--cloudflare-record', 'needs --provider railway or command', 'process deploys switch a local router, not DNS');
  for (const env of Object.keys(a.urls)) if (!a.environments.includes(env)) throw usage('--url', `names "${env}", which is not one of ${a.environments.join(', ')}`, 'use the environment names of --environments');
  return a;
}

export function uriEnvOf(env: string): string {
  return `${env.toUpperCase().replace(/-/g, '_')}_MONGODB_URI`;
}
export function readonlyUriEnvOf(env: string): string {
  return `${env.toUpperCase().replace(/-/g, '_')}_MONGODB_READONLY_URI`;
}

/** The config, as an object (the YAML is its stringify). */
export function configOf(a: InitAnswers): Record<string, unknown> {
  const [first, last] = a.environments;
  const deploy = (env: string, isLast: boolean): Record<string, unknown> => {
    if (a.provider === 'process') return isLast ? { provider: 'process', slots: ['blue', 'green'] } : { provider: 'process' };
    if (a.provider === 'railway') return { provider: 'railway', projectId: a.railwayProject, service: a.railwayService, environment: env };
    return { provider: 'command', run: `${a.deployCommand} ${env}` };
  };
  const envOf = (env: string, isLast: boolean): Record<string, unknown> => ({
    ...(isLast ? { protected: true } : {}),
    ...(a.urls[env] ? { url: a.urls[env] } : {}),
    deploy: deploy(env, isLast),
    database: { uriEnv: uriEnvOf(env), ...(isLast ? { backup: true } : {}) },
    ...(isLast && a.provider === 'process' ? { dns: { provider: 'local' } } : {}),
    ...(isLast && a.cloudflareRecord ? { dns: { provider: 'cloudflare', zoneEnv: 'CF_ZONE_ID', record: a.cloudflareRecord } } : {}),
  });
  return {
    app: { name: a.app, start: a.start },
    migrations: { dir: a.migrations, ...(a.changelogCollection ? { changelogCollection: a.changelogCollection } : {}) },
    environments: { [first]: envOf(first, false), [last]: envOf(last, true) },
    gates: {
      health: { path: a.healthPath, expectVersion: true, consecutive: 3, timeout: '120s' },
      smoke: { suites: [a.smoke], retries: 1 },
      load: { engine: 'auto', script: `${a.loadDir}/${a.app}.k6.js`, profile: `${a.loadDir}/${a.app}.profile.json` },
    },
    people: a.people,
    approval: { approvers: a.approvers, minApprovals: 1, expiresAfter: '4h' },
    ...(a.slackChannel ? { slack: { channel: a.slackChannel } } : {}),
  };
}

/** The secrets each GitHub environment needs (names only), for the jobs and the checklist. */
export function secretsOf(a: InitAnswers): Record<string, string[]> {
  const [first, last] = a.environments;
  const provider = a.provider === 'railway' ? ['RAILWAY_TOKEN'] : [];
  return {
    [first]: [uriEnvOf(first), ...provider],
    [last]: [uriEnvOf(last), ...provider, ...(a.cloudflareRecord ? ['CF_API_TOKEN', 'CF_ZONE_ID'] : [])],
  };
}

function envBlock(vars: Array<[string, string]>, indent: string): string {
  return vars.map(([k, v]) => `${indent}${k}: \${{ secrets.${v} }}`).join('\n');
}

function fill(template: string, values: Record<string, string>): string {
  return readFileSync(join(TEMPLATES, `${template}.tmpl`), 'utf8').replace(/%%([A-Z_]+)%%/g, (m, k: string) => {
    const v = values[k];
    if (v === undefined) throw new Error(`template ${template}: no value for ${m}`);
    return v;
  });
}

export interface PlannedFile {
  /** Relative to the repository root. */
  path: string;
  content: string;
  /** Example files are skipped (not conflicts) when their folder already has such files. */
  kind: 'config' | 'workflow' | 'example';
}

export interface InitPlan {
  files: PlannedFile[];
  /** Example files not written because the repository already has its own, with why. */
  skipped: Array<{ path: string; why: string }>;
  checklist: string[];
}

function hasFiles(dir: string, re: RegExp): boolean {
  if (!existsSync(dir)) return false;
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).some((f) => re.test(f.split('/').pop() ?? ''));
  } catch {
    return false;
  }
}

export function planInit(ws: Pick<Workspace, 'root'>, a: InitAnswers): InitPlan {
  const [first, last] = a.environments;
  const text = `# Shipgate config (written by \`shipgate init\`; reference: https://github.com/shipgate/shipgate/blob/main/docs/configuration.md).\n# Check it with \`npx shipgate config check\`. Secrets never go here: only the names of the variables holding them.\n${stringify(configOf(a), { lineWidth: 0 })}`;
  const valid = validateConfigText(text);
  if (!valid.ok) {
    throw coreErrors.SHIPGATE_USAGE({ problem: `the answers make an invalid config: ${valid.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, usage: INIT_USAGE });
  }
  const secrets = secretsOf(a);
  const values: Record<string, string> = {
    ACTIONS: `${a.actionsRepo}/.github/actions`,
    REF: a.actionsRef,
    FIRST: first,
    LAST: last,
    NODE: a.nodeVersion,
    APP: a.app,
    HEALTH: a.healthPath,
    MIGRATIONS: a.migrations,
    FIRST_URI: uriEnvOf(first),
    PR_SECRET: readonlyUriEnvOf(first),
    // The first job: its own environment's secrets, plus a read-only connection to the last one's
    // database (production's plan goes into the approval request), under the name the config reads.
    FIRST_ENV: envBlock([...(secrets[first] ?? []).map((s): [string, string] => [s, s]), [uriEnvOf(last), readonlyUriEnvOf(last)]], '      '),
    LAST_ENV: envBlock((secrets[last] ?? []).map((s): [string, string] => [s, s]), '      '),
    SCRIPT: `${a.loadDir}/${a.app}.k6.js`,
    PROFILE: `${a.loadDir}/${a.app}.profile.json`,
  };
  const files: PlannedFile[] = [
    { path: '.github/shipgate.yml', content: text, kind: 'config' },
    ...['release.yml', 'promote.yml', 'nightly-smoke.yml', 'migrations.yml'].map((w): PlannedFile => ({ path: `.github/workflows/${w}`, content: fill(w, values), kind: 'workflow' })),
  ];
  const skipped: InitPlan['skipped'] = [];
  const migExt = a.language === 'ts' ? 'ts' : isEsm(ws.root) ? 'js' : 'mjs';
  if (hasFiles(inRepo(ws, a.migrations), MIGRATION_FILE)) skipped.push({ path: `${a.migrations}/0001-example.${migExt}`, why: `${a.migrations}/ already has migrations` });
  else files.push({ path: `${a.migrations}/0001-example.${migExt}`, content: fill(a.language === 'ts' ? 'migration.ts' : 'migration.js', values), kind: 'example' });
  const smokeExt = a.language === 'ts' ? 'ts' : isEsm(ws.root) ? 'js' : 'mjs';
  if (hasFiles(inRepo(ws, a.smoke), /\.(test|spec)\.[mc]?[jt]s$/)) skipped.push({ path: `${a.smoke}/${a.app}.test.${smokeExt}`, why: `${a.smoke}/ already has smoke tests` });
  else files.push({ path: `${a.smoke}/${a.app}.test.${smokeExt}`, content: fill(a.language === 'ts' ? 'smoke.test.ts' : 'smoke.test.js', values), kind: 'example' });
  files.push({ path: values.SCRIPT as string, content: fill('k6.js', values), kind: 'example' });
  files.push({ path: values.PROFILE as string, content: fill('profile.json', values), kind: 'example' });
  return { files, skipped, checklist: checklistOf(a) };
}

function isEsm(root: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { type?: string }).type === 'module';
  } catch {
    return false;
  }
}

export function checklistOf(a: InitAnswers): string[] {
  const [first, last] = a.environments;
  const secrets = secretsOf(a);
  const lines = [
    'Next steps (docs/github.md has each one in detail):',
    '  1. npm i -D shipgate   (the workflows run `npm ci`: Shipgate and your smoke suites\' dependencies come from your package.json)',
    '  2. npx shipgate config check',
    `  3. GitHub → Settings → Environments: create "${first}" and "${last}", and add their secrets there (each job sees only its own):`,
    `       ${first}: ${(secrets[first] ?? []).join(', ')}, ${readonlyUriEnvOf(last)} (a read-only user of ${last}'s database: ${last}'s migration plan in the approval request)`,
    `       ${last}: ${(secrets[last] ?? []).join(', ')}`,
    '  4. Repository secrets: SHIPGATE_STORE_URI (the release store shared by the workflows and the bot);',
    `       ${readonlyUriEnvOf(first)} (read-only user of ${first}'s database, for the pull-request migrations check); SHIPGATE_SLACK_WEBHOOK_URL (optional, nightly report)`,
    '  5. Repository variables: SHIPGATE_APP_BOT = your GitHub App\'s bot login (<slug>[bot]); SHIPGATE_PROTECTION_RULE = true only in protection-rule mode',
    '  6. GitHub App (Actions: write, Deployments: write; events deployment_protection_rule, workflow_run, deployment_status), installed on this repository: docs/github.md#1-create-the-github-app',
    '  7. Slack app for /deploy and approvals (the bot: docs/slack.md, docs/hosting.md); every approver needs a Slack id in people',
    `  8. The published actions: ${a.actionsRepo}/.github/actions/<name>@${a.actionsRef} (change with --actions-repo / --actions-ref)`,
  ];
  if (a.provider === 'railway') lines.push(`  Railway: one project token per environment as RAILWAY_TOKEN in each GitHub environment; ${last}'s custom domain: docs/providers.md#railway-custom-domains`);
  if (a.cloudflareRecord) lines.push(`  Cloudflare: CF_API_TOKEN (DNS edit) and CF_ZONE_ID of ${a.cloudflareRecord}'s zone, in the "${last}" environment only`);
  return lines;
}

export interface InitResult {
  written: string[];
  skipped: InitPlan['skipped'];
  /** Files that exist: without force, the config/workflows that stopped everything; with force, those overwritten. */
  conflicts: string[];
  checklist: string[];
}

/**
 * Writes the plan. The config and the workflows are never overwritten without `force`: when any of
 * them exists, nothing at all is written and the conflicts are returned. An example file (load
 * script and profile) that exists is the repository's own: it is kept (listed as skipped) unless `force`.
 */
export async function writeInit(ws: Pick<Workspace, 'root'>, plan: InitPlan, opts: { force?: boolean } = {}): Promise<InitResult> {
  const exists = (f: PlannedFile) => existsSync(inRepo(ws, f.path));
  const conflicts = plan.files.filter((f) => f.kind !== 'example' && exists(f)).map((f) => f.path);
  const skipped = [...plan.skipped];
  if (conflicts.length && !opts.force) return { written: [], skipped, conflicts, checklist: plan.checklist };
  const overwritten: string[] = [...conflicts];
  const toWrite = plan.files.filter((f) => {
    if (f.kind !== 'example' || !exists(f)) return true;
    if (opts.force) {
      overwritten.push(f.path);
      return true;
    }
    skipped.push({ path: f.path, why: 'exists: kept yours (--force overwrites it)' });
    return false;
  });
  for (const f of toWrite) {
    const abs = inRepo(ws, f.path);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, f.content);
  }
  return { written: toWrite.map((f) => relative(ws.root, inRepo(ws, f.path))), skipped, conflicts: overwritten, checklist: plan.checklist };
}
