import type { ContextValue } from './types';

/**
 * The condition keys of one request, by lower-case name (condition key names are case-insensitive; tag keys are
 * compared the same way). A key not held is unresolved. A family whose members are all known — the principal's tags
 * when the store lists them, a KMS call's encryption context — is complete: any other key under its prefix is absent.
 */
export class RequestKeys implements ReadonlyMap<string, ContextValue> {
  private readonly known = new Map<string, ContextValue>();
  private readonly completeFamilies: string[] = [];

  /** A single-valued key the request carries. */
  present(key: string, value: string): this {
    this.known.set(key.toLowerCase(), { kind: 'present', values: [value], multivalued: false });
    return this;
  }

  /** A multivalued key the request carries (possibly with no values). */
  presentSet(key: string, values: readonly string[]): this {
    this.known.set(key.toLowerCase(), { kind: 'present', values: [...values], multivalued: true });
    return this;
  }

  /** A key the request is known not to carry; the caller states why where it decides. */
  absent(key: string): this {
    this.known.set(key.toLowerCase(), ABSENT);
    return this;
  }

  /** Every member of a family (`aws:PrincipalTag/` + tag key), and that there are no others. */
  completeFamily(prefix: string, members: ReadonlyMap<string, string> | Readonly<Record<string, string>>): this {
    const entries = members instanceof Map ? [...members.entries()] : Object.entries(members);
    for (const [name, value] of entries) this.present(`${prefix}${name}`, value);
    this.completeFamilies.push(prefix.toLowerCase());
    return this;
  }

  get(key: string): ContextValue | undefined {
    const name = key.toLowerCase();
    const value = this.known.get(name);
    if (value !== undefined) return value;
    return this.completeFamilies.some((prefix) => name.startsWith(prefix)) ? ABSENT : undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  get size(): number {
    return this.known.size;
  }

  forEach(callback: (value: ContextValue, key: string, map: ReadonlyMap<string, ContextValue>) => void): void {
    for (const [key, value] of this.known) callback(value, key, this);
  }

  entries(): MapIterator<[string, ContextValue]> {
    return this.known.entries();
  }

  keys(): MapIterator<string> {
    return this.known.keys();
  }

  values(): MapIterator<ContextValue> {
    return this.known.values();
  }

  [Symbol.iterator](): MapIterator<[string, ContextValue]> {
    return this.known.entries();
  }
}

const ABSENT: ContextValue = { kind: 'absent' };
