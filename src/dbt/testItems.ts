// What VS Code's Testing view shows of a dbt project, as plain data: the
// tests of the manifest grouped by the model, seed, snapshot or source they
// test, and each test's outcome from its latest result in dbt/testState.ts,
// the one record the Test Results tree and Problems read too (so `show` and
// `compile` never change it). Pure; the editor's TestController
// (src/editor/testExplorer.ts) turns it into TestItems and test runs.
import type { ManifestEntry, ManifestIndex } from './manifest';
import type { TestResult } from './testState';

export interface TestSubject {
  /** unique_id of the tested node; '' groups tests that test nothing known (some singular tests). */
  uniqueId: string;
  name: string;
  resourceType: string;
  /** Project-relative file of the subject, for its own item's location. */
  file: string | null;
  tests: ManifestEntry[];
}

const TEST_TYPES = new Set(['test', 'unit_test']);

/** The node a test belongs under: what it is attached to, else its first non-macro dependency. */
export function subjectOf(test: ManifestEntry): string {
  return test.attachedNode ?? test.dependsOnNodes.find((id) => !id.startsWith('macro.')) ?? '';
}

/** Every enabled data test and unit test, grouped by subject; subjects and tests sorted by name. */
export function testSubjects(index: ManifestIndex): TestSubject[] {
  const groups = new Map<string, TestSubject>();
  for (const e of index.byId.values()) {
    if (!TEST_TYPES.has(e.resourceType) || !e.enabled) continue;
    const id = subjectOf(e);
    let g = groups.get(id);
    if (!g) {
      const s = id ? index.get(id) : undefined;
      const name = s ? (s.resourceType === 'source' ? `${s.sourceName}.${s.name}` : s.name) : id ? id.split('.').pop()! : 'other tests';
      groups.set(id, (g = { uniqueId: id, name, resourceType: s?.resourceType ?? '', file: s?.originalFilePath || null, tests: [] }));
    }
    g.tests.push(e);
  }
  const out = [...groups.values()];
  for (const g of out) g.tests.sort((a, b) => a.name.localeCompare(b.name));
  return out.sort((a, b) => (a.uniqueId === '' ? 1 : 0) - (b.uniqueId === '' ? 1 : 0) || a.name.localeCompare(b.name));
}

/** What dbt selects a subject's tests by: `--select <model>` (indirect selection), `source:<src>.<table>` for sources. */
export function subjectSelector(subject: Pick<TestSubject, 'uniqueId' | 'name' | 'resourceType'>): string {
  return subject.resourceType === 'source' ? `source:${subject.name}` : subject.name;
}

export type TestingState = 'running' | 'passed' | 'failed' | 'errored' | 'skipped';

export interface TestingOutcome {
  state: TestingState;
  /** A warning passes, with dbt's message kept (the Testing API has no warned state). */
  warned: boolean;
  durationMs?: number;
  /** For failed, errored and warned tests: the outcome, the failing-row count and dbt's text. */
  message?: string;
  failures?: number;
}

/**
 * The Testing API outcome of a test's latest result (dbt/testState.ts, the
 * record Test Results and Problems read too); undefined when it has none.
 */
export function testingOutcome(r: TestResult): TestingOutcome | undefined {
  const base = { warned: false, durationMs: r.durationSeconds !== undefined ? Math.round(r.durationSeconds * 1000) : undefined };
  if (r.running) return { ...base, state: 'running' };
  switch (r.outcome) {
    case 'pass':
      return { ...base, state: 'passed' };
    case 'warn':
      return { ...base, state: 'passed', warned: true, message: failureText(r), failures: r.failures };
    case 'fail':
      return { ...base, state: 'failed', message: failureText(r), failures: r.failures };
    case 'error':
      return { ...base, state: 'errored', message: failureText(r) };
    case 'skipped':
      return { ...base, state: 'skipped' };
    default:
      return undefined;
  }
}

/**
 * The results invocation `invocationId` (started at `startedAt`) produced or
 * is producing: what a Testing run of it reports. A test it was running when
 * cancelled keeps its older result, which this invocation did not produce.
 */
export function resultsOf(results: readonly TestResult[], invocationId: number, startedAt: number): TestResult[] {
  return results.filter((r) => r.invocationId === invocationId && (r.running || r.at === startedAt));
}

function failureText(r: TestResult): string {
  const head = `${(r.outcome ?? '').toUpperCase()}${r.failures ? ` · ${r.failures} failing row${r.failures === 1 ? '' : 's'}` : ''}`;
  return r.message ? `${head}\n${r.message.trim()}` : head;
}
