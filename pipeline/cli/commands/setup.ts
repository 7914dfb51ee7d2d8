/**
 * `shipgate setup`: builds the embedded MongoDB-compatible server (FerretDB) that local releases
 * run on, once, with Go (tools/setup.sh). An installed package builds into a per-user cache
 * (never into node_modules); `--out` picks another folder. When a binary is already found
 * (SHIPGATE_FERRETDB_BIN, a checkout's tools/bin, the cache) it only says where.
 */
import type { Command } from 'commander';
import { buildFerretdb, ferretdbCacheDir, findFerretdb } from '../../mongo/embedded.ts';
import type { CommandModule } from './index.ts';

export const setupCommands: CommandModule = {
  register(program: Command) {
    program
      .command('setup')
      .description('build the embedded MongoDB-compatible server (FerretDB) for local releases, once (needs Go)')
      .option('--out <folder>', 'build into this folder (default: the per-user cache, e.g. ~/.cache/shipgate/ferretdb-v1.24.2)')
      .action(async (o: { out?: string }) => {
        const found = o.out ? undefined : findFerretdb();
        if (found) {
          console.log(`FerretDB is ready: ${found}`);
          return;
        }
        const binary = await buildFerretdb({ out: o.out ?? ferretdbCacheDir() });
        console.log(`FerretDB is ready: ${binary}${o.out ? `\nset SHIPGATE_FERRETDB_BIN=${binary} for Shipgate to use it` : ''}`);
      });
  },
};
