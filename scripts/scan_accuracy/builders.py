"""One builder per kind of file. Each returns a FileDoc whose blocks carry the labels of what was
planted in them. Builders mix innocuous blocks (the bulk) with a few planted ones, and vary names,
quoting, indentation and comments so no two files read alike."""

import base64
import json
import random
import urllib.parse

import filler as F
import tokens
from corpus import Block, FileDoc, Planter, Secret, text_block

# Variable names people give each kind of credential (the key decides nothing for the label).
VAR_NAMES = {
    "glpat": ["GITLAB_TOKEN", "GL_TOKEN", "GITLAB_PRIVATE_TOKEN", "GITLAB_API_TOKEN", "DANGER_GITLAB_API_TOKEN",
              "RENOVATE_TOKEN", "GITLAB_ACCESS_TOKEN", "SEMANTIC_RELEASE_TOKEN", "GL_PAT", "BOT_TOKEN"],
    "gldt": ["DEPLOY_TOKEN", "REGISTRY_PASSWORD", "CI_DEPLOY_PASSWORD", "HELM_REPO_PASSWORD"],
    "glrt": ["RUNNER_TOKEN", "CI_SERVER_TOKEN", "RUNNER_AUTH_TOKEN"],
    "GR1348941": ["REGISTRATION_TOKEN", "RUNNER_REGISTRATION_TOKEN", "CI_SERVER_REGISTRATION_TOKEN"],
    "glcbt": ["CI_JOB_TOKEN", "JOB_TOKEN", "CI_REGISTRY_PASSWORD"],
    "glptt": ["TRIGGER_TOKEN", "DOWNSTREAM_TRIGGER_TOKEN", "PIPELINE_TRIGGER"],
    "glft": ["FEED_TOKEN", "GITLAB_FEED_TOKEN"],
    "glimt": ["INCOMING_EMAIL_TOKEN", "MAIL_TOKEN"],
    "glagent": ["AGENT_TOKEN", "KAS_AGENT_TOKEN", "GITLAB_AGENT_TOKEN"],
    "gloas": ["OAUTH_CLIENT_SECRET", "GITLAB_OAUTH_SECRET", "OMNIAUTH_SECRET"],
    "glsoat": ["SCIM_TOKEN", "OKTA_SCIM_TOKEN"],
    "glffct": ["UNLEASH_INSTANCE_ID", "FEATURE_FLAGS_TOKEN"],
    "glwt": ["WORKSPACE_TOKEN", "GL_WORKSPACE_TOKEN"],
    "_gitlab_session": ["GITLAB_SESSION", "SESSION_COOKIE"],
    "AKIA": ["AWS_ACCESS_KEY_ID"],
    "ghp": ["GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT"],
    "github_pat": ["GITHUB_TOKEN", "GH_TOKEN"],
    "xox": ["SLACK_TOKEN", "SLACK_BOT_TOKEN", "SLACK_API_TOKEN"],
    "hooks": ["SLACK_WEBHOOK_URL", "SLACK_WEBHOOK", "ALERT_WEBHOOK"],
    "sk_live": ["STRIPE_SECRET_KEY", "STRIPE_API_KEY"],
}


def var_for(secret: Secret, rng) -> str:
    v = secret.value
    for prefix, names in VAR_NAMES.items():
        if v.startswith(prefix) or (prefix == "hooks" and "hooks.slack.com" in v) or (prefix == "AKIA" and v.startswith("ASIA")):
            return rng.choice(names)
    if secret.kind == "gitlab-legacy-unprefixed":
        return rng.choice(["GITLAB_TOKEN", "GITLAB_PRIVATE_TOKEN", "GITLAB_API_TOKEN"])
    return rng.choice(["API_TOKEN", "ACCESS_TOKEN", "SERVICE_TOKEN", "AUTH_TOKEN", "TOKEN"])


def header_kinds():
    """GitLab tokens that authenticate API calls with PRIVATE-TOKEN."""
    return ["glpat-legacy", "glpat-routable-v0", "glpat-routable-v1", "glsoat", "glwt"]


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def yaml_indent(text: str, n: int) -> list:
    return [" " * n + line for line in text.split("\n")]


def count_plants(rng, mean: float) -> int:
    # Most files hold nothing; a few hold several.
    n = 0
    while rng.random() < mean / (1 + mean):
        n += 1
    return n


# --- .env ----------------------------------------------------------------------------------------

def env_file(rng, p: Planter, path: str, example=False) -> FileDoc:
    doc = FileDoc(path)
    svc = F.service(rng)
    doc.add(f"# {svc} — {'copy to .env and fill in' if example else 'environment for ' + rng.choice(['staging', 'production', 'local dev'])}")
    quote = rng.choice(["", "", '"', "'"])
    exp = rng.choice(["", "", "export "])
    kv = lambda k, v: f"{exp}{k}={quote}{v}{quote}"
    innocuous = [
        kv("APP_ENV", rng.choice(["production", "staging", "development"])), kv("LOG_LEVEL", rng.choice(["info", "debug", "warn"])),
        kv("DATABASE_URL", f"postgres://{svc.replace('-', '_')}:${{DB_PASSWORD}}@db:5432/{svc.replace('-', '_')}"),
        kv("REDIS_URL", f"redis://redis:6379/{rng.randrange(0, 8)}"), kv("PORT", str(F.port(rng))),
        kv("GITLAB_URL", f"https://{F.host(rng)}"), kv("CI_PROJECT_ID", str(rng.randrange(10, 99999))),
        kv("BUILD_SHA", F.sha1(rng)), kv("REQUEST_TIMEOUT_MS", str(rng.randrange(500, 30000))),
        kv("GITLAB_TOKEN", "${CI_JOB_TOKEN}"), kv("FEATURE_" + rng.choice(F.WORDS).upper(), rng.choice(["true", "false"])),
        kv("TRACE_ID_SALT", F.uid(rng)), kv("ASSET_MANIFEST_DIGEST", F.digest(rng)),
    ]
    rng.shuffle(innocuous)
    lines = innocuous[: rng.randrange(4, len(innocuous))]
    doc.add("\n".join(lines[: len(lines) // 2]))
    for _ in range(count_plants(rng, 0.5 if example else 0.7)):
        if example:
            s = p.negative_token(["placeholder"]) if rng.random() < 0.8 else p.aws_example_pair()[rng.randrange(2)]
            doc.add(Block([kv(var_for(s, rng), s.value)])).label(s, "env-file", s.value)
            continue
        roll = rng.random()
        if roll < 0.15:
            key_id, secret = p.aws_pair() if rng.random() < 0.85 else p.aws_example_pair()
            b = Block([kv("AWS_ACCESS_KEY_ID", key_id.value), kv("AWS_SECRET_ACCESS_KEY", secret.value),
                       kv("AWS_DEFAULT_REGION", rng.choice(["eu-west-1", "us-east-1", "ap-southeast-2"]))])
            b.label(key_id, "env-file", key_id.value).label(secret, "env-file", secret.value)
            doc.add(b)
        elif roll < 0.27:
            s = p.unprefixed_legacy()
            doc.add(Block([kv(var_for(s, rng), s.value)])).label(s, "env-file", s.value)
        elif roll < 0.4:
            s = p.unprefixed_negative()
            name = rng.choice(["CACHE_KEY", "BUILD_NONCE", "SESSION_SALT_ID", "CORRELATION_SEED", "ASSET_VERSION_KEY"])
            doc.add(Block([kv(name, s.value)])).label(s, "env-file", s.value)
        else:
            s = p.token_or_negative()
            doc.add(Block([kv(var_for(s, rng), s.value)])).label(s, "env-file", s.value)
    doc.add("\n".join(lines[len(lines) // 2:]))
    return doc


# --- .gitlab-ci.yml ------------------------------------------------------------------------------

def gitlab_ci(rng, p: Planter, path: str) -> FileDoc:
    doc = FileDoc(path)
    image = rng.choice(["node:20-alpine", "python:3.12-slim", "golang:1.22", "ruby:3.3", "rust:1.79", "alpine:3.20"])
    doc.add(f"# CI for {F.project_path(rng)}\nstages:\n  - build\n  - test\n  - deploy\n\ndefault:\n  image: {image}@{F.digest(rng)}\n  tags: [{rng.choice(['docker', 'k8s', 'shared'])}]\n")
    var_lines = ["variables:", f"  DOCKER_DRIVER: overlay2", f"  GIT_DEPTH: \"{rng.choice([1, 10, 50])}\"",
                 f"  API_URL: \"https://{F.host(rng)}/api/v4\"", "  UPSTREAM_TOKEN: $CI_JOB_TOKEN"]
    doc.add("\n".join(var_lines))
    for _ in range(count_plants(rng, 0.2)):
        s = p.token_or_negative()
        q = rng.choice(['"', "'", ""])
        doc.add(Block([f"  {var_for(s, rng)}: {q}{s.value}{q}"])).label(s, "gitlab-ci-yml", s.value)
    doc.add("")
    for job in rng.sample(["build", "unit-tests", "lint", "publish", "deploy-staging", "release", "sast"], rng.randrange(2, 4)):
        stage = "deploy" if "deploy" in job or job in ("publish", "release") else ("build" if job == "build" else "test")
        lines = [f"{job}:", f"  stage: {stage}", "  script:"]
        lines += [f"    - {c}" for c in rng.sample([
            "npm ci --prefer-offline", "make test", "cargo build --release --locked", "pip install -r requirements.txt",
            'echo "Building $CI_COMMIT_SHORT_SHA"', 'docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"',
            "go test ./...", "bundle exec rspec", f'curl --fail --header "JOB-TOKEN: $CI_JOB_TOKEN" "$API_URL/projects/$CI_PROJECT_ID/releases"',
        ], 3)]
        block = Block(lines)
        if rng.random() < 0.15:
            s = p.token_or_negative(gitlab_share=0.9, gitlab_kinds=header_kinds() + ["glptt"])
            if s.value.startswith("glptt-"):
                block.lines.append(f"    - 'curl --request POST --form \"token={s.value}\" --form ref=main \"https://{F.host(rng)}/api/v4/projects/{rng.randrange(10, 9999)}/trigger/pipeline\"'")
            else:
                block.lines.append(f"    - 'curl --fail --header \"PRIVATE-TOKEN: {s.value}\" \"$API_URL/projects/{rng.randrange(10, 9999)}/variables\"'")
            block.label(s, "gitlab-ci-yml", s.value)
        if rng.random() < 0.3:
            block.lines += ["  rules:", "    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"]
        block.lines.append("")
        doc.add(block)
    return doc


# --- Kubernetes ----------------------------------------------------------------------------------

def k8s_deployment(rng, p: Planter, path: str) -> FileDoc:
    svc = F.service(rng)
    ns = rng.choice(F.TEAMS)
    doc = FileDoc(path)
    doc.add(f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {svc}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {svc}
    app.kubernetes.io/version: "{F.version(rng)}"
spec:
  replicas: {rng.randrange(1, 6)}
  selector:
    matchLabels:
      app.kubernetes.io/name: {svc}
  template:
    metadata:
      annotations:
        checksum/config: {F.sha256(rng)}
    spec:
      containers:
        - name: {svc}
          image: {rng.choice(F.REGISTRIES)}/{ns}/{svc}@{F.digest(rng)}
          ports:
            - containerPort: {F.port(rng)}
          env:
            - name: GITLAB_TOKEN
              valueFrom:
                secretKeyRef:
                  name: {svc}-credentials
                  key: token
            - name: LOG_FORMAT
              value: json""")
    for _ in range(count_plants(rng, 0.35)):
        s = p.token_or_negative()
        doc.add(Block([f"            - name: {var_for(s, rng)}", f"              value: \"{s.value}\""])).label(s, "k8s-manifest-env", s.value)
    doc.add("          resources:\n            limits:\n              memory: 512Mi")
    return doc


def k8s_secret(rng, p: Planter, path: str) -> FileDoc:
    svc = F.service(rng)
    doc = FileDoc(path)
    docker = rng.random() < 0.2
    doc.add(f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {svc}-{'registry' if docker else 'credentials'}\n  namespace: {rng.choice(F.TEAMS)}\n"
            f"  annotations:\n    managed-by: {rng.choice(['helm', 'argocd', 'kubectl'])}\ntype: {'kubernetes.io/dockerconfigjson' if docker else 'Opaque'}\ndata:")
    if docker:
        s, content = dockerconfig_auth(rng, p)
        encoded = b64(content)
        doc.add(Block([f"  .dockerconfigjson: {encoded}"])).label(s, "k8s-dockerconfigjson", encoded)
        return doc
    doc.add(f"  username: {b64(rng.choice(['deploy', 'svc-' + svc, 'gitlab-ci']))}\n  host: {b64(F.host(rng))}")
    for _ in range(count_plants(rng, 0.6)):
        roll = rng.random()
        if roll < 0.3:
            s = p.pem() if rng.random() < 0.7 else p.pem_negative()
            enc = b64(s.value + "\n")
            doc.add(Block([f"  {rng.choice(['tls.key', 'ssh-privatekey', 'id_rsa', 'signing.key'])}: {enc}"])).label(s, "k8s-secret-data-pem", enc)
        else:
            s = p.token_or_negative(negative_rate=0.3)
            enc = b64(s.value)
            doc.add(Block([f"  {rng.choice(['token', 'api-token', var_for(s, rng).lower().replace('_', '-')])}: {enc}"])).label(s, "k8s-secret-data", enc)
    if rng.random() < 0.6:
        doc.add("stringData:")
        doc.add(f"  config.yaml: |\n    endpoint: https://{F.host(rng)}\n    retries: {rng.randrange(1, 6)}")
        for _ in range(count_plants(rng, 0.5)):
            roll = rng.random()
            if roll < 0.25:
                s = p.pem() if rng.random() < 0.7 else p.pem_negative()
                key = rng.choice(["ssh-privatekey", "tls.key", "deploy_key"])
                b = Block([f"  {key}: |", *yaml_indent(s.value, 4)])
                doc.add(b).label(s, "yaml-block-pem", "-----BEGIN", "-----END")
            elif roll < 0.35:
                key_id, secret = p.aws_pair()
                b = Block([f"  AWS_ACCESS_KEY_ID: {key_id.value}", f"  AWS_SECRET_ACCESS_KEY: {secret.value}"])
                doc.add(b.label(key_id, "k8s-secret-stringdata", key_id.value).label(secret, "k8s-secret-stringdata", secret.value))
            else:
                s = p.token_or_negative(negative_rate=0.3)
                q = rng.choice(['"', ""])
                doc.add(Block([f"  {var_for(s, rng)}: {q}{s.value}{q}"])).label(s, "k8s-secret-stringdata", s.value)
    return doc


def dockerconfig_auth(rng, p: Planter):
    """(secret, JSON text) of a docker config whose `auth` is base64(user:token)."""
    s = p.token(gitlab_share=0.85, gitlab_kinds=["glpat-legacy", "glpat-routable-v0", "glpat-routable-v1", "gldt", "glcbt-db"],
                third_kinds=["github-classic"])
    if s.value.startswith("gldt-"):
        user = f"gitlab+deploy-token-{rng.randrange(100, 99999)}"
    elif s.value.startswith("glcbt-"):
        user = "gitlab-ci-token"
    elif s.value.startswith("ghp_"):
        user = rng.choice(F.USERS)
    else:
        user = rng.choice(F.USERS + ["oauth2"])
    registry = rng.choice(F.REGISTRIES) if s.group == "gitlab" else "ghcr.io"
    content = json.dumps({"auths": {registry: {"auth": b64(f"{user}:{s.value}")}}})
    return s, content


def dockerconfigjson_file(rng, p: Planter, path: str) -> FileDoc:
    doc = FileDoc(path)
    s, _ = dockerconfig_auth(rng, p)
    user = rng.choice(["gitlab-ci-token", "oauth2", rng.choice(F.USERS)])
    registry = rng.choice(F.REGISTRIES) if s.group == "gitlab" else "ghcr.io"
    auth = b64(f"{user}:{s.value}")
    lines = ["{", '  "auths": {']
    if rng.random() < 0.5:
        lines.append('    "https://index.docker.io/v1/": {},')
    lines += [f'    "{registry}": {{', f'      "auth": "{auth}"', "    }", "  },"]
    lines += [f'  "credsStore": "{rng.choice(["desktop", "osxkeychain", "pass"])}",' if rng.random() < 0.4 else '  "experimental": "disabled",',
              '  "HttpHeaders": {', f'    "User-Agent": "Docker-Client/{F.version(rng)} (linux)"', "  }", "}"]
    doc.add(Block(lines)).label(s, "dockerconfigjson", auth)
    return doc


# --- Helm values ---------------------------------------------------------------------------------

def helm_values(rng, p: Planter, path: str) -> FileDoc:
    svc = F.service(rng)
    doc = FileDoc(path)
    doc.add(f"# Default values for {svc}.\nreplicaCount: {rng.randrange(1, 5)}\n\nimage:\n  repository: {rng.choice(F.REGISTRIES)}/{F.project_path(rng)}\n"
            f"  tag: \"{F.version(rng)}\"\n  digest: {F.digest(rng)}\n  pullPolicy: IfNotPresent\n\nimagePullSecrets:\n  - name: {svc}-registry\n")
    doc.add(f"gitlab:\n  url: https://{F.host(rng)}\n  # token comes from the {svc}-credentials secret unless set here\n  existingSecret: {svc}-credentials")
    for _ in range(count_plants(rng, 0.45)):
        roll = rng.random()
        if roll < 0.25:
            s = p.pem() if rng.random() < 0.7 else p.pem_negative()
            key = rng.choice(["privateKey", "sshKey", "key", "signingKey"])
            b = Block([f"{rng.choice(['tls', 'ssh', 'signing', 'deployKey'])}:", f"  {key}: |", *yaml_indent(s.value, 4)])
            doc.add(b).label(s, "yaml-block-pem", "-----BEGIN", "-----END")
        elif roll < 0.35:
            key_id, secret = p.aws_pair() if rng.random() < 0.8 else p.aws_example_pair()
            b = Block(["s3:", f"  bucket: {svc}-artifacts", f"  region: {rng.choice(['eu-central-1', 'us-west-2'])}",
                       f"  accessKeyId: {key_id.value}", f"  secretAccessKey: \"{secret.value}\""])
            doc.add(b.label(key_id, "helm-values", key_id.value).label(secret, "helm-values", secret.value))
        else:
            s = p.token_or_negative()
            key = rng.choice(["token", "apiToken", "privateToken", "webhookUrl" if "hooks" in s.value else "authToken"])
            b = Block([f"{rng.choice(['integration', 'notifications', 'runner', 'sync', 'auth'])}:", f"  enabled: true", f"  {key}: \"{s.value}\""])
            doc.add(b).label(s, "helm-values", s.value)
    doc.add(f"\nresources:\n  requests:\n    cpu: {rng.choice(['100m', '250m', '500m'])}\n    memory: {rng.choice(['128Mi', '256Mi'])}\nnodeSelector: {{}}")
    return doc


# --- Runner config.toml, .netrc, AWS credentials -------------------------------------------------

def runner_config(rng, p: Planter, path: str) -> FileDoc:
    doc = FileDoc(path)
    doc.add(f"concurrent = {rng.randrange(1, 16)}\ncheck_interval = 0\nshutdown_timeout = 0\n\n[session_server]\n  session_timeout = 1800\n")
    for i in range(rng.randrange(1, 3)):
        s = p.token_or_negative(gitlab_share=1.0, gitlab_kinds=["glrt-routable", "glrt-legacy", "glrtr-routable", "glrtr-legacy"],
                                negative_rate=0.25, negative_categories=["crc-failed", "placeholder", "too-short-body"])
        b = Block(["[[runners]]", f"  name = \"{rng.choice(['docker', 'k8s', 'shell'])}-runner-{rng.randrange(1, 40)}\"",
                   f"  url = \"https://{F.host(rng)}\"", f"  id = {rng.randrange(100, 99999)}", f"  token = \"{s.value}\"",
                   f"  token_obtained_at = {F.iso(rng)}", "  token_expires_at = 0001-01-01T00:00:00Z",
                   f"  executor = \"{rng.choice(['docker', 'kubernetes', 'shell'])}\""])
        b.label(s, "runner-config-toml", s.value)
        doc.add(b)
        if rng.random() < 0.4:
            key_id, secret = p.aws_pair()
            cb = Block(["  [runners.cache]", "    Type = \"s3\"", "    Shared = true", "    [runners.cache.s3]",
                        "      ServerAddress = \"s3.amazonaws.com\"", f"      AccessKey = \"{key_id.value}\"",
                        f"      SecretKey = \"{secret.value}\"", f"      BucketName = \"runner-cache-{rng.randrange(1, 99)}\""])
            doc.add(cb.label(key_id, "runner-config-toml", key_id.value).label(secret, "runner-config-toml", secret.value))
        doc.add(f"  [runners.docker]\n    image = \"alpine:3.20\"\n    privileged = false\n    volumes = [\"/cache\"]\n")
    return doc


def netrc(rng, p: Planter, path: str) -> FileDoc:
    doc = FileDoc(path)
    for _ in range(rng.randrange(1, 4)):
        roll = rng.random()
        one_line = rng.random() < 0.5
        if roll < 0.35:
            s = p.unprefixed_legacy()
            h, login = F.host(rng), rng.choice(["oauth2", "gitlab-ci-token", rng.choice(F.USERS)])
        elif roll < 0.5:
            s = p.unprefixed_negative()
            h, login = rng.choice(["nexus.internal.acme.io", "artifactory.example.net", "pypi.corp.example.com"]), "deploy"
            s = Secret(s.kind, s.value, s.group, False, s.fp_source, "unprefixed-non-gitlab")
        else:
            s = p.token_or_negative(gitlab_share=0.9, gitlab_kinds=header_kinds() + ["gldt"], third_kinds=["github-classic", "github-fine-grained"])
            h = F.host(rng) if s.group == "gitlab" else "github.com"
            login = rng.choice(["oauth2", rng.choice(F.USERS)])
        if one_line:
            b = Block([f"machine {h} login {login} password {s.value}"])
        else:
            b = Block([f"machine {h}", f"  login {login}", f"  password {s.value}"])
        doc.add(b).label(s, "netrc", s.value)
    return doc


def aws_credentials(rng, p: Planter, path: str) -> FileDoc:
    doc = FileDoc(path)
    example = "example" in path
    for profile in rng.sample(["default", "prod", "staging", "ci", "backup", "readonly"], rng.choice([1, 1, 2])):
        key_id, secret = p.aws_example_pair() if example or rng.random() < 0.1 else p.aws_pair()
        sp = rng.choice([" = ", "=", " = "])
        b = Block([f"[{profile}]", f"aws_access_key_id{sp}{key_id.value}", f"aws_secret_access_key{sp}{secret.value}"])
        if rng.random() < 0.5:
            b.lines.append(f"region{sp}{rng.choice(['eu-west-1', 'us-east-1'])}")
        b.lines.append("")
        doc.add(b.label(key_id, "aws-credentials-file", key_id.value).label(secret, "aws-credentials-file", secret.value))
    return doc


# --- PEM and GCP key files -----------------------------------------------------------------------

def pem_file(rng, p: Planter, path: str) -> FileDoc:
    doc = FileDoc(path)
    if path.endswith((".crt", "ca.pem")):
        for _ in range(rng.randrange(1, 3)):
            s = Secret("certificate", tokens.certificate_pem(rng, F.host(rng)), "third_party", False, None, "certificate")
            doc.add(text_block(s.value)).label(s, "pem-file", "-----BEGIN", "-----END")
        return doc
    if path.endswith(".pub"):
        s = Secret("public-key", tokens.public_key_pem(rng), "third_party", False, None, "public-key")
        doc.add(text_block(s.value)).label(s, "pem-file", "-----BEGIN", "-----END")
        return doc
    if path.endswith("chain.pem") and rng.random() < 0.7:
        c = Secret("certificate", tokens.certificate_pem(rng, F.host(rng)), "third_party", False, None, "certificate")
        doc.add(text_block(c.value)).label(c, "pem-file", "-----BEGIN", "-----END")
    kinds = ["pem-openssh"] if "id_" in path else None
    s = p.pem(kinds, comment=f"{rng.choice(F.USERS)}@{rng.choice(['laptop', 'ci', 'bastion'])}")
    doc.add(text_block(s.value)).label(s, "pem-file", "-----BEGIN", "-----END")
    return doc


def gcp_key(rng, p: Planter, path: str) -> FileDoc:
    doc = FileDoc(path, final_newline=rng.random() < 0.5)
    sa = tokens.gcp_service_account(rng, rng.choice(["acme-prod-3391", "data-platform-dev", "ml-sandbox-12"]))
    lines = json.dumps(sa, indent=2).split("\n")
    s = Secret("gcp-service-account", "", "third_party", True, None)
    # The labelled line is the private_key line; the whole object is the credential, so a
    # finding anywhere from there to the closing brace counts.
    b = Block(lines).label(s, "gcp-service-account", '"private_key"')
    lab = b.labels[-1]
    lab.pre, lab.span = lab.offset, len(lines) - lab.offset
    doc.add(b)
    return doc


# --- JSON captures -------------------------------------------------------------------------------

API_SHAPES = {
    "glpat": ("personal_access_tokens", lambda rng: {"id": rng.randrange(100, 99999), "name": rng.choice(["ci-bot", "renovate", "backup"]),
                                                     "revoked": False, "created_at": F.iso(rng), "scopes": ["api"], "user_id": rng.randrange(1, 9999),
                                                     "active": True, "expires_at": "2025-12-31"}),
    "glrt": ("user/runners", lambda rng: {"id": rng.randrange(100, 99999), "token_expires_at": None}),
    "gldt": ("deploy_tokens", lambda rng: {"id": rng.randrange(1, 999), "name": "registry-pull", "username": f"gitlab+deploy-token-{rng.randrange(1, 999)}",
                                           "expires_at": None, "scopes": ["read_registry"], "revoked": False, "expired": False}),
    "glptt": ("triggers", lambda rng: {"id": rng.randrange(1, 999), "description": "downstream deploy", "created_at": F.iso(rng),
                                       "last_used": None, "owner": None}),
}


def api_response(rng, p: Planter, path: str) -> FileDoc:
    doc = FileDoc(path)
    roll = rng.random()
    if roll < 0.55:
        s = p.token_or_negative(gitlab_share=1.0, gitlab_kinds=["glpat-legacy", "glpat-routable-v0", "glpat-routable-v1", "glrt-routable",
                                                                 "glrtr-routable", "gldt", "glptt", "glagent", "gloas", "glffct", "glimt", "glft"])
        key = next((k for k in API_SHAPES if s.value.startswith(k)), "glpat")
        endpoint, shape = API_SHAPES[key]
        obj = shape(rng)
        field = "secret" if s.value.startswith("gloas-") else ("instance_id" if s.value.startswith("glffct") else "token")
        obj[field] = s.value
        obj["web_url"] = f"https://{F.host(rng)}/{F.project_path(rng)}"
        doc.add(f"// POST /api/v4/{endpoint}  ({F.iso(rng)}, captured by {rng.choice(F.USERS)})")
        text = json.dumps(obj, indent=rng.choice([2, 4]))
        doc.add(text_block(text)).label(s, "json-api-response", s.value)
    else:
        # Innocuous list responses: pipelines, jobs, packages.
        items = [{"id": rng.randrange(10**5, 10**8), "sha": F.sha1(rng), "ref": rng.choice(["main", "develop"]), "status": rng.choice(["success", "failed"]),
                  "web_url": f"https://{F.host(rng)}/{F.project_path(rng)}/-/pipelines/{rng.randrange(1000, 99999)}",
                  "created_at": F.iso(rng)} for _ in range(rng.randrange(2, 8))]
        doc.add(json.dumps(items, indent=2))
        if rng.random() < 0.3:
            s = p.negative_token()
            doc.add(Block([json.dumps({"note": "rotated", "old_token_hint": s.value})])).label(s, "json-api-response", s.value)
    return doc


def json_escaped(rng, p: Planter, path: str) -> FileDoc:
    """Compact JSON as APIs and log shippers write it: `\\/` in URLs, `\\n` inside strings."""
    doc = FileDoc(path)
    for _ in range(rng.randrange(2, 7)):
        base = {"ts": F.iso(rng), "level": rng.choice(["info", "warn"]), "msg": F.sentence(rng), "request_id": F.uid(rng)}
        doc.add(json.dumps(base))
    for _ in range(count_plants(rng, 0.8)):
        roll = rng.random()
        if roll < 0.35:
            s = p.pem() if rng.random() < 0.75 else p.pem_negative()
            obj = {"request_id": F.uid(rng), "lease_duration": 2764800, "data": {"data": {rng.choice(["ssh_key", "private_key", "tls_key"]): s.value + "\n"}}}
            line = json.dumps(obj)
            doc.add(Block([line])).label(s, "json-escaped-pem", "-----BEGIN")
        elif roll < 0.7:
            s = p.token_or_negative(gitlab_share=0.9, gitlab_kinds=header_kinds() + ["gldt", "glcbt-db"], third_kinds=["github-classic"])
            user = "gitlab-ci-token" if s.value.startswith("glcbt") else "oauth2"
            url = f"https://{user}:{s.value}@{F.host(rng)}/{F.project_path(rng)}.git"
            obj = {"event": "clone", "remote": url, "at": F.iso(rng)}
            line = json.dumps(obj).replace("/", "\\/")
            doc.add(Block([line])).label(s, "json-escaped", s.value.replace("/", "\\/"))
        else:
            s = p.token_or_negative()
            script = f"#!/bin/sh\nset -e\nexport {var_for(s, rng)}={s.value}\n{rng.choice(['make deploy', './release.sh', 'terraform apply -auto-approve'])}\n"
            line = json.dumps({"job": {"id": rng.randrange(10**6, 10**9), "script": script, "status": "failed"}})
            doc.add(Block([line])).label(s, "json-escaped", s.value)
    for _ in range(rng.randrange(1, 4)):
        doc.add(json.dumps({"ts": F.iso(rng), "path": f"\\/api\\/v4\\/projects\\/{rng.randrange(1, 999)}", "sha": F.sha1(rng)}).replace("\\\\", "\\"))
    return doc


def har_capture(rng, p: Planter, path: str) -> FileDoc:
    doc = FileDoc(path)
    h = F.host(rng)
    entries = []
    planted = []
    for _ in range(rng.randrange(1, 4)):
        headers = [{"name": "Accept", "value": "application/json"}, {"name": "User-Agent", "value": f"Mozilla/5.0 glab/{F.version(rng)}"},
                   {"name": "X-Request-Id", "value": F.uid(rng)}]
        roll = rng.random()
        if roll < 0.3:
            s = p.gitlab(["gitlab-session"]) if rng.random() < 0.8 else p.negative_token(["placeholder", "too-short-body"])
            headers.append({"name": "Cookie", "value": f"{s.value}; known_sign_in={F.b64blob(rng, 24)}; event_filter=all"})
        elif roll < 0.45:
            s = p.unprefixed_legacy() if rng.random() < 0.8 else p.unprefixed_negative()
            headers.append({"name": "PRIVATE-TOKEN" if s.positive else "X-Correlation-Id", "value": s.value})
        else:
            s = p.token_or_negative(gitlab_share=0.85, gitlab_kinds=header_kinds() + ["glcbt-db", "glcbt-jwt"], third_kinds=["github-classic", "slack-bot"])
            name = rng.choice(["PRIVATE-TOKEN", "Authorization"]) if not s.value.startswith("glcbt") else "JOB-TOKEN"
            headers.append({"name": name, "value": ("Bearer " if name == "Authorization" else "") + s.value})
        rng.shuffle(headers)
        planted.append(s)
        entries.append({"startedDateTime": F.iso(rng), "time": rng.randrange(20, 900),
                        "request": {"method": "GET", "url": f"https://{h}/api/v4/projects/{rng.randrange(1, 9999)}/jobs?per_page=100",
                                    "httpVersion": "HTTP/2", "headers": headers},
                        "response": {"status": 200, "content": {"mimeType": "application/json", "size": rng.randrange(100, 90000),
                                                                "text": json.dumps([{"id": rng.randrange(1, 10**7), "sha": F.sha1(rng)}])}}})
    har = {"log": {"version": "1.2", "creator": {"name": "Firefox", "version": "126.0"}, "entries": entries}}
    b = Block(json.dumps(har, indent=2).split("\n"))
    for s in planted:
        b.label(s, "har-capture", s.value)
    doc.add(b)
    return doc


# --- Markdown runbooks ---------------------------------------------------------------------------

def runbook(rng, p: Planter, path: str) -> FileDoc:
    doc = FileDoc(path)
    title = rng.choice(["Rotating GitLab tokens", "Runner outage", "Incident 2024-", "Registry pull failures", "On-call handbook",
                        "Credential leak response", "Release checklist"])
    doc.add(f"# {title}\n\n{F.prose(rng, 2)}\n\n## Steps\n")
    for i in range(rng.randrange(2, 6)):
        doc.add(f"{i + 1}. {F.prose(rng, 1)}")
    doc.add("")
    for _ in range(count_plants(rng, 0.55)):
        roll = rng.random()
        if roll < 0.35:
            s = p.negative_token(["placeholder"], gitlab_only=rng.random() < 0.7)
            b = Block(["Example:", "", "```shell", f"curl --header \"PRIVATE-TOKEN: {s.value}\" \"https://{F.host(rng)}/api/v4/user\"", "```", ""])
        elif roll < 0.45:
            s = p.pem_negative() if rng.random() < 0.7 else p.pem()
            b = Block(["The key file must look like this:", "", "```", *s.value.split("\n"), "```", ""])
            doc.add(b).label(s, "markdown-runbook", "-----BEGIN", "-----END")
            continue
        elif roll < 0.52:
            key_id, secret = p.aws_example_pair()
            b = Block(["```ini", "[default]", f"aws_access_key_id = {key_id.value}", f"aws_secret_access_key = {secret.value}", "```", ""])
            doc.add(b.label(key_id, "markdown-runbook", key_id.value).label(secret, "markdown-runbook", secret.value))
            continue
        else:
            s = p.token_or_negative(negative_rate=0.25)
            b = Block(rng.choice([
                [f"Leaked value found in the job log (now revoked): `{s.value}`", ""],
                ["Reproduce with:", "", "```bash", f"export {var_for(s, rng)}={s.value}", "./scripts/check.sh", "```", ""],
                [f"| {rng.choice(F.USERS)} | {var_for(s, rng)} | `{s.value}` | {F.iso(rng)} |", ""],
            ]))
        doc.add(b).label(s, "markdown-runbook", s.value)
    doc.add(f"## Notes\n\n{F.prose(rng, 3)}\n\nCommit `{F.sha1(rng)}` introduced the change; image `{F.digest(rng)}`.")
    return doc


# --- Shell history and access logs ---------------------------------------------------------------

def shell_history(rng, p: Planter, path: str) -> FileDoc:
    doc = FileDoc(path)
    zsh = "zsh" in path
    t = rng.randrange(1_710_000_000, 1_730_000_000)

    def cmd(c):
        nonlocal t
        t += rng.randrange(3, 4000)
        return f": {t}:0;{c}" if zsh else c

    boring = ["ls -la", "cd ~/src/" + F.service(rng), "git status", "git pull --rebase", "kubectl get pods -n " + rng.choice(F.TEAMS),
              "docker ps", "vim .gitlab-ci.yml", "make test", "history | tail", f"git log --oneline {F.short_sha(rng)}..HEAD",
              'curl -s --header "PRIVATE-TOKEN: $GITLAB_TOKEN" https://gitlab.example.com/api/v4/user | jq .username',
              "glab mr list", "terraform plan", "aws sts get-caller-identity", "sudo systemctl restart gitlab-runner"]
    for _ in range(rng.randrange(5, 20)):
        doc.add(cmd(rng.choice(boring)))
        if rng.random() < 0.07:
            roll = rng.random()
            h = F.host(rng)
            if roll < 0.35:
                s = p.token_or_negative(gitlab_share=1.0, gitlab_kinds=header_kinds())
                if rng.random() < 0.2:
                    s = p.unprefixed_legacy()
                line = cmd(f"curl {rng.choice(['-s ', '-sf ', ''])}--header \"PRIVATE-TOKEN: {s.value}\" \"https://{h}/api/v4/projects/{rng.randrange(1, 9999)}/{rng.choice(['variables', 'members', 'jobs'])}\"")
                doc.add(Block([line])).label(s, "shell-history-header", s.value)
            elif roll < 0.6:
                s = p.token_or_negative(gitlab_share=1.0, gitlab_kinds=header_kinds() + ["gldt", "glcbt-db"])
                user = "gitlab-ci-token" if s.value.startswith("glcbt") else rng.choice(["oauth2", "oauth2", rng.choice(F.USERS)])
                line = cmd(rng.choice(["git clone", "git remote set-url origin", "git push"]) + f" https://{user}:{s.value}@{h}/{F.project_path(rng)}.git")
                doc.add(Block([line])).label(s, "url-credentials", s.value)
            elif roll < 0.75:
                s = p.gitlab(["runner-registration"]) if rng.random() < 0.8 else p.negative_token(["placeholder"])
                line = cmd(f"sudo gitlab-runner register --non-interactive --url https://{h} --registration-token {s.value} --executor docker")
                doc.add(Block([line])).label(s, "shell-history", s.value)
            elif roll < 0.87:
                key_id, secret = p.aws_pair()
                b = Block([cmd(f"aws configure set aws_access_key_id {key_id.value}"), cmd(f"aws configure set aws_secret_access_key {secret.value}")])
                doc.add(b.label(key_id, "shell-history", key_id.value).label(secret, "shell-history", secret.value))
            else:
                s = p.third(["slack-webhook", "slack-bot", "github-classic", "stripe-live"])
                if "hooks.slack" in s.value:
                    line = cmd(f"curl -X POST -H 'Content-type: application/json' --data '{{\"text\":\"deploy done\"}}' {s.value}")
                else:
                    line = cmd(f"export {var_for(s, rng)}={s.value}")
                doc.add(Block([line])).label(s, "shell-history", s.value)
    return doc


def access_log(rng, p: Planter, path: str) -> FileDoc:
    doc = FileDoc(path)
    for _ in range(rng.randrange(8, 30)):
        ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
        ts = F.timestamp(rng).strftime("%d/%b/%Y:%H:%M:%S +0000")
        req = rng.choice([f"/api/v4/projects/{rng.randrange(1, 999)}/pipelines?ref=main&per_page=20", f"/{F.project_path(rng)}/-/jobs/{rng.randrange(10**6, 10**8)}/raw",
                          f"/-/readiness?all=1", f"/api/v4/jobs/request", f"/{F.project_path(rng)}.git/info/refs?service=git-upload-pack"])
        line_fmt = lambda r: f'{ip} - - [{ts}] "GET {r} HTTP/1.1" {rng.choice([200, 200, 304, 401, 404])} {rng.randrange(100, 90000)} "-" "{rng.choice(["curl/8.5.0", "python-requests/2.31.0", "gitlab-runner 16.11.0"])}"'
        doc.add(line_fmt(req))
        if rng.random() < 0.07:
            roll = rng.random()
            if roll < 0.45:
                s = p.token_or_negative(gitlab_share=0.95, gitlab_kinds=header_kinds() + ["glft", "glft-feed"])
                param = "feed_token" if s.value.startswith("glft") else "private_token"
                r = f"/api/v4/projects?{param}={s.value}&per_page=100" if param == "private_token" else f"/{F.project_path(rng)}/-/issues.atom?{param}={s.value}&state=opened"
                doc.add(Block([line_fmt(r)])).label(s, "query-string", s.value)
            elif roll < 0.8:
                s = p.token_or_negative(gitlab_share=1.0, gitlab_kinds=header_kinds())
                inner = f"https://oauth2:{s.value}@{F.host(rng)}/{F.project_path(rng)}.git"
                enc = urllib.parse.quote(inner, safe="")
                doc.add(Block([line_fmt(f"/-/import/git?state={F.short_sha(rng)}&source={enc}")])).label(s, "url-encoded", urllib.parse.quote(s.value, safe=""))
            else:
                key_id, secret = p.aws_pair()
                while "/" not in secret.value and "+" not in secret.value:
                    key_id, secret = p.aws_pair()
                form = urllib.parse.urlencode({"aws_access_key_id": key_id.value, "aws_secret_access_key": secret.value, "region": "eu-west-1"})
                b = Block([line_fmt(f"/admin/integrations/s3/test?{form}")])
                doc.add(b.label(key_id, "url-encoded", key_id.value).label(secret, "url-encoded", urllib.parse.quote(secret.value, safe="")))
    return doc


# --- Source code in seven languages --------------------------------------------------------------

def _boundary(rng, p: Planter, line_of, host):
    """A valid routable token directly followed by a terminator; the label is the exact token."""
    s = p.boundary_token()
    ctx = rng.choice(["boundary-dot-suffix", "boundary-quote", "boundary-punct", "boundary-eol"])
    tail = {"boundary-dot-suffix": ".11aa", "boundary-quote": rng.choice(['"', "'"]),
            "boundary-punct": rng.choice([",", ")", ";"]), "boundary-eol": ""}[ctx]
    b = Block([line_of(s.value, tail)])
    b.label(s, host, s.value)
    b.labels[-1].context = ctx
    return b


def source_file(rng, p: Planter, path: str) -> FileDoc:
    ext = path.rsplit(".", 1)[-1]
    lang = {"py": "python", "js": "js", "ts": "ts", "go": "go", "java": "java", "rb": "ruby", "rs": "rust", "sh": "shell"}[ext]
    host = "source-" + lang
    doc = FileDoc(path)
    head, fn, close = _source_skeleton(rng, lang, path)
    doc.add("\n".join(head))
    for _ in range(count_plants(rng, 0.22)):
        roll = rng.random()
        if lang == "shell" and roll < 0.4:
            s = p.pem() if rng.random() < 0.75 else p.pem_negative()
            target = rng.choice(["~/.ssh/id_ed25519", "/tmp/deploy_key", "$HOME/.ssh/id_rsa", "/etc/ssl/private/app.key"])
            word = rng.choice(["EOF", "KEY", "PEM"])
            opener = rng.choice([word, f"'{word}'", f'"{word}"'])
            b = Block([f'mkdir -p "$(dirname {target})"', f"cat > {target} <<{opener}", *s.value.split("\n"), word,
                       f"chmod 600 {target}"])
            doc.add(b).label(s, "shell-heredoc-pem", "-----BEGIN", "-----END")
        elif roll < 0.3:
            doc.add(_boundary(rng, p, lambda v, t: _assign(rng, lang, "token", v, t), host))
        else:
            s = p.token_or_negative(negative_rate=0.35)
            name = var_for(s, rng)
            doc.add(Block(_config_lines(rng, lang, name, s.value))).label(s, host, s.value)
    for _ in range(rng.randrange(1, 5)):
        doc.add("\n".join(fn(rng)))
    if close:
        doc.add(close)
    return doc


def _assign(rng, lang, name, value, tail=None):
    """One line assigning `value`; with `tail` the token is followed directly by it."""
    if tail is not None:
        return rng.choice([f"{name}={value}{tail}", f"log(\"using {value}{tail}", f"  fetch_with({value}{tail}", f"  \"{name}\": \"{value}{tail}",
                           f"# rotated: {value}{tail}"])
    return f"{name} = \"{value}\""


def _config_lines(rng, lang, name, value):
    lower = name.lower()
    camel = "".join(w.capitalize() for w in lower.split("_"))
    camel = camel[0].lower() + camel[1:]
    return {
        "python": rng.choice([[f"{name} = \"{value}\""], [f"{name} = os.environ.get(\"{name}\", \"{value}\")"],
                              [f"HEADERS = {{\"PRIVATE-TOKEN\": \"{value}\", \"Accept\": \"application/json\"}}"],
                              [f"client = gitlab.Gitlab(\"https://{F.host(rng)}\", private_token='{value}')"]]),
        "js": rng.choice([[f"const {camel} = '{value}';"], [f"const {camel} = process.env.{name} || \"{value}\";"],
                          [f"  headers: {{ 'PRIVATE-TOKEN': '{value}' }},"]]),
        "ts": rng.choice([[f"export const {name}: string = \"{value}\";"], [f"const {camel} = process.env.{name} ?? '{value}';"],
                          [f"  token: `{value}`,"]]),
        "go": rng.choice([[f"const {camel} = \"{value}\""], [f"\treq.Header.Set(\"PRIVATE-TOKEN\", \"{value}\")"],
                          [f"var {camel} = os.Getenv(\"{name}\") // fallback: {value}"]]),
        "java": rng.choice([[f"    private static final String {name} = \"{value}\";"], [f"        .header(\"PRIVATE-TOKEN\", \"{value}\")"]]),
        "ruby": rng.choice([[f"{name} = '{value}'.freeze"], [f"  config.private_token = \"{value}\""],
                            [f"Gitlab.configure {{ |c| c.private_token = ENV.fetch('{name}', '{value}') }}"]]),
        "rust": rng.choice([[f"const {name}: &str = \"{value}\";"], [f"    let {lower} = std::env::var(\"{name}\").unwrap_or_else(|_| \"{value}\".into());"]]),
        "shell": rng.choice([[f"export {name}=\"{value}\""], [f"{name}='{value}'"],
                             [f"curl -sf --header \"PRIVATE-TOKEN: {value}\" \"https://{F.host(rng)}/api/v4/projects\""]]),
    }[lang]


def _source_skeleton(rng, lang, path):
    mod = path.rsplit("/", 1)[-1].split(".")[0]
    if lang == "python":
        head = [f'"""{F.sentence(rng)}"""', "", "import hashlib", "import logging", "import os", "",
                "import requests", "", "logger = logging.getLogger(__name__)", f"BASE_URL = os.environ.get(\"GITLAB_URL\", \"https://{F.host(rng)}\")",
                "session = requests.Session()", "_CACHE = {}", ""]
        return head, F.python_function, None
    if lang in ("js", "ts"):
        head = [f"// {mod}: {F.sentence(rng)}", "import { createHash } from 'node:crypto';", "",
                f"const baseUrl = process.env.GITLAB_URL ?? 'https://{F.host(rng)}';", "const cache = new Map();", ""]
        return head, (lambda r: F.js_function(r, lang == "ts")), None
    if lang == "go":
        head = [f"// Package {mod} {F.sentence(rng).lower()}", f"package {mod.replace('-', '')}", "", "import (", "\t\"context\"", "\t\"fmt\"",
                "\t\"net/http\"", "\t\"os\"", "\t\"time\"", ")", "", f"var baseURL = os.Getenv(\"GITLAB_URL\")", ""]
        return head, F.go_function, None
    if lang == "java":
        cls = F.pascal(rng)
        head = [f"package com.acme.{rng.choice(F.TEAMS).replace('-', '')};", "", "import java.io.IOException;", "import java.net.URI;",
                "import java.net.http.HttpRequest;", "import java.time.Duration;", "import java.util.List;", "",
                f"/** {F.sentence(rng)} */", f"public final class {cls} {{", f"    private final String baseUrl = System.getenv(\"GITLAB_URL\");", ""]
        return head, F.java_method, "}"
    if lang == "ruby":
        head = ["# frozen_string_literal: true", "", "require 'gitlab'", "", f"# {F.sentence(rng)}", f"class {F.pascal(rng)}"]
        return head, F.ruby_method, "end"
    if lang == "rust":
        head = [f"//! {F.sentence(rng)}", "", "use anyhow::Result;", "", "pub struct Item {", "    pub id: String,",
                *[f"    pub {w}: String," for w in F.WORDS], "}", ""]
        return head, F.rust_function, None
    head = ["#!/usr/bin/env bash", f"# {F.sentence(rng)}"]
    return head, lambda r: F.shell_lines(r) + [""], None


# --- CI job logs ---------------------------------------------------------------------------------

E = "\x1b"


class JobLog:
    """GitLab's raw trace: optional `<RFC3339Nano> <stream><O|E> ` timestamps, ANSI colours,
    `section_start:<ts>:<name>\\r\\e[0K` / `section_end` markers."""

    def __init__(self, rng, timestamps: bool):
        self.rng, self.timestamps = rng, timestamps
        self.t = rng.randrange(1_710_000_000, 1_735_000_000) + rng.random()
        self.stream = 0

    def stamp(self, text: str, err=False) -> str:
        if not self.timestamps:
            return text
        import datetime
        self.t += self.rng.random() * 2
        dt = datetime.datetime.fromtimestamp(self.t, datetime.timezone.utc)
        return f"{dt.strftime('%Y-%m-%dT%H:%M:%S.%f')}Z {self.stream:02x}{'E' if err else 'O'} {text}"

    def section_start(self, name, title):
        return self.stamp(f"section_start:{int(self.t)}:{name}\r{E}[0K{E}[0K{E}[36;1m{title}{E}[0;m")

    def section_end(self, name):
        return self.stamp(f"section_end:{int(self.t)}:{name}\r{E}[0K")

    def command(self, c):
        return self.stamp(f"{E}[32;1m$ {c}{E}[0;m")


def _env_dump(rng, planted, masked_vars):
    """Lines of `env` output: CI variables plus the planted ones (name, value)."""
    lines = [f"CI_PROJECT_PATH={F.project_path(rng)}", f"CI_COMMIT_SHA={F.sha1(rng)}", f"CI_PIPELINE_ID={rng.randrange(10**5, 10**8)}",
             f"CI_SERVER_URL=https://{F.host(rng)}", "CI_JOB_STAGE=deploy", f"HOSTNAME=runner-{F.short_sha(rng)}-project-{rng.randrange(1, 9999)}-concurrent-0",
             "HOME=/root", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", f"CI_REGISTRY_IMAGE={rng.choice(F.REGISTRIES)}/{F.project_path(rng)}",
             f"CI_JOB_ID={rng.randrange(10**6, 10**10)}", "CI=true", "GITLAB_CI=true"]
    lines += [f"{k}={v}" for k, v in planted]
    lines += [f"{k}=[MASKED]" for k in masked_vars]
    rng.shuffle(lines)
    return lines


def job_log(rng, p: Planter, path: str) -> FileDoc:
    doc = FileDoc(path)
    log = JobLog(rng, timestamps=rng.random() < 0.6)
    S = log.stamp
    runner = rng.choice(["16.11.1 (535ced5f)", "17.3.0 (66269445)", "17.6.1 (2c6c7ca9)"])
    doc.add("\n".join([S(f"{E}[0KRunning with gitlab-runner {runner}{E}[0;m"),
                       S(f"{E}[0K  on {rng.choice(['shared', 'k8s', 'docker'])}-runner-{rng.randrange(1, 30)} {F.short_sha(rng)}, system ID: s_{F.sha256(rng)[:12]}{E}[0;m"),
                       log.section_start("prepare_executor", 'Preparing the "docker" executor'),
                       S(f"{E}[0KUsing Docker executor with image {rng.choice(['node:20', 'python:3.12', 'alpine:3.20'])} ...{E}[0;m"),
                       S(f"{E}[0KPulling docker image ...{E}[0;m"), S(f"Using docker image {F.digest(rng)} ..."),
                       log.section_end("prepare_executor"),
                       log.section_start("get_sources", "Getting source from Git repository"),
                       S(f"{E}[32;1mFetching changes with git depth set to 20...{E}[0;m"),
                       S(f"Initialized empty Git repository in /builds/{F.project_path(rng)}/.git/"),
                       S(f"{E}[32;1mChecking out {F.short_sha(rng)} as detached HEAD (ref is main)...{E}[0;m"),
                       log.section_end("get_sources"),
                       log.section_start("step_script", 'Executing "step_script" stage of the job script')]))
    for _ in range(rng.randrange(4, 14)):
        doc.add(S(F.log_noise(rng), err=rng.random() < 0.1))
    for _ in range(count_plants(rng, 0.6)):
        _plant_in_log(rng, p, doc, log)
        for _ in range(rng.randrange(1, 8)):
            doc.add(S(F.log_noise(rng)))
    doc.add("\n".join([log.section_end("step_script"), log.section_start("cleanup_file_variables", "Cleaning up project directory and file based variables"),
                       log.section_end("cleanup_file_variables"),
                       S(f"{E}[32;1mJob succeeded{E}[0;m") if rng.random() < 0.7 else S(f"{E}[31;1mERROR: Job failed: exit code 1{E}[0;m")]))
    return doc


def _log_secret(rng, p: Planter):
    return p.token_or_negative(negative_rate=0.2, negative_categories=["crc-failed", "overlong-body", "too-short-body"])


def _plant_in_log(rng, p: Planter, doc: FileDoc, log: JobLog):
    S = log.stamp
    roll = rng.random()
    if roll < 0.16:
        s = _log_secret(rng, p)
        c = rng.choice([f"curl --fail --header \"PRIVATE-TOKEN: {s.value}\" \"$CI_API_V4_URL/projects/$CI_PROJECT_ID/releases\"",
                        f"export {var_for(s, rng)}={s.value}", f"./deploy.sh --token {s.value} --env production",
                        f"helm upgrade --install app ./chart --set auth.token={s.value}"])
        doc.add(Block([log.command(c)])).label(s, "joblog-ansi", s.value)
    elif roll < 0.32:
        planted = [_log_secret(rng, p) for _ in range(rng.randrange(1, 3))]
        masked = rng.sample(["CI_JOB_TOKEN", "CI_REGISTRY_PASSWORD", "GITLAB_TOKEN", "AWS_SECRET_ACCESS_KEY", "DEPLOY_TOKEN"], rng.randrange(1, 3))
        pairs = [(var_for(s, rng), s.value) for s in planted]
        body = _env_dump(rng, pairs, masked)
        b = Block([log.command(rng.choice(["printenv", "env", "env | sort"])), *[S(x) for x in body]])
        for s in planted:
            b.label(s, "joblog-printenv", s.value)
        if rng.random() < 0.5:
            m = p.masked(masked[0])
            b.label(m, "joblog-printenv", f"{masked[0]}=[MASKED]")
        doc.add(b)
    elif roll < 0.48:
        s = _log_secret(rng, p)
        h = F.host(rng)
        trace = rng.choice([f"+ curl -sS --header 'PRIVATE-TOKEN: {s.value}' https://{h}/api/v4/projects/{rng.randrange(1, 999)}/jobs",
                            f"++ echo {s.value}", f"+ export {var_for(s, rng)}={s.value}",
                            f"+ git push https://oauth2:{s.value}@{h}/{F.project_path(rng)}.git HEAD:main"])
        b = Block([log.command("set -x"), S(trace, err=True), S("+ echo done", err=True), S("done")])
        doc.add(b).label(s, "joblog-set-x", s.value)
    elif roll < 0.62:
        planted = [_log_secret(rng, p) for _ in range(rng.randrange(1, 3))]
        pairs = [(var_for(s, rng), s.value) for s in planted]
        dump = "\n".join(_env_dump(rng, pairs, [])) + "\n"
        enc = base64.b64encode(dump.encode()).decode()
        b = Block([log.command("env | base64 -w0"), S(enc)])
        for s in planted:
            b.label(s, "joblog-base64", enc[:40])
        doc.add(b)
    elif roll < 0.74:
        s = _log_secret(rng, p)
        inner = rng.choice([f"{var_for(s, rng)}={s.value}\n", s.value + "\n", json.dumps({"token": s.value})])
        enc = base64.b64encode(base64.b64encode(inner.encode())).decode()
        b = Block([log.command(rng.choice([f"echo \"${var_for(s, rng)}\" | base64 -w0 | base64 -w0", "cat .env | base64 -w0 | base64 -w0"])), S(enc)])
        doc.add(b).label(s, "joblog-double-base64", enc[:40])
    elif roll < 0.86:
        s = _log_secret(rng, p)
        name = var_for(s, rng)
        raw = (f"{name}={s.value}\n" if rng.random() < 0.5 else s.value + "\n").encode().hex()
        chunks = [raw[i:i + 60] for i in range(0, len(raw), 60)]
        b = Block([log.command(rng.choice([f"printenv {name} | xxd -p", f"echo ${name} | xxd -p", f"env | grep {name} | xxd -p"])), *[S(c) for c in chunks]])
        b.label(s, "joblog-hex", chunks[0], span=len(chunks))
        doc.add(b)
    elif roll < 0.90:
        m = p.masked("GITLAB_TOKEN")
        b = Block([log.command("curl --header \"PRIVATE-TOKEN: [MASKED]\" \"$CI_API_V4_URL/user\""), S('{"id":' + str(rng.randrange(1, 9999)) + ',"username":"project_bot"}')])
        doc.add(b).label(m, "joblog-ansi", "[MASKED]")
    else:
        doc.add(_boundary(rng, p, lambda v, t: log.stamp(rng.choice([f"token={v}{t}", f"Registered runner with token {v}{t}", f"cache key: {v}{t}"])), "joblog-ansi"))


# --- Innocuous files that look dangerous ---------------------------------------------------------

def package_lock(rng, p: Planter, path: str) -> FileDoc:
    doc = FileDoc(path)
    pkgs = {"": {"name": F.service(rng), "version": F.version(rng)}}
    for name in rng.sample(["lodash", "axios", "express", "react", "zod", "debug", "ms", "semver", "chalk", "yaml", "undici", "ws"], rng.randrange(3, 10)):
        pkgs[f"node_modules/{name}"] = {"version": F.version(rng), "resolved": f"https://registry.npmjs.org/{name}/-/{name}-{F.version(rng)}.tgz",
                                        "integrity": F.integrity(rng)}
    doc.add(json.dumps({"name": pkgs[""]["name"], "lockfileVersion": 3, "requires": True, "packages": pkgs}, indent=2))
    return doc


def go_sum(rng, p: Planter, path: str) -> FileDoc:
    doc = FileDoc(path)
    for mod in rng.sample(["github.com/stretchr/testify", "golang.org/x/net", "github.com/google/uuid", "gitlab.com/gitlab-org/api/client-go",
                           "github.com/spf13/cobra", "go.uber.org/zap"], rng.randrange(2, 6)):
        v = "v" + F.version(rng)
        doc.add(f"{mod} {v} h1:{F.b64blob(rng, 32)}\n{mod} {v}/go.mod h1:{F.b64blob(rng, 32)}")
    return doc


def authorized_keys(rng, p: Planter, path: str) -> FileDoc:
    doc = FileDoc(path)
    for _ in range(rng.randrange(1, 4)):
        key = tokens.ssh_public_key(rng, f"{rng.choice(F.USERS)}@{rng.choice(['laptop', 'ci', 'bastion'])}")
        s = Secret("ssh-public-key", key, "third_party", False, None, "public-key")
        doc.add(Block([key])).label(s, "authorized-keys", key[:40])
    return doc
