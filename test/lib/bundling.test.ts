import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildStack } from './stack-fixture';

/** The one test that bundles lambdas/alert-handler.ts for real, with the local esbuild (never Docker). */
describe('alert Lambda bundle', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'denyscope-bundle-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  it('is built by esbuild into a minified index.js with a source map', () => {
    const { app, stack } = buildStack({}, { bundle: true, outdir });
    const assembly = app.synth();
    const [handler] = Object.values(Template.fromJSON(assembly.getStackByName(stack.stackName).template).findResources('AWS::Lambda::Function'));
    const s3Key = JSON.stringify(handler.Properties.Code.S3Key);
    const assetHash = /"([0-9a-f]{64})\.zip"/.exec(s3Key)?.[1];
    expect(assetHash).toBeDefined();
    const bundle = path.join(assembly.directory, `asset.${assetHash}`);

    expect(fs.readdirSync(bundle).sort()).toEqual(['index.js', 'index.js.map']);
    const code = fs.readFileSync(path.join(bundle, 'index.js'), 'utf8');
    expect(code).toMatch(/sourceMappingURL=index\.js\.map/);
    expect(code.split('\n').length).toBeLessThan(50); // minified
    // The AWS SDK v3 comes with the Node.js 22 runtime; Powertools is bundled.
    expect(code).not.toMatch(/require\("@aws-lambda-powertools/);
  });
});
