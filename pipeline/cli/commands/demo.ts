/**
 * `shipgate demo` (npm start): a whole local release on embedded defaults — the embedded
 * database, the app as child processes, the local router as DNS, approval in the terminal (or
 * --approve-as). No accounts, tokens or network. In Shipgate's own checkout it releases the sample
 * app (seeding its data first); in another repository, that repository's app, from its config.
 * `shipgate down` (npm stop) stops everything it left running.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { findWorkspace, shipgateHome } from '../../repo.ts';
import type { Command } from 'commander';
import { openSession, localStateDir, cliIdentity } from '../session.ts';
import { driveRelease } from './release.ts';
import { buildFerretdb, findFerretdb } from '../../mongo/embedded.ts';
import { releasePath } from '../../config/lookup.ts';
import { stopAllLocal } from '../../deploy/process.ts';
import { stopLocalDatabase } from '../../local/database.ts';
import type { CommandModule } from './index.ts';
import type { ReleaseStore } from '../../release/store.ts';

const run = promisify(execFile);

/** 1.0.0 for the first local release, then the next minor after the last one that succeeded. */
export async function nextDemoVersion(store: ReleaseStore): Promise<string> {
  const [last] = await store.releases.find({ status: 'succeeded' }).sort({ finishedAt: -1 }).limit(1).toArray();
  const m = last ? /^(\d+)\.(\d+)\.\d+/.exec(last.version) : null;
  return m ? `${m[1]}.${Number(m[2]) + 1}.0` : '1.0.0';
}

async function currentCommit(root: string): Promise<string> {
  try {
    return (await run('git', ['rev-parse', 'HEAD'], { cwd: root })).stdout.trim();
  } catch {
    return '0000000000000000000000000000000000000000';
  }
}

export const demoCommands: CommandModule = {
  register(program: Command) {
    program
      .command('demo')
      .description('rehearse a whole release locally (in Shipgate\'s checkout: the sample app): embedded database, child processes, local DNS (npm start)')
      .option('-f, --config <file>', 'config file (default .github/shipgate.yml)')
      .option('--as <person>', 'who requests the release (default sam, the sample config\'s engineer)', 'sam')
      .option('--approve-as <person>', 'approve as this person without asking (non-interactive runs)')
      .action(async (o: { config?: string; as: string; approveAs?: string }) => {
        const ws = findWorkspace(o.config ? { config: o.config } : {});
        // Shipgate's own checkout releasing its sample app (npm start), or another repository.
        const sample = ws.root === shipgateHome && existsSync(join(shipgateHome, 'app/seed.ts'));
        if (!process.env.SHIPGATE_STORE_URI && !findFerretdb()) {
          console.error('building the embedded MongoDB-compatible server (FerretDB) once…');
          await buildFerretdb(existsSync(join(shipgateHome, 'pipeline/cli/main.ts')) ? { out: join(shipgateHome, 'tools/bin') } : {});
        }
        const s = await openSession({ ...(o.config ? { config: o.config } : {}), as: o.as });
        try {
          const path = releasePath(s.config);
          const seed = sample ? await import('../../../app/seed.ts') : undefined;
          for (const env of path) {
            if (!seed) break;
            const target = await s.system.runtimes[env]!.migrationTarget();
            const applied = await target.changelog().countDocuments({}, { limit: 1 });
            if (applied === 0) {
              const r = await seed.seedSampleData(target.db);
              if (!r.skipped) console.error(`seeded ${env} (${target.dbName}) with ${r.notes} notes and ${r.memos} legacy memos`);
            }
          }
          const version = await nextDemoVersion(s.system.store);
          const sha = await currentCommit(ws.root);
          const to = path[path.length - 1] as string;
          console.error(`releasing ${version} (${sha.slice(0, 7)}) → ${path.join(' → ')}, requested by ${o.as}`);
          const release = await s.system.createRelease({ to, ref: 'HEAD', sha, version, requester: cliIdentity(o.as, s.env) });
          await driveRelease(s, release._id, o.approveAs ? { approveAs: o.approveAs } : {});
          console.log(`\nwatch it in a browser: npx shipgate dashboard (then open http://127.0.0.1:7400/ui/)`);
          console.log(`state: ${s.stateDir} · stop everything with: ${sample ? 'npm stop' : 'npx shipgate down'}`);
        } finally {
          await s.close();
        }
      });

    program
      .command('down')
      .description('stop everything the local release left running: apps, router, embedded database (npm stop)')
      .option('-f, --config <file>', 'config file: its repository\'s local state is stopped (default: the repository around the current directory)')
      .option('--wipe', 'also delete the local database and release history')
      .action(async (o: { config?: string; wipe?: boolean }) => {
        const stateDir = localStateDir(process.env, o.config ? { config: o.config } : {});
        const stopped = await stopAllLocal(stateDir);
        const db = await stopLocalDatabase(stateDir, o.wipe ? { wipe: true } : {});
        const apps = stopped.filter((p) => p.what.startsWith('app ')).length;
        const router = stopped.some((p) => p.what === 'router');
        console.log(`stopped ${apps} app process(es)${router ? ', the local router' : ''}${db ? ', the embedded database' : ''}${o.wipe ? '; local data wiped' : ''}`);
      });
  },
};
