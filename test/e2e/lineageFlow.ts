// User-flow steps for the lineage panel, the model docs panel and the dbt
// docs site, driven through the webviews' own DOM (nested iframes) as a user
// would: open the panel from the palette, click a node to open its file,
// run it from its context menu, read the docs panel, open the docs site and
// check that no request leaves 127.0.0.1. Registered by userFlow.main.ts.
import type { Frame, Request } from 'playwright-core';
import type { Step } from './lib/steps';
import { poll, type Workbench } from './lib/workbench';

/** The webview frame whose document satisfies `probe` (webviews are nested iframes of the workbench). */
async function webviewFrame(wb: Workbench, what: string, probe: string, timeoutMs = 60_000): Promise<Frame> {
  return poll(what, async () => {
    for (const frame of wb.page.frames()) {
      // The probe runs as the page's own code, with the page's document.
      if (await frame.evaluate(probe).catch(() => false)) return frame;
    }
    return undefined;
  }, timeoutMs, 500);
}

const LINEAGE_PANEL = "!!document.querySelector('svg.graph') && !document.body.classList.contains('compact')";

export function lineageSteps(wb: Workbench, dbtMs: number): Step[] {
  const page = wb.page;
  return [
    {
      name: 'lineage panel: open on a model, click a node, run it from its context menu',
      async run() {
        // Room for the graph: one editor group, no panel.
        await wb.runCommand('View: Single Column Editor Layout');
        await wb.runCommand('View: Hide Panel');
        await wb.openFile('models/marts/orders.sql');
        await wb.runCommand('dbt: Show Lineage');
        const frame = await webviewFrame(wb, 'the lineage panel', LINEAGE_PANEL);
        const stg = frame.locator('g.node[data-id="model.jaffle.stg_orders"]');
        await frame.locator('g.node.focus[data-id="model.jaffle.orders"]').waitFor({ timeout: 30_000 });
        await stg.waitFor({ timeout: 30_000 });
        await wb.screenshot('lineage-1-panel');
        // A click opens the node's file (and the graph follows it).
        await stg.locator('rect.box').click();
        await page.locator('.tabs-container .tab.active[aria-label^="stg_orders.sql"]').waitFor({ timeout: 15_000 });
        await frame.locator('g.node.focus[data-id="model.jaffle.stg_orders"]').waitFor({ timeout: 30_000 });
        // Right-click: VS Code's own context menu, Run > Run (stg_orders reads a seed the workspace has).
        await stg.locator('rect.box').click({ button: 'right' });
        const runMenu = page.getByRole('menuitem', { name: 'Run', exact: true }).first();
        await runMenu.waitFor({ timeout: 10_000 });
        await wb.screenshot('lineage-2-context-menu');
        // Into the Run submenu and its first item ("Run") with the keys, as a keyboard user does.
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('ArrowRight');
        await poll('the Run submenu', async () => (await page.getByRole('menuitem', { name: 'Run with Parents (+model)' }).count()) > 0, 10_000);
        await page.keyboard.press('Enter');
        await poll("stg_orders' status to turn to success in the graph", async () => (await stg.getAttribute('data-status')) === 'success', dbtMs);
        await wb.screenshot('lineage-3-run-status');
      },
    },
    {
      name: 'model docs panel for the active model',
      async run() {
        await wb.runCommand('View: Single Column Editor Layout');
        await wb.openFile('models/marts/orders.sql');
        await wb.runCommand('dbt: Show Model Docs');
        const frame = await webviewFrame(wb, 'the docs panel showing orders', "document.querySelector('main.docs h1')?.textContent === 'orders'");
        await frame.locator('table.columns td.name', { hasText: 'status' }).waitFor({ timeout: 10_000 });
        const tests = await frame.locator('table.columns tr', { hasText: 'order_id' }).first().innerText();
        if (!/unique/.test(tests) || !/not_null/.test(tests)) throw new Error(`order_id's tests are not shown: ${tests}`);
        await wb.screenshot('lineage-4-model-docs');
      },
    },
    {
      name: 'dbt docs site in the editor, nothing fetched from outside 127.0.0.1',
      async run() {
        const outside: string[] = [];
        const watch = (r: Request) => {
          const url = new URL(r.url());
          if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '127.0.0.1' && !url.hostname.endsWith('.vscode-cdn.net')) outside.push(r.url());
        };
        page.on('request', watch);
        try {
          await wb.runCommand('dbt: Open Docs');
          // The site's tree names the project and its sources once it has loaded manifest.json and catalog.json.
          const frame = await webviewFrame(wb, 'the dbt docs site with its project tree', "!!document.querySelector('[ng-app]') && /Projects\\s+jaffle/.test(document.body.innerText)", dbtMs);
          // Opening the project's folder lists its folders of models (from manifest.json).
          await frame.getByText('jaffle', { exact: true }).filter({ visible: true }).first().click();
          await frame.getByText('models', { exact: true }).filter({ visible: true }).first().waitFor({ timeout: 30_000 });
          await wb.screenshot('lineage-5-docs-site');
        } finally {
          page.off('request', watch);
        }
        if (outside.length > 0) throw new Error(`requests left the machine:\n${outside.join('\n')}`);
      },
    },
  ];
}
