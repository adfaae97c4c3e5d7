// Last-resort cleanup when an e2e run ends without tidying up (a thrown
// error, Ctrl-C, SIGTERM from CI): registered tasks run synchronously on
// process exit, and the usual termination signals turn into an exit.
const tasks = new Set<() => void>();
let installed = false;

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

/** Runs `task` when the process exits, unless the returned function is called first. */
export function onExit(task: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', () => {
      for (const t of [...tasks].reverse()) {
        try {
          t();
        } catch {
          // keep cleaning up the rest
        }
      }
      tasks.clear();
    });
    for (const [sig, num] of Object.entries(SIGNALS)) process.on(sig, () => process.exit(128 + num));
  }
  tasks.add(task);
  return () => void tasks.delete(task);
}
