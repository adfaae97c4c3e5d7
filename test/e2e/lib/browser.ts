// Debian's Chromium, headless, driven by playwright-core (which downloads no
// browser of its own). A fresh profile under a temp dir per run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { onExit } from './cleanup';

export const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'dbtc-chromium-'));
  // playwright-core ends Chromium itself when this process exits.
  const forget = onExit(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(join(profile, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    timeout: 60_000,
    env: { ...process.env, XDG_CONFIG_HOME: join(profile, 'xdg-config'), XDG_CACHE_HOME: join(profile, 'xdg-cache') },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  // Generous but bounded: the workbench is slow on 2 cores while dbt runs.
  context.setDefaultTimeout(30_000);
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      forget();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
