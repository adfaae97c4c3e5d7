// Runs last in the reliability layer (files run in name order): checks that
// every file recorded its section in out/results/reliability-summary.json,
// that the figures hold together, and prints the one paragraph the README
// quotes.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { readSummary, recordSection, SUMMARY_FILE, type Section } from './lib/summary';

interface Cases extends Section {
  tried: number;
  cases: { name: string; ok: boolean }[];
}

const DAY_MS = 24 * 3600 * 1000;

void it('the reliability summary is complete and consistent', () => {
  const s = readSummary();
  for (const name of ['faults', 'badInput', 'load', 'security', 'postgres']) {
    assert.ok(s[name], `section "${name}" missing from ${SUMMARY_FILE}: run the whole reliability layer`);
    const age = Date.now() - Date.parse(String(s[name].recordedAt));
    assert.ok(age < DAY_MS, `section "${name}" is from ${String(s[name].recordedAt)}: stale, rerun the layer`);
  }
  const faults = s.faults as Cases & { survived: number; figures: Record<string, number> };
  const bad = s.badInput as Cases & { handled: number };
  const security = s.security as Cases & { held: number };
  const pg = s.postgres as Cases & { held: number; figures: Record<string, unknown>; sessionsAfter: Record<string, number> };
  const load = s.load as {
    burst?: { requested: number; completed: number };
    soak?: { invocations: number; rssMiB: { start: number; middle: number; end: number }; msPerInvocation: number };
    recycleAfterInvocations?: { requests: number; workers: number; lost: number };
    recycleAboveRss?: { requests: number; workers: number; lost: number };
    tenProjects?: { peakWorkers: number; peakProcessesWithHelpers: number; workersAfterIdle: number };
  };
  const failed = (c: Cases) => c.cases.filter((x) => !x.ok).map((x) => x.name);
  assert.deepEqual(failed(faults), [], 'faults that were not survived');
  assert.ok(faults.tried >= 7, `faults tried: ${faults.tried}`);
  assert.deepEqual(failed(bad), [], 'bad inputs not handled');
  assert.ok(bad.tried >= 20, `bad inputs tried: ${bad.tried}`);
  assert.deepEqual(failed(security), [], 'security checks that failed');
  assert.deepEqual(failed(pg), [], 'PostgreSQL faults that were not survived');
  assert.ok(pg.tried >= 7, `PostgreSQL faults tried: ${pg.tried}`);
  const leftOpen = Object.entries(pg.sessionsAfter).filter(([, n]) => n !== 0);
  assert.deepEqual(leftOpen, [], 'PostgreSQL sessions left after an invocation');
  assert.ok(load.burst && load.soak && load.recycleAfterInvocations && load.recycleAboveRss && load.tenProjects, `load figures: ${JSON.stringify(load)}`);
  assert.equal(load.burst.completed, load.burst.requested);
  assert.equal(load.recycleAfterInvocations.lost + load.recycleAboveRss.lost, 0);

  const rss = load.soak.rssMiB;
  const recycled = load.recycleAfterInvocations.requests + load.recycleAboveRss.requests;
  const headline = [
    `Faults: ${faults.survived} of ${faults.tried} survived (SIGKILL mid-build reported in ${faults.figures.sigkillDetectMs} ms with ${faults.figures.nodesKeptAfterSigkill} finished nodes kept; a hang that ignores cancel killed ${faults.figures.hangStopMs} ms after the cancel, grace 3 s), no orphaned process or DuckDB lock after any.`,
    `Bad input: ${bad.handled} of ${bad.tried} cases handled with a clear message and the runner still serving.`,
    `Load: ${load.burst.completed} of ${load.burst.requested} burst invocations completed in order, never two at once; ${load.soak.invocations} warm invocations at ${load.soak.msPerInvocation} ms each, worker RSS ${rss.start} -> ${rss.middle} -> ${rss.end} MiB (start, middle, end); recycling lost 0 of ${recycled} requests; 10 projects: at most ${load.tenProjects.peakWorkers} workers (${load.tenProjects.peakProcessesWithHelpers} processes counting dbt's helpers), ${load.tenProjects.workersAfterIdle} after the idle timeout.`,
    `Security: ${security.held} of ${security.tried} checks held (no shell, no secret in any output, no network port).`,
    `PostgreSQL: ${pg.held} of ${pg.tried} faults held: a cancelled pg_sleep left the server ${String(pg.figures.cancelGoneOnServerMs)} ms after the cancel; a server restart mid-build gave "${String(pg.figures.restartError)}" with ${String(pg.figures.restartNodesKept)} finished nodes kept, and the same worker served the next request; a wrong password: ${String(pg.figures.wrongPasswordLoginsPer3Requests)} failed logins for 3 requests; server down: a clear error after ${String(pg.figures.serverDownFailMs)} ms; --threads 4: at most ${String(pg.figures.threads4MaxSessions)} sessions at once; 0 sessions left after each of ${Object.keys(pg.sessionsAfter).length} checked invocations.`,
  ].join('\n');
  recordSection('headline', { text: headline });
  process.stdout.write(`\n${headline}\n(${SUMMARY_FILE})\n`);
});
