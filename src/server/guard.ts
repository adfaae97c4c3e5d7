// Guards for the server's handlers: whatever a request, notification or
// document-event handler throws (synchronously or as a rejected promise) is
// logged in one line and answered (requests get null), never left as an
// unhandled rejection that would end the server process.
import type { Log } from './projects';

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack?.split('\n').slice(0, 3).join(' | ') ?? err.message;
  return String(err);
}

/**
 * A request handler that answers null (and logs) instead of failing.
 * Errors of the `rethrow` class are answers meant for the user (e.g. why a
 * rename is refused): they are passed on as the request's error, not logged.
 */
export function guardRequest<P, R>(
  log: Log,
  name: string,
  fn: (params: P) => R | Promise<R>,
  options: { rethrow?: abstract new (...args: never[]) => Error } = {},
): (params: P) => Promise<R | null> {
  return async (params: P) => {
    try {
      return await fn(params);
    } catch (err) {
      if (options.rethrow && err instanceof options.rethrow) throw err;
      log('error', `${name} failed: ${describe(err)}`);
      return null;
    }
  };
}

/** A notification or event handler whose failure is logged; returns a promise that never rejects. */
export function guardNotification<P>(log: Log, name: string, fn: (params: P) => unknown): (params: P) => Promise<void> {
  return async (params: P) => {
    try {
      await fn(params);
    } catch (err) {
      log('error', `${name} failed: ${describe(err)}`);
    }
  };
}
