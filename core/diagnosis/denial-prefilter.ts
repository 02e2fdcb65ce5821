import { DENIAL_ERROR_CODES } from './diagnose';
import { KMS_KEY_MESSAGE_PREFIX } from './message';

/**
 * Decides from a record's JSON text, before it is parsed, whether it can be a denial, so that a bulk scan parses
 * only the few records that can. Pure: it reads the bytes it is given.
 *
 * A superset of isDenial, never a guess. isDenial needs a string `errorCode` that is one of DENIAL_ERROR_CODES, or
 * any string `errorCode` with an `errorMessage` that starts with KMS_KEY_MESSAGE_PREFIX. In JSON text without a
 * `\u` escape, every letter of a key or a string is written as itself (the other escapes write only quotes,
 * backslashes, slashes and control characters), and JSON puts only whitespace between a key, its colon and its
 * value. So such a record is a denial only if its text holds `"errorCode"`, whitespace, `:`, whitespace and one of
 * the codes in quotes, or holds `"errorCode"` and `"KMS `. A record that holds a `\u` escape anywhere is always
 * let through. What is let through may be a look-alike (an `errorCode` key nested in requestParameters, a
 * duplicate key the parser overrides): the parser and isDenial then reject it.
 */
export class DenialPrefilter {
  private readonly cursors = new Map<Buffer, number>();

  /** `text` holds the records; they are asked about in increasing order, so each needle is searched for once. */
  constructor(private readonly text: Buffer) {}

  /** Whether text[start, end), one record's JSON, can be a denial. */
  mayBeDenial(start: number, end: number): boolean {
    if (this.next(UNICODE_ESCAPE, start) < end) return true;
    let kmsMessageLooked = false;
    // The key is found by its tail: a needle that starts with a rare byte is searched for several times faster.
    for (let at = this.next(ERROR_CODE_KEY_TAIL, start); at < end; at = this.next(ERROR_CODE_KEY_TAIL, at + 1)) {
      const key = at - ERROR_CODE_KEY_HEAD.length;
      if (key < start || this.text.compare(ERROR_CODE_KEY_HEAD, 0, ERROR_CODE_KEY_HEAD.length, key, at) !== 0) continue;
      const value = valueStart(this.text, at + ERROR_CODE_KEY_TAIL.length, end);
      if (value === -1) continue;
      if (
        DENIAL_CODE_VALUES.some(
          (code) => value + code.length <= end && this.text.compare(code, 0, code.length, value, value + code.length) === 0,
        )
      ) {
        return true;
      }
      if (!kmsMessageLooked) {
        // Within this record only, and once: few records have an error code at all.
        kmsMessageLooked = true;
        if (this.text.subarray(start, end).indexOf(KMS_MESSAGE) !== -1) return true;
      }
    }
    return false;
  }

  /**
   * Where, at or after `from`, the first byte lies that can make its record a denial: a `\u` escape, or the tail of
   * an `"errorCode"` key (text.length when there is none). A record that holds none is no denial: mayBeDenial says no
   * to it, so a reader can skip every record before the marker's without asking.
   */
  nextMarker(from: number): number {
    return Math.min(this.next(UNICODE_ESCAPE, from), this.next(ERROR_CODE_KEY_TAIL, from));
  }

  /**
   * Where `needle` next occurs at or after `from` (text.length when it does not). Remembers the answer: queries
   * move forward, so over all the records each needle is searched for in one pass, however many records there are.
   */
  private next(needle: Buffer, from: number): number {
    const known = this.cursors.get(needle);
    if (known !== undefined && known >= from) return known;
    const found = this.text.indexOf(needle, from);
    const at = found === -1 ? this.text.length : found;
    this.cursors.set(needle, at);
    return at;
  }
}

/** The position of the value's opening quote after a key ending at `afterKey`, or -1 when no string value follows. */
function valueStart(text: Buffer, afterKey: number, end: number): number {
  let at = skipWhitespace(text, afterKey, end);
  if (at >= end || text[at] !== COLON) return -1;
  at = skipWhitespace(text, at + 1, end);
  return at < end && text[at] === QUOTE ? at : -1;
}

function skipWhitespace(text: Buffer, from: number, end: number): number {
  let at = from;
  while (at < end && JSON_WHITESPACE.has(text[at])) at += 1;
  return at;
}

const ERROR_CODE_KEY_HEAD = Buffer.from('"error');
const ERROR_CODE_KEY_TAIL = Buffer.from('Code"');
const DENIAL_CODE_VALUES: readonly Buffer[] = DENIAL_ERROR_CODES.map((code) => Buffer.from(JSON.stringify(code)));
const KMS_MESSAGE = Buffer.from(JSON.stringify(KMS_KEY_MESSAGE_PREFIX).slice(0, -1));
const UNICODE_ESCAPE = Buffer.from('\\u');
const COLON = 0x3a;
const QUOTE = 0x22;
/** The whitespace JSON allows between tokens. */
const JSON_WHITESPACE: ReadonlySet<number> = new Set([0x20, 0x09, 0x0a, 0x0d]);
