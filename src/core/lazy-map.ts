/**
 * A Map whose values may be made on first use: `defer(key, make)` holds the key (has, keys and size see it)
 * and makes the value the first time it is read. berth's built-in templates are parsed this way: a command
 * parses only those its stack uses (a render, or none at all for `volumes` or `status`).
 */
export class LazyMap<K, V> extends Map<K, V> {
  private readonly pending = new Map<K, () => V>()

  defer(key: K, make: () => V): this {
    this.pending.set(key, make)
    return super.set(key, undefined as V)
  }

  override set(key: K, value: V): this {
    this.pending?.delete(key)
    return super.set(key, value)
  }

  override get(key: K): V | undefined {
    const make = this.pending.get(key)
    if (make) {
      this.pending.delete(key)
      super.set(key, make())
    }
    return super.get(key)
  }

  override delete(key: K): boolean {
    this.pending.delete(key)
    return super.delete(key)
  }

  override clear(): void {
    this.pending.clear()
    super.clear()
  }

  override forEach(fn: (value: V, key: K, map: Map<K, V>) => void, self?: unknown): void {
    this.resolveAll()
    super.forEach(fn, self)
  }

  override values(): MapIterator<V> {
    this.resolveAll()
    return super.values()
  }

  override entries(): MapIterator<[K, V]> {
    this.resolveAll()
    return super.entries()
  }

  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries()
  }

  private resolveAll(): void {
    for (const key of [...this.pending.keys()]) this.get(key)
  }
}
