import { escapeSingleLine, escapeSlack, escapeSlackCode, escapeTerminal } from '../../../core/render/escape';

describe('escapeTerminal', () => {
  it('neutralises ANSI escape sequences and other control characters but keeps tabs and newlines', () => {
    expect(escapeTerminal('a\u001b[31mred\u0007\u009b2J\tb\nc')).toBe('a\uFFFD[31mred\uFFFD\uFFFD2J\tb\nc');
  });
});

describe('escapeSingleLine', () => {
  it('folds newlines so a value cannot forge another line of a header or subject', () => {
    expect(escapeSingleLine('Orders\r\nBcc: evil@example.com')).toBe('Orders  Bcc: evil@example.com');
  });
});

describe('escapeSlack', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here> <!everyone>', '&lt;!here&gt; &lt;!everyone&gt;'],
    ['<@U123ABC>', '&lt;@U123ABC&gt;'],
    ['<https://evil.example|click me>', '&lt;https:\u200B//evil.example|click me&gt;'],
    ['a & b', 'a &amp; b'],
    ['&lt;already&gt;', '&amp;lt;already&amp;gt;'],
  ])('renders %s harmless', (input, expected) => {
    expect(escapeSlack(input)).toBe(expected);
  });

  it('keeps bare URLs from becoming links', () => {
    expect(escapeSlack('see http://evil.example/x')).not.toContain('http://');
  });
});

describe('escapeSlackCode', () => {
  it('cannot close the code block early and leaves URLs copyable', () => {
    const escaped = escapeSlackCode('x```<!channel> https://example.com');
    expect(escaped).not.toContain('`');
    expect(escaped).toContain('&lt;!channel&gt;');
    expect(escaped).toContain('https://example.com');
  });
});
