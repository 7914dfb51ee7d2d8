/**
 * Judges ONE answer of a health endpoint. Pure: the poller measures, this decides. Healthy means
 * 2xx, a JSON body, the db field is up, and the reported version is the one being released — a
 * check against the old deployment that still answers must not pass.
 */

export interface HealthExpectations {
  /** The version being released; when set, the body must report exactly this. */
  expectVersion?: string | undefined;
  /** JSON path (dots) of the version in the body. */
  versionField: string;
  /** JSON path (dots) of the database status; null = do not check the database. */
  dbField: string | null;
  /**
   * JSON path of the database name the app uses. When the body has it, it must be `expectDbName`:
   * an app whose MONGODB_URI fell back to another (development) database answers "db: up" too.
   */
  dbNameField?: string | null;
  /** The environment's database name. */
  expectDbName?: string | undefined;
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

export type Assessment =
  | { healthy: true; version?: string; json: unknown }
  | { healthy: false; reason: string; version?: string; json?: unknown };

const UP_VALUES = new Set(['up', 'ok', 'healthy', 'connected', 'pass', 'true']);

export function readPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export function isUp(value: unknown): boolean {
  if (value === true) return true;
  if (typeof value === 'string') return UP_VALUES.has(value.trim().toLowerCase());
  if (value && typeof value === 'object') return isUp((value as Record<string, unknown>).status);
  return false;
}

function mediaType(contentType: string): string {
  return contentType.split(';')[0]?.trim().toLowerCase() || 'no content-type';
}

export function assessHealthAnswer(answer: HttpAnswer, exp: HealthExpectations): Assessment {
  let json: unknown;
  let parsed = false;
  try {
    json = JSON.parse(answer.body);
    parsed = json !== null && typeof json === 'object';
  } catch {
    parsed = false;
  }
  const rawVersion = parsed ? readPath(json, exp.versionField) : undefined;
  const version = typeof rawVersion === 'string' || typeof rawVersion === 'number' ? String(rawVersion) : undefined;
  const withVersion = version === undefined ? {} : { version };

  if (answer.status < 200 || answer.status > 299) {
    const dbDown = parsed && exp.dbField !== null && readPath(json, exp.dbField) !== undefined && !isUp(readPath(json, exp.dbField));
    return { healthy: false, reason: dbDown ? `HTTP ${answer.status} (db down)` : `HTTP ${answer.status}`, ...withVersion, ...(parsed ? { json } : {}) };
  }
  if (!parsed) {
    const mt = mediaType(answer.contentType);
    return { healthy: false, reason: mt.includes('json') ? 'body is not valid JSON' : `not JSON (${mt})` };
  }
  if (exp.expectVersion !== undefined) {
    if (version === undefined) return { healthy: false, reason: `no version in the body (field "${exp.versionField}"), expected ${exp.expectVersion}`, json };
    if (version !== exp.expectVersion) return { healthy: false, reason: `version ${version} still serving, expected ${exp.expectVersion}`, version, json };
  }
  if (exp.dbField !== null) {
    const db = readPath(json, exp.dbField);
    if (db === undefined) return { healthy: false, reason: `no db status in the body (field "${exp.dbField}")`, ...withVersion, json };
    if (!isUp(db)) return { healthy: false, reason: 'db down', ...withVersion, json };
  }
  if (exp.dbNameField && exp.expectDbName !== undefined) {
    const named = readPath(json, exp.dbNameField);
    if (named !== undefined && String(named) !== exp.expectDbName) {
      return { healthy: false, reason: `app uses database "${String(named)}", expected "${exp.expectDbName}"`, ...withVersion, json };
    }
  }
  return { healthy: true, ...withVersion, json };
}
