// What a change of each dbtConductor setting must do so that it takes effect
// at once, without a window reload. A unit test checks that every setting in
// package.json is listed here.

export type SettingEffect =
  /** Look for the Python interpreter again. */
  | 'find-python'
  /** Replace the dbt workers (idle ones now, busy ones once done): they were started with the old value. */
  | 'restart-workers'
  /** The parsed manifest depends on it: mark it stale and parse again the projects in use (code lens, language server). */
  | 'reparse'
  /** The status bar shows it. */
  | 'status-bar'
  /** Redraw the code lens. */
  | 'code-lens'
  /** Parse the active file's project now if it was not parsed on open. */
  | 'parse-on-open'
  /** The language server pulls it again (workspace/configuration) and re-checks open files. */
  | 'language-server'
  /** The Jinja SQL language module (editor/jinjaSql.ts) applies it to the open files; it listens itself. */
  | 'jinja-sql'
  /** Read on each invocation: the next run uses it; nothing to do now. */
  | 'next-run';

export const SETTING_EFFECTS: Readonly<Record<string, readonly SettingEffect[]>> = {
  pythonPath: ['find-python', 'restart-workers', 'reparse'],
  backend: ['restart-workers', 'reparse'],
  idleTimeoutSeconds: ['restart-workers'],
  profilesDir: ['reparse', 'status-bar'],
  target: ['reparse', 'status-bar'],
  vars: ['reparse'],
  threads: ['next-run'],
  extraArgs: ['next-run'],
  'build.fastTestEdges': ['next-run'],
  'preview.limit': ['next-run'],
  'codeLens.enabled': ['code-lens'],
  'codeLens.commands': ['code-lens'],
  parseOnOpen: ['parse-on-open'],
  'checks.unknownRef': ['language-server'],
  'checks.disabledRef': ['language-server'],
  'checks.publicModelWithoutDescription': ['language-server'],
  'checks.modelWithoutTests': ['language-server'],
  'jinjaSql.enabled': ['jinja-sql'],
};

/** The effects of a configuration change; `affects` answers for a full key ("dbtConductor.target"). */
export function effectsOf(affects: (key: string) => boolean): Set<SettingEffect> {
  const out = new Set<SettingEffect>();
  for (const [key, effects] of Object.entries(SETTING_EFFECTS)) {
    if (affects(`dbtConductor.${key}`)) for (const e of effects) out.add(e);
  }
  return out;
}

/**
 * Which settings tab can show our settings in this window. A remote or web
 * window (code-server) shows machine-scoped settings such as pythonPath on
 * its Remote and Workspace tabs only: the User tab would say "No Settings
 * Found". So there, the Workspace tab (when a folder is open).
 */
export function settingsCommandFor(window: { remote: boolean; web: boolean; hasWorkspace: boolean }): 'workbench.action.openWorkspaceSettings' | 'workbench.action.openSettings' {
  return (window.remote || window.web) && window.hasWorkspace ? 'workbench.action.openWorkspaceSettings' : 'workbench.action.openSettings';
}
