// User-flow step for the dbt language (registered by userFlow.main.ts):
// a model opens as Jinja SQL with its Jinja highlighted, Ctrl+. on an
// unknown ref offers "Replace with ..." and applies it, and the Outline view
// lists the model's CTEs. Screenshots go to test-artifacts/e2e/ (the README
// uses language-1-quick-fix.png).
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from './lib/paths';
import type { Step } from './lib/steps';
import { poll, type Workbench } from './lib/workbench';

const MS = 120_000;

/** `workspace`: the fixture copy code-server opened (the step puts the file it edits back). */
export function languageSteps(wb: Workbench, page: Page, workspace: string): Step[] {
  const rel = 'models/marts/customers.sql';
  return [
    {
      name: 'Jinja SQL highlighting, a quick fix on an unknown ref, the outline',
      async run() {
        try {
          await highlightingQuickFixOutline(wb, page);
        } finally {
          // The web workbench saves edits after a delay: put the file back for the next steps, even after a failure.
          copyFileSync(join(repoRoot(), 'test/fixtures/jaffle', rel), join(workspace, rel));
        }
      },
    },
  ];
}

async function highlightingQuickFixOutline(wb: Workbench, page: Page): Promise<void> {
  await wb.openFile('models/marts/customers.sql');
  const mode = page.locator('.statusbar-item', { hasText: 'Jinja SQL (dbt)' }).first();
  await mode.waitFor({ timeout: MS });
  // Jinja gets its own colours: `ref` is not painted like the SQL around it.
  const view = page.locator('.editor-group-container.active .view-lines');
  await poll('ref() highlighted apart from SQL', async () => {
    const refClass = await view.locator('span[class^="mtk"]', { hasText: /^ref$/ }).first().getAttribute('class');
    const fromClass = await view.locator('span[class^="mtk"]', { hasText: /^from$/ }).first().getAttribute('class');
    return refClass !== null && fromClass !== null && refClass !== fromClass && refClass !== 'mtk1';
  }, 30_000);
  await wb.screenshot('language-0-highlighting');

  await view.first().click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type("\n-- {{ ref('stg_ordrs') }}");
  const typo = view.locator('span[class^="mtk"]', { hasText: 'stg_ordrs' }).first();
  await page.locator('.editor-group-container.active .squiggly-error').first().waitFor({ timeout: MS });
  await typo.click();
  await page.keyboard.press('Control+.');
  const fix = page.locator('.action-widget .monaco-list-row', { hasText: "Replace with 'stg_orders'" }).first();
  await fix.waitFor({ timeout: 30_000 });
  await wb.screenshot('language-1-quick-fix');
  // The fix is the focused row ("Enter to Apply"); a click can land while the menu still animates.
  await page.keyboard.press('Enter');
  await poll('the ref to be fixed', async () => (await wb.editorText()).includes("ref('stg_orders') }}") && !(await wb.editorText()).includes('stg_ordrs'), 30_000);

  await wb.runCommand('Explorer: Focus on Outline View');
  await poll('the outline to list the CTEs and the final select', async () => {
    const rows = (await wb.treeRows('Outline')).map((r) => r.text);
    return ['customer_orders', 'customer_payments', 'final select'].every((n) => rows.some((r) => r.startsWith(n)));
  }, 60_000);
  await wb.screenshot('language-2-outline');
  await page.keyboard.press('Escape');
}
