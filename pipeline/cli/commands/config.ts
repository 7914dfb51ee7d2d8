/**
 * `shipgate config check`: validate the config (-f/--config, default .github/shipgate.yml of the
 * repository around the cwd) and print a summary of the release path. The paths it names are
 * looked up in that repository (the config file's), never in Shipgate's own checkout.
 */
import { existsSync } from 'node:fs';
import { Option } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { formatConfigSummary } from '../../config/summary.ts';
import { coreErrors } from '../../errors.ts';
import { findWorkspace, inRepo } from '../../repo.ts';
import { withConfigFlag } from '../workspace.ts';
import type { CommandModule } from './index.ts';

export const configCommands: CommandModule = {
  register(program) {
    const config = program.command('config').description('work with the Shipgate config file (.github/shipgate.yml)');
    withConfigFlag(config.command('check'))
      .description('validate the config, listing every problem with its line; on success print the release path, gates and approvers')
      // --file is the flag's earlier name, still accepted.
      .addOption(new Option('--file <path>', 'same as --config').hideHelp())
      .action(async (opts: { config?: string; file?: string }) => {
        if (opts.config !== undefined && opts.file !== undefined && opts.config !== opts.file) {
          throw coreErrors.SHIPGATE_USAGE({ problem: `--config ${opts.config} and --file ${opts.file} name two files`, usage: 'shipgate config check [-f <config file>]' });
        }
        const named = opts.config ?? opts.file;
        const cwd = process.cwd();
        const ws = findWorkspace({ ...(named !== undefined ? { config: named } : {}), cwd });
        // Throws SHIPGATE_CONFIG_INVALID (exit 3) listing every problem; main.ts presents it.
        const loaded = await loadConfig({ file: ws.configShown, cwd });
        console.log(formatConfigSummary({ config: loaded, file: ws.configShown, env: process.env, root: ws.root, exists: (p) => existsSync(inRepo(ws, p)) }));
      });
  },
};
