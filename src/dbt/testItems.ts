// What VS Code's Testing view shows of a dbt project, as plain data: the
// tests of the manifest grouped by the model, seed, snapshot or source they
// test, and the outcome of a test run from the reducer's node state (the
// same state the Test Results tree and Problems read). Pure; the editor's
// TestController (src/editor/testExplorer.ts) turns it into TestItems.
import type { ManifestEntry, ManifestIndex } from './manifest';
import type { NodeRun } from './results';

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

/** Commands whose test results say whether a test passes; a `show` of a test (its failing rows) or a `compile` says nothing. */
const TESTING_COMMANDS = new Set(['test', 'build', 'retry']);

export function runsTests(args: readonly string[]): boolean {
  return TESTING_COMMANDS.has(args[0] ?? '');
}

export type TestState = 'queued' | 'running' | 'passed' | 'failed' | 'errored' | 'skipped';

export interface TestOutcome {
  state: TestState;
  /** A warning passes, with dbt's message kept (the Testing API has no warned state). */
  warned: boolean;
  durationMs?: number;
  /** For failed, errored and warned tests: dbt's text, the failing-row count, the compiled SQL. */
  message?: string;
  failures?: number;
}

/** The Testing API outcome of a test node as the reducer holds it (live or final). */
export function testOutcome(node: NodeRun): TestOutcome {
  const durationMs = node.durationSeconds !== undefined ? Math.round(node.durationSeconds * 1000) : undefined;
  const base = { warned: false, durationMs };
  switch (node.status) {
    case 'queued':
      return { ...base, state: 'queued' };
    case 'running':
      return { ...base, state: 'running' };
    case 'pass':
    case 'success':
      return { ...base, state: 'passed' };
    case 'warn':
      return { ...base, state: 'passed', warned: true, message: failureText(node), failures: node.failures };
    case 'fail':
      return { ...base, state: 'failed', message: failureText(node), failures: node.failures };
    case 'skipped':
    case 'cancelled':
      return { ...base, state: 'skipped' };
    default:
      return { ...base, state: 'errored', message: failureText(node) };
  }
}

function failureText(node: NodeRun): string {
  const head = `${node.status.toUpperCase()}${node.failures ? ` · ${node.failures} failing row${node.failures === 1 ? '' : 's'}` : ''}`;
  return node.message ? `${head}\n${node.message.trim()}` : head;
}
