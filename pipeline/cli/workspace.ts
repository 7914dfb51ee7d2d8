/**
 * The flags every command shares, and the workspace they point at. Every command takes
 * `-f, --config <file>` (default: `.github/shipgate.yml` of the repository around the cwd); the
 * ones where an identity matters take `--as <person>`; the ones that target an environment take
 * `--env <name>` (or name it as their argument). Paths — from the config or from flags — resolve
 * against the user's repository root (pipeline/repo.ts), never against where Shipgate is installed.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import type { EnvironmentConfig, ShipgateConfig } from '../config/schema.ts';
import { environmentByName } from '../config/lookup.ts';
import { coreErrors } from '../errors.ts';
import { findWorkspace, inRepo, type Workspace } from '../repo.ts';

export interface CommonFlags {
  config?: string;
  as?: string;
}

export const CONFIG_FLAG = '-f, --config <file>';
export const CONFIG_FLAG_HELP = 'config file (default: .github/shipgate.yml of the repository around the current directory)';
export const AS_FLAG_HELP = 'act as this person from people (default: $SHIPGATE_AS, $GITHUB_ACTOR in GitHub Actions, your user name)';

export function withConfigFlag(cmd: Command): Command {
  return cmd.option(CONFIG_FLAG, CONFIG_FLAG_HELP);
}

export function withAsFlag(cmd: Command): Command {
  return cmd.option('--as <person>', AS_FLAG_HELP);
}

export interface WorkspaceConfig {
  workspace: Workspace;
  /** Undefined when there is no config file and none was named (the gate commands then run on flags alone). */
  config?: ShipgateConfig;
}

/**
 * The workspace around `cwd` and its config. A named file (-f) must exist; the default one may be
 * absent when `optional` (the gate commands work from flags alone), else SHIPGATE_CONFIG_NOT_FOUND.
 */
export async function workspaceConfig(opts: { config?: string; cwd?: string; optional?: boolean }): Promise<WorkspaceConfig> {
  const cwd = opts.cwd ?? process.cwd();
  const workspace = findWorkspace({ ...(opts.config !== undefined ? { config: opts.config } : {}), cwd });
  if (opts.config === '') throw coreErrors.SHIPGATE_USAGE({ problem: '--config is empty', usage: '-f, --config <file> (e.g. .github/shipgate.yml)' });
  if (!workspace.configNamed && opts.optional && !existsSync(workspace.configFile)) return { workspace };
  return { workspace, config: await loadConfig({ file: workspace.configShown, cwd }) };
}

/** `--env <name>`: the environment of the config (SHIPGATE_CONFIG_UNKNOWN_ENV names the known ones). */
export function environmentFlag(wc: WorkspaceConfig, name: string, usage: string): EnvironmentConfig {
  if (!wc.config) {
    throw coreErrors.SHIPGATE_USAGE({ problem: `--env ${name} needs a config file, and ${wc.workspace.configShown} does not exist`, usage: `${usage} (or pass -f <config file>)` });
  }
  return environmentByName(wc.config, name);
}

/** A path from a flag or the config, absolute in the user's repository. */
export function repoPath(wc: WorkspaceConfig, path: string): string {
  return inRepo(wc.workspace, path);
}
