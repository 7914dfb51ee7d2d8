/**
 * Browser tests of the dashboard: playwright-core driving Debian's Chromium (/usr/bin/chromium,
 * or SHIPGATE_CHROMIUM). Screenshots at desktop and phone width go to reports/dashboard/ (git
 * ignores reports/); every page shot is also checked with axe-core, and a serious or critical
 * violation fails the test. Chromium runs with the flags this machine's closed network needs.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { shipgateHome } from '../repo.ts';

export const SHOTS_DIR = join(shipgateHome, 'reports/dashboard');
export const VIEWPORTS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const;

export function chromiumPath(): string {
  const path = process.env.SHIPGATE_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`Chromium is not at ${path}: install Debian's chromium (apt-get install chromium; .ci/run does), or set SHIPGATE_CHROMIUM to a Chromium binary`);
  }
  return path;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
}

/** axe-core's verdict on the page as it is now: violations of impact serious or critical. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length })))`)) as AxeViolation[];
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Screenshots of `page` at desktop and phone width (full page), each checked by axe; returns the files written. */
export async function shootAndCheck(page: Page, name: string): Promise<{ files: string[]; violations: Record<string, AxeViolation[]> }> {
  await mkdir(SHOTS_DIR, { recursive: true });
  const files: string[] = [];
  const violations: Record<string, AxeViolation[]> = {};
  const original = page.viewportSize();
  for (const [label, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    const file = join(SHOTS_DIR, `${name}-${label}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
    violations[label] = await seriousViolations(page);
  }
  if (original) await page.setViewportSize(original);
  return { files, violations };
}
