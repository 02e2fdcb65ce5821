/**
 * Characters no output shows raw: control characters (C0 and C1), format characters (bidirectional embeddings,
 * overrides, isolates and marks, zero-width characters), line and paragraph separators and lone surrogates.
 * One rule for the shell quoting here and every renderer (core/render/escape.ts).
 */
export const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const HAS_INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `\uXXXX` per UTF-16 code unit: the same spelling as a JSON or JavaScript string escape. */
export function unicodeEscape(character: string): string {
  let escaped = '';
  for (let index = 0; index < character.length; index += 1) {
    escaped += `\\u${character.charCodeAt(index).toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return escaped;
}

const visibleEscape = (character: string): string => SHORT_ESCAPES[character] ?? unicodeEscape(character);

/** One line of plain text (a terminal, an e-mail, an error message): every invisible character shown as its escape. */
export function escapeSingleLine(value: string): string {
  return value.replace(INVISIBLE, visibleEscape);
}

/** True when the value holds a character that no output shows raw. */
export function hasInvisibleCharacter(value: string): boolean {
  return HAS_INVISIBLE.test(value);
}
