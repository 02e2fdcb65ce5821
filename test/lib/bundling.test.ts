import * as fs from 'fs';
import { builtinModules } from 'module';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { ALERT_HANDLER_ASSET } from '../../lib/constructs/processing';
import { buildStack } from './stack-fixture';

/** The alert Lambda's code: the bundle scripts/build-lambda.mjs builds (the jest global setup built it from the current sources). */
describe('alert Lambda asset', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'denyscope-bundle-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
  const code = fs.readFileSync(path.join(ALERT_HANDLER_ASSET, 'index.js'), 'utf8');

  it('is the pre-built bundle, deployed as is: no bundling at synth', () => {
    const { app, stack } = buildStack({}, { outdir });
    const assembly = app.synth();
    const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template);
    const [handler] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }));
    const assetHash = /"([0-9a-f]{64})\.zip"/.exec(JSON.stringify(handler.Properties.Code.S3Key))?.[1];
    expect(assetHash).toBeDefined();
    const staged = path.join(assembly.directory, `asset.${assetHash}`);

    expect(fs.readdirSync(staged).sort()).toEqual([
      'deep-diagnosis-evidence.js',
      'deep-diagnosis-evidence.js.map',
      'index.js',
      'index.js.map',
      'tracing.js',
      'tracing.js.map',
    ]);
    expect(fs.readFileSync(path.join(staged, 'index.js'), 'utf8')).toBe(code);
  });

  it('is minified CommonJS with a source map', () => {
    expect(code).toMatch(/sourceMappingURL=index\.js\.map/);
    expect(code.split('\n').length).toBeLessThan(50);
    expect(code).toMatch(/module\.exports\s*=/);
  });

  const deepDiagnosis = fs.readFileSync(path.join(ALERT_HANDLER_ASSET, 'deep-diagnosis-evidence.js'), 'utf8');
  const tracing = fs.readFileSync(path.join(ALERT_HANDLER_ASSET, 'tracing.js'), 'utf8');
  /** The files of the asset the handler loads when it needs them. */
  const SIBLINGS = new Set(['./tracing.js']);
  const requiredBy = (bundle: string) => new Set([...bundle.matchAll(/\brequire\("([^"]+)"\)/g)].map((match) => match[1]));

  it.each([
    ['the handler', code],
    ['deep diagnosis', deepDiagnosis],
    ['tracing', tracing],
  ])('requires nothing but Node.js built-ins and the AWS SDK v3 the Node.js 22 runtime provides (%s)', (_name, bundle) => {
    const required = requiredBy(bundle);
    expect(required.size).toBeGreaterThan(0);
    const builtins = new Set(builtinModules);
    const outside = [...required].filter(
      (name) => !builtins.has(name.replace(/^node:/, '')) && !name.startsWith('@aws-sdk/') && !SIBLINGS.has(name),
    );
    expect(outside).toEqual([]);
  });

  it('keeps the X-Ray SDK out of the handler file: tracing.js is required only with tracing=true', () => {
    expect(requiredBy(code)).toContain('./tracing.js');
    expect(code).not.toMatch(/aws-xray-sdk|AWSXRay/);
    expect(tracing).toMatch(/AWSXRay|aws-xray-sdk/);
  });

  it('keeps deep diagnosis and its clients out of the handler file: it is imported on the first alert that needs it', () => {
    expect(code).toContain('import("./deep-diagnosis-evidence.js")');
    for (const client of ['@aws-sdk/client-iam', '@aws-sdk/client-ec2', '@aws-sdk/client-organizations', '@aws-sdk/credential-providers']) {
      expect(requiredBy(code)).not.toContain(client);
      expect(requiredBy(deepDiagnosis)).toContain(client);
    }
    expect(deepDiagnosis).toMatch(/createEvidenceDeepener/);
  });

  it('bundles Powertools and leaves the SDK to the runtime', () => {
    const required = requiredBy(code);
    // Powertools is bundled; the SDK is not.
    expect(required).toContain('@aws-sdk/client-dynamodb');
    expect([...required].some((name) => name.startsWith('@aws-lambda-powertools/'))).toBe(false);
  });
});
