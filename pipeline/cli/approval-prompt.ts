/**
 * How the CLI waits at `awaiting_approval`: `--approve-as <person>` records that person's
 * approval (through the same engine function Slack uses, so the same rules refuse the requester
 * or a non-approver); in a terminal, a prompt asks for an approver's name (or `reject <reason>`);
 * otherwise the release is left waiting and the command says how to approve and resume.
 */
import { createInterface } from 'node:readline/promises';
import { presentError } from '../errors.ts';
import { approveRelease, rejectRelease, type DecisionDeps } from '../release/decide.ts';
import { approvalState } from '../release/approvals.ts';
import { renderApprovalRequest } from '../release/render.ts';
import type { ApprovalWait } from '../release/runner.ts';
import type { ReleaseRecord } from '../release/types.ts';

export interface ApprovalPromptOptions {
  approveAs?: string;
  interactive: boolean;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

export function cliApprovalWaiter(deps: DecisionDeps, opts: ApprovalPromptOptions) {
  const out = opts.output ?? process.stderr;
  const say = (line: string) => out.write(`${line}\n`);
  return async (release: ReleaseRecord): Promise<ApprovalWait> => {
    const already = approvalState(release, deps.policy, release.digest, deps.now?.() ?? new Date());
    if (already.approved) {
      say(`✓ already ${already.reason}`);
      return 'approved';
    }
    for (const line of renderApprovalRequest(release, deps.policy)) say(line);
    if (opts.approveAs) {
      try {
        const r = await approveRelease(deps, release._id, { via: 'cli', id: opts.approveAs });
        say(`✓ approved by ${opts.approveAs}${r.approved ? '' : ` (${r.state})`}`);
        return r.approved ? 'approved' : 'pending';
      } catch (err) {
        say(presentError(err));
        return 'pending';
      }
    }
    if (!opts.interactive) return 'pending';
    const rl = createInterface({ input: opts.input ?? process.stdin, output: out, terminal: false });
    try {
      for (;;) {
        out.write('approve as <approver name>, or "reject <name> <reason>", or Enter to leave it waiting: ');
        const answer = (await rl.question('')).trim();
        if (!answer) return 'pending';
        const reject = /^reject\s+(\S+)\s*(.*)$/.exec(answer);
        try {
          if (reject) {
            await rejectRelease(deps, release._id, { via: 'cli', id: reject[1] as string }, reject[2] ?? '');
            say(`✗ rejected by ${reject[1]}`);
            return 'rejected';
          }
          const r = await approveRelease(deps, release._id, { via: 'cli', id: answer });
          say(`✓ approved by ${answer}${r.approved ? '' : ` (${r.state})`}`);
          if (r.approved) return 'approved';
        } catch (err) {
          say(presentError(err));
        }
      }
    } finally {
      rl.close();
    }
  };
}
