// File text and positions for the server: open documents win over the disk
// (their unsaved text is what the user sees), disk reads are cached by
// modification time. URIs are file: URIs; other schemes get no dbt features.
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';

export function pathOfUri(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

export function uriOfPath(path: string): string {
  return pathToFileURL(path).href;
}

/** A file's text with offset <-> position conversion. */
export type FileText = Pick<TextDocument, 'getText' | 'positionAt' | 'offsetAt' | 'uri'>;

export class Files {
  private readonly diskCache = new Map<string, { mtimeMs: number; doc: TextDocument }>();

  constructor(private readonly documents: TextDocuments<TextDocument>) {}

  /** The open document for a path, if any. */
  open(path: string): TextDocument | undefined {
    return this.documents.get(uriOfPath(path));
  }

  /** The file's current text: open document, else disk. Null when it cannot be read. */
  async get(path: string): Promise<FileText | null> {
    const open = this.open(path);
    if (open) return open;
    try {
      // A synchronous stat: microseconds, where an async one waits its turn in libuv's thread pool
      // (the bench on a busy machine saw definition p95 grow by that wait).
      const { mtimeMs } = statSync(path);
      const cached = this.diskCache.get(path);
      if (cached && cached.mtimeMs === mtimeMs) return cached.doc;
      const doc = TextDocument.create(uriOfPath(path), '', 0, await readFile(path, 'utf8'));
      if (this.diskCache.size > 2000) this.diskCache.clear();
      this.diskCache.set(path, { mtimeMs, doc });
      return doc;
    } catch {
      return null;
    }
  }

  /** Paths of the open file: documents. */
  openPaths(): string[] {
    const out: string[] = [];
    for (const d of this.documents.all()) {
      const p = pathOfUri(d.uri);
      if (p) out.push(p);
    }
    return out;
  }

  forget(path: string): void {
    this.diskCache.delete(path);
  }
}
