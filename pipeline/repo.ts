/**
 * Where things are. Shipgate runs in *the user's* repository: the config, migrations, smoke
 * suites, load profiles and local state all resolve against that repository (the workspace),
 * never against where Shipgate is installed (`shipgateHome`). Only Shipgate's own files — its
 * FerretDB build, templates and bundled defaults — are looked up under `shipgateHome`.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Shipgate package root (the checkout, or node_modules/shipgate when installed). */
export const shipgateHome = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

export const DEFAULT_CONFIG_PATH = '.github/shipgate.yml';
export const DEFAULT_STATE_PATH = '.shipgate/local';

export interface Workspace {
  /** The user's repository: every relative path of the config resolves against it. */
  root: string;
  /** The config file, absolute. It may not exist (commands that need it say so). */
  configFile: string;
  /** The config file as shown to people: relative to the cwd when inside it. */
  configShown: string;
  /** True when the file was named by --config/-f (then it must exist). */
  configNamed: boolean;
}

/**
 * The workspace of a command run in `cwd`.
 * - With `config` (from -f/--config): the file is resolved against the cwd. The repository is
 *   the folder holding `.github/` when the file sits in a `.github` folder, else the nearest
 *   ancestor of the file holding `.git`, else the file's own folder.
 * - Without: the nearest ancestor of the cwd (itself included) that has `.github/shipgate.yml`,
 *   else the nearest one with `.git`, else the cwd; the config is `<root>/.github/shipgate.yml`.
 */
export function findWorkspace(opts: { config?: string; cwd?: string } = {}): Workspace {
  const cwd = resolve(opts.cwd ?? process.cwd());
  if (opts.config !== undefined && opts.config !== '') {
    const configFile = isAbsolute(opts.config) ? opts.config : resolve(cwd, opts.config);
    const dir = dirname(configFile);
    const root = basename(dir) === '.github' ? dirname(dir) : (ancestorWith(dir, '.git') ?? dir);
    return { root, configFile, configShown: shown(cwd, configFile, opts.config), configNamed: true };
  }
  const root = ancestorWith(cwd, DEFAULT_CONFIG_PATH) ?? ancestorWith(cwd, '.git') ?? cwd;
  const configFile = join(root, DEFAULT_CONFIG_PATH);
  return { root, configFile, configShown: shown(cwd, configFile, DEFAULT_CONFIG_PATH), configNamed: false };
}

/** A path from the config (or a flag meant relative to the repository), made absolute. */
export function inRepo(ws: Pick<Workspace, 'root'>, path: string): string {
  return isAbsolute(path) ? path : resolve(ws.root, path);
}

/** The local state folder: $SHIPGATE_STATE_DIR (relative to the repository), else <repo>/.shipgate/local. */
export function stateDirOf(ws: Pick<Workspace, 'root'>, env: Record<string, string | undefined> = process.env): string {
  return env.SHIPGATE_STATE_DIR ? inRepo(ws, env.SHIPGATE_STATE_DIR) : join(ws.root, DEFAULT_STATE_PATH);
}

function shown(cwd: string, absolute: string, fallback: string): string {
  const rel = relative(cwd, absolute);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : isAbsolute(fallback) ? fallback : absolute;
}

function ancestorWith(start: string, entry: string): string | undefined {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, entry))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function findPackageRoot(from: string): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    // The checkout has pipeline/ (sources); an installed package has dist/pipeline/ (compiled).
    if (existsSync(pkg) && statSync(pkg).isFile() && (existsSync(join(dir, 'pipeline')) || existsSync(join(dir, 'dist/pipeline')))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(from, '..');
    dir = up;
  }
}
