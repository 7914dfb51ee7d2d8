/** `shipgate releases`: list and filter the release history, newest first. Read-only. */
import type { Command } from 'commander';
import { openStore } from '../session.ts';
import { findReleases, parseHistoryFilter, renderHistory, summarize, type HistoryFlags } from '../release-history.ts';
import { withConfigFlag } from '../workspace.ts';
import type { CommandModule } from './index.ts';

export const releasesCommands: CommandModule = {
  register(program: Command) {
    withConfigFlag(program.command('releases'))
      .description('list releases, newest first: filter by environment, status, requester and time')
      .option('--env <name>', 'only releases whose path went through this environment')
      .option('--status <status>', 'only these statuses, comma-separated: running, awaiting_approval, succeeded, failed, rejected, rolled_back, or active (running or awaiting approval)')
      .option('--requester <person>', 'only releases requested by this person (name in people, Slack id or GitHub login)')
      .option('--since <when>', 'created at or after: a date (2026-12-01), a date-time (2026-12-01T14:30Z) or how long ago (12h, 7d)')
      .option('--until <when>', 'created at or before (same forms as --since)')
      .option('--limit <n>', 'at most this many (1–1000)', '20')
      .option('--json', 'print a JSON array of release summaries')
      .action(async (o: HistoryFlags & { config?: string; json?: boolean }) => {
        const s = await openStore({ ...(o.config !== undefined ? { config: o.config } : {}) });
        try {
          const filter = parseHistoryFilter(o, { ...(s.config ? { config: s.config } : {}) });
          const list = await findReleases(s.db, filter);
          if (o.json) console.log(JSON.stringify(list.map(summarize), null, 2));
          else console.log(renderHistory(list, filter).join('\n'));
        } finally {
          await s.close();
        }
      });
  },
};
