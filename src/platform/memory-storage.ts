/**
 * An in-memory `localStorage` for one @ringcentral/sdk instance, so every identity (the bot, each
 * person) keeps its token apart. The SDK's Node default is one storage shared by every instance in
 * the process (docs/ringcentral-notes.md §7.5); `keys()` lets the SDK's `cache.clean()` work.
 */
export class MemoryStorage {
  readonly #items = new Map<string, string>();

  /** The stored string, or `null` (DOM Storage semantics). */
  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    this.#items.set(key, String(value));
  }

  removeItem(key: string): void {
    this.#items.delete(key);
  }

  /** Every key, for the SDK's `Cache.clean()`. */
  keys(): string[] {
    return [...this.#items.keys()];
  }

  clear(): void {
    this.#items.clear();
  }

  get length(): number {
    return this.#items.size;
  }

  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }
}
