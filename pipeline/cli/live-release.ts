/**
 * The release as a person watches it: in a terminal, a live checklist redrawn in place (spinner,
 * elapsed time per stage, ✓/✗, the one-line reason of a failure, the current progress line);
 * in CI or a pipe, one plain line per stage start and end.
 */
import { renderChecklist, stageLine } from '../release/render.ts';
import type { ReleaseRecord } from '../release/types.ts';
import type { RunnerEvent } from '../release/runner.ts';

export interface LiveRelease {
  update(release: ReleaseRecord, event: RunnerEvent): void;
  /** Clears the live area so prompts and final output print cleanly. */
  pause(): void;
  stop(): void;
}

export function liveRelease(stream: NodeJS.WriteStream = process.stderr): LiveRelease {
  const tty = stream.isTTY === true && !process.env.CI;
  let current: ReleaseRecord | undefined;
  let note = '';
  let drawnLines = 0;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  let lastPlain = 0;
  const clear = () => {
    if (drawnLines > 0) stream.write(`\x1b[${drawnLines}A\x1b[0J`);
    drawnLines = 0;
  };
  const draw = () => {
    if (!current) return;
    clear();
    const cols = stream.columns || 120;
    const lines = renderChecklist(current, { frame: frame++ }).map((l) => l.slice(0, cols - 1));
    if (note) lines.push(`    ${note}`.slice(0, cols - 1));
    stream.write(lines.join('\n') + '\n');
    drawnLines = lines.length;
  };
  return {
    update(release, event) {
      current = release;
      if (tty) {
        if (event.type === 'stage-progress') note = event.message;
        else if (event.type === 'stage-started' || event.type === 'stage-finished') note = '';
        if (event.type === 'awaiting-approval' || event.type === 'finished') {
          this.pause();
          return;
        }
        if (!timer) {
          timer = setInterval(draw, 120);
          timer.unref();
        }
        draw();
        return;
      }
      const stage = 'stage' in event ? event.stage : undefined;
      if (event.type === 'stage-started' && stage) stream.write(`▶ ${stage.key}\n`);
      else if (event.type === 'stage-finished' && stage) stream.write(`${stageLine(release.stages.find((s) => s.key === stage.key) ?? stage)}\n`);
      else if (event.type === 'stage-progress' && stage && Date.now() - lastPlain >= 2000) {
        lastPlain = Date.now();
        stream.write(`  ${stage.key}: ${event.message}\n`);
      }
    },
    pause() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (tty) clear();
    },
    stop() {
      this.pause();
    },
  };
}
