// Records keyed by names that come from files and users: "__proto__" or "constructor" must stay
// ordinary keys, never reach Object.prototype.

/** obj[key] = value, as an own property even for a key like "__proto__". */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** obj[key] when it is an own property, else undefined (never an inherited member). */
export function getOwn<T>(obj: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}
