/**
 * Test fakes for the platform (no nock here, so end-to-end tests can use them too): a logger
 * that records, and an in-memory token vault that records its calls.
 */
import type { PlatformLogger } from '../../../src/platform/platform-logger.ts';
import type { UserTokenVault, UserTokens } from '../../../src/platform/ringcentral-client.ts';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg?: string;
}

/** A logger that keeps every line in `lines` (children share the array). */
export function recordingLogger(lines: LogLine[] = []): PlatformLogger & { lines: LogLine[] } {
  const make = (bindings: object): PlatformLogger & { lines: LogLine[] } => ({
    lines,
    debug: (obj, msg) => void lines.push({ level: 'debug', obj: { ...bindings, ...obj }, ...(msg ? { msg } : {}) }),
    info: (obj, msg) => void lines.push({ level: 'info', obj: { ...bindings, ...obj }, ...(msg ? { msg } : {}) }),
    warn: (obj, msg) => void lines.push({ level: 'warn', obj: { ...bindings, ...obj }, ...(msg ? { msg } : {}) }),
    error: (obj, msg) => void lines.push({ level: 'error', obj: { ...bindings, ...obj }, ...(msg ? { msg } : {}) }),
    child: (b) => make({ ...bindings, ...b }),
  });
  return make({});
}

/** An in-memory vault; `events` lists `save:<accessToken>` / `remove` in order. */
export function memoryVault(initial: Record<string, UserTokens> = {}): UserTokenVault & { data: Map<string, UserTokens>; events: string[] } {
  const data = new Map(Object.entries(initial));
  const events: string[] = [];
  return {
    data,
    events,
    async load(id) {
      const t = data.get(id);
      return t ? { ...t } : undefined;
    },
    async save(id, tokens) {
      events.push(`save:${tokens.accessToken}`);
      data.set(id, { ...tokens });
    },
    async remove(id) {
      events.push('remove');
      data.delete(id);
    },
  };
}

