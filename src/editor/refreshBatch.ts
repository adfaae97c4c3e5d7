// The batching both trees (Invocations, Test Results) give their refreshes:
// while events stream in, at most one redraw per interval; when an
// invocation has ended since the last one, at once, so its final state is
// never late. No `vscode` here.
export class RefreshBatch {
  private last = 0;
  private pending: NodeJS.Timeout | undefined;
  /** `ended` of the history at the last run. */
  private shownEnded = 0;

  constructor(
    private readonly history: { readonly ended: number },
    private readonly work: () => void,
  ) {}

  /** Runs the work now, or once `intervalMs` have passed since the last run (one pending run at most). */
  request(intervalMs: number): void {
    const wait = this.last + intervalMs - Date.now();
    if (wait <= 0 || this.history.ended !== this.shownEnded) return this.run();
    this.pending ??= setTimeout(() => this.run(), wait);
  }

  private run(): void {
    clearTimeout(this.pending);
    this.pending = undefined;
    this.last = Date.now();
    this.shownEnded = this.history.ended;
    this.work();
  }

  dispose(): void {
    clearTimeout(this.pending);
  }
}
