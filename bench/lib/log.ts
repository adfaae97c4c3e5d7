// Progress lines on stderr (stdout is kept for the final table), with the
// time since the bench process started.
const started = performance.now();

export function progress(message: string): void {
  const s = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${s} s] ${message}\n`);
}
