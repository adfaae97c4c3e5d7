// Code lens and navigation before dbt's first parse (issue 13). A project
// opened without a saved manifest waits seconds for the worker's start and
// full parse; the index of its files (src/dbt/fileIndex.ts: a file walk and a
// read of the YAML, macro and docs files, no Python) is ready long before. The code lens reads it, and the
// language server gets it as a provisional manifest (it answers hover,
// definition and completion from it but runs no checks). The manifest of
// dbt's parse replaces it in both as soon as it is loaded.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { indexProjectFiles, nodeFileTree } from '../dbt/fileIndex';
import { ManifestIndex } from '../dbt/manifest';
import type { DbtLanguageClient } from './languageClient';
import type { ManifestStore } from './manifests';
import { isTrusted } from './trust';

export class FileIndexes implements vscode.Disposable {
  private readonly indexes = new Map<string, ManifestIndex>();
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the project root whose index of files is ready. */
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private readonly createdAt = Date.now();

  constructor(
    private readonly manifests: ManifestStore,
    private readonly lsp: Pick<DbtLanguageClient, 'notifyManifest'>,
    private readonly log: (message: string) => void,
  ) {
    // dbt's manifest (or the project's removal) ends the index's use.
    this.subscription = manifests.onDidChange((root) => this.indexes.delete(root));
  }

  /** The manifest of dbt's parse when there is one, else the index of the files. */
  indexFor(projectRoot: string): ManifestIndex | undefined {
    return this.manifests.get(projectRoot)?.index ?? this.indexes.get(projectRoot);
  }

  /**
   * Indexes the files of a project that has no manifest yet, unless dbt's manifest arrives first.
   * Not in an untrusted workspace: its lenses would offer commands that cannot run there.
   */
  async build(projectRoot: string): Promise<void> {
    if (!isTrusted()) return;
    const started = Date.now();
    const { manifest, warnings } = await indexProjectFiles(projectRoot, nodeFileTree);
    if (this.manifests.get(projectRoot)) return;
    const index = new ManifestIndex(manifest);
    // The language server reads manifests from files: the index is written beside the worker's slim manifest.
    const path = this.manifests.manifestPath(projectRoot).replace(/\.json$/, '.files.json');
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.tmp`, JSON.stringify(manifest));
    await rename(`${path}.tmp`, path);
    if (this.manifests.get(projectRoot)) return;
    this.indexes.set(projectRoot, index);
    this.lsp.notifyManifest(projectRoot, path, false);
    const s = index.stats;
    this.log(
      `Indexed the files of ${projectRoot} before dbt's parse: ${s.models} models, ${s.sources} sources, ${s.macros} macros in ${Date.now() - started} ms ` +
        `(${Date.now() - this.createdAt} ms after activation); code lens and navigation use it until dbt's manifest is loaded`,
    );
    for (const w of warnings) this.log(`Index of the files of ${projectRoot}: ${w}`);
    this.changed.fire(projectRoot);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
