// What a run produced, as text, to search for secrets: results, events,
// errors, runner logs, view rows and the files written (security.test.ts,
// postgres.test.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Everything produced, as text, with where it came from. */
export class Produced {
  readonly items: { where: string; text: string }[] = [];

  /** `secrets`: the values that must appear nowhere. */
  constructor(private readonly secrets: readonly string[]) {}

  add(where: string, value: unknown): void {
    this.items.push({ where, text: typeof value === 'string' ? value : JSON.stringify(value) });
  }

  addFiles(dir: string, skip: (path: string) => boolean): number {
    let n = 0;
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const path = join(d, name);
        if (skip(path)) continue;
        if (statSync(path).isDirectory()) walk(path);
        else {
          this.items.push({ where: `file ${relative(dir, path)}`, text: readFileSync(path).toString('latin1') });
          n++;
        }
      }
    };
    walk(dir);
    return n;
  }

  leaks(): string[] {
    const found: string[] = [];
    for (const { where, text } of this.items) {
      for (const s of this.secrets) {
        // Raw, and as JSON would escape it (quotes, backslashes).
        if (text.includes(s) || text.includes(JSON.stringify(s).slice(1, -1))) found.push(`${where}: ${s}`);
      }
    }
    return found;
  }
}
