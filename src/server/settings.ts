// The checks settings, pulled from the client per project root
// (workspace/configuration with scopeUri) and cached as a promise until the
// client says the configuration changed. Never kept in globals.
import { defaultChecks, checksSection, type ChecksSettings } from '../dbt/lspProtocol';
import type { Connection } from 'vscode-languageserver/node';
import { uriOfPath } from './documents';

/** Merges what the client sent over the defaults; anything not a boolean keeps its default. */
export function toChecksSettings(raw: unknown): ChecksSettings {
  const out = { ...defaultChecks };
  if (typeof raw === 'object' && raw !== null) {
    for (const key of Object.keys(defaultChecks) as (keyof ChecksSettings)[]) {
      const v = (raw as Record<string, unknown>)[key];
      if (typeof v === 'boolean') out[key] = v;
    }
  }
  return out;
}

const CONFIG_TIMEOUT_MS = 5000;

export class ChecksConfig {
  private readonly cache = new Map<string, Promise<ChecksSettings>>();
  /** Set from the client's capabilities at initialize. */
  supported = false;

  constructor(private readonly connection: Connection) {}

  get(projectRoot: string): Promise<ChecksSettings> {
    if (!this.supported) return Promise.resolve({ ...defaultChecks });
    let p = this.cache.get(projectRoot);
    if (!p) {
      // A client that never answers must not stall the checks: defaults after a bound.
      const timeout = new Promise<ChecksSettings>((resolve) => setTimeout(() => resolve({ ...defaultChecks }), CONFIG_TIMEOUT_MS).unref());
      const asked = this.connection.workspace
        .getConfiguration({ scopeUri: uriOfPath(projectRoot), section: checksSection })
        .then(toChecksSettings, () => ({ ...defaultChecks }));
      p = Promise.race([asked, timeout]);
      this.cache.set(projectRoot, p);
    }
    return p;
  }

  clear(): void {
    this.cache.clear();
  }
}
