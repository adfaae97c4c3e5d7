// The reliability summary the README quotes: each test file records its own
// section into out/results/reliability-summary.json (the layer runs one file
// at a time, so read-merge-write is safe), and summary.test.ts prints it.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../../integration/runnerHelpers';

export const SUMMARY_FILE = join(ROOT, 'out', 'results', 'reliability-summary.json');

export type Section = Record<string, unknown>;

export function readSummary(): Record<string, Section> {
  try {
    return JSON.parse(readFileSync(SUMMARY_FILE, 'utf8')) as Record<string, Section>;
  } catch {
    return {};
  }
}

/** Replaces one section (e.g. "faults") with `data`, stamped with the time it was measured. */
export function recordSection(name: string, data: Section): void {
  const summary = readSummary();
  summary[name] = { ...data, recordedAt: new Date().toISOString() };
  mkdirSync(dirname(SUMMARY_FILE), { recursive: true });
  const tmp = `${SUMMARY_FILE}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(summary, null, 2)}\n`);
  renameSync(tmp, SUMMARY_FILE);
}

/** Collects the outcome of each case of a file, so its section lists what was tried and what held. */
export class Tally {
  readonly cases: { name: string; ok: boolean; note?: string }[] = [];

  /** Runs one case body; records whether it held (rethrows, so the test still fails). */
  async run(name: string, body: () => Promise<string | void>): Promise<void> {
    try {
      const note = await body();
      this.cases.push(note ? { name, ok: true, note } : { name, ok: true });
    } catch (e) {
      this.cases.push({ name, ok: false, note: (e as Error).message.split('\n')[0].slice(0, 300) });
      throw e;
    }
  }

  get tried(): number {
    return this.cases.length;
  }

  get held(): number {
    return this.cases.filter((c) => c.ok).length;
  }
}
