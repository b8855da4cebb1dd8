/**
 * A real browser for the dashboard's tests: Debian's chromium driven by puppeteer-core
 * (no browser download). Tests skip, saying why, when there is no chromium (tools.ts).
 */
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { CHROMIUM, findTool, toolSkip } from './tools.js';

/** Why browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  return toolSkip(CHROMIUM) || undefined;
}

export function launchBrowser(): Promise<Browser> {
  const executablePath = findTool(CHROMIUM);
  if (executablePath === undefined) throw new Error(String(toolSkip(CHROMIUM)));
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'],
  });
}

/** Every console error, uncaught exception and failed request of a page, as text. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${String(error)}`));
  page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return errors;
}
