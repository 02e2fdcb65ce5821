/**
 * Characters no output shows raw: control characters (C0 and C1), format characters (bidirectional embeddings,
 * overrides, isolates and marks, zero-width characters), line and paragraph separators and lone surrogates.
 * One rule for the shell quoting here and every renderer (core/render/escape.ts).
 */
export const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const HAS_INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** True when the value holds a character that no output shows raw. */
export function hasInvisibleCharacter(value: string): boolean {
  return HAS_INVISIBLE.test(value);
}
