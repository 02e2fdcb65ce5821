import { dayPrefixes, deliveryTime, LATE_DELIVERY_MS, mayHoldPeriod, parseS3Url } from '../../../cli/scan/s3-keys';

const at = (iso: string): number => Date.parse(iso);
const REGION = 'AWSLogs/111122223333/CloudTrail/us-east-1/';
// The example of the CloudTrail User Guide ("CloudTrail log file name format"), delivered 2015-08-01 02:10 UTC.
const DOCUMENTED_NAME = '111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz';

describe('parseS3Url', () => {
  it('takes a bucket and a prefix, the prefix as a folder', () => {
    expect(parseS3Url('s3://trail-bucket')).toEqual({ bucket: 'trail-bucket', prefix: '' });
    expect(parseS3Url('s3://trail-bucket/')).toEqual({ bucket: 'trail-bucket', prefix: '' });
    expect(parseS3Url('s3://trail-bucket/AWSLogs')).toEqual({ bucket: 'trail-bucket', prefix: 'AWSLogs/' });
    expect(parseS3Url('s3://my.trail-bucket/a/b/')).toEqual({ bucket: 'my.trail-bucket', prefix: 'a/b/' });
  });

  it('rejects what is not an S3 location', () => {
    for (const url of ['s3://', 's3://ab', 's3://Upper/x', 's3://bucket_name/x', 'https://bucket/x'])
      expect(() => parseS3Url(url)).toThrow(/not an S3 location/);
  });
});

describe('deliveryTime', () => {
  it("reads the time from CloudTrail's file name, to the minute", () => {
    expect(deliveryTime(`${REGION}2015/08/01/${DOCUMENTED_NAME}`)).toBe(at('2015-08-01T02:10:00Z'));
    expect(deliveryTime(DOCUMENTED_NAME.replace('.json.gz', '.json'))).toBe(at('2015-08-01T02:10:00Z'));
  });

  it('is null for any other name or an impossible date', () => {
    for (const name of [
      'notes.txt',
      'trail.json.gz',
      DOCUMENTED_NAME.replace('0801T', '0231T'),
      DOCUMENTED_NAME.replace('T0210Z', 'T2510Z'),
      DOCUMENTED_NAME.replace('_CloudTrail_', '_CloudTrail-Digest_'),
    ]) {
      expect(deliveryTime(name)).toBeNull();
    }
  });
});

describe('dayPrefixes', () => {
  const now = at('2026-11-22T12:00:00Z');
  const days = (...list: string[]) => list.map((day) => `${REGION}2026/11/${day}/`);

  it('lists the days from --since to --until', () => {
    expect(dayPrefixes(REGION, { sinceMs: at('2026-11-18T10:00:00Z'), untilMs: at('2026-11-20T09:00:00Z'), nowMs: now })).toEqual(
      days('18', '19', '20'),
    );
  });

  it('adds the next day when files delivered after --until can be there', () => {
    expect(dayPrefixes(REGION, { sinceMs: at('2026-11-20T00:00:00Z'), untilMs: at('2026-11-20T23:30:00Z'), nowMs: now })).toEqual(
      days('20', '21'),
    );
    const lastMinute = at('2026-11-21T00:00:00Z') - LATE_DELIVERY_MS - 60_000;
    expect(dayPrefixes(REGION, { sinceMs: at('2026-11-20T00:00:00Z'), untilMs: lastMinute, nowMs: now })).toEqual(days('20'));
  });

  it('runs to today without --until, and never past it', () => {
    expect(dayPrefixes(REGION, { sinceMs: at('2026-11-21T05:00:00Z'), untilMs: null, nowMs: now })).toEqual(days('21', '22'));
    expect(dayPrefixes(REGION, { sinceMs: at('2026-11-21T05:00:00Z'), untilMs: at('2026-12-30T00:00:00Z'), nowMs: now })).toEqual(
      days('21', '22'),
    );
    expect(dayPrefixes(REGION, { sinceMs: at('2026-11-25T00:00:00Z'), untilMs: null, nowMs: now })).toEqual([]);
  });

  it("crosses months and years, in CloudTrail's zero-padded folders", () => {
    expect(
      dayPrefixes(REGION, { sinceMs: at('2026-12-31T22:00:00Z'), untilMs: at('2027-01-01T01:00:00Z'), nowMs: at('2027-02-01T00:00:00Z') }),
    ).toEqual([`${REGION}2026/12/31/`, `${REGION}2027/01/01/`]);
  });

  it('is the whole region folder without --since', () => {
    expect(dayPrefixes(REGION, { sinceMs: null, untilMs: at('2026-11-20T00:00:00Z'), nowMs: now })).toEqual([REGION]);
  });
});

describe('mayHoldPeriod', () => {
  const key = (stamp: string) => `${REGION}2026/11/20/111122223333_CloudTrail_us-east-1_${stamp}_AbCdEfGhIjKlMnOp.json.gz`;
  const period = { sinceMs: at('2026-11-20T10:00:00Z'), untilMs: at('2026-11-20T12:00:00Z'), nowMs: at('2026-11-22T00:00:00Z') };

  it('keeps a file delivered from the minute of --since to an hour after --until', () => {
    expect(mayHoldPeriod(key('20261120T0958Z'), period)).toBe(false);
    expect(mayHoldPeriod(key('20261120T0959Z'), period)).toBe(false);
    expect(mayHoldPeriod(key('20261120T1000Z'), period)).toBe(true);
    expect(mayHoldPeriod(key('20261120T1300Z'), period)).toBe(true);
    expect(mayHoldPeriod(key('20261120T1301Z'), period)).toBe(false);
  });

  it('reads any other name; never folder markers, hidden objects or digests', () => {
    expect(mayHoldPeriod(`${REGION}2026/11/20/exported.json`, period)).toBe(true);
    expect(mayHoldPeriod(`${REGION}2026/11/20/`, period)).toBe(false);
    expect(mayHoldPeriod(`${REGION}2026/11/20/.DS_Store`, period)).toBe(false);
    expect(mayHoldPeriod('AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/20/x.json.gz', period)).toBe(false);
  });
});
