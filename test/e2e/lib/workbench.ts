// Driving the VS Code workbench as a user: palette, quick open, views,
// panels, notifications. Selectors are VS Code 1.100's DOM (code-server
// 4.100.x). Every wait is bounded by the page's default timeout or an
// explicit one.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { artifactsDir } from './paths';

/** Bound of one UI action inside a retried step (a retry needs a bound well under the step's). */
const ACTION_MS = 5000;

type DomMutationObserver = new (cb: () => void) => { observe(el: unknown, opts: object): void; disconnect(): void };

export interface TreeRow {
  /** Accessible label: the item's label and description. */
  text: string;
  /** What is drawn: the label, and the description after it. */
  label: string;
  description: string;
  /** 1 for top-level items. */
  level: number;
  /** Codicon id of the item's icon ("pass", "error", "sync" (spinning), ...). */
  icon: string;
}

/** The first top-level row and the rows under it (the newest invocation). */
export function firstGroup(rows: TreeRow[]): TreeRow[] {
  const start = rows.findIndex((r) => r.level === 1);
  if (start < 0) return [];
  const end = rows.findIndex((r, i) => i > start && r.level === 1);
  return rows.slice(start, end < 0 ? undefined : end);
}

/** Non-breaking spaces (the editor renders spaces as U+00A0) -> spaces. */
export const normalise = (s: string): string => s.replace(/\u00a0/g, ' ');

export async function poll<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      // The message names what the last attempt saw, not an older attempt's error.
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message.split('\n')[0]})` : '';
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export class Workbench {
  constructor(readonly page: Page) {}

  /** Loads the workbench and waits for it and the Explorer to show. */
  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
  }

  /** Waits for a view container's icon in the activity bar (the extension has loaded). */
  async waitForActivityIcon(title: string, timeoutMs = 60_000): Promise<Locator> {
    const icon = this.page.locator(`.activitybar .action-item a[aria-label^="${title}"]`).first();
    await icon.waitFor({ timeout: timeoutMs });
    return icon;
  }

  /** Shows a view container in the side bar (clicks its activity icon unless it is already shown). */
  async showViewContainer(title: string): Promise<void> {
    const icon = await this.waitForActivityIcon(title);
    const item = this.page.locator('.activitybar .action-item', { has: this.page.locator(`a[aria-label^="${title}"]`) }).first();
    if (!((await item.getAttribute('class')) ?? '').split(' ').includes('checked')) await icon.click();
    await this.page.locator(`.sidebar .composite.title`, { hasText: title }).first().waitFor({ timeout: 10_000 });
  }

  /**
   * Runs a command from the palette (F1) by its full label ("dbt: Build").
   * Right after start-up the palette may not know the extension's commands
   * yet, so it retries (bounded) until the label is listed.
   */
  async runCommand(label: string, timeoutMs = 30_000): Promise<void> {
    const page = this.page;
    await poll(
      `"${label}" in the command palette`,
      async () => {
        const input = await this.openQuickInput('F1');
        await input.fill(`>${label}`, { timeout: ACTION_MS });
        const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
        await row.waitFor({ timeout: 3000 });
        // The best match is first; make sure it is exactly ours, not a longer one.
        const first = normalise((await page.locator('.quick-input-list .monaco-list-row').first().getAttribute('aria-label', { timeout: ACTION_MS })) ?? '');
        if (!first.startsWith(label)) return false;
        await page.keyboard.press('Enter');
        return true;
      },
      timeoutMs,
      500,
    );
  }

  /**
   * Opens a workspace file through quick open (Ctrl+P) and waits for its
   * editor. Like a user, it picks the row that is that file in that folder
   * (not stg_customers.sql for customers.sql, nor dbt's copy under target/,
   * which quick open may list first), wherever it is in the list, else it
   * tries again.
   */
  async openFile(relPath: string): Promise<void> {
    const page = this.page;
    const name = relPath.split('/').pop() ?? relPath;
    const folder = relPath.slice(0, relPath.length - name.length).replace(/\/$/, '');
    await poll(
      `${relPath} to open`,
      async () => {
        const input = await this.openQuickInput('Control+P');
        await input.fill(relPath, { timeout: ACTION_MS });
        const rows = page.locator('.quick-input-list .monaco-list-row');
        await rows.filter({ hasText: name }).first().waitFor({ timeout: ACTION_MS }).catch(() => {
          throw new Error(`quick open listed no row for ${name}`);
        });
        // The list draws its rows in any DOM order; data-index is the row's place.
        const listed = (await rows.evaluateAll((els) => els.map((el) => ({ label: el.getAttribute('aria-label') ?? '', index: Number(el.getAttribute('data-index')) }))))
          .map((r) => ({ ...r, label: normalise(r.label) }))
          .sort((a, b) => a.index - b.index);
        const row = listed.find((r) => r.label.startsWith(name) && r.label.includes(folder) && !/\btarget\//.test(r.label));
        if (!row) throw new Error(`quick open's rows are not ${relPath}: ${listed.map((r) => r.label).join(' | ')}`);
        // The keyboard, not a click: a click may land on the row's own buttons.
        for (let i = 0; i < row.index; i++) await page.keyboard.press('ArrowDown');
        const focused = normalise((await page.locator('.quick-input-list .monaco-list-row.focused').first().getAttribute('aria-label', { timeout: ACTION_MS })) ?? '');
        if (focused !== row.label) throw new Error(`quick open moved to "${focused}", not "${row.label}"`);
        await page.keyboard.press('Enter');
        await page.locator(`.tabs-container .tab.active[aria-label^="${name}"]`).waitFor({ timeout: ACTION_MS }).catch(() => {
          throw new Error(`no active tab for ${name} after choosing it in quick open`);
        });
        return true;
      },
      30_000,
      500,
    );
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
  }

  /**
   * Opens the palette (F1) or quick open (Ctrl+P) with keyboard focus in the
   * workbench itself: after a click in a webview (lineage, docs, results),
   * the webview's frame keeps the focus and can take it back from the quick
   * input, which then closes; a user would click outside it first. Returns
   * the quick input's box once it is shown with the focus.
   */
  private async openQuickInput(key: 'F1' | 'Control+P'): Promise<Locator> {
    const page = this.page;
    await page.keyboard.press('Escape');
    await page.evaluate(() => {
      // Runs in the page; the tests' TypeScript lib has no DOM types.
      const doc = (globalThis as unknown as { document: { activeElement: { tagName: string; blur(): void } | null } }).document;
      if (doc.activeElement?.tagName === 'IFRAME') doc.activeElement.blur();
    });
    await page.keyboard.press(key);
    const input = page.locator('.quick-input-widget .quick-input-box input');
    if (!(await input.waitFor({ timeout: 1500 }).then(() => true, () => false))) {
      // A webview editor in front can take the focus back after the blur, into
      // its outer frame, which forwards no keys (seen after the results grid):
      // the key did nothing. A user then clicks the title bar's search box (the
      // command center), which opens quick open; the caller's text (">label"
      // for a command) picks the mode.
      await page.locator('.titlebar .command-center .command-center-center').first().click({ timeout: ACTION_MS });
    }
    await input.waitFor({ timeout: ACTION_MS });
    await poll('the quick input to have the focus', async () => input.evaluate((el) => (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement === el), ACTION_MS, 100);
    return input;
  }

  /** The visible text of the active editor. */
  async editorText(): Promise<string> {
    return normalise(await this.page.locator('.editor-group-container.active .monaco-editor .view-lines').first().innerText());
  }

  /** The text shown in the panel's editor (the Output view). */
  async panelText(): Promise<string> {
    const lines = this.page.locator('.part.panel .view-lines');
    if ((await lines.count()) === 0) return '';
    return normalise((await lines.allInnerTexts()).join('\n'));
  }

  /**
   * The Output view's lines that contain `text`, typed into the view's Filter
   * box as a user would (the channel is longer than what is on screen); the
   * filter is cleared afterwards. The Output view must be showing.
   */
  async outputMatching(text: string): Promise<string> {
    const page = this.page;
    const filter = page.locator('.part.panel .viewpane-filter input').first();
    await filter.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(text);
    try {
      // The view redraws after a short delay: wait until every line shown passes the filter.
      return await poll(`the Output filter "${text}"`, async () => {
        const shown = await this.panelText();
        return shown.split('\n').every((l) => l.trim() === '' || l.includes(text)) && shown;
      }, 10_000).catch(() => '');
    } finally {
      await filter.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Backspace');
    }
  }

  /** A view's pane in the side bar, by its title ("Invocations"). */
  pane(title: string): Locator {
    return this.page.locator('.pane', { has: this.page.locator(`.pane-header[aria-label^="${title}"]`) });
  }

  /** The visible rows of a view pane's tree, top to bottom. */
  async treeRows(title: string): Promise<TreeRow[]> {
    const rows = this.pane(title).locator('.monaco-list-row');
    const raw = await rows.evaluateAll((els) =>
      els.map((e) => ({
        text: e.getAttribute('aria-label') ?? e.textContent ?? '',
        label: e.querySelector('.label-name')?.textContent ?? '',
        description: e.querySelector('.label-description')?.textContent ?? '',
        level: Number(e.getAttribute('aria-level') ?? '1'),
        icon: /codicon-([\w~-]+)/.exec(e.querySelector('.custom-view-tree-node-item-icon')?.className ?? '')?.[1] ?? '',
      })),
    );
    return raw.map((r) => ({ ...r, text: normalise(r.text), label: normalise(r.label), description: normalise(r.description) }));
  }

  /** Expands the first top-level row of a view's tree (the newest invocation), as a user clicks its twistie. */
  async expandFirst(title: string): Promise<void> {
    const row = this.pane(title).locator('.monaco-list-row[aria-level="1"]').first();
    if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
  }

  /**
   * Waits until a view's pane has not changed in the DOM for `quietMs`: a
   * tree refresh invalidates the commands of its rendered rows (VS Code
   * answers a click during one with "Actual command not found"), so click
   * once the tree has settled, as a person looking at it would.
   */
  async waitForQuiet(title: string, quietMs = 1500, timeoutMs = 30_000): Promise<void> {
    const pane = await this.pane(title).elementHandle({ timeout: timeoutMs });
    if (!pane) throw new Error(`no pane ${title}`);
    const settled = await pane.evaluate(
      (el, [quiet, timeout]) =>
        new Promise<boolean>((resolve) => {
          let timer = setTimeout(done, quiet, true);
          const bound = setTimeout(done, timeout, false);
          // Runs in the page; the tests' TypeScript lib has no DOM types.
          const Observer = (globalThis as unknown as { MutationObserver: DomMutationObserver }).MutationObserver;
          const observer = new Observer(() => {
            clearTimeout(timer);
            timer = setTimeout(done, quiet, true);
          });
          observer.observe(el, { subtree: true, childList: true, attributes: true, characterData: true });
          function done(ok: boolean): void {
            observer.disconnect();
            clearTimeout(timer);
            clearTimeout(bound);
            resolve(ok);
          }
        }),
      [quietMs, timeoutMs] as const,
    );
    if (!settled) throw new Error(`the ${title} view kept changing for ${timeoutMs / 1000} s`);
  }

  /** Rows of the Problems panel (it must be open). */
  async problems(): Promise<string[]> {
    return (await this.problemRows()).map((r) => r.text);
  }

  /** Rows of the Problems panel with their tree level: 1 = a file, 2 = a problem in the file above it. */
  async problemRows(): Promise<{ text: string; level: number }[]> {
    const rows = this.page.locator('.markers-panel .monaco-list-row');
    const raw = await rows.evaluateAll((els) => els.map((e) => ({ text: e.getAttribute('aria-label') ?? e.textContent ?? '', level: Number(e.getAttribute('aria-level') ?? '1') })));
    return raw.map((r) => ({ ...r, text: normalise(r.text) }));
  }

  /** Visible notification toasts: their text. */
  async notifications(): Promise<string[]> {
    return (await this.page.locator('.notifications-toasts .notification-toast').allInnerTexts()).map(normalise);
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(artifactsDir(), { recursive: true });
    const file = join(artifactsDir(), `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}
