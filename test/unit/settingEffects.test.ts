// Every setting takes effect without a reload: each one in package.json has
// its effects listed, and the settings UI opens on a tab that shows them.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { effectsOf, SETTING_EFFECTS, settingsCommandFor } from '../../src/dbt/settingEffects';
import { repoRoot } from './server-fixture';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, unknown> }; commands: { command: string; title: string; category?: string }[]; menus: { commandPalette: { command: string; when?: string }[] } };
  activationEvents: string[];
};

void describe('SETTING_EFFECTS', () => {
  void it('lists every dbtConductor setting of package.json, and no other', () => {
    const declared = Object.keys(pkg.contributes.configuration.properties).map((k) => k.replace(/^dbtConductor\./, '')).sort();
    assert.deepEqual(Object.keys(SETTING_EFFECTS).sort(), declared);
  });

  void it('restarts the workers and parses again for what changes how dbt runs', () => {
    assert.deepEqual([...effectsOf((k) => k === 'dbtConductor.pythonPath')].sort(), ['find-python', 'reparse', 'restart-workers']);
    assert.deepEqual([...effectsOf((k) => k === 'dbtConductor.target')].sort(), ['reparse', 'status-bar']);
    assert.deepEqual([...effectsOf((k) => k === 'dbtConductor.backend' || k === 'dbtConductor.idleTimeoutSeconds')].sort(), ['reparse', 'restart-workers']);
    assert.deepEqual([...effectsOf((k) => k === 'dbtConductor.threads')], ['next-run']);
    assert.deepEqual([...effectsOf(() => false)], []);
  });
});

void describe('settingsCommandFor', () => {
  void it('opens the Workspace tab in a remote or web window (code-server), where pythonPath can be set', () => {
    assert.equal(settingsCommandFor({ remote: false, web: true, hasWorkspace: true }), 'workbench.action.openWorkspaceSettings');
    assert.equal(settingsCommandFor({ remote: true, web: false, hasWorkspace: true }), 'workbench.action.openWorkspaceSettings');
    assert.equal(settingsCommandFor({ remote: false, web: false, hasWorkspace: true }), 'workbench.action.openSettings');
    assert.equal(settingsCommandFor({ remote: true, web: true, hasWorkspace: false }), 'workbench.action.openSettings');
  });
});

void describe('commands in the palette from the start', () => {
  void it('no palette entry waits for a context key that is set only after project discovery', () => {
    const inPalette = pkg.contributes.commands.filter((c) => pkg.contributes.menus.commandPalette.find((m) => m.command === c.command)?.when !== 'false');
    assert.ok(inPalette.length > 30);
    for (const c of inPalette) {
      const when = pkg.contributes.menus.commandPalette.find((m) => m.command === c.command)?.when;
      assert.ok(when === undefined || when === '!dbtConductor.noProject', `${c.command}: when "${when}" hides it until discovery ends`);
    }
  });

  void it('has Select Interpreter and Restart dbt Workers', () => {
    const titles = pkg.contributes.commands.map((c) => `${c.category}: ${c.title}`);
    assert.ok(titles.includes('dbt: Select Interpreter'));
    assert.ok(titles.includes('dbt: Restart dbt Workers'));
  });
});
