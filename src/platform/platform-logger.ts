/**
 * The logger the platform writes to: the subset of pino's API it uses, so a pino logger (or a
 * child of one) can be passed as is. Messages never include tokens, codes or secrets.
 */
export interface PlatformLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): PlatformLogger;
}
