/** `shipgate config check`: validate .github/shipgate.yml and print a summary of the release path. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.ts';
import { formatConfigSummary } from '../../config/summary.ts';
import type { CommandModule } from './index.ts';

export const configCommands: CommandModule = {
  register(program) {
    const config = program.command('config').description('work with the Shipgate config file (.github/shipgate.yml)');
    config
      .command('check')
      .description('validate the config, listing every problem with its line; on success print the release path, gates and approvers')
      .option('-f, --file <path>', 'config file to check', DEFAULT_CONFIG_FILE)
      .action(async (opts: { file: string }) => {
        // Throws SHIPGATE_CONFIG_INVALID (exit 3) listing every problem; main.ts presents it.
        const loaded = await loadConfig({ file: opts.file, cwd: process.cwd() });
        const cwd = process.cwd();
        console.log(formatConfigSummary({ config: loaded, file: opts.file, env: process.env, exists: (p) => existsSync(resolve(cwd, p)) }));
      });
  },
};
