/**
 * The synthesized template as CloudFormation would deploy it into one fixed account and region:
 * intrinsic functions (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split) and pseudo
 * parameters resolved, and each resource given the physical name the local runtime uses, so the
 * ARNs a function's code builds from its environment are compared exactly with the ARNs its role
 * grants.
 *
 * Physical ids CloudFormation would generate (a table name, an app id) are chosen here, per
 * resource type (`physicalNames`); everything the template spells out (state machine names, the
 * alias name, execution ARN patterns) is taken from the template as is.
 */

type Json = unknown;
type Resource = { Type: string; Properties?: Record<string, Json> };
export type CfnTemplate = {
  Resources: Record<string, Resource>;
  Parameters?: Record<string, { Default?: Json }>;
};

export interface ResolveOptions {
  partition: string;
  region: string;
  account: string;
  stackName: string;
  /** Physical name (Ref) per resource type, e.g. `{ 'AWS::DynamoDB::Table': 'herald' }`. */
  physicalNames?: Record<string, string>;
  /** Values of template parameters without a default. */
  parameters?: Record<string, string>;
}

export class UnresolvedIntrinsicError extends Error {
  override readonly name = 'UnresolvedIntrinsicError';
  readonly code = 'unresolved_intrinsic';
}

/** A policy statement as IAM reads it, after resolution. */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface FunctionRole {
  /** POWERTOOLS_SERVICE_NAME: `ingest`, `step`, … */
  fn: string;
  roleArn: string;
  statements: PolicyStatement[];
  environment: Record<string, string>;
}

export class ResolvedTemplate {
  constructor(
    private readonly template: CfnTemplate,
    private readonly options: ResolveOptions,
  ) {}

  private arn(service: string, resource: string, region = this.options.region): string {
    return `arn:${this.options.partition}:${service}:${region}:${this.options.account}:${resource}`;
  }

  private resource(logicalId: string): Resource {
    const found = this.template.Resources[logicalId];
    if (!found) throw new UnresolvedIntrinsicError(`no resource ${logicalId} in the template`);
    return found;
  }

  private prop(logicalId: string, name: string): string | undefined {
    const value = this.resource(logicalId).Properties?.[name];
    return value === undefined ? undefined : String(this.resolve(value));
  }

  /** What `Ref` returns for a resource (CloudFormation's documented return value per type). */
  ref(logicalId: string): string {
    const { Type } = this.resource(logicalId);
    const named = this.options.physicalNames?.[Type];
    switch (Type) {
      case 'AWS::DynamoDB::Table':
        return named ?? this.prop(logicalId, 'TableName') ?? logicalId;
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::StepFunctions::StateMachineVersion':
      case 'AWS::StepFunctions::StateMachineAlias':
        return this.getAtt(logicalId, 'Arn');
      case 'AWS::SecretsManager::Secret':
        // The ARN, with the six random characters Secrets Manager appends to the name.
        return this.arn(
          'secretsmanager',
          `secret:${named ?? this.prop(logicalId, 'Name') ?? logicalId}-AbCdEf`,
        );
      case 'AWS::SNS::Topic':
        return this.arn('sns', this.prop(logicalId, 'TopicName') ?? logicalId);
      case 'AWS::Scheduler::ScheduleGroup':
        return this.prop(logicalId, 'Name') ?? logicalId;
      case 'AWS::S3::Bucket':
        return named ?? this.prop(logicalId, 'BucketName') ?? logicalId.toLowerCase();
      default:
        return named ?? logicalId;
    }
  }

  /** `Fn::GetAtt` for the attributes role policies and function environments use. */
  getAtt(logicalId: string, attribute: string): string {
    const { Type } = this.resource(logicalId);
    const key = `${Type}.${attribute}`;
    switch (key) {
      case 'AWS::DynamoDB::Table.Arn':
        return this.arn('dynamodb', `table/${this.ref(logicalId)}`);
      case 'AWS::StepFunctions::StateMachine.Arn':
        return this.arn('states', `stateMachine:${this.getAtt(logicalId, 'Name')}`);
      case 'AWS::StepFunctions::StateMachine.Name':
        return this.prop(logicalId, 'StateMachineName') ?? logicalId;
      case 'AWS::StepFunctions::StateMachineVersion.Arn':
        // The first version published; a later deploy publishes :2, … (same unqualified ARN).
        return `${this.prop(logicalId, 'StateMachineArn')}:1`;
      case 'AWS::StepFunctions::StateMachineAlias.Arn': {
        const routing = this.resolve(this.resource(logicalId).Properties?.RoutingConfiguration) as {
          StateMachineVersionArn: string;
        }[];
        const version = routing[0]?.StateMachineVersionArn ?? '';
        return `${version.split(':').slice(0, 7).join(':')}:${this.prop(logicalId, 'Name')}`;
      }
      case 'AWS::Lambda::Function.Arn':
        return this.arn('lambda', `function:${this.prop(logicalId, 'FunctionName') ?? logicalId}`);
      case 'AWS::IAM::Role.Arn':
        return `arn:${this.options.partition}:iam::${this.options.account}:role/${this.ref(logicalId)}`;
      case 'AWS::Logs::LogGroup.Arn':
        return this.arn('logs', `log-group:${this.prop(logicalId, 'LogGroupName') ?? logicalId}:*`);
      case 'AWS::SQS::Queue.Arn':
        return this.arn('sqs', this.prop(logicalId, 'QueueName') ?? logicalId);
      case 'AWS::Kinesis::Stream.Arn':
        return this.arn('kinesis', `stream/${this.prop(logicalId, 'Name') ?? logicalId}`);
      case 'AWS::KMS::Key.Arn':
        return this.arn('kms', `key/${logicalId}`);
      case 'AWS::SNS::Topic.TopicArn':
        return this.ref(logicalId);
      case 'AWS::S3::Bucket.Arn':
        return `arn:${this.options.partition}:s3:::${this.ref(logicalId)}`;
      case 'AWS::Scheduler::ScheduleGroup.Arn':
        return this.arn('scheduler', `schedule-group/${this.prop(logicalId, 'Name') ?? logicalId}`);
      default:
        // Only reached by statements no recorded call is evaluated against (X-Ray, queues, …);
        // a syntactically valid ARN keeps the policy parseable.
        return this.arn('cloudformation', `unresolved/${logicalId}/${attribute}`);
    }
  }

  private pseudo(name: string): string | undefined {
    switch (name) {
      case 'AWS::Partition':
        return this.options.partition;
      case 'AWS::Region':
        return this.options.region;
      case 'AWS::AccountId':
        return this.options.account;
      case 'AWS::StackName':
        return this.options.stackName;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      default:
        return undefined;
    }
  }

  private refName(name: string): string {
    const pseudo = this.pseudo(name);
    if (pseudo !== undefined) return pseudo;
    const parameter = this.template.Parameters?.[name];
    if (parameter) {
      const value = this.options.parameters?.[name] ?? parameter.Default;
      if (value === undefined) throw new UnresolvedIntrinsicError(`parameter ${name} has no value`);
      return String(value);
    }
    return this.ref(name);
  }

  private sub(text: string, variables: Record<string, Json> = {}): string {
    return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
      if (name in variables) return String(this.resolve(variables[name]));
      const [id, attribute] = name.split('.');
      return attribute ? this.getAtt(id!, attribute) : this.refName(name);
    });
  }

  /** Resolves every intrinsic in `value`; `AWS::NoValue` drops the entry it stands in. */
  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v)).filter((v) => v !== NO_VALUE);
    if (!value || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, Json>);
    if (entries.length === 1) {
      const [fn, arg] = entries[0]!;
      switch (fn) {
        case 'Ref':
          return arg === 'AWS::NoValue' ? NO_VALUE : this.refName(String(arg));
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
          return this.getAtt(String(id), String(attribute));
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, Json[]];
          return (this.resolve(parts) as Json[]).map(String).join(separator);
        }
        case 'Fn::Sub':
          return Array.isArray(arg)
            ? this.sub(String(arg[0]), arg[1] as Record<string, Json>)
            : this.sub(String(arg));
        case 'Fn::Select': {
          const [index, list] = arg as [Json, Json];
          return (this.resolve(list) as Json[])[Number(this.resolve(index))];
        }
        case 'Fn::Split': {
          const [separator, text] = arg as [string, Json];
          return String(this.resolve(text)).split(separator);
        }
        default:
          if (fn.startsWith('Fn::')) throw new UnresolvedIntrinsicError(`${fn} is not resolved here`);
      }
    }
    return Object.fromEntries(
      entries.map(([k, v]) => [k, this.resolve(v)] as const).filter(([, v]) => v !== NO_VALUE),
    );
  }

  /** A role's identity statements: its inline policies and the AWS::IAM::Policy resources attached to it. */
  private roleStatements(roleId: string): PolicyStatement[] {
    const role = this.resource(roleId);
    if ((role.Properties?.ManagedPolicyArns as Json[] | undefined)?.length) {
      throw new UnresolvedIntrinsicError(`role ${roleId} has managed policies, which are not evaluated here`);
    }
    const inline = (role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Json[] } }[];
    const attached = Object.values(this.template.Resources)
      .filter(
        (r) =>
          r.Type === 'AWS::IAM::Policy' &&
          ((r.Properties?.Roles ?? []) as Json[]).some(
            (x) => JSON.stringify(x) === JSON.stringify({ Ref: roleId }),
          ),
      )
      .map((r) => r.Properties?.PolicyDocument as { Statement: Json[] });
    return [...inline.map((p) => p.PolicyDocument), ...attached].flatMap(
      (doc) => this.resolve(doc.Statement) as PolicyStatement[],
    );
  }

  /**
   * Roles a service assumes (their trust policy names the service principal), e.g. the role
   * EventBridge Scheduler invokes timer targets with: its statements, named `fn` = the principal,
   * and its trust policy, resolved.
   */
  rolesAssumedBy(servicePrincipal: string): (FunctionRole & { trust: PolicyStatement[] })[] {
    return Object.entries(this.template.Resources).flatMap(([roleId, role]) => {
      if (role.Type !== 'AWS::IAM::Role') return [];
      const trust = this.resolve(
        (role.Properties?.AssumeRolePolicyDocument as { Statement?: Json[] } | undefined)?.Statement ?? [],
      ) as (PolicyStatement & { Principal?: { Service?: string | string[] } })[];
      const trusted = trust.some((t) => [t.Principal?.Service ?? []].flat().includes(servicePrincipal));
      if (!trusted) return [];
      return [
        {
          fn: servicePrincipal,
          roleArn: this.getAtt(roleId, 'Arn'),
          statements: this.roleStatements(roleId),
          environment: {},
          trust,
        },
      ];
    });
  }

  /** Every Herald function (a Lambda with POWERTOOLS_SERVICE_NAME) with its role's statements. */
  functionRoles(): FunctionRole[] {
    const resources = Object.entries(this.template.Resources);
    return resources.flatMap(([, fnResource]) => {
      if (fnResource.Type !== 'AWS::Lambda::Function') return [];
      const environment = this.resolve(
        (fnResource.Properties?.Environment as { Variables?: Json } | undefined)?.Variables ?? {},
      ) as Record<string, string>;
      const fn = environment.POWERTOOLS_SERVICE_NAME;
      if (!fn) return [];
      const roleRef = fnResource.Properties?.Role as { 'Fn::GetAtt': [string, string] };
      const roleId = roleRef['Fn::GetAtt'][0];
      const role = this.resource(roleId);
      if ((role.Properties?.ManagedPolicyArns as Json[] | undefined)?.length) {
        throw new UnresolvedIntrinsicError(
          `role ${roleId} has managed policies, which are not evaluated here`,
        );
      }
      const inline = (role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Json[] } }[];
      const attached = resources
        .filter(
          ([, r]) =>
            r.Type === 'AWS::IAM::Policy' &&
            ((r.Properties?.Roles ?? []) as Json[]).some(
              (x) => JSON.stringify(x) === JSON.stringify({ Ref: roleId }),
            ),
        )
        .map(([, r]) => r.Properties?.PolicyDocument as { Statement: Json[] });
      const statements = [...inline.map((p) => p.PolicyDocument), ...attached].flatMap(
        (doc) => this.resolve(doc.Statement) as PolicyStatement[],
      );
      return [{ fn, roleArn: this.getAtt(roleId, 'Arn'), statements, environment }];
    });
  }
}

const NO_VALUE = Symbol('AWS::NoValue');
