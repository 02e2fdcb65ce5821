import type { ContextValue } from './types';

/**
 * The condition keys of one request, by lower-case name (condition key names are case-insensitive; tag keys are
 * compared the same way). A key not held is unresolved. A family whose members are all known — the principal's tags
 * when the store lists them, a KMS call's encryption context — is complete: any other key under its prefix is absent.
 */
export class RequestKeys implements ReadonlyMap<string, ContextValue> {
  private readonly known = new Map<string, ContextValue>();
  /** Keys worked out only when a condition reads them (most requests meet no condition on them); null: not held. */
  private readonly deferred = new Map<string, () => ContextValue | null>();
  private readonly completeFamilies: string[] = [];
  /** Groups of keys stated only when one of them is first read (`lazily`); null once stated. */
  private readonly sections: Array<{ readonly section: KeySection; readonly state: () => void } | null> = [];
  private unstated = 0;

  /**
   * Has `state` state the keys of `section` when one of them is first read, instead of now: an evaluation kept for
   * a request of the same shape reads only the few keys it turned on, and most of a request's keys are never read.
   * Sections must not share a key, and no key of a section may be stated otherwise: then the order in which they
   * are stated cannot matter.
   */
  lazily(section: KeySection, state: () => void): this {
    this.sections.push({ section, state });
    this.unstated += 1;
    return this;
  }

  /** States the sections that may hold `name` (every section when `name` is null). */
  private stateSections(name: string | null): void {
    for (let index = 0; index < this.sections.length && this.unstated > 0; index += 1) {
      const pending = this.sections[index];
      if (pending === null || (name !== null && !pending.section.mayHold(name))) continue;
      this.sections[index] = null;
      this.unstated -= 1;
      pending.state();
    }
  }

  /** A single-valued key the request carries. */
  present(key: string, value: string): this {
    return this.set(key, { kind: 'present', values: [value], multivalued: false });
  }

  /** A multivalued key the request carries (possibly with no values). */
  presentSet(key: string, values: readonly string[]): this {
    return this.set(key, { kind: 'present', values: [...values], multivalued: true });
  }

  /** A single-valued key whose value is worked out when first read; `value` gives null when the request cannot tell. */
  presentLazily(key: string, value: () => string | null): this {
    return this.defer(key, () => {
      const found = value();
      return found === null ? null : { kind: 'present', values: [found], multivalued: false };
    });
  }

  /** A multivalued key whose values are worked out when first read; `values` gives null when the request cannot tell. */
  presentSetLazily(key: string, values: () => readonly string[] | null): this {
    return this.defer(key, () => {
      const found = values();
      return found === null ? null : { kind: 'present', values: [...found], multivalued: true };
    });
  }

  private defer(key: string, value: () => ContextValue | null): this {
    const name = key.toLowerCase();
    this.known.delete(name);
    this.deferred.set(name, value);
    return this;
  }

  /** Works out a deferred key now: it becomes known, or is dropped (unresolved). */
  private settle(name: string): ContextValue | undefined {
    const value = this.deferred.get(name);
    if (value === undefined) return undefined;
    this.deferred.delete(name);
    // Stated since it was deferred: the later statement wins.
    const stated = this.known.get(name);
    if (stated !== undefined) return stated;
    const settled = value();
    if (settled !== null) this.known.set(name, settled);
    return settled ?? undefined;
  }

  /** Every key worked out, for the callers that list them all. */
  private settleAll(): Map<string, ContextValue> {
    if (this.unstated > 0) this.stateSections(null);
    for (const name of [...this.deferred.keys()]) this.settle(name);
    return this.known;
  }

  /** A key the request is known not to carry; the caller states why where it decides. */
  absent(key: string): this {
    return this.set(key, ABSENT);
  }

  /** The last statement about a key wins, deferred or not (a deferred one stated again is dropped when settled). */
  private set(key: string, value: ContextValue): this {
    this.known.set(key.toLowerCase(), value);
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
    // A key already known is in no section still to state (sections share no key with anything else).
    const known = this.known.get(name);
    if (known !== undefined) return known;
    if (this.unstated > 0) this.stateSections(name);
    const value = this.known.get(name) ?? this.settle(name);
    if (value !== undefined) return value;
    return this.completeFamilies.some((prefix) => name.startsWith(prefix)) ? ABSENT : undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  get size(): number {
    return this.settleAll().size;
  }

  forEach(callback: (value: ContextValue, key: string, map: ReadonlyMap<string, ContextValue>) => void): void {
    for (const [key, value] of this.settleAll()) callback(value, key, this);
  }

  entries(): MapIterator<[string, ContextValue]> {
    return this.settleAll().entries();
  }

  keys(): MapIterator<string> {
    return this.settleAll().keys();
  }

  values(): MapIterator<ContextValue> {
    return this.settleAll().values();
  }

  [Symbol.iterator](): MapIterator<[string, ContextValue]> {
    return this.settleAll().entries();
  }
}

const ABSENT: ContextValue = { kind: 'absent' };

/** The keys a group of keys stated together may hold (RequestKeys.lazily): names, and families by their prefix. */
export class KeySection {
  private readonly names: ReadonlySet<string>;
  private readonly prefixes: readonly string[];

  constructor(names: readonly string[], prefixes: readonly string[] = []) {
    this.names = new Set(names.map((name) => name.toLowerCase()));
    this.prefixes = prefixes.map((prefix) => prefix.toLowerCase());
  }

  /** `name` in lower case. */
  mayHold(name: string): boolean {
    return this.names.has(name) || this.prefixes.some((prefix) => name.startsWith(prefix));
  }
}
