/**
 * Is a migration target a protected environment's database? Decided from the config, never from a
 * flag the user may forget (invariant 1): the target is protected when its URI comes from the
 * variable a protected environment names (environments.X.database.uriEnv), or when its URI
 * resolves to the same servers and database as that variable's value (a copy under another name).
 */
import { dbNameFromUri } from '../mongo/connect.ts';

export interface EnvironmentDatabase {
  protected: boolean;
  database: { uriEnv: string; name?: string | undefined };
}

export interface Protection {
  env: string;
  /** Why, for messages: "environments.production in .github/shipgate.yml is protected: true". */
  why: string;
}

/** Scheme, sorted hosts (lower case, default port, localhost as 127.0.0.1) — credentials and options left out. */
export function serverKey(uri: string): string | null {
  const m = /^(mongodb(?:\+srv)?):\/\/(?:[^@/]*@)?([^/?]+)/i.exec(uri.trim());
  if (!m) return null;
  const srv = (m[1] as string).toLowerCase() === 'mongodb+srv';
  const hosts = (m[2] as string).split(',').map((h) => {
    let host = h.trim().toLowerCase();
    if (!srv && !/:\d+$/.test(host.replace(/^\[[^\]]*\]/, ''))) host += ':27017';
    return host.replace(/^(localhost|\[::1\])(?=:|$)/, '127.0.0.1');
  });
  return `${srv ? 'srv' : 'mongodb'}://${hosts.sort().join(',')}`;
}

export function protectionFor(opts: {
  uriEnv: string;
  uri: string;
  dbName: string;
  environments: Readonly<Record<string, EnvironmentDatabase>>;
  /** The process environment (values of the other environments' uriEnv). */
  env: Readonly<Record<string, string | undefined>>;
  configFile: string;
}): Protection | null {
  const key = serverKey(opts.uri);
  for (const [name, e] of Object.entries(opts.environments)) {
    if (!e.protected) continue;
    const why = `environments.${name} in ${opts.configFile} is protected: true`;
    if (e.database.uriEnv === opts.uriEnv) return { env: name, why: `${opts.uriEnv} is the database of ${why}` };
    const value = opts.env[e.database.uriEnv];
    if (!value || !key) continue;
    const theirDb = e.database.name ?? dbNameFromUri(value, 'test');
    if (serverKey(value) === key && theirDb === opts.dbName) return { env: name, why: `${opts.uriEnv} points at the same database as ${e.database.uriEnv}, the database of ${why}` };
  }
  return null;
}
