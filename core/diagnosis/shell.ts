import { hasInvisibleCharacter } from './invisible';

/**
 * Values in printed commands come from events, which callers control (a role session name, a table name):
 * every value is quoted for a POSIX shell so that `;`, `$(...)` or backticks stay literal text.
 */

// Characters that never need quoting in a POSIX shell word. `*` and `?` are absent: they would glob.
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
const SINGLE_QUOTE = /'/g;

/**
 * The value as one shell word: bare when harmless, else single-quoted ('it'\''s'); a placeholder the user fills
 * in when missing, or when it holds a character no output shows raw (a newline or tab would end the line or
 * complete a word when pasted, ESC would rewrite the terminal, a bidi control would reorder the command on screen):
 * escaped for display, it would no longer be the same argument.
 */
export function shellQuote(value: string | null | undefined, placeholder: string): string {
  if (value === null || value === undefined || value === '' || hasInvisibleCharacter(value)) return `'<${placeholder}>'`;
  if (SHELL_SAFE.test(value)) return value;
  return `'${value.replace(SINGLE_QUOTE, `'\\''`)}'`;
}

/** A command line from literal words and [value, placeholder] pairs that get quoted. */
export function shellCommand(...words: ReadonlyArray<string | readonly [string | null | undefined, string]>): string {
  return words.map((word) => (typeof word === 'string' ? word : shellQuote(word[0], word[1]))).join(' ');
}
