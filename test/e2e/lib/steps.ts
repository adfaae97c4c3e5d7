// Runs the steps of a user flow in order: a failing step is recorded (its
// screenshot, the dbt output channel, the notifications) and the next one
// still runs. Every step's screenshot goes to test-artifacts/e2e/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artifactsDir, repoRoot } from './paths';
import type { Workbench } from './workbench';

export interface Step {
  name: string;
  run(): Promise<void>;
}

export interface Tally {
  passed: number;
  failed: number;
}

/** Runs `steps`, named `<prefix>-<n>-<name>` in screenshots and logs; counts into `tally`. */
export async function runSteps(wb: Workbench, prefix: string, steps: Step[], tally: Tally): Promise<void> {
  for (const [i, step] of steps.entries()) {
    // E2E_ONLY=<regex> runs only matching steps ("trusted 2", "untrusted"), for debugging.
    if (process.env.E2E_ONLY && !new RegExp(process.env.E2E_ONLY).test(`${prefix} ${i + 1}`)) continue;
    const shot = `${prefix}-${i + 1}-${step.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
    const started = Date.now();
    try {
      await step.run();
      await wb.screenshot(shot);
      tally.passed++;
      console.log(`  ok  ${prefix} ${i + 1}. ${step.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (err) {
      tally.failed++;
      console.log(`  FAIL ${prefix} ${i + 1}. ${step.name}\n       ${err instanceof Error ? err.message : String(err)}`);
      await wb.screenshot(`${shot}-FAILED`).catch(() => undefined);
      await dumpOutput(wb);
    }
  }
}

async function dumpOutput(wb: Workbench): Promise<void> {
  try {
    await wb.runCommand('dbt: Show Output', 10_000);
    const text = await wb.panelText();
    console.log(`  --- dbt output channel (visible part) ---\n${text}\n  ---`);
    for (const n of await wb.notifications()) console.log(`  notification: ${n.replace(/\s+/g, ' ')}`);
  } catch (err) {
    console.log(`  (could not read the output channel: ${err instanceof Error ? err.message : String(err)})`);
  }
}

/**
 * Runs a user flow to its end and exits: 0 when every step passed (and one
 * did), else 1; an error outside the steps counts as a failure.
 * "<passed> <failed>" goes to out/results/<counts>.counts for scripts/test.sh.
 */
export function runFlow(name: string, counts: string, tally: Tally, flow: () => Promise<void>): void {
  flow()
    .catch((err: unknown) => {
      tally.failed++;
      console.log(`  FAIL ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    })
    .then(() => {
      console.log(`${name}: ${tally.passed} passed, ${tally.failed} failed; screenshots in ${artifactsDir()}`);
      mkdirSync(join(repoRoot(), 'out/results'), { recursive: true });
      writeFileSync(join(repoRoot(), 'out/results', `${counts}.counts`), `${tally.passed} ${tally.failed}\n`);
      process.exit(tally.failed === 0 && tally.passed > 0 ? 0 : 1);
    }, () => process.exit(1));
}
