/**
 * Everything taken from an event is attacker-influenced (a caller chooses its role session name, table names,
 * request parameters). These are the only escaping rules, one per output; every renderer uses them.
 *
 * Common to every output: no character that is invisible or moves text reaches it raw. Control characters (C0
 * and C1: newline, carriage return, tab, ESC, NEL, …), format characters (bidirectional embeddings, overrides,
 * isolates and marks, zero-width characters), line and paragraph separators and lone surrogates are shown as
 * visible escapes (`\n`, `\u202E`), so a value can neither end a line, a comment or a block, nor reorder or hide
 * what is shown around it (Trojan Source).
 */

import { INVISIBLE, escapeSingleLine, hasInvisibleCharacter, unicodeEscape } from '../diagnosis/invisible';

// ---- plain text: the terminal, the alert e-mail (body and subject), tables, one-line error messages ----

// The diagnosis's own error messages need it too, and diagnosis imports nothing from render: the rule lives there.
export { escapeSingleLine };

// ---- Slack ----

/**
 * For text inside a Slack code block that is not a command (a `# description`, context JSON): one line, and a
 * backtick is shown as `\u0060`, since three of them would close the block. Slack decodes `&amp;`, `&lt;` and
 * `&gt;` there too, so what is copied has the original characters.
 */
export function escapeSlackCode(value: string): string {
  return escapeSlackEntities(escapeSingleLine(value).replace(/`/g, '\\u0060'));
}

/**
 * For Slack mrkdwn and plain_text (fields, steps, headers, the notification text): the code-block rule, so no
 * value opens or closes a code span; and since `&`, `<` and `>` are Slack's control characters, no value can form
 * `<!channel>`, `<!here>`, `<!everyone>`, `<@U…>` or `<url|text>`. Emphasis (`*`, `_`, `~`) is left alone: it
 * changes how text looks, not what it says.
 */
export function escapeSlack(value: string): string {
  // Slack turns bare URLs into links; a zero-width space after the scheme keeps them as text.
  return escapeSlackCode(value).replace(/:\/\//g, ':\u200B//');
}

function escapeSlackEntities(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// ---- Markdown: Amazon Q Developer custom notifications (textType client-markdown) ----

/**
 * For a value inside a custom notification's Markdown, which Amazon Q Developer renders in Slack, Teams or Chime.
 * Values are only ever placed inline after a label, never at the start of a line, so what must not form is inline:
 * one line (the common rule); `&`, `<` and `>` as entities, so neither HTML nor Slack's `<!channel>`/`<url|text>`
 * can form; the characters of emphasis, code spans, links and tables (backslash, backtick, * _ ~ [ ] |) backslash-escaped
 * (CommonMark lets any ASCII punctuation be); bare URLs kept from autolinking as in escapeSlack.
 */
export function escapeChatMarkdown(value: string): string {
  return escapeSlackEntities(escapeSingleLine(value).replace(/[\\`*_~[\]|]/g, '\\$&')).replace(/:\/\//g, ':\u200B//');
}

// ---- JSON: the SNS message, --json output ----

/**
 * JSON whose text has no invisible character: JSON.stringify, then every such character left inside a string
 * (DEL, C1 controls, format characters, separators) written as a `\u` escape, so parsing gives the same value.
 * JSON.stringify already escapes C0 controls inside strings: a raw newline can only be indentation.
 */
export function escapeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(INVISIBLE, (character) => (character === '\n' ? character : unicodeEscape(character)));
}

// ---- commands a person copies ----

export type CommandChannel = 'text' | 'slack';

export interface CommandLinesOptions {
  /** Where the whole command can be seen when this channel leaves it out. */
  readonly seeAlso: string;
  /** Longer commands are left out (with a note), never cut. */
  readonly commandMaxLength?: number;
  /** Longer descriptions and notes are cut (they are comments: a cut one stays a comment). */
  readonly descriptionMaxLength?: number;
}

/**
 * A remediation command as two lines of a channel: `# description`, then the command exactly as it must be
 * copied, or, when the channel cannot show it exactly, a `#` note saying so and where to see it. A command is
 * never cut or altered: a copied block runs the intended argv or nothing. In plain text a command must hold no
 * invisible character; in a Slack code block no backtick either (three would close the block, and a look-alike
 * would copy as a different argument).
 */
export function commandLines(
  command: { readonly description: string; readonly command: string },
  channel: CommandChannel,
  options: CommandLinesOptions,
): [string, string] {
  const escape = channel === 'slack' ? escapeSlackCode : escapeSingleLine;
  const comment = (text: string): string => `# ${cutWithEllipsis(escape(text), options.descriptionMaxLength ?? Infinity)}`;
  const reason = omissionReason(command.command, channel, options.commandMaxLength ?? Infinity);
  if (reason === null) return [comment(command.description), channel === 'slack' ? escapeSlackEntities(command.command) : command.command];
  return [comment(command.description), comment(`(command not shown: ${reason}; see it with ${options.seeAlso})`)];
}

function omissionReason(command: string, channel: CommandChannel, maxLength: number): string | null {
  if (hasInvisibleCharacter(command)) return 'it holds characters that cannot be shown as text';
  if (channel === 'slack' && command.includes('`')) return 'it holds a backtick, which a Slack code block cannot show exactly';
  if (command.length > maxLength) return `it is longer than ${maxLength.toLocaleString('en-US')} characters`;
  return null;
}

/** Cut to `max` characters with an ellipsis, never splitting a surrogate pair, an escape or a Slack entity. */
export function cutWithEllipsis(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  let cut = Math.max(max - ellipsis.length, 0);
  if (cut > 0 && /[\uD800-\uDBFF]/.test(text.charAt(cut - 1))) cut -= 1;
  let kept = text.slice(0, cut);
  // A `\u…` escape or an `&…;` entity cut in half would read as something else.
  kept = kept.replace(/\\(?:u[0-9A-F]{0,3})?$/, '').replace(/&[a-z]*$/, '');
  return `${kept}${ellipsis}`;
}
