"""The deployment files stay valid and true to the code.

* template.yaml: cfn-lint reports nothing; the queues, table, bucket, functions, IAM
  and alarms have the settings the README promises; the environment it gives the
  functions is a valid ``Settings``; the table matches ``logpull init``'s; the alarms
  name metrics the code emits; the IAM actions exist and the README lists them.
* Dockerfile / .dockerignore: slim Python 3.13 base, non-root user, ``logpull work``,
  the runtime dependencies without extras.
* The deployment files and examples point only to documents the repository holds.

The template is parsed with cfn-lint's loader (it understands !Ref, !Sub, !GetAtt, ...).
Without cfn-lint the template tests are skipped locally and fail under CI=true.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from shared import metrics
from shared.aws.provision import ensure_table
from shared.config import Settings, load_settings
from shared.models import WindowKey
from worker.sinks.base import staged_name

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
DEPLOY_DOC = ROOT / "README.md"  # its "Deploy" section

NO_VALUE = {"Ref": "AWS::NoValue"}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def _require_cfnlint() -> None:
    try:
        import cfnlint.api  # noqa: PLC0415 - optional: see the module docstring
        import cfnlint.decode  # noqa: F401, PLC0415
    except ImportError as exc:
        message = f"cfn-lint is not importable ({exc}); it belongs in the [dev] extra"
        if _in_ci():
            pytest.fail(message + " and CI=true: the template must be linted in CI")
        pytest.skip(message)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    _require_cfnlint()
    from cfnlint.decode import decode  # noqa: PLC0415

    parsed, problems = decode(str(TEMPLATE))
    assert not problems, [str(p) for p in problems]
    assert isinstance(parsed, dict)
    return parsed


def resource(template: dict[str, Any], name: str, type_: str) -> dict[str, Any]:
    body = template["Resources"][name]
    assert body["Type"] == type_, f"{name} is a {body['Type']}, not a {type_}"
    props: dict[str, Any] = body.get("Properties", {})
    return props


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def get_att(name: str, attribute: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [name, attribute]}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --------------------------------------------------------------------------- cfn-lint


def test_cfn_lint_reports_no_error_and_no_warning() -> None:
    _require_cfnlint()
    from cfnlint.api import ManualArgs, lint  # noqa: PLC0415

    text = TEMPLATE.read_text(encoding="utf-8")
    matches = lint(text, config=ManualArgs(regions=["us-east-1"]))
    assert [str(m) for m in matches] == []


# --------------------------------------------------------------------------- parameters


def test_parameters_have_the_documented_defaults_and_bounds(template: dict[str, Any]) -> None:
    params = template["Parameters"]
    for name in ("SourcesJson", "SinkPrefix", "KmsKeyArn", "GoogleCredentialsSecretArn",
                 "OktaCredentialsSecretArn", "SourcesSsmParameter", "SourcesS3Uri", "ScheduleExpression", "MaximumConcurrency", "WorkerTimeoutSeconds",
                 "LeaseSeconds", "MaxReceiveCount", "LagAlarmSeconds", "BackfillMaximumConcurrency"):
        assert name in params, f"parameter {name} is missing"
    assert "Default" not in params["SourcesJson"]  # no silent empty pipeline
    assert params["KmsKeyArn"]["Default"] == ""
    for optional in OPTIONAL_PARAMETERS.values():
        assert params[optional]["Default"] == "", optional
    assert params["ScheduleExpression"]["Default"] == "rate(5 minutes)"
    expected = {"MaximumConcurrency": 5, "WorkerTimeoutSeconds": 120, "LeaseSeconds": 30,
                "MaxReceiveCount": 10, "LagAlarmSeconds": 7200, "BackfillMaximumConcurrency": 4}
    for name, default in expected.items():
        assert params[name]["Type"] == "Number"
        assert int(params[name]["Default"]) == default, name
    assert int(params["MaximumConcurrency"]["MinValue"]) == 2  # the SQS mapping's minimum
    assert int(params["BackfillMaximumConcurrency"]["MinValue"]) == 2


OPTIONAL_PARAMETERS = {"HasKmsKey": "KmsKeyArn", "HasGoogleSecret": "GoogleCredentialsSecretArn",
                       "HasAlarmTopic": "AlarmTopicArn", "HasOktaSecret": "OktaCredentialsSecretArn",
                       "HasSourcesSsm": "SourcesSsmParameter", "HasSourcesS3": "SourcesS3Uri",
                       "HasExistingBucket": "ExistingBucketName"}
# the sink: the stack's own bucket, or the existing one named (then the stack creates none)
SINK_BUCKET = {"Fn::If": ["HasExistingBucket", ref("ExistingBucketName"), ref("SinkBucket")]}


def test_optional_parameters_are_switched_by_conditions(template: dict[str, Any]) -> None:
    conditions = template["Conditions"]
    assert set(conditions) == set(OPTIONAL_PARAMETERS) | {"CreateSinkBucket"}
    assert conditions["CreateSinkBucket"] == {"Fn::Not": [{"Condition": "HasExistingBucket"}]}
    conditions = {name: body for name, body in conditions.items() if name != "CreateSinkBucket"}
    for condition, parameter in OPTIONAL_PARAMETERS.items():
        assert conditions[condition] == {"Fn::Not": [{"Fn::Equals": [ref(parameter), ""]}]}


@pytest.mark.parametrize(("parameter", "good", "bad"), [
    ("SourcesSsmParameter", ["", "/logpull/sources", "/a.b/c_d-e"], ["logpull/sources", "/x y", "ssm:/x"]),
    ("SourcesS3Uri", ["", "s3://my-bucket/logpull/sources.json"], ["my-bucket/key", "s3://my-bucket", "s3://B/k"]),
    ("OktaCredentialsSecretArn", ["", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:logpull/okta-AbCdEf"],
     ["logpull/okta", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:logpull/okta"]),
])
def test_optional_parameter_patterns(template: dict[str, Any], parameter: str, good: list[str],
                                     bad: list[str]) -> None:
    pattern = template["Parameters"][parameter]["AllowedPattern"]
    assert all(re.fullmatch(pattern, value) for value in good)
    assert not any(re.fullmatch(pattern, value) for value in bad)


def test_sources_come_from_one_place(template: dict[str, Any]) -> None:
    ssm, s3 = ({"Fn::Equals": [ref(p), ""]} for p in ("SourcesSsmParameter", "SourcesS3Uri"))
    first, second = template["Rules"]["OneSourcesOrigin"]["Assertions"]
    assert first["Assert"] == {"Fn::Or": [ssm, s3]}  # not both
    assert second["Assert"] == {"Fn::Or": [{"Fn::And": [ssm, s3]},
                                           {"Fn::Equals": [ref("SourcesJson"), "[]"]}]}


# --------------------------------------------------------------------------- queues, table


def test_task_queue_redrives_to_the_dlq_and_outlasts_the_worker(template: dict[str, Any]) -> None:
    dlq = resource(template, "DeadLetterQueue", "AWS::SQS::Queue")
    queue = resource(template, "TaskQueue", "AWS::SQS::Queue")
    assert resource(template, "BackfillQueue", "AWS::SQS::Queue") == queue  # the same settings, DLQ and policy
    assert dlq["SqsManagedSseEnabled"] is True and queue["SqsManagedSseEnabled"] is True
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": get_att("DeadLetterQueue", "Arn"),
                                      "maxReceiveCount": ref("MaxReceiveCount")}
    # visibility = 6 x the worker timeout, for every timeout the parameter allows
    assert queue["VisibilityTimeout"] == {
        "Fn::FindInMap": ["QueueVisibility", ref("WorkerTimeoutSeconds"), "Seconds"]}
    table = template["Mappings"]["QueueVisibility"]
    allowed = [int(v) for v in template["Parameters"]["WorkerTimeoutSeconds"]["AllowedValues"]]
    assert sorted(int(k) for k in table) == sorted(allowed)
    for timeout in allowed:
        assert int(table[str(timeout)]["Seconds"]) == 6 * timeout
    worker = resource(template, "WorkerFunction", "AWS::Serverless::Function")
    assert worker["Timeout"] == ref("WorkerTimeoutSeconds")


def test_state_table_matches_what_logpull_init_creates(template: dict[str, Any]) -> None:
    created: dict[str, Any] = {}
    fake = SimpleNamespace(
        create_table=lambda **kwargs: created.update(kwargs),
        get_waiter=lambda _name: SimpleNamespace(wait=lambda **_: None),
    )
    ensure_table(fake, Settings())
    table = resource(template, "StateTable", "AWS::DynamoDB::Table")

    def normal(items: list[dict[str, Any]]) -> list[tuple[str, ...]]:
        return sorted(tuple(str(v) for v in item.values()) for item in items)

    assert normal(table["AttributeDefinitions"]) == normal(created["AttributeDefinitions"])
    assert normal(table["KeySchema"]) == normal(created["KeySchema"])
    assert table["BillingMode"] == created["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True


# --------------------------------------------------------------------------- sink bucket


def test_sink_bucket_is_private_encrypted_versioned_and_tls_only(
    template: dict[str, Any],
) -> None:
    bucket = resource(template, "SinkBucket", "AWS::S3::Bucket")
    block = bucket["PublicAccessBlockConfiguration"]
    assert set(block) == {"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls",
                          "RestrictPublicBuckets"}
    assert all(value is True for value in block.values())
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    condition, with_kms, without = rule["ServerSideEncryptionByDefault"]["Fn::If"]
    assert condition == "HasKmsKey"
    assert with_kms == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": ref("KmsKeyArn")}
    assert without == {"SSEAlgorithm": "AES256"}

    policy = resource(template, "SinkBucketPolicy", "AWS::S3::BucketPolicy")
    assert policy["Bucket"] == ref("SinkBucket")
    [deny] = policy["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Action"] == "s3:*" and deny["Principal"] == "*"
    assert str(deny["Condition"]["Bool"]["aws:SecureTransport"]).lower() == "false"
    assert get_att("SinkBucket", "Arn") in deny["Resource"]
    assert {"Fn::Sub": "${SinkBucket.Arn}/*"} in deny["Resource"]


def test_staged_parts_expire_after_seven_days(template: dict[str, Any]) -> None:
    # the S3 sink stages at <prefix>/<staged_name>: the rule must cover exactly that
    start = datetime(2026, 1, 1, tzinfo=UTC)
    key = WindowKey("gws-login", start, start.replace(minute=15))
    assert staged_name(key, 0, "owner", ".jsonl.gz").startswith("_staging/")
    rules = resource(template, "SinkBucket", "AWS::S3::Bucket")["LifecycleConfiguration"]["Rules"]
    expiring = [r for r in rules if r.get("ExpirationInDays") is not None]
    [rule] = expiring
    assert rule["Status"] == "Enabled"
    assert rule["Prefix"] == {"Fn::Sub": "${SinkPrefix}/_staging/"}
    assert int(rule["ExpirationInDays"]) == 7


# --------------------------------------------------------------------------- functions


def test_functions_run_the_lambda_handlers_of_the_package(template: dict[str, Any]) -> None:
    expected = {"OrchestratorFunction": "orchestrator.lambda_handler.handler",
                "WorkerFunction": "worker.lambda_handler.handler"}
    for name, handler in expected.items():
        function = resource(template, name, "AWS::Serverless::Function")
        assert function["Handler"] == handler
        assert function["Runtime"] == "python3.13"
        module, attribute = handler.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), attribute))
        # an explicit role: SAM adds no managed policies (AWSLambdaSQSQueueExecutionRole
        # would grant the queue actions on "*")
        role = function["Role"]["Fn::GetAtt"][0]
        assert template["Resources"][role]["Type"] == "AWS::IAM::Role"
        assert "Policies" not in function


def test_orchestrator_ticks_on_the_schedule(template: dict[str, Any]) -> None:
    function = resource(template, "OrchestratorFunction", "AWS::Serverless::Function")
    assert int(function["Timeout"]) == 300
    [event] = function["Events"].values()
    assert event["Type"] == "Schedule"
    assert event["Properties"]["Schedule"] == ref("ScheduleExpression")


def test_worker_is_fed_by_the_task_queue_with_partial_batch_failures(
    template: dict[str, Any],
) -> None:
    function = resource(template, "WorkerFunction", "AWS::Serverless::Function")
    assert "ReservedConcurrentExecutions" not in function
    events = {event["Properties"]["Queue"]["Fn::GetAtt"][0]: event for event in function["Events"].values()}
    assert set(events) == {"TaskQueue", "BackfillQueue"}  # one mapping per lane, each its own concurrency
    for queue, maximum in (("TaskQueue", "MaximumConcurrency"), ("BackfillQueue", "BackfillMaximumConcurrency")):
        event = events[queue]
        assert event["Type"] == "SQS"
        props = event["Properties"]
        assert props["Queue"] == get_att(queue, "Arn")
        assert int(props["BatchSize"]) == 2
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert props["ScalingConfig"] == {"MaximumConcurrency": ref(maximum)}


# --------------------------------------------------------------------------- environment

SAMPLE_SOURCES = json.dumps([{
    "id": "gws-login", "application": "login", "start": "2026-01-01T00:00:00Z",
    "credentials": "secretsmanager:logpull/google-sa", "subject": "admin@example.com"}])
SAMPLE_PARAMETERS = {
    "SourcesJson": SAMPLE_SOURCES,
    "KmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "GoogleCredentialsSecretArn": "",
    "AWS::Region": "eu-west-1",
    "AWS::Partition": "aws",
    "AWS::AccountId": "123456789012",
}
SAMPLE_ATTRIBUTES = {
    ("TaskQueue", "QueueName"): "logpull-TaskQueue-AAAA",
    ("BackfillQueue", "QueueName"): "logpull-BackfillQueue-EEEE",
    ("DeadLetterQueue", "QueueName"): "logpull-DeadLetterQueue-BBBB",
}
SAMPLE_REFS = {"StateTable": "logpull-StateTable-CCCC", "SinkBucket": "logpull-sinkbucket-dddd"}


class _Resolver:
    """Just enough of CloudFormation to evaluate the functions' environment."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.values: dict[str, Any] = {
            name: str(body.get("Default", "")) for name, body in template["Parameters"].items()}
        self.values.update(SAMPLE_PARAMETERS)
        self.values.update(SAMPLE_REFS)

    def condition(self, name: str) -> bool:
        if name == "CreateSinkBucket":
            return not self.condition("HasExistingBucket")
        return bool(self.values[OPTIONAL_PARAMETERS[name]])

    def __call__(self, node: Any) -> Any:
        if not isinstance(node, dict):
            return str(node)
        [(function, argument)] = node.items()
        if function == "Ref":
            return None if argument == "AWS::NoValue" else self.values[argument]
        if function == "Fn::GetAtt":
            return SAMPLE_ATTRIBUTES[tuple(argument)]
        if function == "Fn::Sub":
            text, names = (argument, {}) if isinstance(argument, str) else argument
            given = {name: self(value) for name, value in names.items()}
            return re.sub(r"\$\{([^}]+)\}", lambda m: str(given[m.group(1)] if m.group(1) in given else self({"Ref": m.group(1)})), text)
        if function == "Fn::Select":
            index, items = argument
            return self(items)[int(index)]
        if function == "Fn::Split":
            delimiter, text = argument
            return self(text).split(delimiter)
        if function == "Fn::Join":
            delimiter, items = argument
            return delimiter.join(self(item) for item in items)
        if function == "Fn::If":
            condition, when_true, when_false = argument
            return self(when_true if self.condition(condition) else when_false)
        raise AssertionError(f"unexpected intrinsic {function} in the environment")


def function_environment(template: dict[str, Any], name: str) -> dict[str, Any]:
    shared = template.get("Globals", {}).get("Function", {}).get("Environment", {})
    own = resource(template, name, "AWS::Serverless::Function").get("Environment", {})
    return {**shared.get("Variables", {}), **own.get("Variables", {})}


@pytest.mark.parametrize("function", ["OrchestratorFunction", "WorkerFunction"])
def test_environment_is_a_valid_logpull_configuration(
    template: dict[str, Any], function: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    variables = function_environment(template, function)
    for name in ("LOGPULL_AWS__QUEUE_NAME", "LOGPULL_AWS__BACKFILL_QUEUE_NAME", "LOGPULL_AWS__DLQ_NAME", "LOGPULL_AWS__TABLE_NAME",
                 "LOGPULL_AWS__MAX_RECEIVE_COUNT", "LOGPULL_WORKER__LEASE", "LOGPULL_SINK__URL",
                 "LOGPULL_SINK__KMS_KEY_ID", "LOGPULL_SOURCES", "LOGPULL_AWS__REGION"):
        assert name in variables, f"{function} lacks {name}"
    kms = variables["LOGPULL_SINK__KMS_KEY_ID"]
    assert kms == {"Fn::If": ["HasKmsKey", ref("KmsKeyArn"), NO_VALUE]}
    assert _Resolver(template)(variables["LOGPULL_SOURCES_FROM"]) is None  # neither given: unset

    for key in list(os.environ):
        if key.startswith("LOGPULL_"):
            monkeypatch.delenv(key)
    resolve = _Resolver(template)
    for key, node in variables.items():
        value = resolve(node)
        if value is not None:
            monkeypatch.setenv(key, value)
    settings = load_settings(None)  # LOGPULL_* only, as in Lambda

    assert settings.aws.region == "eu-west-1"  # not the config default us-east-1
    assert settings.aws.queue_name == "logpull-TaskQueue-AAAA"
    assert settings.aws.backfill_queue == "logpull-BackfillQueue-EEEE"
    assert settings.aws.dlq_name == "logpull-DeadLetterQueue-BBBB"
    assert settings.aws.table_name == "logpull-StateTable-CCCC"
    assert settings.aws.max_receive_count == 10
    assert settings.worker.lease.total_seconds() == 30
    assert settings.sink.url == "s3://logpull-sinkbucket-dddd/logpull"
    assert settings.sink.kms_key_id == SAMPLE_PARAMETERS["KmsKeyArn"]
    assert [s.credentials for s in settings.sources] == ["secretsmanager:logpull/google-sa"]
    assert re.fullmatch(template["Parameters"]["SourcesJson"]["AllowedPattern"], SAMPLE_SOURCES)


# --------------------------------------------------------------------------- IAM

TABLE_ACTIONS = {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"}
ORCHESTRATOR_GRANTS = {
    "StateTable": (TABLE_ACTIONS | {"dynamodb:BatchGetItem"}, get_att("StateTable", "Arn")),  # all metas at once
    "TaskQueue": ({"sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"},
                  get_att("TaskQueue", "Arn")),
    "BackfillQueue": ({"sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"},
                      get_att("BackfillQueue", "Arn")),
    "DeadLetterQueue": ({"sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"},
                        get_att("DeadLetterQueue", "Arn")),
    "Logs": ({"logs:CreateLogStream", "logs:PutLogEvents"},
             get_att("OrchestratorLogGroup", "Arn")),
}
WORKER_GRANTS = {
    "StateTable": (TABLE_ACTIONS, get_att("StateTable", "Arn")),
    "TaskQueue": ({"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                   "sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"},
                  get_att("TaskQueue", "Arn")),
    "BackfillQueue": ({"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                       "sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"},
                      get_att("BackfillQueue", "Arn")),
    "DeadLetterQueue": ({"sqs:SendMessage", "sqs:GetQueueUrl"}, get_att("DeadLetterQueue", "Arn")),
    "SinkObjects": ({"s3:PutObject", "s3:GetObject", "s3:DeleteObject"},
                    {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${Bucket}/${SinkPrefix}/*", {"Bucket": SINK_BUCKET}]}),
    "SinkListing": ({"s3:ListBucket"}, {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${Bucket}", {"Bucket": SINK_BUCKET}]}),
    "SinkKmsKey": ({"kms:GenerateDataKey", "kms:Decrypt"}, ref("KmsKeyArn")),
    "GoogleCredentials": ({"secretsmanager:GetSecretValue"}, ref("GoogleCredentialsSecretArn")),
    "OktaCredentials": ({"secretsmanager:GetSecretValue"}, ref("OktaCredentialsSecretArn")),
    "Logs": ({"logs:CreateLogStream", "logs:PutLogEvents"}, get_att("WorkerLogGroup", "Arn")),
}
# both functions load the settings, so both may read the sources list (and only it)
SOURCES_GRANTS = {"SourcesParameter": "ssm:GetParameter", "SourcesObject": "s3:GetObject"}
CONDITIONAL = {"SinkKmsKey": "HasKmsKey", "GoogleCredentials": "HasGoogleSecret", "OktaCredentials": "HasOktaSecret",
               "SourcesParameter": "HasSourcesSsm", "SourcesObject": "HasSourcesS3"}


def role_statements(
    template: dict[str, Any], role: str
) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Every Allow/Deny statement of the role's inline policies, with the condition that
    switches it on (``!If [Cond, statement, !Ref AWS::NoValue]``) or None."""
    props = resource(template, role, "AWS::IAM::Role")
    assert "ManagedPolicyArns" not in props, f"{role}: no managed policies, inline ones only"
    trust = props["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "lambda.amazonaws.com"}]
    for policy in props["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            if "Fn::If" in statement:
                condition, when_true, when_false = statement["Fn::If"]
                assert when_false == NO_VALUE
                yield when_true, condition
            else:
                yield statement, None


@pytest.mark.parametrize(("role", "grants"), [("OrchestratorRole", ORCHESTRATOR_GRANTS),
                                              ("WorkerRole", WORKER_GRANTS)])
def test_roles_grant_exactly_the_documented_actions_on_their_own_resources(
    template: dict[str, Any], role: str, grants: dict[str, Any]
) -> None:
    seen: dict[str, Any] = {}
    for statement, condition in role_statements(template, role):
        sid = statement["Sid"]
        assert statement["Effect"] == "Allow"
        actions = set(as_list(statement["Action"]))
        assert not any("*" in action for action in actions), f"{role}/{sid}: wildcard action"
        assert statement["Resource"] != "*"
        assert condition == CONDITIONAL.get(sid), f"{role}/{sid}: condition {condition}"
        if sid in SOURCES_GRANTS:
            assert actions == {SOURCES_GRANTS[sid]}, f"{role}/{sid}: {actions}"
            continue  # its resource: see test_sources_grants_name_exactly_the_parameter_or_object
        seen[sid] = (actions, statement["Resource"])
        if sid == "SinkListing":
            assert statement["Condition"] == {
                "StringLike": {"s3:prefix": {"Fn::Sub": "${SinkPrefix}/*"}}}
    assert seen == grants


@pytest.mark.parametrize("role", ["OrchestratorRole", "WorkerRole"])
@pytest.mark.parametrize(("parameter", "value", "sid", "arn", "variable"), [
    ("SourcesSsmParameter", "/logpull/sources", "SourcesParameter",
     "arn:aws:ssm:eu-west-1:123456789012:parameter/logpull/sources", "ssm:/logpull/sources"),
    ("SourcesS3Uri", "s3://cfg-bucket/logpull/sources.json", "SourcesObject",
     "arn:aws:s3:::cfg-bucket/logpull/sources.json", "s3://cfg-bucket/logpull/sources.json"),
])
def test_sources_grants_name_exactly_the_parameter_or_object(
    template: dict[str, Any], role: str, parameter: str, value: str, sid: str, arn: str, variable: str
) -> None:
    resolve = _Resolver(template)
    resolve.values[parameter] = value
    statements = {s["Sid"]: s for s, _ in role_statements(template, role)}
    assert resolve(statements[sid]["Resource"]) == arn
    for function in ("OrchestratorFunction", "WorkerFunction"):
        assert resolve(function_environment(template, function)["LOGPULL_SOURCES_FROM"]) == variable
    if parameter == "SourcesS3Uri":  # the empty parameter still resolves (no index out of range)
        resolve.values[parameter] = ""
        assert resolve(statements[sid]["Resource"]) == "arn:aws:s3:::"


def test_every_iam_action_exists(template: dict[str, Any]) -> None:
    try:
        known = json.loads(resources.files("cfnlint.data.AdditionalSpecs")
                           .joinpath("Policies.json").read_text(encoding="utf-8"))
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        pytest.skip(f"cfn-lint ships no IAM action list here ({exc})")
    for role in ("OrchestratorRole", "WorkerRole"):
        for statement, _ in role_statements(template, role):
            for action in as_list(statement["Action"]):
                service, name = action.split(":")
                assert name.lower() in known[service]["Actions"], f"{role}: unknown {action}"


def test_deploy_doc_lists_every_parameter_and_iam_action(template: dict[str, Any]) -> None:
    doc = DEPLOY_DOC.read_text(encoding="utf-8")
    for name in template["Parameters"]:
        assert f"`{name}`" in doc, f"the README does not explain {name}"
    for role in ("OrchestratorRole", "WorkerRole"):
        for statement, _ in role_statements(template, role):
            for action in as_list(statement["Action"]):
                assert action in doc, f"the README's IAM table lacks {action}"


# --------------------------------------------------------------------------- alarms


def test_dlq_alarm_fires_on_the_first_dead_letter(template: dict[str, Any]) -> None:
    alarm = resource(template, "DeadLetterQueueAlarm", "AWS::CloudWatch::Alarm")
    metric = (alarm["Namespace"], alarm["MetricName"])
    assert metric == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert alarm["Dimensions"] == [{"Name": "QueueName",
                                    "Value": get_att("DeadLetterQueue", "QueueName")}]
    assert int(alarm["Threshold"]) == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_lag_alarm_watches_the_metric_the_orchestrator_emits(template: dict[str, Any]) -> None:
    alarm = resource(template, "LagAlarm", "AWS::CloudWatch::Alarm")
    [query] = alarm["Metrics"]
    record = metrics.emf_record({"LagSeconds": 1.0}, {"Source": "gws-login"})
    [directive] = record["_aws"]["CloudWatchMetrics"]  # type: ignore[index]
    [dimensions] = directive["Dimensions"]
    assert "LagSeconds" in metrics.UNITS
    schema = f'"{metrics.NAMESPACE}", {", ".join(dimensions)}'
    assert query["Expression"] == f"SELECT MAX(LagSeconds) FROM SCHEMA({schema})"  # noqa: S608
    assert query["ReturnData"] is True
    assert alarm["Threshold"] == ref("LagAlarmSeconds")
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_worker_errors_alarm(template: dict[str, Any]) -> None:
    alarm = resource(template, "WorkerErrorsAlarm", "AWS::CloudWatch::Alarm")
    metric = (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"])
    assert metric == ("AWS/Lambda", "Errors", "Sum")
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": ref("WorkerFunction")}]
    assert int(alarm["Threshold"]) == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_outputs_name_what_an_ecs_worker_or_operator_needs(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["TaskQueueUrl"]["Value"] == ref("TaskQueue")
    assert outputs["BackfillQueueUrl"]["Value"] == ref("BackfillQueue")
    assert outputs["DeadLetterQueueUrl"]["Value"] == ref("DeadLetterQueue")
    assert outputs["StateTableName"]["Value"] == ref("StateTable")
    assert outputs["SinkBucketName"]["Value"] == SINK_BUCKET


# --------------------------------------------------------------------------- Dockerfile


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    instructions = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            word, _, rest = stripped.partition(" ")
            instructions.append((word.upper(), rest.strip()))
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    starts = [i for i, (word, _) in enumerate(instructions) if word == "FROM"]
    assert starts, "the Dockerfile has no FROM"
    return instructions[starts[-1]:]


DIGEST_PINNED = re.compile(r"(?P<tag>[^@\s]+)@sha256:[0-9a-f]{64}")


def test_dockerfile_builds_on_python_313_slim_and_installs_the_package() -> None:
    instructions = dockerfile_instructions()
    bases = [args.split()[0] for word, args in instructions if word == "FROM"]
    assert bases
    for base in bases:
        pinned = DIGEST_PINNED.fullmatch(base)
        assert pinned, f"FROM {base} is not pinned by digest (tag@sha256:<64 hex>)"
        assert pinned["tag"] in {"python:3.13-slim", "python:3.13-slim-bookworm"}, base
    assert len(set(bases)) == 1, f"the stages start from different bases: {bases}"
    runs = " ".join(args for word, args in instructions if word == "RUN")
    assert re.search(r"pip install --no-cache-dir (--no-deps )?\.(\s|$)", runs)


# --------------------------------------------------------------------------- lock file

LOCK_FILE = ROOT / "requirements.lock"
REQUIREMENT_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_entries() -> dict[str, str]:
    """{normalized name: the requirement with its continuation lines}, comments dropped."""
    text = re.sub(r"\\\n", " ", LOCK_FILE.read_text(encoding="utf-8"))
    entries = {}
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].strip()
        if not stripped or stripped.startswith("-"):
            continue
        match = REQUIREMENT_NAME.match(stripped)
        assert match, f"requirements.lock: cannot read {stripped!r}"
        entries[normalized(match[1])] = stripped
    return entries


def runtime_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = set()
    for requirement in project["dependencies"]:
        match = REQUIREMENT_NAME.match(requirement.strip())
        assert match, requirement
        names.add(normalized(match[1]))
    return names


def test_lock_file_pins_every_package_by_version_and_hash() -> None:
    entries = lock_entries()
    assert entries, "requirements.lock names no package"
    for name, requirement in entries.items():
        assert re.search(r"==\S+", requirement), f"{name} is not pinned to one version"
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", requirement), f"{name} has no --hash"


def test_lock_file_covers_every_runtime_dependency_and_no_extra() -> None:
    locked = set(lock_entries())
    missing = runtime_dependencies() - locked
    assert not missing, f"pyproject's dependencies missing from requirements.lock: {missing}"
    # the lock is the runtime's: the demo's emulator and the test tools stay out
    for name in ("moto", "flask", "cfn-lint", "localstack-client", "pytest", "logpull"):
        assert name not in locked, f"requirements.lock names {name}"


def test_dockerfile_installs_the_lock_with_hashes_then_the_package_alone() -> None:
    instructions = dockerfile_instructions()
    copies = [args.split() for word, args in instructions if word == "COPY"]
    assert any("requirements.lock" in args[:-1] for args in copies)
    installs = [args for word, args in instructions if word == "RUN" and "pip install" in args]
    assert len(installs) == 2, installs
    locked, package = installs
    assert "--require-hashes" in locked.split() and "--no-deps" in locked.split()
    assert re.search(r"-r requirements\.lock(\s|$)", locked)
    assert "--no-deps" in package.split(), "the package's dependencies come from the lock alone"
    assert "!requirements.lock" in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()


def test_dockerfile_runs_logpull_work_as_a_non_root_user() -> None:
    stage = final_stage()
    users = [args for word, args in stage if word == "USER"]
    assert users, "the final stage never switches away from root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user == "10001"
    entrypoints = [args for word, args in stage if word == "ENTRYPOINT"]
    assert entrypoints, "no ENTRYPOINT in the final stage"
    # exec form (a JSON list): logpull is PID 1 and receives ECS's SIGTERM itself
    assert entrypoints[-1].startswith("["), f"shell-form ENTRYPOINT {entrypoints[-1]}"
    assert json.loads(entrypoints[-1]) == ["logpull", "work"]
    assert not [args for word, args in stage if word == "CMD"]


def test_dockerfile_bakes_in_no_secrets() -> None:
    secret = re.compile(r"SECRET|PASSWORD|TOKEN|ACCESS_KEY|CREDENTIAL|PRIVATE_KEY", re.IGNORECASE)
    for word, args in dockerfile_instructions():
        if word in {"ENV", "ARG", "LABEL"}:
            assert not secret.search(args), f"{word} {args}"
        if word in {"COPY", "ADD"}:
            sources = [s for s in args.split()[:-1] if not s.startswith("--")]
            assert "." not in sources, "copy named paths, not the whole build context"


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    lines = {line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")}
    for entry in (".git", ".venv", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"):
        assert entry in lines or "*" in lines, entry
    assert "*" in lines  # deny by default, then allow what the build needs
    assert "!tests/" not in lines and "!tests" not in lines


def test_dockerfile_installs_the_runtime_without_extras() -> None:
    # the demo's emulator and the test tools never reach the image
    installs = [args for word, args in dockerfile_instructions()
                if word == "RUN" and "pip install" in args]
    assert installs
    for args in installs:
        assert "[" not in args and " -e " not in args, f"an extra or an editable install: {args}"


# --------------------------------------------------------------------------- references

DOC_REFERENCE = re.compile(r"[\w./-]*\w\.md\b")


@pytest.mark.parametrize("path", [DOCKERFILE, DOCKERIGNORE, TEMPLATE, DEPLOY_DOC,
                                  *sorted((ROOT / "examples").iterdir())],
                         ids=lambda path: path.relative_to(ROOT).as_posix())
def test_deploy_files_name_only_documents_in_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for name in sorted(set(DOC_REFERENCE.findall(text))):
        assert (ROOT / name).is_file(), f"{path.name} points to {name}, which is not in the repository"


# --------------------------------------------------------------------------- an existing bucket


def test_with_an_existing_bucket_the_stack_creates_none_and_writes_under_its_prefix(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ExistingBucketName (a SIEM's bucket): no bucket or bucket policy of the stack's,
    the functions' sink URL and the worker's S3 grants name that bucket and prefix."""
    for name in ("SinkBucket", "SinkBucketPolicy"):
        assert template["Resources"][name]["Condition"] == "CreateSinkBucket"
    resolve = _Resolver(template)
    resolve.values.update({"ExistingBucketName": "acme-siem-raw", "SinkPrefix": "audit/logpull"})
    variables = function_environment(template, "WorkerFunction")
    assert resolve(variables["LOGPULL_SINK__URL"]) == "s3://acme-siem-raw/audit/logpull"
    grants = {statement["Sid"]: resolve(statement["Resource"])
              for statement, _ in role_statements(template, "WorkerRole") if statement.get("Sid", "").startswith("Sink")
              and statement.get("Sid") != "SinkKmsKey"}
    assert grants == {"SinkObjects": "arn:aws:s3:::acme-siem-raw/audit/logpull/*",
                      "SinkListing": "arn:aws:s3:::acme-siem-raw"}
    assert resolve(template["Outputs"]["SinkUrl"]["Value"]) == "s3://acme-siem-raw/audit/logpull"
    pattern = template["Parameters"]["ExistingBucketName"]["AllowedPattern"]
    assert all(re.fullmatch(pattern, v) for v in ("", "acme-siem-raw", "a.b-c"))
    assert not any(re.fullmatch(pattern, v) for v in ("s3://acme", "Acme", "acme/raw", "a"))


def test_template_header_and_description_are_true() -> None:
    """It builds with scripts/build_lambda.py (the README's way), and reads more than Google."""
    text = TEMPLATE.read_text(encoding="utf-8")
    head = text.split("Parameters:")[0]
    assert "scripts/build_lambda.py" in head and "pip install --target" not in head
    assert (ROOT / "scripts" / "build_lambda.py").is_file()
    assert "Okta" in head and "Google Workspace audit logs pulled" not in head
