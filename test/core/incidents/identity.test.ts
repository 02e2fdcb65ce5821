import { createHash } from 'node:crypto';
import { diagnose, readRecords, type CloudTrailRecord, type Diagnosis } from '../../../core/diagnosis';
import { incidentAccountOf, incidentDescription, incidentIdFor, occurrenceKeyFor } from '../../../core/incidents/identity';
import { corpusManifest, describeWithCorpus, readCorpusFile } from '../../support/corpus';
import { crossAccountCopies } from '../../support/cross-account';
import { diagnosisOf } from '../../support/incidents';

const CALLER = '444455556666';
const OWNER = '777788889999';

function diagnosed(event: Record<string, unknown>): Diagnosis {
  const diagnosis = diagnose(readRecords(JSON.stringify(event), 'test event')[0]);
  if (diagnosis === null) throw new Error('test event is not a denial');
  return diagnosis;
}

/**
 * The incident id as the README defines it ("inc-" + 16 hex digits of a SHA-256 of account, principal, action,
 * resource and cause), for a given account.
 */
function documentedId(account: string, diagnosis: Diagnosis): string {
  const fields = [account, diagnosis.principal, diagnosis.action, diagnosis.resource ?? '', diagnosis.cause];
  return `inc-${createHash('sha256').update(fields.join('\u0000')).digest('hex').slice(0, 16)}`;
}

/** The account named by an ARN's fifth field, read here without the code under test. */
function accountInArn(arn: string | null): string | null {
  const account = arn?.startsWith('arn:') ? arn.split(':')[4] : undefined;
  return account === undefined || account === '' ? null : account;
}

describe('a cross-account call recorded in both accounts', () => {
  const [callerCopy, ownerCopy] = crossAccountCopies({
    callerAccount: CALLER,
    ownerAccount: OWNER,
    sharedEventId: 'a1b2c3d4-0000-4000-8000-00000000share',
    eventIds: ['caller-copy-event', 'owner-copy-event'],
  }).map(diagnosed);

  it('gives two diagnoses that differ in eventId and accountId (the recording account) and share sharedEventId', () => {
    expect([callerCopy.eventId, callerCopy.accountId, callerCopy.sharedEventId]).toEqual([
      'caller-copy-event',
      CALLER,
      'a1b2c3d4-0000-4000-8000-00000000share',
    ]);
    expect([ownerCopy.eventId, ownerCopy.accountId, ownerCopy.sharedEventId]).toEqual([
      'owner-copy-event',
      OWNER,
      'a1b2c3d4-0000-4000-8000-00000000share',
    ]);
    expect(callerCopy.crossAccount && ownerCopy.crossAccount).toBe(true);
  });

  it('keys both copies on the owner of the table: one incident id, listed under the owner', () => {
    expect(incidentAccountOf(callerCopy)).toBe(OWNER);
    expect(incidentAccountOf(ownerCopy)).toBe(OWNER);
    expect(incidentIdFor(callerCopy)).toBe(incidentIdFor(ownerCopy));
    expect(incidentIdFor(callerCopy)).toBe(documentedId(OWNER, callerCopy));
    expect(incidentDescription(callerCopy)).toEqual(incidentDescription(ownerCopy));
    // The caller stays visible: the principal is the caller's role.
    expect(incidentDescription(callerCopy)).toMatchObject({ accountId: OWNER, principal: `arn:aws:iam::${CALLER}:role/reporting` });
  });

  it('gives both copies one occurrence key: the sharedEventID', () => {
    expect(occurrenceKeyFor(callerCopy)).toBe('a1b2c3d4-0000-4000-8000-00000000share');
    expect(occurrenceKeyFor(ownerCopy)).toBe(occurrenceKeyFor(callerCopy));
  });
});

describe('incidentAccountOf', () => {
  const diagnosis = diagnosisOf({ accountId: '111122223333' });

  it('is the account the resource ARN names', () => {
    expect(incidentAccountOf({ ...diagnosis, resource: `arn:aws:kms:eu-west-1:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab` })).toBe(
      OWNER,
    );
  });

  it('is the recording account when the resource names no account (an S3 bucket) or there is none', () => {
    expect(incidentAccountOf({ ...diagnosis, resource: 'arn:aws:s3:::shared-bucket' })).toBe('111122223333');
    expect(incidentAccountOf({ ...diagnosis, resource: 'Orders' })).toBe('111122223333');
    expect(incidentAccountOf({ ...diagnosis, resource: null })).toBe('111122223333');
  });
});

describe('occurrenceKeyFor', () => {
  it('is the eventID when the record has no sharedEventID', () => {
    const diagnosis = diagnosisOf({ eventId: 'evt-own' });
    expect(diagnosis.sharedEventId).toBeNull();
    expect(occurrenceKeyFor(diagnosis)).toBe('evt-own');
  });
});

describeWithCorpus('on the corpus', () => {
  const denials = corpusManifest()
    .filter((entry) => entry.kind === 'denial')
    .flatMap((entry) =>
      readRecords(readCorpusFile(entry.file), entry.file).map((record: CloudTrailRecord) => ({
        file: entry.file,
        record,
        diagnosis: diagnose(record),
      })),
    );

  it('diagnoses every denial', () => {
    expect(denials.length).toBeGreaterThan(20);
    for (const { file, diagnosis } of denials) expect([file, diagnosis === null]).toEqual([file, false]);
  });

  it('sharedEventId is the record sharedEventID, null where the record has none; the corpus has both', () => {
    for (const { file, record, diagnosis } of denials) {
      const shared = typeof record.sharedEventID === 'string' ? record.sharedEventID : null;
      expect([file, diagnosis?.sharedEventId]).toEqual([file, shared]);
    }
    expect(denials.some(({ diagnosis }) => diagnosis?.sharedEventId !== null)).toBe(true);
    expect(denials.some(({ diagnosis }) => diagnosis?.sharedEventId === null)).toBe(true);
  });

  it('keeps the incident id of every denial whose resource names no other account than the recording one', () => {
    const sameAccount = denials.filter(({ record, diagnosis }) => {
      const resourceAccount = accountInArn(diagnosis?.resource ?? null);
      return resourceAccount === null || resourceAccount === record.recipientAccountId;
    });
    expect(sameAccount.length).toBeGreaterThan(20);
    for (const { file, record, diagnosis } of sameAccount) {
      // The previous key: the account that received the call, as the record says.
      expect([file, incidentIdFor(diagnosis as Diagnosis)]).toEqual([
        file,
        documentedId(String(record.recipientAccountId), diagnosis as Diagnosis),
      ]);
    }
  });

  it('keys a denial on another account resource (the caller-side copy of a cross-account call) on that account', () => {
    const otherAccount = denials.filter(({ record, diagnosis }) => {
      const resourceAccount = accountInArn(diagnosis?.resource ?? null);
      return resourceAccount !== null && resourceAccount !== record.recipientAccountId;
    });
    // awsdocs-mpa-2.json: a role of 111122223333 denied on an approval team of 000000000000.
    expect(otherAccount.map(({ file }) => file)).toContain('awsdocs-mpa-2.json');
    for (const { file, diagnosis } of otherAccount) {
      const owner = accountInArn((diagnosis as Diagnosis).resource) as string;
      expect([file, incidentIdFor(diagnosis as Diagnosis)]).toEqual([file, documentedId(owner, diagnosis as Diagnosis)]);
      expect([file, incidentDescription(diagnosis as Diagnosis).accountId]).toEqual([file, owner]);
    }
  });
});
