import { KeySection, RequestKeys } from '../../../core/policy/request-keys';

// Keys worked out only when read must read exactly as keys stated up front would: "a key not held is unresolved".
describe('RequestKeys: keys worked out when first read', () => {
  it('works a key out once, on its first read, and not at all when nobody reads it', () => {
    let calls = 0;
    const keys = new RequestKeys().presentLazily('aws:CurrentTime', () => {
      calls += 1;
      return '2026-11-20T10:00:00Z';
    });
    keys.presentSetLazily('dynamodb:Attributes', () => {
      throw new Error('never read');
    });
    expect(calls).toBe(0);
    expect(keys.get('AWS:currenttime')).toEqual({ kind: 'present', values: ['2026-11-20T10:00:00Z'], multivalued: false });
    expect(keys.get('aws:CurrentTime')).toEqual({ kind: 'present', values: ['2026-11-20T10:00:00Z'], multivalued: false });
    expect(calls).toBe(1);
  });

  it('leaves a key the request cannot tell unresolved, or absent inside a complete family', () => {
    const keys = new RequestKeys()
      .presentSetLazily('dynamodb:LeadingKeys', () => null)
      .completeFamily('aws:PrincipalTag/', { team: 'orders' })
      .presentLazily('aws:PrincipalTag/cost-center', () => null);
    expect(keys.get('dynamodb:LeadingKeys')).toBeUndefined();
    expect(keys.has('dynamodb:LeadingKeys')).toBe(false);
    expect(keys.get('aws:PrincipalTag/cost-center')).toEqual({ kind: 'absent' });
  });

  it('lets the last statement about a key win, whether it was deferred or not', () => {
    const keys = new RequestKeys()
      .presentLazily('aws:SourceIp', () => '198.51.100.1')
      .present('aws:SourceIp', '203.0.113.5')
      .absent('aws:SourceVpce')
      .presentLazily('aws:SourceVpce', () => 'vpce-1');
    expect(keys.get('aws:SourceIp')).toEqual({ kind: 'present', values: ['203.0.113.5'], multivalued: false });
    expect(keys.get('aws:SourceVpce')).toEqual({ kind: 'present', values: ['vpce-1'], multivalued: false });
    expect(Object.fromEntries(keys)).toEqual({
      'aws:sourceip': { kind: 'present', values: ['203.0.113.5'], multivalued: false },
      'aws:sourcevpce': { kind: 'present', values: ['vpce-1'], multivalued: false },
    });
  });

  it('lists deferred keys with the others once worked out, and leaves out those the request cannot tell', () => {
    const keys = new RequestKeys()
      .present('aws:RequestedRegion', 'eu-west-1')
      .presentSetLazily('dynamodb:Attributes', () => ['pk', 'sk'])
      .presentLazily('aws:EpochTime', () => null);
    expect(keys.size).toBe(2);
    expect([...keys.keys()]).toEqual(['aws:requestedregion', 'dynamodb:attributes']);
    expect(keys.get('dynamodb:attributes')).toEqual({ kind: 'present', values: ['pk', 'sk'], multivalued: true });
  });

  it('states a section of keys on the first read of one of its keys or families, once, and never when none is read', () => {
    const stated: string[] = [];
    const keys = new RequestKeys()
      .lazily(new KeySection(['aws:PrincipalArn'], ['aws:PrincipalTag/']), () => {
        stated.push('principal');
        keys.present('aws:PrincipalArn', 'arn:aws:iam::111122223333:role/app').completeFamily('aws:PrincipalTag/', { team: 'orders' });
      })
      .lazily(new KeySection(['aws:SourceIp']), () => {
        stated.push('network');
        keys.present('aws:SourceIp', '203.0.113.5');
      })
      .lazily(new KeySection([], ['dynamodb:']), () => {
        throw new Error('never read');
      })
      .present('aws:RequestedRegion', 'eu-west-1');
    expect(keys.get('aws:RequestedRegion')).toEqual({ kind: 'present', values: ['eu-west-1'], multivalued: false });
    expect(stated).toEqual([]);
    // A tag the complete family does not list is absent once the section is stated, as if stated up front.
    expect(keys.get('AWS:PrincipalTag/cost-center')).toEqual({ kind: 'absent' });
    expect(keys.get('aws:principaltag/team')).toEqual({ kind: 'present', values: ['orders'], multivalued: false });
    expect(keys.get('aws:PrincipalArn')).toEqual({ kind: 'present', values: ['arn:aws:iam::111122223333:role/app'], multivalued: false });
    expect(stated).toEqual(['principal']);
    expect(keys.has('aws:SourceIp')).toBe(true);
    expect(stated).toEqual(['principal', 'network']);
  });

  it('states every section when the keys are listed', () => {
    const keys = new RequestKeys()
      .lazily(new KeySection(['aws:SourceIp']), () => keys.present('aws:SourceIp', '203.0.113.5'))
      .present('aws:RequestedRegion', 'eu-west-1');
    expect(Object.fromEntries(keys)).toEqual({
      'aws:sourceip': { kind: 'present', values: ['203.0.113.5'], multivalued: false },
      'aws:requestedregion': { kind: 'present', values: ['eu-west-1'], multivalued: false },
    });
  });
});
