import * as fs from 'node:fs';
import * as path from 'node:path';
import { diagnose, type CloudTrailRecord } from '../../../core/diagnosis';
import { diagnoseWithEvidence, type DiagnosisEvidence } from '../../../core/policy/diagnosis-evaluation';
import { evidenceOfGathered, type GatheredPolicies } from '../../../core/policy/gathered-evidence';
import { parsePolicyStore } from '../../../core/policy/store';
import type { PolicyStoreFile } from '../../../core/policy/store-fragment';
import type { Evaluation } from '../../../core/policy/types';
import { loadSample } from '../diagnosis/samples';

/**
 * Which evidence a denial is evaluated with (README "Deep diagnosis"), and what `source: message` holds. The stores
 * are the per-cause fixtures; the expected decisions follow from the message's own words.
 */

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'policies');
const fixtureFile = (name: string): PolicyStoreFile => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as PolicyStoreFile;
const record = (sample: string): CloudTrailRecord => loadSample(sample).detail as CloudTrailRecord;
const NOTHING: GatheredPolicies = { authorization: null, fetched: null, missingPolicies: [] };
const EMPTY_FRAGMENT: PolicyStoreFile = { format: 'denyscope-policies/1', capturedAt: '2026-11-27T10:00:00Z' };

function evaluationWith(sample: string, evidence: DiagnosisEvidence): Evaluation {
  const diagnosis = diagnoseWithEvidence(record(sample), evidence);
  if (diagnosis?.evaluation == null) throw new Error(`${sample}: no evaluation`);
  return diagnosis.evaluation;
}

describe('evidenceOfGathered: best first', () => {
  const awsRecord: Evaluation = {
    decision: 'explicit-deny',
    deniedBy: [],
    missingAllow: [],
    unresolvedKeys: [],
    missingPolicies: [],
    agreesWithMessage: null,
    source: 'authorization-details',
  };

  it("AWS's record wins over a given store; captured documents that do not parse leave AWS's evaluation standing", () => {
    const broken = {
      ...EMPTY_FRAGMENT,
      principals: { 'arn:aws:iam::111122223333:role/app': { policies: [{ name: 'x', document: 'not json' }] } },
    };
    const evidence = evidenceOfGathered(
      { authorization: { evaluation: awsRecord, capturedStore: broken }, fetched: null, missingPolicies: [] },
      parsePolicyStore(fixtureFile('identity-policy-explicit.json')),
    );
    expect(evidence).toEqual({ source: 'authorization-details', evaluation: awsRecord, store: null });
    // Without a captured store to open, the remediation is the message's, and the evaluation is AWS's.
    expect(evaluationWith('identity-policy-explicit.json', evidence)).toBe(awsRecord);
  });

  it('a given store comes next, carrying why AWS had no record', () => {
    const store = parsePolicyStore(fixtureFile('identity-policy-explicit.json'));
    const evidence = evidenceOfGathered({ ...NOTHING, missingPolicies: ['authorization details a1: does not exist'] }, store);
    expect(evidence).toEqual({ source: 'store', store, missingPolicies: ['authorization details a1: does not exist'] });
    expect(evaluationWith('identity-policy-explicit.json', evidence)).toMatchObject({
      source: 'store',
      decision: 'explicit-deny',
      missingPolicies: expect.arrayContaining(['authorization details a1: does not exist']),
    });
  });

  it('fetched policies when anything at all was read', () => {
    const evidence = evidenceOfGathered(
      { ...NOTHING, fetched: { store: fixtureFile('identity-policy-explicit.json'), missingPolicies: [] } },
      null,
    );
    expect(evidence.source).toBe('fetched');
    expect(evaluationWith('identity-policy-explicit.json', evidence)).toMatchObject({ source: 'fetched', decision: 'explicit-deny' });
  });

  it('the message when nothing was read, or what was read does not parse (named)', () => {
    const unreadable = ['identity policies of arn:aws:iam::111122223333:role/app: access denied (iam:ListRolePolicies)'];
    expect(
      evidenceOfGathered(
        { ...NOTHING, fetched: { store: EMPTY_FRAGMENT, missingPolicies: unreadable }, missingPolicies: unreadable },
        null,
      ),
    ).toEqual({ source: 'message', missingPolicies: unreadable });
    const malformed = { ...EMPTY_FRAGMENT, resources: { 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders': { policy: 'not json' } } };
    const evidence = evidenceOfGathered({ ...NOTHING, fetched: { store: malformed, missingPolicies: [] } }, null);
    expect(evidence).toMatchObject({ source: 'message' });
    expect(evidence.source === 'message' && evidence.missingPolicies[0]).toMatch(
      /^the policies read from AWS: resources\.arn:aws:dynamodb:eu-west-1:111122223333:table\/Orders\.policy: /,
    );
  });
});

describe('source: message holds only what the message says', () => {
  it.each([
    ['service-control-policy-explicit.json', 'explicit-deny'],
    ['identity-policy-implicit.json', 'implicit-deny'],
    ['unknown-no-message.json', 'inconclusive'],
  ] as const)('%s: %s, no statement, no layer, what could not be read', (sample, decision) => {
    const evaluation = evaluationWith(sample, { source: 'message', missingPolicies: ['b: timed out', 'a: timed out', 'a: timed out'] });
    expect(evaluation).toEqual({
      decision,
      deniedBy: [],
      missingAllow: [],
      unresolvedKeys: [],
      missingPolicies: ['a: timed out', 'b: timed out'],
      agreesWithMessage: null,
      source: 'message',
    });
  });

  it("keeps the message's remediation", () => {
    const deep = diagnoseWithEvidence(record('service-control-policy-explicit.json'), { source: 'message', missingPolicies: [] });
    expect(deep?.remediation).toEqual(diagnose(record('service-control-policy-explicit.json'))?.remediation);
  });
});
