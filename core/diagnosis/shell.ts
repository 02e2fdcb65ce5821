/**
 * Values in printed commands come from events, which callers control (a role session name, a table name):
 * every value is quoted for a POSIX shell so that `;`, `$(...)` or backticks stay literal text.
 */

// Characters that never need quoting in a POSIX shell word. `*` and `?` are absent: they would glob.
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
// A control character (newline, ESC, ...) cannot be pasted safely even inside quotes: it would end the
// command line or rewrite the terminal. Such a value is replaced by a placeholder the user fills in.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const SINGLE_QUOTE = /'/g;

/** The value as one shell word: bare when harmless, else single-quoted ('it'\''s'); a placeholder when unsafe or missing. */
export function shellQuote(value: string | null | undefined, placeholder: string): string {
  if (value === null || value === undefined || value === '' || CONTROL_CHARACTER.test(value)) return `'<${placeholder}>'`;
  if (SHELL_SAFE.test(value)) return value;
  return `'${value.replace(SINGLE_QUOTE, `'\\''`)}'`;
}

/** A command line from literal words and [value, placeholder] pairs that get quoted. */
export function shellCommand(...words: ReadonlyArray<string | readonly [string | null | undefined, string]>): string {
  return words.map((word) => (typeof word === 'string' ? word : shellQuote(word[0], word[1]))).join(' ');
}
