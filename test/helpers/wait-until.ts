/**
 * The one polling helper of the test suite. Polls `f` every 50 ms until it returns something
 * other than undefined, and resolves with it. Rejects with "timed out waiting for <what>" after
 * `timeoutMs` (default 15 000 ms); `what` may be a function, called once at the timeout, to
 * describe what was seen instead. Errors thrown by `f` reject at once.
 */
export async function waitUntil<T>(
  f: () => Promise<T | undefined> | T | undefined,
  what: string | (() => string | Promise<string>),
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : await what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
