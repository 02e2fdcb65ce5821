import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cdkJsonContext } from './stack-fixture';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const ORGANIZATION_CONTEXT = {
  mode: 'organization',
  organizationId: 'o-abcdefghij',
  memberRegions: 'eu-west-1,us-east-1',
  memberOrganizationalUnits: 'ou-ab12-abcdefgh',
};

/**
 * bin/app.ts run as the CDK CLI runs it (context in CDK_CONTEXT_JSON, strings as -c gives them, the assembly in
 * CDK_OUTDIR), offline, with cdk-nag registered. Lambda bundling is skipped (test/lib/bundling.test.ts bundles).
 */
function synthApp(context: Record<string, unknown>) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'denyscope-app-'));
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'bin/app.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context }),
    },
    encoding: 'utf8',
  });
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(outdir, file), 'utf8'));
  const stacks = () =>
    Object.entries(read('manifest.json').artifacts as Record<string, { type: string }>)
      .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
      .map(([name]) => name)
      .sort();
  return { result, read, stacks, cleanUp: () => fs.rmSync(outdir, { recursive: true, force: true }) };
}

describe('bin/app.ts', () => {
  it("synthesizes today's single stack by default (mode=account)", () => {
    const app = synthApp({});
    try {
      expect(app.result.status).toBe(0);
      expect(app.stacks()).toEqual(['Denyscope']);
      const types = Object.values(app.read('Denyscope.template.json').Resources as Record<string, { Type: string }>).map(
        (resource) => resource.Type,
      );
      expect(types).toEqual(expect.arrayContaining(['AWS::Lambda::Function', 'AWS::DynamoDB::Table', 'AWS::Events::Rule']));
      expect(types).not.toContain('AWS::CloudFormation::StackSet');
      expect(types).not.toContain('AWS::Events::EventBus');
    } finally {
      app.cleanUp();
    }
  });

  it("synthesizes the central stack with its StackSet for mode=organization, and the management account's member stack on request, cdk-nag clean", () => {
    const app = synthApp({ ...ORGANIZATION_CONTEXT, watchManagementAccount: 'true' });
    try {
      expect(app.result.stderr).not.toMatch(/Error|ValidationFailed/);
      expect(app.result.status).toBe(0);
      expect(app.stacks()).toEqual(['Denyscope', 'DenyscopeMember']);
      const central = app.read('Denyscope.template.json');
      const types = Object.values(central.Resources as Record<string, { Type: string }>).map((resource) => resource.Type);
      expect(types).toEqual(
        expect.arrayContaining(['AWS::CloudFormation::StackSet', 'AWS::Events::EventBus', 'AWS::Lambda::Function', 'AWS::DynamoDB::Table']),
      );
      const member = app.read('DenyscopeMember.template.json');
      expect(member.Parameters).not.toHaveProperty('BootstrapVersion');
      expect(member.Rules).toBeUndefined();
      const report = app.read('validation-report.json');
      expect((report.pluginReports as Array<{ violations?: unknown[] }>).flatMap((plugin) => plugin.violations ?? [])).toEqual([]);
    } finally {
      app.cleanUp();
    }
  });

  it('adds the OrganizationReader stack on request, cdk-nag clean, and the alerting stack may assume its role', () => {
    const readerRole = 'arn:aws:iam::999988887777:role/denyscope-organization-reader';
    const app = synthApp({ organizationReader: 'true', alertingAccountId: '123456789012', organizationReaderRoleArn: readerRole });
    try {
      expect(app.result.stderr).not.toMatch(/Error|ValidationFailed/);
      expect(app.result.status).toBe(0);
      expect(app.stacks()).toEqual(['Denyscope', 'DenyscopeOrganizationReader']);
      const reader = app.read('DenyscopeOrganizationReader.template.json');
      expect(
        Object.values(reader.Resources as Record<string, { Type: string }>)
          .map((resource) => resource.Type)
          .sort(),
      ).toEqual(['AWS::IAM::Policy', 'AWS::IAM::Role']);
      expect(JSON.stringify(app.read('Denyscope.template.json'))).toContain(readerRole);
      const report = app.read('validation-report.json');
      expect((report.pluginReports as Array<{ violations?: unknown[] }>).flatMap((plugin) => plugin.violations ?? [])).toEqual([]);
    } finally {
      app.cleanUp();
    }
  });

  it('stops with the key named when mode=organization lacks a setting', () => {
    const app = synthApp({ mode: 'organization', memberRegions: 'eu-west-1', memberOrganizationalUnits: 'ou-ab12-abcdefgh' });
    try {
      expect(app.result.status).toBe(1);
      expect(app.result.stderr).toContain('"organizationId": required with mode=organization');
    } finally {
      app.cleanUp();
    }
  });
});
