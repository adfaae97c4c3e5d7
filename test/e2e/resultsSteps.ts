// User-flow steps for results you can work with (issue 16), run in the
// trusted workspace of userFlow.main.ts after its Build: Run Selected SQL
// into the results grid, sorted and filtered by clicks and typing; the dbt
// tests in VS Code's Testing view with the failure; the run timeline. The
// screenshots go to test-artifacts/e2e/ like every step's.
import type { Frame, Page } from 'playwright-core';
import { poll, type Workbench } from './lib/workbench';

interface Step {
  name: string;
  run(): Promise<void>;
}

/** The frame of the extension's webview page that shows `selector` (webviews nest two iframes). */
async function webviewFrame(page: Page, selector: string, timeoutMs: number): Promise<Frame> {
  return poll(`a webview showing ${selector}`, async () => {
    for (const f of page.frames()) if (await f.$(selector).catch(() => null)) return f;
    return undefined;
  }, timeoutMs);
}

/** One editor group, no bottom panel, `tab` in front: the step's screenshot shows its view at a readable width. */
async function showAlone(wb: Workbench, page: Page, tab: string): Promise<void> {
  // Hide Panel is only offered while the panel shows.
  if (await page.locator('.part.panel').isVisible()) await wb.runCommand('View: Hide Panel');
  await wb.runCommand('View: Single Column Editor Layout');
  await page.locator('.tabs-container .tab', { hasText: tab }).first().click();
}

export function resultsSteps(wb: Workbench, page: Page, dbtMs: number): Step[] {
  return [
    {
      name: 'Run Selected SQL: a CTE in the results grid, sorted and filtered',
      async run() {
        await wb.openFile('models/marts/customers.sql');
        // The cursor into the first CTE (line 4: min(order_date) ...).
        await page.keyboard.press('Control+G');
        await page.keyboard.type('4');
        await page.keyboard.press('Enter');
        await wb.runCommand('dbt: Run Selected SQL');
        const grid = await webviewFrame(page, '.results .grid .row', dbtMs);
        await poll('the CTE rows in the grid', async () => /Query: CTE customer_orders/.test(await grid.innerText('h1')) && (await grid.$$('.rows .row')).length > 5, dbtMs);
        const header = grid.locator('.head [role=columnheader]', { hasText: 'number_of_orders' });
        await header.click();
        await header.click();
        await poll('a descending sort on number_of_orders', async () => (await header.getAttribute('aria-sort')) === 'descending', 10_000);
        await grid.locator('.filters input[aria-label="Filter number_of_orders"]').fill('>= 2');
        await poll('the filter to apply', async () => /\bshown\b/.test(await grid.innerText('.status')), 10_000);
        const counts = (await grid.locator('.rows .row').evaluateAll((rows) => rows.map((r) => r.children[4]?.textContent ?? ''))).map(Number);
        if (counts.length === 0 || counts.some((n, i) => n < 2 || (i > 0 && n > counts[i - 1]!))) throw new Error(`rows not filtered (>= 2) and sorted descending: ${counts.join(',')}`);
        await grid.locator('.rows .row .cell[data-col="0"]').first().click();
        await showAlone(wb, page, 'Query: CTE customer_orders');
        // The page keeps its state when its editor moves (retainContextWhenHidden): the same sorted, filtered rows.
        await poll('the sorted, filtered grid after the layout change', async () => {
          const f = await webviewFrame(page, '.results .grid .row', 30_000);
          return /\bshown\b/.test(await f.innerText('.status')) && (await f.locator('.head [aria-sort="descending"]').count()) === 1;
        }, 60_000);
      },
    },
    {
      name: 'Testing view: dbt tests with the failure',
      async run() {
        await wb.runCommand('Testing: Focus on Test Explorer View');
        const tree = page.locator('.test-explorer .monaco-list');
        await poll('the dbt project in the Testing view', async () => (await tree.locator('.monaco-list-row').count()) > 0, 60_000);
        // The Build of the earlier step was reported here; expand project > orders to the failing test.
        for (const label of ['jaffle', 'orders']) {
          // The row whose label is this one ('orders', not 'stg_orders'); the label's text ends with the description and duration ("ordersmodel: 0.5s").
          const row = tree.locator('.monaco-list-row').filter({ has: page.locator('.label', { hasText: new RegExp(`^${label}((?![a-z_])|model\\b)`) }) }).first();
          // The twistie expands; a click on the row itself would open the item's file.
          if ((await row.getAttribute('aria-expanded')) !== 'true') await row.locator('.monaco-tl-twistie').click();
          await poll(`${label} expanded`, async () => (await row.getAttribute('aria-expanded')) === 'true', 10_000);
        }
        const failing = tree.locator('.monaco-list-row', { hasText: 'accepted_values_orders_status' }).first();
        await poll('the failing test marked failed', async () => /fail/i.test((await failing.getAttribute('aria-label')) ?? '') || (await failing.locator('.codicon-testing-failed-icon').count()) > 0, dbtMs);
        await failing.click();
      },
    },
    {
      name: 'run timeline of the build with the critical path',
      async run() {
        // A new build, followed live: the timeline opens on the newest invocation once the build is it.
        await wb.runCommand('dbt: Build Whole Project');
        await poll('the timeline of the build', async () => {
          await wb.runCommand('dbt: Show Run Timeline');
          const f = await webviewFrame(page, '.timeline h1', 30_000);
          return (await f.innerText('h1')) === 'dbt build' && f;
        }, dbtMs, 1000);
        const timeline = await webviewFrame(page, '.timeline .chart', 60_000);
        await poll('the build to end with bars on thread lanes and the critical path', async () => {
          const subtitle = await timeline.innerText('.subtitle');
          return !/running|queued/.test(subtitle) && (await timeline.$$('.bar')).length > 5 && (await timeline.$$('.bar.critical')).length > 0 && (await timeline.$$('.lane:not(.axis)')).length > 1;
        }, dbtMs);
        if (await page.locator('.part.sidebar').isVisible()) await wb.runCommand('View: Close Primary Side Bar');
        await showAlone(wb, page, 'Timeline: dbt build');
        // The page is made again in its new place and asks for its content.
        const moved = await webviewFrame(page, '.timeline .chart .bar.critical', 60_000);
        await moved.locator('.bar.critical').last().hover();
      },
    },
  ];
}
