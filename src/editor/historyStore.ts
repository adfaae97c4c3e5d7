// The invocation history, the test results and the Problems entries survive
// a window reload: saved (bounded, see InvocationHistory.toJSON and
// TestState.toJSON) in workspace state whenever they change (after each
// invocation, on Clear History), and read back on activation. Workspace
// state writes are cheap and VS Code flushes them on reload.
import type * as vscode from 'vscode';
import { TestState } from '../dbt/testState';
import { InvocationHistory } from '../dbt/treeModel';
import type { ResultDiagnostics, SavedProblems } from './diagnostics';

const KEY = 'dbtConductor.savedViews';
/** Invocations kept, as in the view. */
const KEEP = 20;

interface Saved {
  history?: unknown;
  tests?: unknown;
  problems?: SavedProblems;
}

/** What the last session saved: the history (with its test results) and the problems. */
export function loadSaved(state: vscode.Memento): { history: InvocationHistory; problems: SavedProblems | undefined } {
  const saved = state.get<Saved>(KEY) ?? {};
  const history = InvocationHistory.restore(saved.history, TestState.from(saved.tests), KEEP);
  return { history, problems: saved.problems };
}

export class HistoryStore {
  constructor(
    private readonly state: vscode.Memento,
    private readonly history: InvocationHistory,
    private readonly diagnostics: ResultDiagnostics,
  ) {}

  save(): Thenable<void> {
    const saved: Saved = { history: this.history.toJSON(), tests: this.history.tests.toJSON(), problems: this.diagnostics.toJSON() };
    return this.state.update(KEY, saved);
  }
}
