import { diagnose, InputError, readRecords, type Diagnosis } from '../../../core/diagnosis';
import { corpusManifest, describeWithCorpus, readCorpusFile } from '../../support/corpus';

/**
 * Every real record of ../shared/corpus through the reader and the diagnosis, as manifest.json classifies it.
 * Decision: two not-a-denial files are not CloudTrail at all (a CloudWatch Logs subscription message and an OCSF
 * record from Security Lake). Issue 2 makes JSON of an unknown shape an input error, so for them the reader
 * throws an InputError that names what they are; every other not-a-denial file reads and yields no diagnosis.
 */
const NOT_CLOUDTRAIL: Readonly<Record<string, RegExp>> = {
  'cwlogs-1.json': /cwlogs-1\.json: a CloudWatch Logs subscription message, not a CloudTrail record/,
  'wazuh-1.json': /wazuh-1\.json: an OCSF record .* not a CloudTrail record/,
};

function diagnoseFile(file: string): Diagnosis[] {
  return readRecords(readCorpusFile(file), file)
    .map(diagnose)
    .filter((diagnosis): diagnosis is Diagnosis => diagnosis !== null);
}

describeWithCorpus('shared corpus of real CloudTrail records', () => {
  const entries = corpusManifest();

  it('has entries of every kind', () => {
    expect(new Set(entries.map((entry) => entry.kind))).toEqual(new Set(['denial', 'not-a-denial', 'malformed']));
  });

  describe.each(entries.filter((entry) => entry.kind === 'denial').map((entry) => [entry.file, entry]))('denial %s', (file) => {
    it('yields at least one diagnosis with a cause, a principal and an action', () => {
      const diagnoses = diagnoseFile(file);
      expect(diagnoses.length).toBeGreaterThanOrEqual(1);
      for (const diagnosis of diagnoses) {
        expect(diagnosis.principal).not.toBe('');
        expect(diagnosis.action).toMatch(/^[a-z0-9-]+:[A-Za-z0-9*]+$/);
        expect(diagnosis.remediation.summary).not.toBe('');
        expect(diagnosis.remediation.steps.length).toBeGreaterThan(0);
      }
    });
  });

  describe.each(entries.filter((entry) => entry.kind === 'not-a-denial').map((entry) => [entry.file, entry]))('not a denial %s', (file) => {
    if (NOT_CLOUDTRAIL[file]) {
      it('is an input error naming what it is', () => {
        expect(() => readRecords(readCorpusFile(file), file)).toThrow(InputError);
        expect(() => readRecords(readCorpusFile(file), file)).toThrow(NOT_CLOUDTRAIL[file]);
      });
    } else {
      it('reads and yields no diagnosis', () => {
        expect(readRecords(readCorpusFile(file), file).length).toBeGreaterThan(0);
        expect(diagnoseFile(file)).toEqual([]);
      });
    }
  });

  describe.each(entries.filter((entry) => entry.kind === 'malformed').map((entry) => [entry.file, entry]))('malformed %s', (file) => {
    it('is an InputError naming the file and saying the JSON is invalid', () => {
      let thrown: unknown;
      try {
        readRecords(readCorpusFile(file), file);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InputError);
      expect((thrown as InputError).source).toBe(file);
      expect((thrown as InputError).message).toMatch(new RegExp(`^${file.replace('.', '\\.')}: invalid JSON \\(.+\\)$`));
    });
  });

  describe('denials whose cause the record pins', () => {
    const only = (file: string): Diagnosis => {
      const diagnoses = diagnoseFile(file);
      expect(diagnoses).toHaveLength(1);
      return diagnoses[0];
    };

    it('jsherz-1: explicit deny in an SCP, on the SSO role with its path', () => {
      expect(only('jsherz-1.json')).toMatchObject({
        cause: 'service-control-policy',
        denial: 'explicit',
        policyType: 'service control policy',
        confidence: 'certain',
        principal:
          'arn:aws:iam::123123123123:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_administrator-access_0c88b0f85221b941',
        action: 'support:DescribeTrustedAdvisorChecks',
      });
    });

    it('ibm-3: implicit, no identity-based policy allows dynamodb:ListTables', () => {
      expect(only('ibm-3.json')).toMatchObject({
        cause: 'identity-policy',
        denial: 'implicit',
        principal: 'arn:aws:iam::testAccountId:user/uc-no-dynamodb-access',
        action: 'dynamodb:ListTables',
      });
    });

    it('awsdocs-ct-1: VpceAccessDenied network-activity event from another account', () => {
      expect(only('awsdocs-ct-1.json')).toMatchObject({
        cause: 'vpc-endpoint-policy',
        viaVpcEndpoint: 'vpce-EXAMPLE08c1b6b9b7',
        policyType: 'VPC endpoint policy',
        policyChain: ['VPC endpoint policy'],
        principal: '777788889999',
        accountId: '123456789012',
        crossAccount: true,
        action: 'kms:ListKeys',
      });
    });

    it('panther-8: VpceAccessDenied on S3', () => {
      expect(only('panther-8.json')).toMatchObject({
        cause: 'vpc-endpoint-policy',
        viaVpcEndpoint: 'vpce-EXAMPLE08c1b6b9b7',
        crossAccount: true,
      });
    });

    it('grantshen-3: a KMS Decrypt denial with a legacy message is unknown, with KMS key access first among hypotheses', () => {
      const diagnosis = only('grantshen-3.json');
      expect(diagnosis).toMatchObject({
        cause: 'unknown',
        denial: 'unknown',
        confidence: 'likely',
        action: 'kms:Decrypt',
        principal: 'arn:aws:iam::123456789012:role/grant-shenanigans',
      });
      expect(diagnosis.hypotheses[0]).toBe('kms-key-access');
    });

    it('awsdocs-mpa-1 and -2: explicit identity deny on a role (not MFA: not an IAM user), implicit resource-based', () => {
      expect(only('awsdocs-mpa-1.json')).toMatchObject({ cause: 'identity-policy', denial: 'explicit' });
      expect(only('awsdocs-mpa-2.json')).toMatchObject({ cause: 'resource-policy', denial: 'implicit', crossAccount: true });
    });

    it('panther-4: the EC2 wrapper is read like any message, and the encoded blob gets a decode command', () => {
      const diagnosis = only('panther-4.json');
      expect(diagnosis).toMatchObject({
        cause: 'identity-policy',
        denial: 'implicit',
        action: 'ec2:DescribeInstanceAttribute',
        resource: 'arn:aws:ec2:us-west-2:111122223333:instance/*',
      });
      expect(diagnosis.remediation.commands.map((command) => command.command).join('\n')).toContain(
        'aws sts decode-authorization-message --encoded-message 2RCBDBB0PcDpowyBFV7UpJobr',
      );
    });

    it('invictus-5: an EC2 message with only the encoded blob is unknown and says to decode it', () => {
      const diagnosis = only('invictus-5.json');
      expect(diagnosis.cause).toBe('unknown');
      expect(diagnosis.remediation.summary).toMatch(/decode it first/);
      expect(diagnosis.remediation.commands[0].command).toMatch(/^aws sts decode-authorization-message --encoded-message qRdHZdkY/);
      expect(diagnosis.remediation.docs.map((link) => link.url)).toContain(
        'https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html',
      );
    });

    it.each(['panther-9.json', 'panther-10.json', 'panther-11.json'])('%s: a denial without errorMessage is unknown', (file) => {
      expect(only(file)).toMatchObject({ cause: 'unknown', denial: 'unknown', errorMessage: null });
    });

    it('whydenied-2: a lower-cased action is spelled as the event spells it', () => {
      expect(only('whydenied-2.json').action).toBe('sqs:CreateQueue');
    });

    it("panther-1: a space-separated timestamp becomes ISO UTC, and Lambda's versioned event name maps to its action", () => {
      expect(only('panther-1.json')).toMatchObject({ eventTime: '2024-06-02T20:16:32.000Z', action: 'lambda:ListFunctions' });
    });

    it("lookup-2: lookup-events output with a string CloudTrailEvent; EKS's own wording is unknown", () => {
      expect(only('lookup-2.json')).toMatchObject({ cause: 'unknown', eventName: 'AssumeRoleForPodIdentity' });
    });
  });
});
