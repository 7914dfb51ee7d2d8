/**
 * The schema of `.github/shipgate.yml` (reference: docs/configuration.md). Parsed once at the edge
 * by load.ts; everything inside Shipgate receives the frozen `ShipgateConfig` it produces.
 * Durations are stored in milliseconds; secrets are never in the file, only env var names.
 */
import { z } from 'zod';
import { parseThresholdExpression } from '../gates/load/thresholds.ts';
import { durationOr, envVarName, port, slots, strict, text, withHint } from './schema-kit.ts';

const NAME = /^[a-z][a-z0-9-]*$/;

const app = strict({
  name: text('the app name, e.g. notes').regex(NAME, { error: withHint('must be a lowercase name', 'e.g. notes or billing-api') }),
  start: text('the shell command that starts the app, e.g. "node dist/server.js"; it gets PORT, MONGODB_URI and APP_VERSION'),
  cwd: text('a folder relative to the repository root, e.g. app').optional(),
  /** Variables the app needs on every environment (names only); default: the names in envExample. */
  requiredEnv: z.array(envVarName()).optional(),
  /** The app's example env file, relative to the repository root; read for names only. Default: <cwd>/.env.example, then .env.example. */
  envExample: text('a file relative to the repository root, e.g. app/.env.example').optional(),
});

const migrations = strict({
  dir: text('a folder relative to the repository root, e.g. app/migrations').default('app/migrations'),
  changelogCollection: text('a collection name, e.g. shipgate_migrations')
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: withHint('must be a plain collection name', 'letters, digits and _ only, e.g. shipgate_migrations') })
    .default('shipgate_migrations'),
});

/** App variable → the variable of Shipgate's own environment that holds its value (values never in the file). */
const appEnvMap = () =>
  z.record(envVarName(), envVarName(), {
    error: withHint('expected a map of app variable → Shipgate variable', 'e.g. env: { JWT_SECRET: STAGING_JWT_SECRET }'),
  });

/** A shell command that prints the deployment's recent log lines (run in the repository; gets SHIPGATE_ENV, SHIPGATE_DEPLOYMENT_URL). */
const logsCommand = () => text('a shell command that prints the deployment\'s recent logs, e.g. ./scripts/logs.sh');

const processDeploy = strict({
  provider: z.literal('process'),
  slots: slots().optional(),
  basePort: port().optional(),
  env: appEnvMap().optional(),
});

const railwayDeploy = strict({
  provider: z.literal('railway'),
  service: text('the Railway service id (service → Settings), or its name with projectId'),
  environment: text('the Railway environment id, or its name with projectId'),
  projectId: text('the Railway project id (project → Settings → General)').optional(),
  tokenEnv: envVarName().default('RAILWAY_TOKEN'),
  /** project: a project token (header Project-Access-Token); account: an account/workspace token (Bearer). */
  tokenKind: z.enum(['project', 'account']).default('project'),
  slots: slots().optional(),
  slotServices: z.record(z.string(), text('the Railway service id that runs this slot')).optional(),
});

const commandDeploy = strict({
  provider: z.literal('command'),
  run: text('the shell command that deploys, e.g. ./scripts/deploy.sh'),
  urlCommand: text('a shell command that prints the deployed URL').optional(),
  logsCommand: logsCommand().optional(),
  timeout: durationOr('10m'),
});

const webhookDeploy = strict({
  provider: z.literal('webhook'),
  urlEnv: envVarName(),
  statusUrlEnv: envVarName().optional(),
  logsCommand: logsCommand().optional(),
  timeout: durationOr('10m'),
});

export const DEPLOY_PROVIDERS = ['process', 'railway', 'command', 'webhook'] as const;
const deploy = z.discriminatedUnion('provider', [processDeploy, railwayDeploy, commandDeploy, webhookDeploy]);

const database = strict({
  uriEnv: envVarName(),
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, { error: withHint('must be a database name', 'letters, digits, _ and - only') })
    .optional(),
  backup: z.boolean().default(false),
});

export const DNS_PROVIDERS = ['local', 'cloudflare'] as const;
const dns = z.discriminatedUnion('provider', [
  strict({ provider: z.literal('local'), listenPort: port().optional() }),
  strict({
    provider: z.literal('cloudflare'),
    zoneEnv: envVarName(),
    tokenEnv: envVarName().default('CF_API_TOKEN'),
    record: text('the DNS name to switch, e.g. example.com or app.example.com').regex(/^[A-Za-z0-9*][A-Za-z0-9.-]*$/, {
      error: withHint('must be a DNS name', 'e.g. example.com or app.example.com'),
    }),
    proxied: z.boolean().optional(),
    ttl: z
      .number()
      .int()
      .refine((n) => n === 1 || (n >= 30 && n <= 86400), {
        error: withHint('must be 1 (automatic) or 30–86400 seconds', 'Cloudflare accepts ttl 1 or 60..86400, and from 30 on Enterprise zones only'),
      })
      .optional(),
  }),
]);

const environment = strict({
  protected: z.boolean().default(false),
  url: z.url({ error: withHint('must be a URL', 'e.g. https://staging.example.com') }).optional(),
  deploy,
  database,
  dns: dns.optional(),
  deployers: z.array(text('a person name from people')).optional(),
  deployerGroups: z
    .array(z.string().regex(/^S[A-Z0-9]{2,}$/, { error: withHint('must be a Slack user group id', 'user group ids start with S, e.g. S0123ABCD') }))
    .optional(),
});

const ENV_NAME = /^[a-z][a-z0-9-]*$/;
/** Words `/deploy` reads as subcommands (bot/slack/command.ts): an environment of that name could not be released from Slack. */
export const DEPLOY_SUBCOMMANDS: readonly string[] = ['help', 'status', 'dashboard', 'lock', 'unlock', 'rollback'];
const environments = z
  .record(
    z
      .string()
      .regex(ENV_NAME, { error: withHint('environment names are lowercase words', 'e.g. staging, production') })
      .refine((n) => !DEPLOY_SUBCOMMANDS.includes(n), { error: (i) => withHint(`"${String(i.input)}" is a /deploy subcommand, so /deploy ${String(i.input)} could never release to it`, 'name the environment otherwise, e.g. staging, production') }),
    environment,
  )
  .refine((r) => Object.keys(r).length > 0, { error: withHint('needs at least one environment', 'add e.g. staging: { deploy: …, database: … }') });

const enabled = z.boolean().default(true);

const health = strict({
  enabled,
  path: text('an HTTP path, e.g. /health').regex(/^\//, { error: withHint('must start with /', 'e.g. /health') }).default('/health'),
  expectVersion: z.boolean().default(true),
  versionField: text('the JSON field holding the version, e.g. version').default('version'),
  dbField: text('the JSON field holding the database status, e.g. db').default('db'),
  /** When the health body names its database in this field, it must be the environment's database. */
  dbNameField: text('the JSON field naming the database the app uses, e.g. dbName').default('dbName'),
  consecutive: z.number().int().min(1).default(3),
  interval: durationOr('1s'),
  timeout: durationOr('120s'),
  requestTimeout: durationOr('5s'),
});

const smoke = strict({
  enabled,
  suites: z.array(text('a folder of smoke suites, e.g. smoke/suites')).min(1).default(['smoke/suites']),
  retries: z.number().int().min(0).max(10).default(1),
  timeout: durationOr('5m'),
});

const thresholdExpression = z.string().superRefine((expr, ctx) => {
  const r = parseThresholdExpression(expr);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: withHint(r.error, 'k6 threshold syntax: <aggregation><operator><number>, durations in ms') });
});

const load = strict({
  enabled,
  engine: z.enum(['k6', 'builtin', 'auto']).default('auto'),
  script: text('a k6 script, e.g. load/api.k6.js').optional(),
  profile: text('a built-in engine profile, e.g. load/api.profile.json').optional(),
  thresholds: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\{[^{}]+\})?$/, { error: withHint('must be a k6 metric name', 'e.g. http_req_duration or http_req_duration{status:200}') }),
      z.array(thresholdExpression).min(1),
    )
    .default({}),
});

/** A gate left out of `gates:` is off; the prefault fills every default either way. */
const gates = strict({
  health: health.prefault({ enabled: false }),
  smoke: smoke.prefault({ enabled: false }),
  load: load.prefault({ enabled: false }),
}).prefault({});

/** Checks run first on every environment (docs/preflight.md). */
const preflight = strict({
  enabled,
  /** Each check's own time limit: a check that does not answer in time fails, never hangs. */
  timeout: durationOr('10s'),
  /** Variables that hold secrets; default: names matching *_SECRET, *_KEY, *TOKEN*, *PASSWORD*. */
  secrets: z.array(envVarName()).optional(),
  secretMinLength: z.number().int().min(1).max(4096).default(16),
  /** The public URL's TLS certificate must stay valid at least this long. */
  certMinValidity: durationOr('14d'),
  /** Database names a protected environment must not use (besides names containing dev, test, local, staging). */
  devDatabaseNames: z.array(z.string().min(1)).default([]),
}).prefault({});

const WEEKDAY_TIME = /^(mon|tue|wed|thu|fri|sat|sun)[a-z]* ([01]\d|2[0-3]):[0-5]\d$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** When an environment takes releases: closed weekly spans and freeze dates, in the team's time zone. */
const releaseWindow = strict({
  timezone: text('an IANA time zone, e.g. Europe/Berlin').default('UTC'),
  closed: z
    .array(
      strict({
        from: z.string().regex(WEEKDAY_TIME, { error: withHint('must be a weekday and a time', 'e.g. "Fri 15:00"') }),
        to: z.string().regex(WEEKDAY_TIME, { error: withHint('must be a weekday and a time', 'e.g. "Mon 08:00"') }),
        reason: text('why, e.g. weekend').optional(),
      }),
    )
    .default([]),
  freezes: z
    .array(
      strict({
        from: z.string().regex(DATE, { error: withHint('must be a date', 'e.g. 2026-12-21') }),
        to: z.string().regex(DATE, { error: withHint('must be a date (the last frozen day)', 'e.g. 2027-01-04') }),
        reason: text('why, e.g. holiday freeze'),
      }),
    )
    .default([]),
});

const policy = strict({
  windows: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, { error: withHint('must be an environment name', 'e.g. production') }), releaseWindow).default({}),
}).prefault({});

const person = strict({
  name: text('a short name, e.g. ana').regex(/^[a-z][a-z0-9._-]*$/, { error: withHint('must be a lowercase name', 'e.g. ana or raj.k') }),
  slack: z.string().regex(/^[UW][A-Z0-9]{2,}$/, { error: withHint('must be a Slack user id', 'Slack user ids start with U or W, e.g. U012ABC (profile → Copy member ID)') }).optional(),
  github: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, { error: withHint('must be a GitHub login', 'e.g. ana-dev, without @') }).optional(),
});

const approval = strict({
  approvers: z.array(text('a person name from people')).min(1, { error: withHint('needs at least one approver', 'e.g. approvers: [ana, raj]') }),
  minApprovals: z.number().int().min(1).default(1),
  expiresAfter: durationOr('4h'),
});

const CHANNEL = /^(#[a-z0-9][a-z0-9._-]*|[CG][A-Z0-9]{6,})$/;
const channel = z.string().regex(CHANNEL, { error: withHint('must be a Slack channel', 'write "#deploys" (quoted in YAML) or a channel id like C0123ABCD') });

const slack = strict({
  channel,
  approvalsChannel: channel.optional(),
  mode: z.enum(['local', 'github']).default('local'),
}).transform((s) => ({ ...s, approvalsChannel: s.approvalsChannel ?? s.channel }));

const github = strict({
  releaseWorkflow: text('a workflow file name, e.g. release.yml').default('release.yml'),
  promoteWorkflow: text('a workflow file name, e.g. promote.yml').default('promote.yml'),
  guard: z.enum(['dispatch', 'protection-rule']).default('dispatch'),
}).prefault({});

export const configSchema = strict({
  app,
  migrations: migrations.prefault({}),
  environments,
  gates,
  preflight,
  policy,
  people: z.array(person).default([]),
  approval: approval.optional(),
  slack: slack.optional(),
  github,
});

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type ShipgateConfig = DeepReadonly<z.output<typeof configSchema>>;
export type EnvironmentConfig = ShipgateConfig['environments'][string];
export type DeployConfig = EnvironmentConfig['deploy'];
export type DnsConfig = NonNullable<EnvironmentConfig['dns']>;
export type DatabaseConfig = EnvironmentConfig['database'];
export type GatesConfig = ShipgateConfig['gates'];
export type PersonConfig = ShipgateConfig['people'][number];
export type ApprovalConfig = NonNullable<ShipgateConfig['approval']>;
export type SlackConfig = NonNullable<ShipgateConfig['slack']>;
export type PreflightConfig = ShipgateConfig['preflight'];
export type ReleaseWindowConfig = ShipgateConfig['policy']['windows'][string];
