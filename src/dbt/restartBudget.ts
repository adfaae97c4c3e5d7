// When to restart a crashed language server: every time, but at most
// `max` times within `windowMs` (a server that dies at start-up would loop),
// and tell the user only the first time. Pure; the client's errorHandler
// (src/editor/lspClientPart.ts) acts on the answer.
export type RestartDecision = 'restart-and-tell' | 'restart' | 'give-up';

export class RestartBudget {
  private readonly restarts: number[] = [];
  private told = false;

  constructor(
    readonly max = 4,
    readonly windowMs = 3 * 60_000,
  ) {}

  /** The server stopped at `now` (ms). */
  onStopped(now: number): RestartDecision {
    while (this.restarts.length > 0 && now - this.restarts[0]! > this.windowMs) this.restarts.shift();
    if (this.restarts.length >= this.max) return 'give-up';
    this.restarts.push(now);
    if (this.told) return 'restart';
    this.told = true;
    return 'restart-and-tell';
  }
}
