// The one record of test results that the Test Results view, the Problems
// panel and the Test Explorer all read, so they cannot disagree: the latest
// result of each data test and unit test, per project.
//
// - Only commands that run tests change it (test, build, retry): `show` of a
//   test's SQL (its failing rows) or `compile` never do.
// - A newer invocation's result replaces an older one's, never the reverse.
// - Tests the manifest no longer has are dropped (`retain`).
// - A result older than the last edit of its test's file, or of the file of
//   what it tests, is stale (`isStale`).
// - Outcomes use dbt's words: pass, fail, warn, error, skipped.
// Pure and serialisable (`toJSON` / `TestState.from`), so it survives a
// window reload in workspace state.
import type { NodeRun } from './results';

export type TestOutcome = 'pass' | 'fail' | 'warn' | 'error' | 'skipped';

export interface TestResult {
  projectRoot: string;
  uniqueId: string;
  name: string;
  /** 'test' (data test) or 'unit_test'. */
  resourceType: string;
  /** unique_id of the model, seed, snapshot or source it tests; '' when not known. */
  subject: string;
  /** The latest outcome; undefined while it has never finished. */
  outcome?: TestOutcome;
  /** An invocation is running it now (the outcome, if any, is the previous one). */
  running: boolean;
  /** Failing rows (data tests). */
  failures?: number;
  message?: string;
  durationSeconds?: number;
  /** Project-relative file that declares the test (schema YAML, or the singular test's SQL), when known. */
  filePath?: string;
  /** When the invocation that produced the outcome started (epoch ms): edits after it make the result stale. */
  at?: number;
  /** The invocation that produced the outcome, or runs the test now. */
  invocationId: number;
}

/** Commands whose node results are test results. */
const TEST_RUNNING_COMMANDS = new Set(['test', 'build', 'retry']);
const TEST_TYPES = new Set(['test', 'unit_test']);

export function isTestNode(resourceType: string): boolean {
  return TEST_TYPES.has(resourceType);
}

/** True when `command` (dbt's subcommand) runs tests; show, compile, run, list... never change a test's result. */
export function changesTestResults(command: string): boolean {
  return TEST_RUNNING_COMMANDS.has(command);
}

/** dbt's status of a test -> its outcome; undefined for states that are not results (running, cancelled, not run). */
export function testOutcomeOf(status: string): TestOutcome | undefined {
  switch (status) {
    case 'pass':
    case 'success':
      return 'pass';
    case 'fail':
    case 'warn':
    case 'skipped':
      return status;
    case 'error':
    case 'runtime error':
      return 'error';
    default:
      return undefined;
  }
}

export interface PersistedTests {
  version: 1;
  results: TestResult[];
}

export class TestState {
  private readonly byKey = new Map<string, TestResult>();
  /** Increases on every change (views compare it). */
  version = 0;

  /**
   * A test node of invocation `invocationId` (running dbt `command`) changed:
   * a running test is flagged, a finished one becomes the latest result.
   * Returns true when the state changed.
   */
  record(projectRoot: string, command: string, invocationId: number, node: NodeRun, now: number): boolean {
    if (!changesTestResults(command) || !isTestNode(node.resourceType)) return false;
    const key = keyOf(projectRoot, node.uniqueId);
    const old = this.byKey.get(key);
    if (old && old.invocationId > invocationId) return false;
    const outcome = testOutcomeOf(node.status);
    const running = node.status === 'running';
    if (!outcome && !running) {
      // Cancelled or never started: nothing learned; an earlier result still holds.
      if (!old?.running || old.invocationId !== invocationId) return false;
      this.byKey.set(key, { ...old, running: false });
      return this.changed();
    }
    const next: TestResult = outcome
      ? {
          projectRoot,
          uniqueId: node.uniqueId,
          name: node.name,
          resourceType: node.resourceType,
          subject: node.testOf ?? old?.subject ?? '',
          outcome,
          running: false,
          failures: node.failures,
          message: node.message,
          durationSeconds: node.durationSeconds,
          filePath: node.filePath ?? old?.filePath,
          at: now,
          invocationId,
        }
      : { ...(old ?? { projectRoot, uniqueId: node.uniqueId, name: node.name, resourceType: node.resourceType, subject: node.testOf ?? '' }), running: true, invocationId };
    if (old && sameResult(old, next)) return false;
    this.byKey.set(key, next);
    return this.changed();
  }

  /** Invocation `invocationId` ended: its tests still flagged running are not running any more. */
  endInvocation(invocationId: number): boolean {
    let changed = false;
    for (const [key, r] of this.byKey) {
      if (!r.running || r.invocationId !== invocationId) continue;
      if (r.outcome) this.byKey.set(key, { ...r, running: false });
      else this.byKey.delete(key);
      changed = true;
    }
    return changed && this.changed();
  }

  /** Drops the results of tests that are no longer in the project's manifest. Returns true when some were dropped. */
  retain(projectRoot: string, exists: (uniqueId: string) => boolean): boolean {
    let changed = false;
    for (const [key, r] of this.byKey) {
      if (r.projectRoot === projectRoot && !exists(r.uniqueId)) {
        this.byKey.delete(key);
        changed = true;
      }
    }
    return changed && this.changed();
  }

  forget(projectRoot: string): boolean {
    return this.retain(projectRoot, () => false);
  }

  clear(): void {
    if (this.byKey.size === 0) return;
    this.byKey.clear();
    this.changed();
  }

  get(projectRoot: string, uniqueId: string): TestResult | undefined {
    return this.byKey.get(keyOf(projectRoot, uniqueId));
  }

  /** Every result, or a project's. */
  all(projectRoot?: string): TestResult[] {
    const out = [...this.byKey.values()];
    return projectRoot === undefined ? out : out.filter((r) => r.projectRoot === projectRoot);
  }

  /** The results to keep across a reload: finished ones, newest first, at most `limit`, messages cut to `maxMessage`. */
  toJSON(limit = 5000, maxMessage = 2000): PersistedTests {
    const finished = [...this.byKey.values()].filter((r) => r.outcome !== undefined).sort((a, b) => (b.at ?? 0) - (a.at ?? 0));
    return {
      version: 1,
      results: finished.slice(0, limit).map((r) => ({ ...r, running: false, message: r.message && r.message.length > maxMessage ? `${r.message.slice(0, maxMessage)}…` : r.message })),
    };
  }

  static from(saved: unknown): TestState {
    const state = new TestState();
    const results = (saved as Partial<PersistedTests> | undefined)?.version === 1 ? (saved as PersistedTests).results : [];
    for (const r of Array.isArray(results) ? results : []) {
      if (!isSavedResult(r)) continue;
      state.byKey.set(keyOf(r.projectRoot, r.uniqueId), { ...r, running: false });
    }
    return state;
  }

  private changed(): true {
    this.version++;
    return true;
  }
}

/**
 * A result older than the last edit of the file that declares the test, or
 * of the file of what it tests, says nothing certain about the code now.
 * `lastEdit` gives a project-relative file's modification time (epoch ms).
 */
export function isStale(r: TestResult, lastEdit: (relPath: string) => number | undefined, subjectFile?: string): boolean {
  if (r.at === undefined) return false;
  for (const file of [r.filePath, subjectFile]) {
    const edited = file === undefined ? undefined : lastEdit(file);
    if (edited !== undefined && edited > r.at) return true;
  }
  return false;
}

export interface TestGroup {
  /** unique_id of the tested model, seed, snapshot or source; '' when unknown. */
  subject: string;
  projectRoot: string;
  tests: TestResult[];
  counts: Record<TestOutcome | 'running', number>;
}

/** Results grouped by what they test; failing groups and tests first. */
export function groupTests(results: readonly TestResult[]): TestGroup[] {
  const groups = new Map<string, TestGroup>();
  for (const r of results) {
    const key = `${r.projectRoot}\0${r.subject}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { subject: r.subject, projectRoot: r.projectRoot, tests: [], counts: { pass: 0, warn: 0, fail: 0, error: 0, skipped: 0, running: 0 } }));
    g.tests.push(r);
    if (r.running) g.counts.running++;
    else if (r.outcome) g.counts[r.outcome]++;
  }
  const out = [...groups.values()];
  for (const g of out) g.tests.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  const severity = (g: TestGroup) => (g.counts.error + g.counts.fail > 0 ? 0 : g.counts.warn > 0 ? 1 : 2);
  return out.sort((a, b) => severity(a) - severity(b) || a.projectRoot.localeCompare(b.projectRoot) || a.subject.localeCompare(b.subject));
}

function rank(r: TestResult): number {
  return r.outcome === 'error' ? 0 : r.outcome === 'fail' ? 1 : r.outcome === 'warn' ? 2 : r.running ? 3 : 4;
}

function keyOf(projectRoot: string, uniqueId: string): string {
  return `${projectRoot}\0${uniqueId}`;
}

function sameResult(a: TestResult, b: TestResult): boolean {
  return (
    a.outcome === b.outcome && a.running === b.running && a.failures === b.failures && a.message === b.message &&
    a.invocationId === b.invocationId && a.subject === b.subject && a.filePath === b.filePath && a.durationSeconds === b.durationSeconds
  );
}

function isSavedResult(v: unknown): v is TestResult {
  const r = v as Partial<TestResult> | null;
  return !!r && typeof r.projectRoot === 'string' && typeof r.uniqueId === 'string' && typeof r.name === 'string' && typeof r.invocationId === 'number' && testOutcomeOf(String(r.outcome)) === r.outcome;
}
