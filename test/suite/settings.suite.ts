// Every setting takes effect at runtime, without a window reload: each one
// is changed here (workspace settings, as a user edits .vscode/settings.json)
// and its effect seen on the next run, or at once (a re-parse, the workers
// restarted, the code lens redrawn, the language server's checks). What
// failed for want of a setting (the parse) is retried by itself.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ConductorApi } from '../../src/extension';
import { closeEditors, conductor, ensureParsed, fileUri, nextManifest, openFile, projectRoot, runCommand, seedProject, waitFor, workerPids } from './helpers';

const config = () => vscode.workspace.getConfiguration('dbtConductor');

/** Sets a workspace setting for the duration of `body`. */
async function withSetting<T>(key: string, value: unknown, body: () => Promise<T>): Promise<T> {
  await config().update(key, value, vscode.ConfigurationTarget.Workspace);
  try {
    return await body();
  } finally {
    await config().update(key, undefined, vscode.ConfigurationTarget.Workspace);
  }
}


async function ourLenses(rel: string): Promise<string[]> {
  const list = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', fileUri(rel))) ?? [];
  return list.filter((l) => l.command?.command.startsWith('dbtConductor.')).map((l) => l.command!.command);
}

suite('settings at runtime', () => {
  let api: ConductorApi;

  suiteSetup(async () => {
    api = await conductor();
    await seedProject();
    await ensureParsed(api);
  });

  teardown(closeEditors);

  test('target: the project is parsed again at once, and the next run uses it', async () => {
    const parsed = nextManifest(api);
    await withSetting('target', 'ci', async () => {
      await parsed;
      await openFile('seeds/raw_orders.csv');
      const entry = await runCommand('seed');
      assert.deepEqual(entry.args, ['seed', '--select', 'raw_orders', '--target', 'ci']);
      assert.equal(entry.state.summary.targetName, 'ci');
    });
  });

  test('profilesDir and vars: parsed again at once, passed on the next run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtc-profiles-'));
    cpSync(join(projectRoot(), 'profiles.yml'), join(dir, 'profiles.yml'));
    const parsed = nextManifest(api);
    await withSetting('profilesDir', dir, async () => {
      await parsed;
      const reparsed = nextManifest(api);
      await withSetting('vars', { slow_rows: 5 }, async () => {
        await reparsed;
        await openFile('models/staging/stg_orders.sql');
        const entry = await runCommand('run');
        assert.deepEqual(entry.args, ['run', '--select', 'stg_orders', '--profiles-dir', dir, '--vars', '{"slow_rows":5}']);
        assert.equal(entry.result?.exitCode, 0, entry.error);
      });
    });
  });

  test('threads, extraArgs and preview.limit: the next run uses them', async () => {
    await openFile('models/staging/stg_customers.sql');
    await withSetting('threads', 2, () =>
      withSetting('extraArgs', { run: ['--fail-fast'] }, async () => {
        const entry = await runCommand('run');
        assert.deepEqual(entry.args, ['run', '--select', 'stg_customers', '--threads', '2', '--fail-fast']);
        assert.equal(entry.state.summary.threads, 2, "dbt's own ConcurrencyLine");
      }),
    );
    await withSetting('preview.limit', 3, async () => {
      const entry = await runCommand('show');
      assert.ok(entry.args.join(' ').includes('--limit 3'), entry.args.join(' '));
      assert.equal(api.results.lastShown?.rows.length, 3);
    });
  });

  test("build.fastTestEdges: a build on dbt 1.12 gets --use-fast-test-edges; off, or the user's own choice, it does not", async () => {
    await openFile('models/staging/stg_customers.sql');
    const on = await runCommand('build');
    assert.deepEqual(on.args, ['build', '--select', 'stg_customers', '--use-fast-test-edges']);
    assert.equal(on.result?.exitCode, 0, on.error);
    await withSetting('build.fastTestEdges', false, async () => {
      const off = await runCommand('build');
      assert.deepEqual(off.args, ['build', '--select', 'stg_customers']);
    });
    await withSetting('extraArgs', { build: ['--no-use-fast-test-edges'] }, async () => {
      const chosen = await runCommand('build');
      assert.deepEqual(chosen.args, ['build', '--select', 'stg_customers', '--no-use-fast-test-edges']);
      assert.equal(chosen.result?.exitCode, 0, chosen.error);
    });
  });

  test('backend: the next run goes through the CLI, then back to the worker', async () => {
    await openFile('models/staging/stg_orders.sql');
    await withSetting('backend', 'cli', async () => {
      const entry = await runCommand('run');
      assert.equal(entry.result?.backend, 'cli');
      assert.equal(entry.result?.exitCode, 0, entry.error);
    });
    const entry = await runCommand('run');
    assert.equal(entry.result?.backend, 'worker');
  });

  test('idleTimeoutSeconds: the idle worker is replaced at once by one with the new timeout', async () => {
    await openFile('models/staging/stg_orders.sql');
    await runCommand('run');
    const before = workerPids(projectRoot());
    assert.equal(before.length, 1);
    await withSetting('idleTimeoutSeconds', 600, async () => {
      await waitFor('the old worker to stop', () => !workerPids(projectRoot()).some((p) => before.includes(p)), 60_000);
      const entry = await runCommand('run');
      assert.equal(entry.result?.exitCode, 0, entry.error);
      assert.equal(workerPids(projectRoot()).filter((p) => !before.includes(p)).length, 1, 'a new worker ran it');
    });
  });

  test('codeLens.enabled and codeLens.commands: the lens is redrawn', async () => {
    await openFile('models/marts/orders.sql');
    await waitFor('the code lens', async () => (await ourLenses('models/marts/orders.sql')).length === 5);
    await withSetting('codeLens.commands', ['run', 'preview'], async () => {
      await waitFor('two actions', async () => (await ourLenses('models/marts/orders.sql')).join() === 'dbtConductor.run,dbtConductor.show');
      await withSetting('codeLens.enabled', false, () => waitFor('no lens', async () => (await ourLenses('models/marts/orders.sql')).length === 0));
    });
    await waitFor('all five again', async () => (await ourLenses('models/marts/orders.sql')).length === 5);
  });

  test('checks.*: the language server checks open files again', async () => {
    const editor = await vscode.window.showTextDocument(fileUri('models/marts/orders.sql'));
    const doc = editor.document;
    const start = doc.positionAt(doc.getText().indexOf("'stg_orders'") + 1);
    await editor.edit((e) => e.replace(new vscode.Range(start, start.translate(0, 'stg_orders'.length)), 'stg_ordrs'));
    const unknownRef = () => vscode.languages.getDiagnostics(doc.uri).some((d) => d.code === 'unknown-ref');
    await waitFor('the unknown-ref check', unknownRef, 30_000);
    await withSetting('checks.unknownRef', false, () => waitFor('the check to go', () => !unknownRef(), 30_000));
    await waitFor('the check back', unknownRef, 30_000);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    // stg_orders has no tests; the finding sits on its entry in the staging schema YAML.
    const schema = fileUri('models/staging/schema.yml');
    const noTests = () => vscode.languages.getDiagnostics(schema).some((d) => d.code === 'model-without-tests' && d.message.includes("'stg_orders'"));
    await withSetting('checks.modelWithoutTests', true, () => waitFor('stg_orders flagged as untested', noTests, 30_000));
    await waitFor('the flag to go', () => !noTests(), 30_000);
  });

  test('parseOnOpen: turning it on applies at once', async () => {
    const applied = new Promise<Set<string>>((resolve) => {
      const d = api.settings.onDidApply((effects) => {
        d.dispose();
        resolve(effects);
      });
    });
    await withSetting('parseOnOpen', false, async () => {
      assert.ok((await applied).has('parse-on-open'));
    });
  });

  test('pythonPath: a broken one is reported once; fixing it parses the project again by itself, with the new dbt', async () => {
    const before = api.host.notified.length;
    // A path of its own: an error already on screen is not shown twice.
    await withSetting('pythonPath', '/nonexistent/settings-suite/python3', async () => {
      await waitFor('the error about the interpreter', () => api.host.notified.slice(before).some((m) => m.includes('/nonexistent/settings-suite/python3')), 60_000);
      const parsed = nextManifest(api);
      // The fix: another interpreter (dbt-core 1.8) in the same setting, no command, no reload.
      await config().update('pythonPath', process.env.DBT_CONDUCTOR_TEST_PYTHON_18, vscode.ConfigurationTarget.Workspace);
      await parsed;
      assert.equal((await api.python.resolve(projectRoot())).dbtVersion, '1.8.9');
    });
    assert.equal((await api.python.resolve(projectRoot())).dbtVersion, '1.12.6', 'back to the user setting');
  });
});

suite('Restart dbt Workers and Select Interpreter', () => {
  let api: ConductorApi;

  suiteSetup(async () => {
    api = await conductor();
    await ensureParsed(api);
  });

  teardown(closeEditors);

  test('Restart dbt Workers stops the idle worker; the next run starts a new one', async () => {
    await openFile('models/staging/stg_orders.sql');
    await runCommand('run');
    const before = workerPids(projectRoot());
    assert.equal(before.length, 1);
    await vscode.commands.executeCommand('dbtConductor.restartWorkers');
    await waitFor('the worker to stop', () => workerPids(projectRoot()).every((p) => !before.includes(p)), 60_000);
    const entry = await runCommand('run');
    assert.equal(entry.result?.exitCode, 0, entry.error);
    assert.ok(workerPids(projectRoot()).some((p) => !before.includes(p)));
  });

  test('without a setting, the chosen interpreter is used and remembered; automatic looks again', async () => {
    // An empty workspace value hides the user setting: discovery runs, and this folder has no venv with dbt.
    await withSetting('pythonPath', '', async () => {
      await assert.rejects(api.python.resolve(projectRoot()), /No Python interpreter/);
      const candidates = await api.python.candidates(projectRoot());
      assert.ok(candidates.every((c) => !c.probed), `no candidate with dbt here: ${JSON.stringify(candidates.map((c) => c.candidate))}`);
      const parsed = nextManifest(api);
      const chosen = await vscode.commands.executeCommand('dbtConductor.selectInterpreter', { python: process.env.DBT_CONDUCTOR_TEST_PYTHON_18 });
      assert.equal(chosen, process.env.DBT_CONDUCTOR_TEST_PYTHON_18);
      await parsed;
      const found = await api.python.resolve(projectRoot());
      assert.deepEqual([found.source, found.dbtVersion], ['selected', '1.8.9']);
      assert.equal(api.python.selected(projectRoot()), process.env.DBT_CONDUCTOR_TEST_PYTHON_18);
      await vscode.commands.executeCommand('dbtConductor.selectInterpreter', { python: '' });
      assert.equal(api.python.selected(projectRoot()), undefined);
      await assert.rejects(api.python.resolve(projectRoot()), (e: Error & { detail?: string }) => /Tried, in order:/.test(e.detail ?? '') && /virtual environments in the project folder/.test(e.detail ?? ''));
    });
  });
});
