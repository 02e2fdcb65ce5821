import { DENIAL_ERROR_CODES, isDenial } from '../../../core/diagnosis';
import { DenialPrefilter } from '../../../core/diagnosis/denial-prefilter';
import { dynamodbRecord, EXPLICIT_SCP } from '../../cli/fixtures';
import { randomRecord, randomSource, writeJson, type WriteStyle } from '../../cli/scan/log-file-generator';

/** The prefilter's answer for one record's JSON text, asked alone. */
const mayBeDenial = (text: string): boolean => new DenialPrefilter(Buffer.from(text)).mayBeDenial(0, Buffer.byteLength(text));
/** What parsing says: the oracle the prefilter must never contradict when it says no. */
const parsedIsDenial = (text: string): boolean => isDenial(JSON.parse(text));

const denial = dynamodbRecord({ eventId: 'd1', reason: EXPLICIT_SCP });
const success = dynamodbRecord({ eventId: 's1' });

describe('DenialPrefilter', () => {
  it('lets every denial error code through, and a success or another error not', () => {
    for (const code of DENIAL_ERROR_CODES) {
      const text = JSON.stringify({ ...denial, errorCode: code });
      expect([code, parsedIsDenial(text), mayBeDenial(text)]).toEqual([code, true, true]);
    }
    for (const text of [
      JSON.stringify(success),
      JSON.stringify({ ...success, errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' }),
    ]) {
      expect([parsedIsDenial(text), mayBeDenial(text)]).toEqual([false, false]);
    }
  });

  it('compares the whole code: a longer or lower-case code is no denial', () => {
    for (const code of ['AccessDeniedExceptionX', 'accessdenied', 'XAccessDenied', 'AccessDenie']) {
      const text = JSON.stringify({ ...success, errorCode: code });
      expect([code, parsedIsDenial(text), mayBeDenial(text)]).toEqual([code, false, false]);
    }
  });

  it("lets DynamoDB's KMS key failures through whatever the error code", () => {
    const text = JSON.stringify({
      ...success,
      errorCode: 'ValidationException',
      errorMessage: 'KMS key disabled error: DisabledException: key is disabled.',
    });
    expect([parsedIsDenial(text), mayBeDenial(text)]).toEqual([true, true]);
    const otherMessage = JSON.stringify({
      ...success,
      errorCode: 'ValidationException',
      errorMessage: 'One or more parameter values were invalid',
    });
    expect([parsedIsDenial(otherMessage), mayBeDenial(otherMessage)]).toEqual([false, false]);
  });

  it('sees keys and values written with \\u escapes', () => {
    for (const text of [
      JSON.stringify(denial).replace('"errorCode"', '"error\\u0043ode"'),
      JSON.stringify(denial).replace('"errorCode":"AccessDenied"', '"errorCode":"\\u0041ccessDenied"'),
      JSON.stringify({ ...success, errorCode: 'ValidationException', errorMessage: '\\u004bMS key access denied error' }).replace(
        '\\\\u004b',
        '\\u004b',
      ),
    ]) {
      expect([parsedIsDenial(text), mayBeDenial(text)]).toEqual([true, true]);
    }
  });

  it('allows any JSON whitespace around the colon', () => {
    for (const space of [' ', '\n', '\t', '\r\n', ' \t\n ']) {
      const text = JSON.stringify(denial).replace('"errorCode":"AccessDenied"', `"errorCode"${space}:${space}"AccessDenied"`);
      expect([JSON.stringify(space), parsedIsDenial(text), mayBeDenial(text)]).toEqual([JSON.stringify(space), true, true]);
    }
  });

  it('lets look-alikes through for the parser to reject: errorCode nested in request parameters, or overridden by a duplicate key', () => {
    const nested = JSON.stringify({ ...success, requestParameters: { tableName: 'orders', errorCode: 'AccessDenied' } });
    expect([parsedIsDenial(nested), mayBeDenial(nested)]).toEqual([false, true]);
    const overridden = `${JSON.stringify(success).slice(0, -1)},"errorCode":"AccessDenied","errorCode":"ThrottlingException"}`;
    expect([parsedIsDenial(overridden), mayBeDenial(overridden)]).toEqual([false, true]);
    const overriding = `${JSON.stringify(success).slice(0, -1)},"errorCode":"ThrottlingException","errorCode":"AccessDenied"}`;
    expect([parsedIsDenial(overriding), mayBeDenial(overriding)]).toEqual([true, true]);
  });

  it('is not fooled by the words inside strings (quotes in strings are escaped)', () => {
    const text = JSON.stringify({ ...success, userAgent: '"errorCode":"AccessDenied"', errorCode: 'ThrottlingException' });
    expect([parsedIsDenial(text), mayBeDenial(text)]).toEqual([false, false]);
  });

  it('answers each of many records in one text as it answers each alone, asked in order', () => {
    const rng = randomSource(7);
    const texts = Array.from({ length: 300 }, (_, index) =>
      writeJson(rng, randomRecord(rng, index), { escapes: 0.02, whitespace: 0.1, duplicateKeys: 0.1 }),
    );
    const joined = Buffer.from(texts.join(','));
    const prefilter = new DenialPrefilter(joined);
    let start = 0;
    for (const text of texts) {
      const end = start + Buffer.byteLength(text);
      expect(prefilter.mayBeDenial(start, end)).toBe(mayBeDenial(text));
      start = end + 1;
    }
  });

  it('never puts its next marker past a record it lets through, so a reader may skip the records before the marker', () => {
    const rng = randomSource(11);
    const texts = Array.from({ length: 300 }, (_, index) =>
      writeJson(rng, randomRecord(rng, index), { escapes: 0.02, whitespace: 0.1, duplicateKeys: 0.1 }),
    );
    const joined = Buffer.from(texts.join(','));
    const prefilter = new DenialPrefilter(joined);
    let start = 0;
    let letThrough = 0;
    for (const text of texts) {
      const end = start + Buffer.byteLength(text);
      if (mayBeDenial(text)) {
        letThrough += 1;
        expect(prefilter.nextMarker(start)).toBeLessThan(end);
      }
      start = end + 1;
    }
    expect(letThrough).toBeGreaterThan(50);
  });

  it.each<[string, WriteStyle]>([
    ['compact', { escapes: 0, whitespace: 0, duplicateKeys: 0 }],
    ['escaped', { escapes: 0.05, whitespace: 0, duplicateKeys: 0 }],
    ['spaced', { escapes: 0, whitespace: 0.5, duplicateKeys: 0 }],
    ['duplicate keys', { escapes: 0, whitespace: 0, duplicateKeys: 0.5 }],
    ['all at once', { escapes: 0.03, whitespace: 0.3, duplicateKeys: 0.3 }],
  ])('never says no to a denial: 2,000 random %s records', (_, style) => {
    const rng = randomSource(style.escapes * 1000 + style.whitespace * 100 + style.duplicateKeys * 10 + 1);
    let denials = 0;
    for (let index = 0; index < 2000; index += 1) {
      const text = writeJson(rng, randomRecord(rng, index), style);
      if (parsedIsDenial(text)) {
        denials += 1;
        if (!mayBeDenial(text)) throw new Error(`missed a denial: ${text}`);
      }
    }
    // The generator makes denials of every kind: the property is tested on many.
    expect(denials).toBeGreaterThan(400);
  });
});
