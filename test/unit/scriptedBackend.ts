// A scripted backend in place of Python for the runner's unit tests: each
// call waits until the test finishes or fails it (the real backends are
// covered by test/integration/runner*.test.ts).
import type { InvocationResult } from '../../src/dbt/protocol';
import type { Backend, BackendCall, BackendRequest } from '../../src/runner/backend';

export interface Call {
  request: BackendRequest;
  call: BackendCall;
  finish: (exitCode?: 0 | 1 | 2) => void;
  fail: (e: Error) => void;
}

export class ScriptedBackend implements Backend {
  readonly kind = 'worker' as const;
  readonly calls: Call[] = [];
  active = 0;
  maxActive = 0;
  disposed = false;
  private waiters: (() => void)[] = [];

  run(request: BackendRequest, call: BackendCall): Promise<InvocationResult> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    return new Promise((resolve, reject) => {
      const done = () => this.active--;
      this.calls.push({
        request,
        call,
        finish: (exitCode = 0) => {
          done();
          resolve(result(request.args[0] ?? 'parse', exitCode));
        },
        fail: (e) => {
          done();
          reject(e);
        },
      });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves once `n` calls have reached the backend. */
  async reached(n: number): Promise<Call> {
    while (this.calls.length < n) await new Promise<void>((r) => this.waiters.push(r));
    return this.calls[n - 1];
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

function result(command: string, exitCode: 0 | 1 | 2): InvocationResult {
  return { command, success: exitCode === 0, exitCode, nodes: [], output: { kind: 'none' }, elapsedSeconds: 0, parsed: false, cancelled: false, backend: 'worker' };
}
