import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { appSettingsFromContext, ConfigurationError, configFromContext } from '../lib/config';
import { DenyscopeStack } from '../lib/denyscope-stack';
import { DenyscopeMemberStack } from '../lib/member-stack';
import { OrganizationReaderStack } from '../lib/organization-reader-stack';

/**
 * `npx cdk synth|deploy [-c key=value ...]`: configuration comes from cdk.json "context" and -c
 * (README lists the keys). Environment-agnostic: synth needs no credentials and makes no lookups.
 * mode=organization with watchManagementAccount=true adds the member stack for the management account
 * (a StackSet never deploys there), deployed on its own with that account's credentials; organizationReader=true adds
 * the OrganizationReader stack, also for the management account: the role deep diagnosis reads SCPs and RCPs through.
 */
const app = new App();
try {
  const alerts = configFromContext((key) => app.node.tryGetContext(key));
  const settings = appSettingsFromContext((key) => app.node.tryGetContext(key), alerts);
  const { stackName, watchManagementAccount } = settings;
  new DenyscopeStack(app, stackName, {
    alerts,
    description: 'denyscope: alerts on access-denied errors recorded by CloudTrail, with the denying policy diagnosed',
  });
  if (watchManagementAccount) new DenyscopeMemberStack(app, `${stackName}Member`, { services: alerts.services });
  if (settings.organizationReader && settings.alertingAccountId) {
    new OrganizationReaderStack(app, `${stackName}OrganizationReader`, {
      alertingAccountId: settings.alertingAccountId,
      ...(settings.alertingRoleArn ? { alertingRoleArn: settings.alertingRoleArn } : {}),
    });
  }
} catch (error) {
  if (!(error instanceof ConfigurationError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
// cdk-nag v3 reports through CDK policy validation: findings fail `cdk synth` and are written to
// cdk.out/policy-validation-report.json.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
