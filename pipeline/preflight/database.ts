/**
 * The database checks: the environment's URI points at the right database (not another
 * environment's, not a local or private address for a remote environment, not a development
 * database on a protected one); the server's version and features suit the migrations; the user
 * may do what the release will do. Verdicts name hosts and database names, never credentials.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isIP } from 'node:net';
import type { MongoClient } from 'mongodb';
import { environmentByName } from '../config/lookup.ts';
import { connectMongo } from '../mongo/connect.ts';
import { inRepo } from '../repo.ts';
import { failed, passed, skipped, type Finding, type PreflightCheck, type PreflightContext } from './types.ts';

export interface ParsedUri {
  srv: boolean;
  /** host:port pairs, lowercased, sorted. */
  hosts: string[];
  dbName: string;
}

/** Pure: hosts and database of a MongoDB URI; null when it is not one. Credentials are dropped. */
export function parseMongoUri(uri: string, fallbackDb: string, configuredDb?: string): ParsedUri | null {
  const scheme = /^mongodb(\+srv)?:\/\//.exec(uri.trim());
  if (!scheme) return null;
  // Credentials end at the LAST '@' (a password may hold '/', '?' or '@' unescaped): nothing before it is ever read.
  const rest = uri.trim().slice(scheme[0].length);
  const afterCredentials = rest.slice(rest.lastIndexOf('@') + 1);
  const m = /^([^/?]+)(?:\/([^?]*))?(?:\?.*)?$/.exec(afterCredentials);
  if (!m) return null;
  const srv = scheme[1] !== undefined;
  const hostList = (m[1] as string).split(',').map((h) => h.trim());
  if (!hostList.every((h) => /^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(h) || /^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(h))) return null;
  const hosts = (m[1] as string)
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean)
    .map((h) => (srv || /:\d+$/.test(h) || (h.startsWith('[') && h.endsWith(']')) ? h : `${h}:27017`))
    .sort();
  if (hosts.length === 0) return null;
  let path = m[2] ?? '';
  try {
    path = decodeURIComponent(path);
  } catch {
    return null;
  }
  return { srv, hosts, dbName: configuredDb ?? (path || fallbackDb) };
}

/** Pure: loopback, private (RFC 1918, link-local, ULA) or a name that only resolves on one machine. */
export function isLocalHost(hostPort: string): boolean {
  const host = hostPort.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal') || host === '0.0.0.0') return true;
  if (isIP(host) === 4) {
    const [a, b] = host.split('.').map(Number) as [number, number];
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || a === 0;
  }
  if (isIP(host) === 6) return host === '::1' || /^f[cd]/i.test(host) || /^fe[89ab]/i.test(host);
  // A bare name (no dot) is a docker-compose service or an /etc/hosts entry: not reachable from a platform.
  return !host.includes('.');
}

const DEV_PARTS = new Set(['dev', 'develop', 'development', 'test', 'testing', 'local', 'staging', 'stage', 'sandbox', 'tmp', 'temp']);

export interface DatabaseTargetInput {
  env: string;
  protected: boolean;
  /**
   * The app runs on a platform (Railway): a local address cannot be its database. A command or
   * webhook deploy may run the app next to its database, so only Railway counts as remote.
   */
  remote: boolean;
  uri: ParsedUri;
  others: Array<{ env: string; protected: boolean; uri: ParsedUri }>;
  devNames: readonly string[];
}

/** Pure: the verdict on where an environment's database URI points. */
export function evaluateDatabaseTarget(input: DatabaseTargetInput): Finding {
  const problems: string[] = [];
  const fixes: string[] = [];
  const { uri } = input;
  for (const other of input.others) {
    if (other.uri.dbName === uri.dbName && other.uri.hosts.join(',') === uri.hosts.join(',')) {
      problems.push(`it is ${other.env}'s database (same host ${uri.hosts[0]}${uri.hosts.length > 1 ? ' …' : ''}, database ${uri.dbName})`);
      fixes.push(`give ${input.env} its own database URI (a ${other.env} URI was pasted into ${input.env}'s variable)`);
    }
  }
  if (input.remote) {
    const local = uri.hosts.filter(isLocalHost);
    if (local.length) {
      problems.push(`its host ${local.join(', ')} is a local or private address, which a deployed app cannot reach`);
      fixes.push('use the hosted database\'s connection string (e.g. mongodb+srv://…mongodb.net/…)');
    }
  }
  if (input.protected) {
    const name = uri.dbName.toLowerCase();
    const parts = name.split(/[-_.]/);
    const unprotected = input.others.filter((o) => !o.protected).map((o) => o.env.toLowerCase());
    const bad = input.devNames.map((n) => n.toLowerCase()).includes(name) || parts.some((p) => DEV_PARTS.has(p)) || unprotected.some((e) => name.endsWith(e));
    if (bad) {
      problems.push(`its database name "${uri.dbName}" is a development or ${unprotected[0] ?? 'staging'} name`);
      fixes.push(`point ${input.env} at its production database, or set environments.${input.env}.database.name`);
    }
  }
  if (problems.length === 0) return passed(`${input.env} uses database ${uri.dbName} on ${uri.hosts.length > 1 ? `${uri.hosts.length} hosts` : uri.hosts[0]}${input.others.length ? `, not ${input.others.map((o) => o.env).join(' or ')}'s` : ''}`);
  return failed(`${input.env}'s database URI: ${problems.join('; ')}`, fixes.join('; '));
}

function environmentUri(ctx: Pick<PreflightContext, 'config' | 'vars'>, env: string): { uri?: ParsedUri; unset?: string; invalid?: string } {
  const e = environmentByName(ctx.config, env);
  const raw = ctx.vars[e.database.uriEnv];
  if (!raw) return { unset: e.database.uriEnv };
  const uri = parseMongoUri(raw, `${ctx.config.app.name}${env}`.replace(/[^A-Za-z0-9]/g, ''), e.database.name);
  return uri ? { uri } : { invalid: e.database.uriEnv };
}

export const databaseTargetCheck: PreflightCheck = {
  id: 'database-target',
  title: (env) => `right database for ${env}`,
  async run(ctx) {
    const own = environmentUri(ctx, ctx.env);
    const e = environmentByName(ctx.config, ctx.env);
    if (own.unset) return failed(`${own.unset} is not set`, `set ${own.unset} to ${ctx.env}'s MongoDB connection string`);
    if (own.invalid || !own.uri) return failed(`${own.invalid} is not a MongoDB connection string`, `it must start with mongodb:// or mongodb+srv:// and name a host`);
    const others: DatabaseTargetInput['others'] = [];
    for (const name of Object.keys(ctx.config.environments)) {
      if (name === ctx.env) continue;
      const o = environmentUri(ctx, name);
      if (o.uri) others.push({ env: name, protected: environmentByName(ctx.config, name).protected, uri: o.uri });
    }
    return evaluateDatabaseTarget({ env: ctx.env, protected: e.protected, remote: e.deploy.provider === 'railway', uri: own.uri, others, devNames: ctx.config.preflight.devDatabaseNames });
  },
};

async function withDatabase<T>(ctx: PreflightContext, body: (client: MongoClient, dbName: string) => Promise<T>): Promise<T> {
  const e = environmentByName(ctx.config, ctx.env);
  const raw = ctx.vars[e.database.uriEnv];
  if (!raw) throw new Error(`${e.database.uriEnv} is not set`);
  const timeoutMs = Math.max(500, ctx.config.preflight.timeout - 500);
  const client = await connectMongo(raw, { source: e.database.uriEnv, timeoutMs });
  const close = () => void client.close().catch(() => undefined);
  ctx.signal.addEventListener('abort', close, { once: true });
  try {
    return await body(client, parseMongoUri(raw, `${ctx.config.app.name}${ctx.env}`.replace(/[^A-Za-z0-9]/g, ''), e.database.name)?.dbName ?? '');
  } finally {
    ctx.signal.removeEventListener('abort', close);
    await client.close().catch(() => undefined);
  }
}

export interface ServerFacts {
  version: string;
  ferretdb?: string;
  /** Replica set name, or "mongos" for a sharded cluster: where multi-document transactions exist. */
  topology: 'replica-set' | 'sharded' | 'standalone';
  /** Migration files that start a transaction. */
  migrationsUsingTransactions: string[];
}

/** Pure: the server suits the migrations (transactions where they are used). */
export function evaluateServer(f: ServerFacts): Finding {
  const name = f.ferretdb !== undefined ? `FerretDB${f.ferretdb === 'unknown' ? '' : ` ${f.ferretdb}`} (MongoDB ${f.version} wire protocol)` : `MongoDB ${f.version}`;
  const transactions = f.ferretdb === undefined && f.topology !== 'standalone';
  const why = f.ferretdb !== undefined ? 'FerretDB has no multi-document transactions' : 'a standalone server has no transactions (they need a replica set or a sharded cluster)';
  if (f.migrationsUsingTransactions.length && !transactions) {
    return failed(`${name}: ${why}, and ${f.migrationsUsingTransactions.join(', ')} use${f.migrationsUsingTransactions.length === 1 ? 's' : ''} them`, 'run the environment on a replica set (Atlas always is), or write those migrations without withTransaction/startTransaction');
  }
  const [major] = f.version.split('.').map(Number);
  if (f.ferretdb === undefined && (major ?? 0) < 4) return failed(`${name} is older than 4.0, which the MongoDB Node driver 6 no longer supports`, 'upgrade the server to a supported MongoDB version (Atlas: Upgrade Major Version)');
  return passed(`${name}, ${transactions ? `transactions available (${f.topology})` : `no transactions (${why.split(' (')[0]!.replace(/^a /, '')})`}${f.migrationsUsingTransactions.length ? '' : ', no migration uses them'}`);
}

const TRANSACTION = /\b(withTransaction|startTransaction)\s*\(/;

async function migrationsUsingTransactions(ctx: PreflightContext): Promise<string[]> {
  const dir = inRepo({ root: ctx.repoRoot }, ctx.config.migrations.dir);
  const files = await readdir(dir).catch(() => [] as string[]);
  const out: string[] = [];
  for (const f of files.filter((n) => /\.(m|c)?(t|j)s$/.test(n)).sort()) {
    const text = await readFile(join(dir, f), 'utf8').catch(() => '');
    if (TRANSACTION.test(text)) out.push(f);
  }
  return out;
}

export const databaseServerCheck: PreflightCheck = {
  id: 'database-server',
  title: (env) => `database server of ${env}`,
  run: (ctx) =>
    withDatabase(ctx, async (client) => {
      const admin = client.db('admin');
      const build = (await admin.command({ buildInfo: 1 })) as { version?: string; ferretdbVersion?: string };
      const hello = (await admin.command({ hello: 1 })) as { setName?: string; msg?: string };
      return evaluateServer({
        version: String(build.version ?? 'unknown'),
        ...(build.ferretdbVersion !== undefined ? { ferretdb: String(build.ferretdbVersion) } : {}),
        topology: hello.msg === 'isdbgrid' ? 'sharded' : hello.setName ? 'replica-set' : 'standalone',
        migrationsUsingTransactions: await migrationsUsingTransactions(ctx),
      });
    }),
};

export interface Privilege {
  resource: { db?: string; collection?: string; anyResource?: boolean; cluster?: boolean };
  actions: string[];
}

export interface PrivilegeFacts {
  ferretdb?: string;
  users: string[];
  privileges: Privilege[];
  dbName: string;
  changelog: string;
  /** The release rehearses migrations and takes backups in databases of its own (sgrehearse*, sgbackup*). */
  needsOwnDatabases: boolean;
}

interface Need {
  what: string;
  db: string | '*';
  collection: string;
  actions: string[];
}

function grants(p: Privilege, db: string | '*', collection: string, action: string): boolean {
  if (!p.actions.includes(action) && !p.actions.includes('anyAction')) return false;
  if (p.resource.anyResource) return true;
  if (p.resource.cluster) return false;
  const anyDb = p.resource.db === '';
  if (db === '*' ? !anyDb : !anyDb && p.resource.db !== db) return false;
  return p.resource.collection === '' || p.resource.collection === collection;
}

/** Pure: the authenticated user's privileges (connectionStatus showPrivileges) cover what a release does. */
export function evaluatePrivileges(f: PrivilegeFacts): Finding {
  if (f.ferretdb !== undefined) return skipped(`FerretDB${f.ferretdb === 'unknown' ? '' : ` ${f.ferretdb}`} runs without access control here (no users, no roles): there are no privileges to check`, 'on MongoDB or Atlas this check reads the user\'s privileges');
  if (f.users.length === 0) return skipped('no authenticated user: the server runs without access control, so every action is allowed', 'on Atlas, connect as a database user (the URI\'s user:password)');
  const needs: Need[] = [
    { what: `migrations on ${f.dbName}`, db: f.dbName, collection: '', actions: ['find', 'insert', 'update', 'remove', 'createIndex', 'dropIndex', 'createCollection'] },
    { what: `the changelog ${f.dbName}.${f.changelog}`, db: f.dbName, collection: f.changelog, actions: ['find', 'insert', 'update'] },
    ...(f.needsOwnDatabases ? [{ what: 'rehearsal and backup databases (sgrehearse*, sgbackup*)', db: '*' as const, collection: '', actions: ['createCollection', 'insert', 'find', 'createIndex', 'dropDatabase'] }] : []),
  ];
  const missing = needs.flatMap((n) => {
    const lacking = n.actions.filter((a) => !f.privileges.some((p) => grants(p, n.db, n.collection, a)));
    return lacking.length ? [`${lacking.join(', ')} for ${n.what}`] : [];
  });
  if (missing.length === 0) return passed(`${f.users.join(', ')} may run migrations, write the changelog${f.needsOwnDatabases ? ' and create/drop the rehearsal and backup databases' : ''}`);
  return failed(
    `${f.users.join(', ')} lacks ${missing.join('; ')}`,
    f.needsOwnDatabases
      ? 'give the user readWriteAnyDatabase and dbAdminAnyDatabase (Atlas: Database Access → Edit → Built-in Role "Read and write to any database" + dbAdminAnyDatabase), or a custom role with these actions'
      : `give the user readWrite and dbAdmin on ${f.dbName}`,
  );
}

export const databasePrivilegesCheck: PreflightCheck = {
  id: 'database-privileges',
  title: (env) => `database privileges on ${env}`,
  run: (ctx) =>
    withDatabase(ctx, async (client, dbName) => {
      const admin = client.db('admin');
      const build = (await admin.command({ buildInfo: 1 })) as { ferretdbVersion?: string };
      const status = (await admin.command({ connectionStatus: 1, showPrivileges: true })) as {
        authInfo?: { authenticatedUsers?: Array<{ user: string; db: string }>; authenticatedUserPrivileges?: Privilege[] };
      };
      return evaluatePrivileges({
        ...(build.ferretdbVersion !== undefined ? { ferretdb: String(build.ferretdbVersion) } : {}),
        users: (status.authInfo?.authenticatedUsers ?? []).map((u) => `${u.user}@${u.db}`),
        privileges: status.authInfo?.authenticatedUserPrivileges ?? [],
        dbName,
        changelog: ctx.config.migrations.changelogCollection,
        needsOwnDatabases: true, // every environment's migrations are rehearsed on a copy first (migrate-rehearse)
      });
    }),
};
