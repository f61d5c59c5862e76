/**
 * The one polling helper of the test suite. Polls `f` every 50 ms until it returns something
 * other than undefined or false, and resolves with it. Rejects with "timed out waiting for <what>"
 * after `timeoutMs` (default 15 000 ms); `what` may be a function, called once at the timeout, to
 * describe what was seen instead. Errors thrown by `f` reject at once, unless `ignoreErrors` is set
 * (a refused connection while a process restarts counts as "not yet").
 */
export async function waitUntil<T>(
  f: () => Promise<T | undefined | false> | T | undefined | false,
  what: string | (() => string | Promise<string>),
  timeoutMs = 15_000,
  options: { ignoreErrors?: boolean } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = options.ignoreErrors ? await Promise.resolve().then(f).catch(() => undefined) : await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : await what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * waitUntil with errors counted as "not yet" (a bot or the emulator restarting), arguments in the
 * order the crash and outage e2e tests read best: what to poll, how long, what it waits for.
 */
export function untilAnswering<T>(f: () => Promise<T | undefined | false>, timeoutMs: number, what: string | (() => Promise<string>)): Promise<T> {
  return waitUntil(f, what, timeoutMs, { ignoreErrors: true });
}
