import { hasInvisibleCharacter } from '../../../core/diagnosis/invisible';
import { commandLines, cutWithEllipsis, escapeJson, escapeSingleLine, escapeSlack, escapeSlackCode } from '../../../core/render/escape';

// Unicode's classes of characters that are invisible or move text (General_Category Cc, Cf, Zl, Zp), written out.
const BIDI_CONTROLS = [
  '\u061C',
  '\u200E',
  '\u200F',
  '\u202A',
  '\u202B',
  '\u202C',
  '\u202D',
  '\u202E',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
];
const SEPARATORS = ['\u2028', '\u2029'];
const C0_C1 = ['\u0000', '\u0007', '\u0008', '\u000b', '\u000c', '\u001b', '\u007f', '\u0080', '\u0085', '\u009b', '\u009f'];
const ZERO_WIDTH = ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD'];

describe('escapeSingleLine (terminal, e-mail, subjects, tables)', () => {
  const hex = (character: string): string => character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  it.each([...BIDI_CONTROLS, ...SEPARATORS, ...C0_C1, ...ZERO_WIDTH].map((character) => [hex(character), character]))(
    'shows U+%s as a visible \\u escape',
    (code, character) => {
      expect(escapeSingleLine(`a${character}b`)).toBe(`a\\u${code}b`);
    },
  );

  it('shows newline, carriage return and tab by their short escapes, so a value stays on its line', () => {
    expect(escapeSingleLine('Orders\r\nBcc: evil@example.com\tx')).toBe('Orders\\r\\nBcc: evil@example.com\\tx');
  });

  it('neutralises ANSI escape sequences: ESC and CSI become text', () => {
    expect(escapeSingleLine('a\u001b[31mred\u009b2J')).toBe('a\\u001B[31mred\\u009B2J');
  });

  it('shows a lone surrogate and an astral format character (a tag) by their UTF-16 code units', () => {
    expect(escapeSingleLine('x\uD800y\u{E0041}z')).toBe('x\\uD800y\\uDB40\\uDC41z');
  });

  it('leaves printable text alone, letters of any script and emoji included', () => {
    const printable = 'arn:aws:iam::111122223333:role/app-backend \'quoted\' "double" `tick` $(x) ${y} ; | é ß 漢字 😀 ‐';
    expect(escapeSingleLine(printable)).toBe(printable);
    expect(hasInvisibleCharacter(printable)).toBe(false);
  });
});

describe('escapeSlack (mrkdwn and plain_text)', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here> <!everyone>', '&lt;!here&gt; &lt;!everyone&gt;'],
    ['<@U123ABC>', '&lt;@U123ABC&gt;'],
    ['<https://evil.example|click me>', '&lt;https:\u200B//evil.example|click me&gt;'],
    ['a & b', 'a &amp; b'],
    ['&lt;already&gt;', '&amp;lt;already&amp;gt;'],
    ['x\n2. forged step', 'x\\n2. forged step'],
    ['`code` and ```block```', '\\u0060code\\u0060 and \\u0060\\u0060\\u0060block\\u0060\\u0060\\u0060'],
    ['\u202Eevil', '\\u202Eevil'],
  ])('renders %j harmless', (input, expected) => {
    expect(escapeSlack(input)).toBe(expected);
  });

  it('keeps bare URLs from becoming links', () => {
    expect(escapeSlack('see http://evil.example/x')).not.toContain('http://');
  });
});

describe('escapeSlackCode (text in a code block that is not a command)', () => {
  it('cannot close the code block or start a line, and leaves URLs copyable', () => {
    const escaped = escapeSlackCode('x```\n<!channel> https://example.com');
    expect(escaped).not.toMatch(/[`\n]/);
    expect(escaped).toBe('x\\u0060\\u0060\\u0060\\n&lt;!channel&gt; https://example.com');
  });
});

describe('escapeJson', () => {
  it('writes invisible characters as JSON escapes: no raw one in the text, the same value once parsed', () => {
    const value = { name: `t${[...BIDI_CONTROLS, ...SEPARATORS, ...C0_C1, ...ZERO_WIDTH].join('')}\n\t\uD800`, nested: ['\u202E'] };
    for (const indent of [undefined, 2]) {
      const text = escapeJson(value, indent);
      expect(text.replace(/\n/g, '')).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u);
      expect(JSON.parse(text)).toEqual(value);
    }
    expect(escapeJson({ a: 1 }, 2)).toBe('{\n  "a": 1\n}');
  });
});

describe('commandLines', () => {
  const command = { description: 'The role app\ntouch pwned #', command: "aws iam get-role --role-name 'a<b>&c'" };

  it('plain text: the description on one comment line, the command exactly', () => {
    expect(commandLines(command, 'text', { seeAlso: 'X' })).toEqual([
      '# The role app\\ntouch pwned #',
      "aws iam get-role --role-name 'a<b>&c'",
    ]);
  });

  it('Slack: entities that Slack decodes back to the same characters, so the copied command is exact', () => {
    expect(commandLines(command, 'slack', { seeAlso: 'X' })).toEqual([
      '# The role app\\ntouch pwned #',
      "aws iam get-role --role-name 'a&lt;b&gt;&amp;c'",
    ]);
  });

  it('Slack: a command holding a backtick is replaced by a note, never by a look-alike', () => {
    const [, line] = commandLines({ description: 'd', command: "aws x --y 'a`b'" }, 'slack', { seeAlso: 'the e-mail' });
    expect(line).toBe('# (command not shown: it holds a backtick, which a Slack code block cannot show exactly; see it with the e-mail)');
    expect(commandLines({ description: 'd', command: "aws x --y 'a`b'" }, 'text', { seeAlso: 'X' })[1]).toBe("aws x --y 'a`b'");
  });

  it('a command with an invisible character or over the length limit is left out with a note, never cut', () => {
    expect(commandLines({ description: 'd', command: "aws x --y 'a\u202Eb'" }, 'text', { seeAlso: 'S' })[1]).toBe(
      '# (command not shown: it holds characters that cannot be shown as text; see it with S)',
    );
    const long = `aws x --y '${'v'.repeat(50)}'`;
    expect(commandLines({ description: 'd', command: long }, 'text', { seeAlso: 'S', commandMaxLength: 20 })[1]).toBe(
      '# (command not shown: it is longer than 20 characters; see it with S)',
    );
    expect(commandLines({ description: 'd', command: long }, 'text', { seeAlso: 'S', commandMaxLength: long.length })[1]).toBe(long);
  });

  it('cuts a long description, which stays one comment line', () => {
    const [description] = commandLines({ description: `${'d'.repeat(100)}\nrm -rf ~`, command: 'aws x' }, 'text', {
      seeAlso: 'S',
      descriptionMaxLength: 20,
    });
    expect(description).toBe(`# ${'d'.repeat(19)}…`);
  });
});

describe('cutWithEllipsis', () => {
  it('leaves text within the limit alone', () => {
    expect(cutWithEllipsis('a &amp; b', 9)).toBe('a &amp; b');
  });

  it('never cuts inside an entity, an escape or a surrogate pair', () => {
    expect(cutWithEllipsis('abc &amp; def', 8)).toBe('abc …');
    expect(cutWithEllipsis('abc &lt;&gt;', 11)).toBe('abc &lt;…');
    expect(cutWithEllipsis('abc \\u202E def', 8)).toBe('abc …');
    expect(cutWithEllipsis('abc \\n def', 6)).toBe('abc …');
    expect(cutWithEllipsis('ab😀cd', 4)).toBe('ab…');
  });
});
