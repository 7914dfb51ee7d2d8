/**
 * `shipgate dashboard`: the release dashboard over this repository's store (the embedded local
 * one, or SHIPGATE_STORE_URI), on loopback only, read-only, until Ctrl-C. The same pages the bot
 * serves at /ui behind sign-in (docs/dashboard.md).
 */
import type { Command } from 'commander';
import { coreErrors } from '../../errors.ts';
import { startLocalDashboard } from '../../dashboard/server.ts';
import { openSession } from '../session.ts';
import { withConfigFlag } from '../workspace.ts';
import type { CommandModule } from './index.ts';

export const DEFAULT_DASHBOARD_PORT = 7400;
const USAGE = 'shipgate dashboard [--port N] [--host 127.0.0.1|::1|localhost]';

export const dashboardCommands: CommandModule = {
  register(program: Command) {
    withConfigFlag(program.command('dashboard'))
      .description('serve the release dashboard on loopback: environments, releases (live), audit, metrics, nightly smoke (read-only)')
      .option('--port <n>', `port to listen on (0: any free port)`, String(DEFAULT_DASHBOARD_PORT))
      .option('--host <host>', 'loopback address to listen on', '127.0.0.1')
      .action(async (o: { config?: string; port: string; host: string }) => {
        if (!/^\d{1,5}$/.test(o.port) || Number(o.port) > 65535) throw coreErrors.SHIPGATE_USAGE({ problem: `--port "${o.port}" must be a port number (0–65535)`, usage: USAGE });
        const s = await openSession({ ...(o.config !== undefined ? { config: o.config } : {}) });
        let dash: Awaited<ReturnType<typeof startLocalDashboard>> | undefined;
        try {
          const publicUrls = Object.fromEntries(Object.entries(s.system.runtimes).flatMap(([n, rt]) => (rt.dns ? [[n, rt.dns.publicUrl]] : [])));
          dash = await startLocalDashboard({
            db: s.system.store.db, config: s.config, repoRoot: s.workspace.root, publicUrls, host: o.host, port: Number(o.port),
            log: (line) => console.error(line),
          }).catch((err: NodeJS.ErrnoException) => {
            if (err.code === 'EADDRINUSE') throw coreErrors.SHIPGATE_USAGE({ problem: `port ${o.port} is in use: pick another with --port (or --port 0 for any free port)`, usage: USAGE });
            throw err;
          });
          await dash.dashboard.index.refresh(true);
          const n = dash.dashboard.index.size;
          console.log(`Shipgate dashboard: ${dash.url}  (${n} release${n === 1 ? '' : 's'}; loopback only, read-only; Ctrl-C to stop)`);
          await new Promise<void>((resolve) => {
            process.once('SIGINT', () => resolve());
            process.once('SIGTERM', () => resolve());
          });
        } finally {
          await dash?.close();
          await s.close();
        }
      });
  },
};
