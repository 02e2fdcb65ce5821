/**
 * Everything taken from an event is attacker-influenced (a caller chooses its role session name,
 * table names, request parameters). These are the only escaping rules; every renderer uses them.
 */

// C0/C1 control characters except tab and newline: ESC starts ANSI sequences that can rewrite a terminal.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const CONTROL_CHARACTERS_AND_NEWLINES = /[\u0000-\u001f\u007f-\u009f]/g;

/** For a terminal or plain-text email: control characters become U+FFFD, so no escape sequence survives. */
export function escapeTerminal(value: string): string {
  return value.replace(CONTROL_CHARACTERS, '\uFFFD');
}

/** For a single-line value (a header, an email subject): also folds newlines, so a value cannot forge lines. */
export function escapeSingleLine(value: string): string {
  return value.replace(CONTROL_CHARACTERS_AND_NEWLINES, ' ');
}

/**
 * For Slack mrkdwn and plain_text. Slack's control characters are `&`, `<` and `>`; once they are escaped
 * no value can form `<!channel>`, `<!here>`, `<!everyone>`, `<@U…>` or `<url|text>` links.
 * Backticks and mrkdwn emphasis are left alone: they change formatting, not meaning.
 */
export function escapeSlack(value: string): string {
  // Slack turns bare URLs into links; a zero-width space after the scheme keeps them as text.
  return escapeSlackControlCharacters(value).replace(/:\/\//g, ':\u200B//');
}

/**
 * For text inside a Slack code block (``` … ```): Slack does not link there, so URLs stay copyable,
 * but a value holding ``` would close the block early, so backticks become a look-alike (U+02CB).
 */
export function escapeSlackCode(value: string): string {
  return escapeSlackControlCharacters(value).replace(/`/g, '\u02CB');
}

function escapeSlackControlCharacters(value: string): string {
  return escapeTerminal(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
