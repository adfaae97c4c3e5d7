// "dbt: Select Interpreter": every Python found for the active project
// (setting, Python extension, venvs, VIRTUAL_ENV, the one behind `dbt` on
// PATH, python3), each with its dbt-core and adapter versions from one
// probe, plus "enter a path" and "automatic". The choice is remembered per
// workspace (PythonResolver.select) and comes right after the pythonPath
// setting in the discovery order.
import * as vscode from 'vscode';
import { Config } from './config';
import type { DbtProject } from './projects';
import type { PythonResolver } from './python';

type Item = vscode.QuickPickItem & { python?: string; action?: 'path' | 'auto' | 'settings' };

/** Shows the pick; resolves with the chosen interpreter ('' = automatic), or undefined when nothing changed. */
export async function pickInterpreter(python: PythonResolver, config: Config, project: DbtProject): Promise<string | undefined> {
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = `dbt: Python interpreter for ${project.name}`;
  qp.placeholder = 'Looking for Python interpreters with dbt-core…';
  qp.busy = true;
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  qp.show();
  const chosen = new Promise<Item | undefined>((resolve) => {
    qp.onDidAccept(() => resolve(qp.selectedItems[0]));
    qp.onDidHide(() => resolve(undefined));
  });
  try {
    qp.items = await items(python, config, project);
    qp.busy = false;
    qp.placeholder = config.pythonPath(vscode.Uri.file(project.root))
      ? 'dbtConductor.pythonPath is set: it wins over a choice made here'
      : 'Interpreters with dbt-core first; the choice is remembered for this workspace';
    const item = await chosen;
    if (!item) return undefined;
    if (item.action === 'settings') {
      await Config.open('pythonPath');
      return undefined;
    }
    if (item.action === 'auto') return '';
    if (item.action === 'path') {
      qp.hide();
      return vscode.window.showInputBox({ title: 'Python interpreter with dbt-core', prompt: 'Path of the interpreter, e.g. /path/to/project/.venv/bin/python', ignoreFocusOut: true });
    }
    return item.python;
  } finally {
    qp.dispose();
  }
}

async function items(python: PythonResolver, config: Config, project: DbtProject): Promise<Item[]> {
  const found = await python.candidates(project.root);
  const selected = python.selected(project.root);
  const withDbt: Item[] = [];
  const without: Item[] = [];
  for (const { candidate, probed, error } of found) {
    if (probed) {
      withDbt.push({
        label: `dbt-core ${probed.dbtVersion}`,
        description: `${probed.adapters.length > 0 ? probed.adapters.join(', ') : 'no adapter'} · Python ${probed.pythonVersion}${candidate.python === selected ? ' · chosen' : ''}`,
        detail: `${candidate.where}: ${candidate.python}`,
        python: candidate.python,
      });
    } else {
      without.push({ label: `$(circle-slash) ${candidate.where}`, description: candidate.python, detail: error, python: undefined });
    }
  }
  const out: Item[] = [...withDbt];
  out.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  out.push({ label: '$(folder-opened) Enter interpreter path…', action: 'path' });
  if (selected) out.push({ label: '$(refresh) Automatic', description: 'forget the choice; use the discovery order', action: 'auto' });
  if (config.pythonPath(vscode.Uri.file(project.root))) out.push({ label: '$(gear) Open the pythonPath setting', action: 'settings' });
  if (without.length > 0) out.push({ label: 'Without a usable dbt-core', kind: vscode.QuickPickItemKind.Separator }, ...without);
  return out;
}
