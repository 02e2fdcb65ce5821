import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePolicyStore, parseValidatedPolicyStore, PolicyStoreError } from '../../../core/policy/store';

const SAMPLE_STORE = path.resolve(__dirname, '..', '..', '..', 'cli', 'samples', 'policies.json');
const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const role = 'arn:aws:iam::111122223333:role/app';

function problemOf(store: unknown): string {
  try {
    parsePolicyStore(store);
  } catch (error) {
    if (error instanceof PolicyStoreError) return error.message;
    throw error;
  }
  throw new Error('the store was accepted');
}

describe('parsePolicyStore: the denyscope-policies/1 format', () => {
  it('reads the bundled sample store', () => {
    const store = parsePolicyStore(fs.readFileSync(SAMPLE_STORE, 'utf8'));
    expect(store.principals.get('arn:aws:iam::111122223333:role/app-backend')?.policies?.[0].arn).toBe(
      'arn:aws:iam::111122223333:policy/app-backend-orders',
    );
    expect(store.organization?.accounts?.get('111122223333')).toEqual(['r-a1b2', 'ou-a1b2-workload', 'ou-a1b2-prod0001']);
    expect(store.organization?.managementAccountId).toBe('123456789012');
  });

  it('keeps absent (unknown) apart from empty (known none)', () => {
    const store = parsePolicyStore({
      format: 'denyscope-policies/1',
      principals: { [role]: { policies: [], permissionsBoundary: null, tags: {} }, 'arn:aws:iam::111122223333:role/other': {} },
      resources: { 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders': { policy: null } },
      organization: { serviceControlPolicies: { 'r-ab12': [] } },
    });
    const known = store.principals.get(role)!;
    expect([known.policies, known.permissionsBoundary, known.tags?.size]).toEqual([[], null, 0]);
    const unknown = store.principals.get('arn:aws:iam::111122223333:role/other')!;
    expect([unknown.policies, unknown.permissionsBoundary, unknown.tags]).toEqual([undefined, undefined, undefined]);
    expect(store.resources.get('arn:aws:dynamodb:eu-west-1:111122223333:table/Orders')?.policy).toBeNull();
    expect(store.organization?.serviceControlPolicies.get('r-ab12')).toEqual([]);
    expect(store.organization?.accounts).toBeUndefined();
  });

  it('takes a document as an object, as JSON text, or URL-encoded as IAM returns it', () => {
    const text = JSON.stringify(allowAll);
    const store = parsePolicyStore({
      format: 'denyscope-policies/1',
      principals: {
        [role]: {
          policies: [
            { name: 'object', arn: null, document: allowAll },
            { name: 'text', arn: null, document: text },
            { name: 'encoded', arn: null, document: encodeURIComponent(text) },
          ],
        },
      },
    });
    const statements = store.principals.get(role)!.policies!.map((policy) => policy.document.statements[0].statement);
    expect(statements).toEqual([allowAll.Statement[0], allowAll.Statement[0], allowAll.Statement[0]]);
  });

  it('a key named "__proto__" stays out of the lookups instead of polluting them, for the validating and the validated reader alike', () => {
    const text = '{"format":"denyscope-policies/1","principals":{"__proto__":{"policies":[]}}}';
    for (const store of [parsePolicyStore(JSON.parse(text)), parseValidatedPolicyStore(text)]) {
      expect(store.principals.get('__proto__')).toBeUndefined();
      expect(store.principals.get('constructor')).toBeUndefined();
    }
  });
});

describe('parsePolicyStore: every problem is one line naming the path inside the store', () => {
  it.each([
    [
      "the issue's example: a Statement of the wrong type",
      {
        format: 'denyscope-policies/1',
        principals: {
          [role]: {
            policies: [
              { name: 'a', arn: null, document: allowAll },
              { name: 'b', arn: null, document: { Statement: 'Allow' } },
            ],
          },
        },
      },
      `principals.${role}.policies[1].document: Statement must be an object or an array`,
    ],
    [
      'a statement element deeper in a document',
      {
        format: 'denyscope-policies/1',
        principals: { [role]: { policies: [{ name: 'a', document: { Statement: [{ Effect: 'Permit', Action: '*', Resource: '*' }] } }] } },
      },
      `principals.${role}.policies[0].document: Statement[0].Effect must be "Allow" or "Deny", not "Permit"`,
    ],
    [
      'a Principal in an identity policy (IAM UG: identity policies name no principal)',
      {
        format: 'denyscope-policies/1',
        principals: {
          [role]: {
            permissionsBoundary: { name: 'b', document: { Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] } },
          },
        },
      },
      `principals.${role}.permissionsBoundary.document: Statement[0].Principal not allowed in this policy: it applies to the principal it is attached to`,
    ],
    [
      'a resource-based policy without Principal',
      { format: 'denyscope-policies/1', resources: { 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders': { policy: allowAll } } },
      'resources.arn:aws:dynamodb:eu-west-1:111122223333:table/Orders.policy: Statement[0].Principal is missing: a resource-based policy names the principals it covers',
    ],
    [
      'an RCP without Principal (RCPs use the resource-based policy syntax)',
      {
        format: 'denyscope-policies/1',
        organization: {
          resourceControlPolicies: { 'r-ab12': [{ id: 'p-1', document: { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] } }] },
        },
      },
      'organization.resourceControlPolicies.r-ab12[0].document: Statement[0].Principal is missing: a resource-based policy names the principals it covers',
    ],
    [
      'a misspelt field, which would otherwise silently become unknown',
      { format: 'denyscope-policies/1', principals: { [role]: { permissionBoundary: null } } },
      `principals.${role}: unknown field "permissionBoundary"`,
    ],
    ['the wrong format', { format: 'denyscope-policies/2' }, 'format: must be "denyscope-policies/1"'],
    ['no format', { principals: {} }, 'format: is required'],
    [
      'a policy with neither name nor arn',
      { format: 'denyscope-policies/1', principals: { [role]: { policies: [{ document: allowAll }] } } },
      `principals.${role}.policies[0]: a policy needs a name or an arn`,
    ],
    [
      'an account id that is not one',
      { format: 'denyscope-policies/1', organization: { accounts: { '1111': ['r-ab12'] } } },
      'organization.accounts.1111: must be a 12-digit account id',
    ],
  ])('%s', (_name, store, expected) => {
    expect(problemOf(store)).toBe(expected);
  });

  it('JSON that does not parse, and JSON that is not an object', () => {
    expect(problemOf('{"format": ')).toMatch(/^not valid JSON: /);
    expect(problemOf('[]')).toBe('must be a JSON object with "format": "denyscope-policies/1"');
  });
});

describe('parseValidatedPolicyStore: a store parsePolicyStore accepted, read again by a scan worker', () => {
  const other = 'arn:aws:iam::111122223333:role/other';
  const text = JSON.stringify({
    format: 'denyscope-policies/1',
    principals: {
      [role]: { policies: [{ name: 'all', arn: null, document: allowAll }], permissionsBoundary: { name: 'b', document: allowAll } },
      [other]: {
        policies: [
          { name: 'text', document: JSON.stringify(allowAll) },
          { name: 'other', document: { ...allowAll, Id: 'other' } },
        ],
        permissionsBoundary: null,
      },
    },
    resources: {
      'arn:aws:dynamodb:eu-west-1:111122223333:table/A': { policy: null },
      'arn:aws:dynamodb:eu-west-1:111122223333:table/B': {},
    },
  });

  it('reads what parsePolicyStore reads', () => {
    const validated = parsePolicyStore(text);
    const reread = parseValidatedPolicyStore(text);
    const documents = (store: typeof validated) =>
      [...store.principals.values()].map((entry) => ({
        policies: entry.policies?.map((policy) => ({ ...policy, document: { ...policy.document } })),
        permissionsBoundary: entry.permissionsBoundary && {
          ...entry.permissionsBoundary,
          document: { ...entry.permissionsBoundary.document },
        },
      }));
    expect(documents(reread)).toEqual(documents(validated));
    expect([...reread.resources.values()].map((entry) => entry.policy)).toEqual([null, undefined]);
  });

  it('compiles documents of the same text once (object or JSON text), and keeps other documents apart', () => {
    const store = parseValidatedPolicyStore(text);
    const app = store.principals.get(role)!;
    const second = store.principals.get(other)!;
    expect(app.policies![0].document).toBe(app.permissionsBoundary!.document);
    expect(second.policies![0].document).toBe(app.policies![0].document);
    expect(second.policies![1].document).not.toBe(app.policies![0].document);
    expect(second.policies![1].document.statements).toEqual(app.policies![0].document.statements);
  });
});
