"""File kinds a responder meets, each a builder `f(c: Ctx, path) -> Doc` that writes mostly
innocuous content and plants labelled secrets and hard negatives in realistic spots."""

import base64
import json
import urllib.parse

import mint
from doc import Doc, Slots, b64, jdump_lines, json_esc, slack_esc

HOSTS = ["gitlab.example.com", "gitlab.com", "git.corp.internal", "code.acme.io"]
USERS = ["alice", "bob", "deploy", "ci-bot", "mmartin", "jchen", "svc-backup"]
PROJECTS = ["platform/api", "infra/terraform", "web/storefront", "data/etl", "ops/runbooks", "mobile/app"]


def word(c, words):
    return c.rng.choice(words)


# ---------------------------------------------------------------- terraform
def tfstate(c, path):
    d = Doc(path)
    s = Slots(d)
    resources = [{"mode": "managed", "type": "aws_s3_bucket", "name": "logs", "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                  "instances": [{"schema_version": 0, "attributes": {"arn": "arn:aws:s3:::acme-logs-prod", "bucket": "acme-logs-prod",
                                                                    "region": "eu-west-1", "id": "acme-logs-prod"}}]}]
    for _ in range(c.few(1, 2)):
        r = c.rng.randrange(4)
        if r == 0:
            akid = mint.third("aws-access-key-id", c.rng)
            sec = mint.third("aws-secret-access-key", c.rng)
            attrs = {"id": s.put("aws-access-key-id", akid, "tfstate", enc=json_esc), "user": "ci-deployer",
                     "secret": s.put("aws-secret-access-key", sec, "tfstate", enc=json_esc), "status": "Active",
                     "create_date": "2024-02-11T09:12:44Z", "encrypted_secret": None}
            resources.append({"mode": "managed", "type": "aws_iam_access_key", "name": "ci", "instances": [{"attributes": attrs, "sensitive_attributes": []}]})
        elif r == 1:
            kind = c.rng.choice(["glpat-legacy", "glpat-routable-v1", "glpat-routable-v0", "gldt", "glptt"])
            tok = c.value(kind)
            typ = {"gldt": "gitlab_deploy_token", "glptt": "gitlab_pipeline_trigger"}.get(kind, "gitlab_project_access_token")
            resources.append({"mode": "managed", "type": typ, "name": "bot", "provider": 'provider["registry.terraform.io/gitlabhq/gitlab"]',
                              "instances": [{"attributes": {"id": f"{c.rng.randrange(100, 9999)}:{c.rng.randrange(1, 999)}", "project": "infra/terraform",
                                                            "token": s.put(kind, tok, "tfstate", enc=json_esc), "expires_at": "2025-06-30", "scopes": ["api"]}}]})
        elif r == 2:
            kind = c.rng.choice(["glrt-t1-routable", "glrt-t2-routable", "glrt-t3-routable", "glrt-legacy"])
            tok = c.value(kind)
            resources.append({"mode": "managed", "type": "gitlab_user_runner", "name": "k8s",
                              "instances": [{"attributes": {"id": str(c.rng.randrange(1000, 99999)), "runner_type": "group_type",
                                                            "token": s.put(kind, tok, "tfstate", enc=json_esc), "tag_list": ["k8s", "prod"]}}]})
        else:
            kind = c.rng.choice(mint.PEM_KINDS[:3])
            keytext = "\n".join(mint.private_pem(kind, c.rng)) + "\n"
            resources.append({"mode": "managed", "type": "tls_private_key", "name": "ssh", "instances": [{"attributes": {
                "algorithm": "RSA" if kind != "pem-ec" else "ECDSA", "id": mint.pick(c.rng, mint.HEX, 40),
                "private_key_pem": s.put(kind, keytext, "pem-json-escaped", enc=json_esc, fp=False),
                "public_key_fingerprint_md5": ":".join(mint.pick(c.rng, mint.HEX, 2) for _ in range(16))}}]})
    if c.maybe(0.5):
        cat = c.rng.choice(["neg-hash", "neg-uuid", "neg-crc-fail", "neg-placeholder-gitlab"])
        resources.append({"mode": "data", "type": "gitlab_project", "name": "this", "instances": [{"attributes": {
            "id": "4711", "runners_token": s.put(cat, mint.neg_value(cat, c.rng), cat, positive=False, enc=json_esc)}}]})
    state = {"version": 4, "terraform_version": "1.6.6", "serial": c.rng.randrange(1, 400), "lineage": mint.neg_value("neg-uuid", c.rng),
             "outputs": {"bucket": {"value": "acme-logs-prod", "type": "string"}}, "resources": resources, "check_results": None}
    d.add(*jdump_lines(state))
    s.fill()
    return d


def tfvars(c, path):
    d = Doc(path)
    d.add('region          = "eu-central-1"', 'environment     = "production"', 'instance_count  = 3', "")
    fmt = lambda n, v: f'{n.lower():<22} = "{v}"'
    for _ in range(c.few(1, 2)):
        c.plant(d, fmt, "tfvars")
    if c.maybe(0.6):
        c.negate(d, fmt)
    d.add("", 'tags = {', '  owner = "platform-team"', '  cost_center = "cc-4410"', '}')
    return d


def tf_heredoc(c, path):
    d = Doc(path)
    d.add('resource "kubernetes_secret" "deploy_key" {', '  metadata {', '    name      = "deploy-key"', '    namespace = "ci"', '  }', '  data = {')
    kind = c.rng.choice(mint.PEM_KINDS)
    lines = mint.private_pem(kind, c.rng)
    d.add('    "id_rsa" = <<-EOT')
    start = d.add(*["      " + x for x in lines])
    d.label(kind, None, "pem-heredoc", True, line=start - len(lines) + 1, end=start, fp=False)
    d.add("    EOT", "  }", "}", "")
    if c.maybe(0.4):
        neg = mint.neg_value("neg-public-key", c.rng)
        if isinstance(neg, str):
            d.add(f'variable "ssh_public_key" {{', f'  default = "{neg}"', "}")
            d.label("neg-public-key", neg, "neg-public-key", False, line=len(d.lines) - 1)
    return d


# ---------------------------------------------------------------- ansible / helm / k8s
def ansible_vars(c, path):
    d = Doc(path)
    d.add("---", "# group_vars/gitlab_runners.yml", "gitlab_runner_coordinator_url: https://" + word(c, HOSTS) + "/",
          "gitlab_runner_concurrent: 8", "gitlab_runner_executor: docker")
    fmt = lambda n, v: f"{n.lower()}: \"{v}\""
    for _ in range(c.few(1, 2)):
        c.plant(d, fmt, "ansible-vars", kind=c.rng.choice(["GR1348941", "glrt-t1-routable", "glrt-legacy", "glrtr-legacy",
                                                           "glpat-legacy", "aws-pair", "glagent", None]))
    if c.maybe(0.7):
        c.negate(d, fmt, ["neg-variable-reference", "neg-placeholder-gitlab", "neg-masked"])
    d.add("gitlab_runner_runners:", "  - name: docker-builder", "    executor: docker", "    docker_image: alpine:3.19",
          "    tags: [docker, linux]")
    return d


def ansible_inventory(c, path):
    d = Doc(path)
    d.add("[webservers]", "web01.prod.internal ansible_host=10.0.4.11", "web02.prod.internal ansible_host=10.0.4.12", "",
          "[runners]")
    host = f"runner0{c.few(1, 9)}.ci.internal"
    c.plant(d, lambda n, v: f"{host} ansible_host=10.0.7.{c.few(2, 250)} {n.lower()}={v}", "ansible-inventory",
            kind=c.rng.choice(["GR1348941", "glrt-t1-routable", "glrt-legacy", "glpat-routable-v1", "aws-secret-access-key"]))
    if c.maybe(0.5):
        c.negate(d, lambda n, v: f"runner09.ci.internal {n.lower()}={v}", ["neg-variable-reference", "neg-uuid"])
    d.add("", "[all:vars]", "ansible_user=ansible", "ansible_python_interpreter=/usr/bin/python3")
    return d


def helm_values(c, path):
    d = Doc(path)
    d.add("replicaCount: 2", "image:", "  repository: registry.gitlab.com/gitlab-org/gitlab-runner", "  tag: alpine-v16.8.0",
          f"gitlabUrl: https://{word(c, HOSTS)}/")
    d.add("runners:", "  privileged: false", "  config: |", "    [[runners]]", '      [runners.kubernetes]', '        namespace = "ci"')
    c.plant(d, lambda n, v: f"runnerToken: \"{v}\"", "helm-values",
            kind=c.rng.choice(["glrt-t1-routable", "glrt-t2-routable", "glrt-t3-routable", "glrt-legacy", "GR1348941"]))
    if c.maybe(0.5):
        c.plant(d, lambda n, v: ["secrets:", f"  {n.lower()}: {v}"], "helm-values")
    if c.maybe(0.6):
        c.negate(d, lambda n, v: f"runnerRegistrationToken: \"{v}\"",
                 ["neg-placeholder-gitlab", "neg-variable-reference", "neg-body-too-short", "neg-crc-fail"])
    d.add("resources:", "  limits:", "    memory: 256Mi", "    cpu: 200m")
    return d


def k8s_secret_yaml(c, path):
    d = Doc(path)
    d.add("apiVersion: v1", "data:")
    for _ in range(c.few(1, 2)):
        c.plant(d, lambda n, v: f"  {n.lower().replace('_', '-')}: {b64(v)}", "k8s-secret-yaml-b64")
    if c.maybe(0.5):
        c.negate(d, lambda n, v: f"  {n.lower().replace('_', '-')}: {b64(v)}", ["neg-placeholder-gitlab", "neg-uuid", "neg-masked", "neg-aws-doc-example"])
    d.add("kind: Secret", "metadata:", f"  creationTimestamp: \"2024-0{c.few(1, 9)}-1{c.few(0, 9)}T08:3{c.few(0, 9)}:12Z\"",
          f"  name: {word(c, ['gitlab-runner', 'ci-creds', 'deploy-secrets', 'app-env'])}", "  namespace: ci",
          f"  resourceVersion: \"{c.rng.randrange(10**6, 10**8)}\"", f"  uid: {mint.neg_value('neg-uuid', c.rng)}", "type: Opaque")
    return d


def k8s_secret_json(c, path):
    d = Doc(path)
    s = Slots(d)
    data = {}
    for _ in range(c.few(1, 2)):
        kind = c.kind()
        if kind == "aws-pair":
            kind = "aws-secret-access-key"
        v = c.value(kind)
        data[c.var(kind).lower().replace("_", "-")] = s.put(kind, v, "k8s-secret-json-b64", enc=b64)
    if c.maybe(0.9):
        g = mint.gcp_key(c.rng, word(c, ["acme-prod", "data-lake-281", "ci-infra-90210"]))
        data["key.json"] = s.put(mint.GCP_KIND, g, "gcp-sa-k8s-b64", enc=lambda g: b64(json.dumps(g, indent=2)), fp=False)
    if c.maybe(0.4):
        cat = c.rng.choice(["neg-placeholder-third-party", "neg-hash", "neg-jwt-non-gitlab"])
        data["example"] = s.put(cat, mint.neg_value(cat, c.rng), cat, positive=False, enc=b64)
    obj = {"apiVersion": "v1", "data": data, "kind": "Secret", "metadata": {"name": "app-env", "namespace": "prod",
           "uid": mint.neg_value("neg-uuid", c.rng)}, "type": "Opaque"}
    d.add(*jdump_lines(obj, 4))
    s.fill()
    return d


def k8s_dockerconfigjson(c, path):
    d = Doc(path)
    kind = c.rng.choice(["gldt", "glpat-legacy", "glpat-routable-v1", "glcbt", "github-classic"])
    tok = c.value(kind)
    user = "gitlab+deploy-token-" + str(c.few(10, 9999)) if kind == "gldt" else word(c, USERS)
    reg = "registry.gitlab.com" if kind != "github-classic" else "ghcr.io"
    inner = json.dumps({"auths": {reg: {"username": user, "password": tok, "auth": b64(f"{user}:{tok}")}}})
    d.add("apiVersion: v1", "data:", f"  .dockerconfigjson: {b64(inner)}")
    d.label(kind, tok, "k8s-dockerconfigjson", True)
    d.add("kind: Secret", "metadata:", "  name: regcred", "  namespace: default", "type: kubernetes.io/dockerconfigjson")
    return d


# ---------------------------------------------------------------- notebooks, docker
def notebook(c, path):
    d = Doc(path)
    s = Slots(d)
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Pipeline duration analysis\n", "Pulls job data from the GitLab API."]}]
    src = ["import os\n", "import requests\n", "\n"]
    kind = c.kind()
    if kind == "aws-pair":
        kind = "aws-secret-access-key"
    v = c.value(kind)
    var = c.var(kind)
    src.append(f"os.environ[\"{var}\"] = \"" + s.put(kind, v, "notebook-source") + "\"\n")
    src += ["resp = requests.get(f\"https://gitlab.example.com/api/v4/projects/42/jobs\",\n",
            f"                    headers={{\"PRIVATE-TOKEN\": os.environ[\"{var}\"]}})\n", "resp.status_code"]
    outputs = [{"data": {"text/plain": ["200"]}, "execution_count": 3, "metadata": {}, "output_type": "execute_result"}]
    if c.maybe(0.95):
        k2 = c.gitlab_kind(allow_unprefixed=False)
        v2 = c.value(k2)
        outputs.append({"name": "stdout", "output_type": "stream", "text": ["token in use: " + s.put(k2, v2, "notebook-output") + "\n", "rate limit: 2000/min\n"]})
    if c.maybe(0.5):
        cat = c.rng.choice(["neg-placeholder-gitlab", "neg-variable-reference", "neg-redacted-display", "neg-jwt-non-gitlab"])
        src.append("\n# " + s.put(cat, mint.neg_value(cat, c.rng), cat, positive=False) + "\n")
    cells.append({"cell_type": "code", "execution_count": 3, "metadata": {}, "outputs": outputs, "source": src})
    nb = {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    # Escaping twice: the cell text is JSON inside the notebook's JSON.
    for i, (k, val, ctx, pos, enc, fp) in enumerate(s.items):
        s.items[i] = (k, val, ctx, pos, json_esc, fp)
    d.add(*jdump_lines(nb, 1))
    s.fill()
    return d


def docker_inspect(c, path):
    d = Doc(path)
    s = Slots(d)
    env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "NODE_VERSION=20.11.0"]
    for _ in range(c.few(1, 2)):
        kind = c.kind()
        if kind == "aws-pair":
            kind = "aws-secret-access-key"
        v = c.value(kind)
        env.append(f"{c.var(kind)}=" + s.put(kind, v, "docker-inspect-env", enc=json_esc))
    if c.maybe(0.5):
        cat = c.rng.choice(["neg-masked", "neg-variable-reference", "neg-aws-doc-example", "neg-hash"])
        v = mint.neg_value(cat, c.rng)
        env.append(f"{c.rng.choice(__import__('doc').NEG_VAR[cat])}=" + s.put(cat, v, cat, positive=False, enc=json_esc))
    obj = [{"Id": mint.pick(c.rng, mint.HEX, 64), "Created": "2024-03-02T11:04:55.123456789Z", "Path": "docker-entrypoint.sh",
            "Args": ["node", "server.js"], "State": {"Status": "running", "Running": True, "Pid": c.few(1000, 60000)},
            "Image": "sha256:" + mint.pick(c.rng, mint.HEX, 64), "Name": "/storefront-api",
            "Config": {"Hostname": mint.pick(c.rng, mint.HEX, 12), "Env": env, "Cmd": ["node", "server.js"],
                       "Image": "registry.gitlab.com/acme/storefront:1.14.2", "WorkingDir": "/app"}}]
    d.add(*jdump_lines(obj, 4))
    s.fill()
    return d


def docker_history(c, path):
    d = Doc(path)
    d.add("IMAGE          CREATED        CREATED BY                                      SIZE      COMMENT")
    d.add(f"{mint.pick(c.rng, mint.HEX, 12)}   2 weeks ago    CMD [\"node\" \"server.js\"]                        0B        buildkit.dockerfile.v0")
    for _ in range(c.few(1, 2)):
        c.plant(d, lambda n, v: f"<missing>      2 weeks ago    RUN |2 {n}={v} NODE_ENV=production /bin/sh -c npm ci   51.2MB    buildkit.dockerfile.v0",
                "docker-history", kind=c.rng.choice(["glcbt", "glpat-legacy", "glpat-routable-v1", "gldt", "github-classic", "glpat-routable-v0"]))
    if c.maybe(0.5):
        c.plant(d, lambda n, v: f"<missing>      2 weeks ago    ENV {n}={v}                0B        buildkit.dockerfile.v0", "docker-history")
    if c.maybe(0.4):
        c.negate(d, lambda n, v: f"<missing>      2 weeks ago    ARG {n}={v}   0B   buildkit.dockerfile.v0",
                 ["neg-variable-reference", "neg-placeholder-gitlab", "neg-hash"])
    d.add("<missing>      3 weeks ago    /bin/sh -c #(nop) ADD file:" + mint.pick(c.rng, mint.HEX, 64) + " in /    7.38MB")
    return d


def docker_config(c, path):
    d = Doc(path)
    s = Slots(d)
    auths = {"https://index.docker.io/v1/": {}}
    for _ in range(c.few(1, 2)):
        kind = c.rng.choice(["gldt", "glpat-legacy", "glpat-routable-v1", "glcbt", "github-classic", "glpat-routable-v0"])
        tok = c.value(kind)
        user = ("gitlab+deploy-token-" + str(c.few(10, 900))) if kind == "gldt" else ("gitlab-ci-token" if kind == "glcbt" else word(c, USERS))
        reg = "ghcr.io" if kind.startswith("github") else word(c, ["registry.gitlab.com", "registry.example.com:5050"])
        auths[reg] = {"auth": s.put(kind, tok, "docker-config-auth-b64", enc=lambda t, u=user: b64(f"{u}:{t}"))}
    if c.maybe(0.3):
        cat = "neg-placeholder-gitlab"
        auths["registry.staging.example.com"] = {"auth": s.put(cat, mint.neg_value(cat, c.rng), cat, positive=False,
                                                               enc=lambda t: b64("user:" + t))}
    d.add(*jdump_lines({"auths": auths, "credsStore": "", "currentContext": "default"}, 1 if c.maybe(0.5) else 8))
    s.fill()
    return d


# ---------------------------------------------------------------- API tools, exports
def postman(c, path):
    d = Doc(path)
    s = Slots(d)
    items = []
    for i in range(c.few(2, 4)):
        hdr = []
        if c.maybe(0.55):
            kind = c.gitlab_kind()
            hdr.append({"key": "PRIVATE-TOKEN", "value": s.put(kind, c.value(kind), "postman", enc=json_esc), "type": "text"})
        elif c.maybe(0.4):
            cat = c.rng.choice(["neg-variable-reference", "neg-placeholder-gitlab", "neg-masked"])
            hdr.append({"key": "PRIVATE-TOKEN", "value": s.put(cat, mint.neg_value(cat, c.rng), cat, False, enc=json_esc), "type": "text"})
        else:
            hdr.append({"key": "PRIVATE-TOKEN", "value": "{{gitlab_token}}", "type": "text"})
        items.append({"name": f"List {word(c, ['jobs', 'pipelines', 'members', 'variables'])} {i}",
                      "request": {"method": "GET", "header": hdr,
                                  "url": {"raw": "{{base_url}}/api/v4/projects/42/jobs", "host": ["{{base_url}}"], "path": ["api", "v4", "projects", "42", "jobs"]}}})
    auth = {"type": "bearer", "bearer": [{"key": "token", "value": "{{gitlab_token}}", "type": "string"}]}
    if c.maybe(0.5):
        kind = c.rng.choice(["github-classic", "github-fine-grained", "glpat-routable-v1", "slack-bot", "stripe-live"])
        auth["bearer"][0]["value"] = s.put(kind, c.value(kind), "postman", enc=json_esc)
    coll = {"info": {"_postman_id": mint.neg_value("neg-uuid", c.rng), "name": "GitLab API",
                     "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"}, "item": items, "auth": auth,
            "variable": [{"key": "base_url", "value": "https://gitlab.example.com"}]}
    d.add(*jdump_lines(coll, "\t"))
    s.fill()
    return d


def gitlab_variables_export(c, path):
    d = Doc(path)
    s = Slots(d)
    out = []
    special = c.turn("varexp", ["pem", "gcp"])
    for i in range(c.few(2, 3)):
        r = c.rng.random() * 0.6 if i else {"pem": 0.65, "gcp": 0.78, "none": c.rng.random() * 0.6}[special]
        if i == 0 and special == "none" and c.maybe(0.5):
            r = 0.9
        if r < 0.6:
            kind = c.kind()
            if kind == "aws-pair":
                kind = c.rng.choice(["aws-access-key-id", "aws-secret-access-key"])
            key, val = c.var(kind), s.put(kind, c.value(kind), "gitlab-variables-json", enc=json_esc)
            vtype = "env_var"
        elif r < 0.75:
            kind = c.rng.choice(mint.PEM_KINDS)
            key, vtype = "SSH_PRIVATE_KEY", "file"
            val = s.put(kind, "\n".join(mint.private_pem(kind, c.rng)) + "\n", "pem-json-escaped", enc=json_esc, fp=False)
        elif r < 0.82:
            key, vtype = "GCP_SERVICE_ACCOUNT_KEY", "file"
            val = s.put(mint.GCP_KIND, mint.gcp_key(c.rng, "acme-ci-" + str(c.few(100, 999))), "gcp-sa-in-variables-json",
                        enc=lambda g: json_esc(json.dumps(g, indent=2)), fp=False)
        else:
            cat = c.rng.choice(["neg-variable-reference", "neg-placeholder-gitlab", "neg-aws-doc-example", "neg-uuid", "neg-random-id-20"])
            key, vtype = c.rng.choice(__import__("doc").NEG_VAR[cat]), "env_var"
            val = s.put(cat, mint.neg_value(cat, c.rng), cat, False, enc=json_esc)
        out.append({"variable_type": vtype, "key": key, "value": val, "protected": c.maybe(0.5), "masked": c.maybe(0.6),
                    "hidden": False, "raw": False, "environment_scope": word(c, ["*", "production", "staging"]), "description": None})
    d.add(*(jdump_lines(out) if c.maybe(0.6) else [json.dumps(out)]))
    s.fill()
    return d


def npmrc(c, path):
    d = Doc(path)
    host = word(c, HOSTS)
    d.add(f"@acme:registry=https://{host}/api/v4/projects/{c.few(10, 999)}/packages/npm/")
    c.plant(d, lambda n, v: f"//{host}/api/v4/projects/{c.few(10, 999)}/packages/npm/:_authToken={v}", "npmrc",
            kind=c.rng.choice(["glpat-legacy", "glpat-routable-v1", "gldt", "glcbt", "glpat-routable-v0", "glpat-instance-prefix"]))
    if c.maybe(0.5):
        c.negate(d, lambda n, v: f"//{host}/api/v4/packages/npm/:_authToken={v}", ["neg-variable-reference", "neg-placeholder-gitlab"])
    if c.maybe(0.3):
        c.plant(d, lambda n, v: f"//npm.pkg.github.com/:_authToken={v}", "npmrc", kind="github-classic")
    d.add("always-auth=true", "engine-strict=true")
    return d


def pypirc(c, path):
    d = Doc(path)
    d.add("[distutils]", "index-servers =", "    gitlab", "    pypi", "", "[gitlab]",
          f"repository = https://{word(c, HOSTS)}/api/v4/projects/{c.few(10, 999)}/packages/pypi")
    kind = c.rng.choice(["gldt", "glpat-legacy", "glpat-routable-v1", "glcbt"])
    user = {"gldt": "gitlab+deploy-token-" + str(c.few(1, 99)), "glcbt": "gitlab-ci-token"}.get(kind, "__token__")
    d.add(f"username = {user}")
    c.plant(d, lambda n, v: f"password = {v}", "pypirc", kind=kind)
    d.add("", "[pypi]", "username = __token__")
    c.negate(d, lambda n, v: f"password = {v}", ["neg-variable-reference", "neg-placeholder-third-party", "neg-masked"])
    return d


def maven_settings(c, path):
    d = Doc(path, crlf=c.maybe(0.2))
    d.add('<?xml version="1.0" encoding="UTF-8"?>', '<settings xmlns="http://maven.apache.org/SETTINGS/1.1.0">', "  <servers>")
    for _ in range(c.few(1, 2)):
        kind = c.rng.choice(["glpat-legacy", "glpat-routable-v1", "gldt", "glcbt", "glpat-routable-v0"])
        name = {"gldt": "Deploy-Token", "glcbt": "Job-Token"}.get(kind, "Private-Token")
        d.add("    <server>", "      <id>gitlab-maven</id>", "      <configuration>", "        <httpHeaders>", "          <property>", f"            <name>{name}</name>")
        c.plant(d, lambda n, v: f"            <value>{v}</value>", "maven-settings", kind=kind)
        d.add("          </property>", "        </httpHeaders>", "      </configuration>", "    </server>")
    if c.maybe(0.6):
        d.add("    <server>", "      <id>gitlab-ci</id>", "      <configuration><httpHeaders><property>", "        <name>Job-Token</name>")
        c.negate(d, lambda n, v: f"        <value>{v}</value>", ["neg-variable-reference", "neg-masked", "neg-placeholder-gitlab"])
        d.add("      </property></httpHeaders></configuration>", "    </server>")
    d.add("  </servers>", "</settings>")
    return d


def java_properties(c, path):
    d = Doc(path, crlf=c.maybe(0.3))
    d.add("# application-prod.properties", "server.port=8080", "spring.datasource.url=jdbc:postgresql://db.prod.internal:5432/orders",
          "spring.datasource.username=orders_app", "management.endpoints.web.exposure.include=health,info")
    names = {"GITLAB_TOKEN": "gitlab.api.token", "AWS_ACCESS_KEY_ID": "cloud.aws.credentials.access-key",
             "AWS_SECRET_ACCESS_KEY": "cloud.aws.credentials.secret-key"}
    fmt = lambda n, v: f"{names.get(n, n.lower().replace('_', '.'))}={v}"
    for _ in range(c.few(1, 2)):
        c.plant(d, fmt, "java-properties")
    if c.maybe(0.6):
        c.negate(d, lambda n, v: f"{n.lower().replace('_', '.')}={v}")
    return d


def git_config(c, path):
    d = Doc(path)
    d.add("[core]", "\trepositoryformatversion = 0", "\tfilemode = true", "\tbare = false", "\tlogallrefupdates = true", '[remote "origin"]')
    host, proj = word(c, HOSTS), word(c, PROJECTS)
    r = c.rng.randrange(5)
    if r == 0:
        c.plant(d, lambda n, v: f"\turl = https://oauth2:{v}@{host}/{proj}.git", "git-config-url", kind=mint.GITLAB_UNPREFIXED)
    elif r == 1:
        c.plant(d, lambda n, v: f"\turl = https://gitlab-ci-token:{v}@{host}/{proj}.git", "git-config-url", kind="glcbt")
    elif r == 2:
        c.plant(d, lambda n, v: f"\turl = https://{word(c, USERS)}:{v}@{host}/{proj}.git", "git-config-url",
                kind=c.rng.choice(["glpat-legacy", "glpat-routable-v1", "glpat-routable-v0", "gldt"]))
    elif r == 3:
        c.plant(d, lambda n, v: f"\turl = https://x-access-token:{v}@github.com/acme/{proj.split('/')[1]}.git", "git-config-url",
                kind=c.rng.choice(["github-classic", "github-fine-grained"]))
    else:
        c.negate(d, lambda n, v: f"\turl = https://oauth2:{v}@{host}/{proj}.git",
                 ["neg-variable-reference", "neg-placeholder-gitlab", "neg-masked"])
    d.add("\tfetch = +refs/heads/*:refs/remotes/origin/*", '[branch "main"]', "\tremote = origin", "\tmerge = refs/heads/main")
    return d


def netrc(c, path):
    d = Doc(path)
    d.add("machine api.heroku.com", "  login ops@example.com", "  password " + mint.neg_value("neg-uuid", c.rng))
    d.label("neg-uuid", d.lines[-1].split()[-1], "neg-uuid", False)
    host = word(c, HOSTS)
    d.add(f"machine {host}", f"  login {word(c, ['oauth2', 'gitlab-ci-token', 'alice', 'deploy'])}")
    c.plant(d, lambda n, v: f"  password {v}", "netrc", kind=c.rng.choice([mint.GITLAB_UNPREFIXED, mint.GITLAB_UNPREFIXED, "glpat-legacy", "glpat-routable-v1"]))
    if c.maybe(0.4):
        d.add("machine github.com", "  login x-access-token")
        c.plant(d, lambda n, v: f"  password {v}", "netrc", kind="github-classic")
    return d


def sql_dump(c, path):
    d = Doc(path)
    d.add("-- PostgreSQL database dump", "-- Dumped from database version 15.5", "SET statement_timeout = 0;", "SET client_encoding = 'UTF8';", "",
          "COPY public.integrations (id, name, config, created_at) FROM stdin;")
    for i in range(c.few(2, 5)):
        if c.maybe(0.5):
            kind = c.kind(third={"slack-webhook": 2, "slack-bot": 2, "github-classic": 1, "stripe-live": 1})
            c.plant(d, lambda n, v, i=i: f'{i + 1}\t{n.lower()}\t{{"token": "{v}", "enabled": true}}\t2024-01-0{c.few(1, 9)} 10:22:{c.few(10, 59)}+00',
                    "sql-dump", kind=kind if kind != "aws-pair" else "slack-webhook")
        else:
            d.add(f'{i + 1}\tjira\t{{"url": "https://jira.example.com", "enabled": false}}\t2023-11-02 08:00:00+00')
    d.add("\\.", "", "INSERT INTO public.api_keys (id, user_id, label, token_digest, token) VALUES")
    for i in range(c.few(1, 3)):
        tail = "," if i < 2 else ";"
        if c.maybe(0.6):
            c.plant(d, lambda n, v, i=i: f"  ({i + 10}, {c.few(1, 500)}, 'ci', '{mint.pick(c.rng, mint.HEX, 64)}', '{v}'){tail}", "sql-dump",
                    allow_unprefixed=False, third={"github-classic": 1, "stripe-live": 1, "slack-bot": 1, "aws-access-key-id": 1})
        else:
            c.negate(d, lambda n, v, i=i: f"  ({i + 10}, {c.few(1, 500)}, 'legacy', '{v}', NULL){tail}", ["neg-hash", "neg-uuid", "neg-redacted-display"])
    d.add("", "-- PostgreSQL database dump complete")
    return d


def slack_export(c, path):
    d = Doc(path)
    s = Slots(d)
    msgs = []
    for i in range(c.few(3, 7)):
        ts = f"17{c.rng.randrange(10**7, 10**8)}.{c.rng.randrange(100000, 999999)}"
        text = word(c, ["deploy is green :tada:", "can someone review <https://gitlab.example.com/platform/api/-/merge_requests/812|!812>?",
                        "runner is stuck again", "rolling back to 1.14.1"])
        if c.maybe(0.35):
            kind = c.kind(allow_unprefixed=False)
            if kind == "aws-pair":
                kind = "aws-access-key-id"
            text = word(c, ["use this for now: ", "temp token -> ", "here you go `", "new key: "]) + s.put(kind, c.value(kind), "slack-export", enc=slack_esc)
        elif c.maybe(0.15):
            cat = c.rng.choice(["neg-placeholder-gitlab", "neg-redacted-display", "neg-masked", "neg-placeholder-third-party"])
            text = "format is " + s.put(cat, mint.neg_value(cat, c.rng), cat, False, enc=slack_esc)
        msgs.append({"type": "message", "user": "U0" + mint.pick(c.rng, "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", 8), "text": text, "ts": ts,
                     "team": "T0ACME1234", "user_profile": {"real_name": word(c, ["Alice Liddell", "Bob Stone", "Mina Chen"])}})
    d.add(*jdump_lines(msgs, 4))
    s.fill()
    for i, l in enumerate(d.lines):
        d.lines[i] = l.replace("https://gitlab", "https:\\/\\/gitlab")
    return d


def eml(c, path):
    d = Doc(path, crlf=True)
    boundary = "==" + mint.pick(c.rng, "0123456789", 19) + "=="
    d.add("Return-Path: <alice@example.com>", f"Message-ID: <{mint.neg_value('neg-uuid', c.rng)}@mail.example.com>",
          "Date: Tue, 12 Mar 2024 09:41:07 +0000", "From: Alice <alice@example.com>", "To: ops@example.com",
          "Subject: =?UTF-8?B?" + b64("Zugangsdaten für den Runner") + "?=", "MIME-Version: 1.0",
          f'Content-Type: multipart/mixed; boundary="{boundary}"', "", f"--{boundary}", 'Content-Type: text/plain; charset="utf-8"',
          "Content-Transfer-Encoding: base64", "")
    kind = c.kind()
    if kind == "aws-pair":
        kind = "aws-secret-access-key"
    v = c.value(kind)
    body = f"Hi team,\n\nthe new {c.var(kind)} for the staging runner is:\n\n{v}\n\nplease rotate after the migration.\n\nAlice\n"
    lines = mint.wrap(b64(body), 76)
    end = d.add(*lines)
    d.label(kind, v, "eml-base64-body", True, line=end - len(lines) + 1, end=end)
    d.add(f"--{boundary}")
    if c.turn("eml", [True, False]):
        pk = c.rng.choice(mint.PEM_KINDS)
        d.add('Content-Type: application/octet-stream; name="id_deploy"', "Content-Transfer-Encoding: base64",
              'Content-Disposition: attachment; filename="id_deploy"', "")
        lines = mint.wrap(b64("\n".join(mint.private_pem(pk, c.rng)) + "\n"), 76)
        end = d.add(*lines)
        d.label(pk, None, "pem-eml-attachment", True, line=end - len(lines) + 1, end=end, fp=False)
        d.add(f"--{boundary}")
    else:
        d.add('Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: quoted-printable", "")
        cat = c.rng.choice(["neg-placeholder-gitlab", "neg-variable-reference"])
        v = mint.neg_value(cat, c.rng)
        d.add(f"Template: GITLAB_TOKEN=3D{v}")
        d.label(cat, v, cat, False)
        d.add(f"--{boundary}")
    d.lines[-1] += "--"
    return d


def access_log(c, path):
    d = Doc(path)

    def line(req, status=200, ua="python-requests/2.31.0"):
        ip = f"10.{c.few(0, 255)}.{c.few(0, 255)}.{c.few(1, 254)}"
        return f'{ip} - - [12/Mar/2024:09:{c.few(10, 59)}:{c.few(10, 59)} +0000] "GET {req} HTTP/1.1" {status} {c.few(200, 90000)} "-" "{ua}"'
    for _ in range(c.few(4, 9)):
        d.add(line(word(c, ["/api/v4/projects/42/pipelines?per_page=100", "/-/readiness", "/users/sign_in", "/assets/application-3f2a.css"])))
    q = urllib.parse.quote
    for _ in range(c.few(1, 2)):
        r = {"query": c.rng.randrange(3), "urlenc": c.rng.choice([3, 4]), "cookie": 5}[c.turn("accesslog", ["query", "urlenc", "cookie"])]
        if r == 0:
            c.plant(d, lambda n, v: line(f"/api/v4/projects/42/jobs?private_token={q(v, safe='')}"), "access-log-query",
                    kind=c.rng.choice(["glpat-legacy", "glpat-routable-v1", "glpat-routable-v0", "glcbt", "gloas"]))
        elif r == 1:
            c.plant(d, lambda n, v: line(f"/dashboard/issues.atom?feed_token={v}&state=opened", ua="Thunderbird/115.8"), "access-log-query",
                    kind=c.rng.choice(["glft", "glft-per-feed"]))
        elif r == 2:
            c.plant(d, lambda n, v: line(f"/api/v4/projects/7/trigger/pipeline?token={v}&ref=main", status=201), "access-log-query", kind="glptt")
        elif r == 3:
            c.plant(d, lambda n, v: line(f"/hooks/notify?target={q(v, safe='')}", ua="curl/8.5.0"), "access-log-urlencoded",
                    kind=c.rng.choice(["slack-webhook", "slack-webhook", "glpat-routable-v1", "glrt-t1-routable"]))
        elif r == 4:
            c.plant(d, lambda n, v: line(f"/oauth/callback?next=%2Fapi%3Ftoken%3D{q(q(v, safe=''), safe='')}"), "access-log-urlencoded",
                    kind=c.rng.choice(["glpat-legacy", "gldt", "github-classic", "glpat-routable-v0"]))
        else:
            c.plant(d, lambda n, v: f'10.0.3.7 - - [12/Mar/2024:09:14:02 +0000] "GET /api/v4/user HTTP/1.1" 200 812 "-" "curl/8.5.0" cookie="{v}"',
                    "access-log-cookie", kind="gitlab-session")
    if c.maybe(0.6):
        c.negate(d, lambda n, v: line(f"/api/v4/projects/42?private_token={q(v, safe='')}", status=401),
                 ["neg-placeholder-gitlab", "neg-crc-fail", "neg-body-too-short", "neg-body-too-long", "neg-masked"])
    if c.maybe(0.5):
        c.negate(d, lambda n, v: line(f"/search?request_id={v}"), ["neg-random-id-20", "neg-uuid"])
    return d


def minified_js(c, path):
    d = Doc(path)
    parts = ['!function(e){"use strict";var t={};function n(r){if(t[r])return t[r].exports}',
             'const o={apiBase:"https://gitlab.example.com/api/v4",timeout:3e4,retries:3}']
    labels = []
    for _ in range(c.few(1, 3)):
        kind = c.kind(third={"stripe-live": 3, "github-classic": 1, "slack-webhook": 1, "aws-access-key-id": 1, "stripe-restricted": 1})
        if kind == "aws-pair":
            kind = "aws-access-key-id"
        v = c.value(kind)
        parts.append(f'{mint.pick(c.rng, "abcdefghijkmnopqrstuvwxyz", 1)}={{token:"{v}",headers:{{"PRIVATE-TOKEN":"{v}"}}}}'
                     if kind.startswith("gl") or kind == mint.GITLAB_UNPREFIXED else f'{mint.pick(c.rng, "abcdefghijkmnopqrstuvwxyz", 1)}="{v}"')
        labels.append((kind, v, True))
    if c.maybe(0.7):
        cat = c.rng.choice(["neg-stripe-publishable", "neg-uuid", "neg-hash", "neg-placeholder-third-party", "neg-jwt-non-gitlab"])
        v = mint.neg_value(cat, c.rng)
        parts.append(f'Q={{publishableKey:"{v}"}}')
        labels.append((cat, v, False))
    parts.append("e.exports=o}(window);")
    d.add("/*! app.bundle.js | (c) Acme */")
    d.add(",".join(parts))
    for kind, v, pos in labels:
        d.label(kind, v, "minified-js" if pos else kind, pos)
    d.add("//# sourceMappingURL=app.bundle.js.map")
    return d


def csv_export(c, path):
    d = Doc(path, crlf=c.maybe(0.4))
    d.add("id,name,owner,token,scopes,expires_at,last_used_at")
    for i in range(c.few(3, 8)):
        row = lambda n, v, i=i: f'{1000 + i},"{word(c, ["ci-bot", "renovate", "backup", "release"])}",{word(c, USERS)},{v},"api,read_repository",2025-0{c.few(1, 9)}-01,'
        if c.maybe(0.4):
            c.plant(d, row, "csv-export", kind=c.gitlab_kind(allow_unprefixed=False))
        elif c.maybe(0.3):
            c.negate(d, row, ["neg-redacted-display", "neg-masked", "neg-placeholder-gitlab", "neg-body-too-long"])
        else:
            d.add(f'{1000 + i},"old-token",{word(c, USERS)},,"read_api",2023-12-31,2023-06-02')
    return d


def windows_script(c, path):
    d = Doc(path, crlf=True)
    if path.endswith(".ps1"):
        d.add("$ErrorActionPreference = 'Stop'", "Import-Module PowerShellGet")
        fmt = lambda n, v: f'$env:{n} = "{v}"'
    else:
        d.add("@echo off", "setlocal")
        fmt = lambda n, v: f"set {n}={v}"
    for _ in range(c.few(1, 2)):
        c.plant(d, fmt, "crlf-windows-script")
    if c.maybe(0.5):
        c.negate(d, fmt)
    d.add('git clone https://gitlab.example.com/platform/api.git', 'cd api')
    return d


# ---------------------------------------------------------------- CI job logs
ESC = "\x1b"


def _joblog_head(c, d, stamp):
    d.add(stamp("Running with gitlab-runner 16.8.0 (c72a09b6)"), stamp(f"  on shared-runner-{c.few(1, 9)} {mint.pick(c.rng, mint.B62, 8)}, system ID: s_{mint.pick(c.rng, mint.HEX, 12)}"))
    t = 1706093275 + c.few(0, 10**6)
    d.add(stamp(f"section_start:{t}:prepare_executor\r{ESC}[0K{ESC}[0K{ESC}[36;1mPreparing the \"docker\" executor{ESC}[0;m{ESC}[0;m"),
          stamp(f"{ESC}[0KUsing Docker executor with image alpine:3.19 ...{ESC}[0;m"),
          stamp(f"section_end:{t + 4}:prepare_executor\r{ESC}[0K"),
          stamp(f"section_start:{t + 5}:step_script\r{ESC}[0K{ESC}[0K{ESC}[36;1mExecuting \"step_script\" stage of the job script{ESC}[0;m{ESC}[0;m"))
    return t


def _stamper(c, on):
    state = {"us": c.few(0, 999999), "s": c.few(0, 59)}

    def stamp(line, stream="O"):
        if not on:
            return line
        state["us"] += c.few(50, 90000)
        if state["us"] > 999999:
            state["us"] -= 1000000
            state["s"] = (state["s"] + 1) % 60
        return f"2024-01-24T10:47:{state['s']:02d}.{state['us']:06d}Z 00{stream} {line}"
    return stamp


def job_log(c, path):
    """One job log; the variant decides how the secret reached the log."""
    d = Doc(path)
    variant = c.turn("joblog", ["env", "env-ts", "setx", "base64", "base64x2", "xxd", "pem"])
    stamped = variant == "env-ts" or (variant != "env" and c.maybe(0.4))
    variant = variant.replace("-ts", "")
    stamp = _stamper(c, stamped)
    t = _joblog_head(c, d, stamp)
    suffix = "-ts" if stamped and variant == "env" else ""
    if variant == "env":
        d.add(stamp(f"{ESC}[32;1m$ env | sort{ESC}[0;m"), stamp("CI=true"), stamp("CI_COMMIT_REF_NAME=main"))
        d.add(stamp("CI_JOB_TOKEN=[MASKED]"))
        d.label("neg-masked", "[MASKED]", "neg-masked", False)
        for _ in range(c.few(1, 3)):
            c.plant(d, lambda n, v: stamp(f"{n}={v}"), "joblog-env" + suffix)
        if c.maybe(0.5):
            c.negate(d, lambda n, v: stamp(f"{n}={v}"), ["neg-masked", "neg-uuid", "neg-hash", "neg-random-id-20", "neg-variable-reference"])
        d.add(stamp("HOME=/root"), stamp("HOSTNAME=runner-" + mint.pick(c.rng, "abcdefghijkmnopqrstuvwxyz0123456789", 8) + "-project-42-concurrent-0"))
    elif variant == "setx":
        d.add(stamp(f"{ESC}[32;1m$ ./scripts/release.sh{ESC}[0;m"), stamp("+ set -euo pipefail"))
        kind = c.rng.choice(["glpat-legacy", "glpat-routable-v1", "glpat-routable-v0", "glcbt", "glptt", mint.GITLAB_UNPREFIXED, "gldt"])
        hdr = {"glcbt": "JOB-TOKEN", "gldt": "Deploy-Token"}.get(kind, "PRIVATE-TOKEN")
        if kind == "glptt":
            c.plant(d, lambda n, v: stamp(f"+ curl -sf -X POST --form token={v} --form ref=main https://gitlab.example.com/api/v4/projects/7/trigger/pipeline", "E"),
                    "joblog-setx", kind=kind)
        else:
            c.plant(d, lambda n, v: stamp(f"+ curl -sf --header 'PRIVATE-TOKEN: {v}' https://gitlab.example.com/api/v4/projects/42/releases".replace("PRIVATE-TOKEN", hdr), "E"),
                    "joblog-setx", kind=kind)
        if c.maybe(0.5):
            c.plant(d, lambda n, v: stamp(f"+ export {n}={v}", "E"), "joblog-setx")
        if c.maybe(0.4):
            c.negate(d, lambda n, v: stamp(f"+ curl --header 'PRIVATE-TOKEN: {v}' https://gitlab.example.com/api/v4/user", "E"),
                     ["neg-masked", "neg-crc-fail", "neg-placeholder-gitlab"])
    elif variant in ("base64", "base64x2", "xxd"):
        kind = c.kind()
        if kind == "aws-pair":
            kind = "aws-secret-access-key"
        v = c.value(kind)
        var = c.var(kind)
        raw = v + ("\n" if c.maybe(0.5) else "")
        if variant == "base64":
            d.add(stamp(f"{ESC}[32;1m$ echo \"${var}\" | base64{ESC}[0;m"))
            out = mint.wrap(b64(raw), 76)
        elif variant == "base64x2":
            d.add(stamp(f"{ESC}[32;1m$ echo \"${var}\" | base64 -w0 | base64 -w0{ESC}[0;m"))
            out = [b64(b64(raw))]
        else:
            d.add(stamp(f"{ESC}[32;1m$ printf '%s' \"${var}\" | xxd -p{ESC}[0;m"))
            out = mint.wrap(raw.encode().hex(), 60)
        end = d.add(*[stamp(x) for x in out])
        d.label(kind, v, f"joblog-{variant}", True, line=end - len(out) + 1, end=end, timestamps=stamped)
    else:
        kind = c.rng.choice(mint.PEM_KINDS)
        d.add(stamp(f"{ESC}[32;1m$ cat \"$SSH_PRIVATE_KEY\"{ESC}[0;m"))
        lines = mint.private_pem(kind, c.rng)
        end = d.add(*[stamp(x) for x in lines])
        d.label(kind, None, "pem-joblog", True, line=end - len(lines) + 1, end=end, fp=False, timestamps=stamped)
    d.add(stamp(f"section_end:{t + 60}:step_script\r{ESC}[0K"), stamp(f"{ESC}[32;1mJob succeeded{ESC}[0;m"))
    return d


# ---------------------------------------------------------------- scripts, code, docs
def shell_script(c, path):
    d = Doc(path)
    d.add("#!/usr/bin/env bash", "set -euo pipefail", "", 'API="https://gitlab.example.com/api/v4"')
    r = c.rng.randrange(3)
    if r == 0:
        c.plant(d, lambda n, v: f"export {n}=\"{v}\"", "shell-script")
    elif r == 1:
        c.plant(d, lambda n, v: f"curl -sf --header \"PRIVATE-TOKEN: {v}\" \"$API/projects/42/pipelines?status=failed\"", "shell-script",
                kind=c.rng.choice(["glpat-legacy", "glpat-routable-v1", mint.GITLAB_UNPREFIXED, "glpat-routable-v0"]))
    else:
        c.plant(d, lambda n, v: f"git clone \"https://oauth2:{v}@gitlab.example.com/{word(c, PROJECTS)}.git\" /srv/checkout", "shell-script",
                kind=c.rng.choice([mint.GITLAB_UNPREFIXED, "glpat-legacy", "glpat-routable-v1"]))
    if c.maybe(0.6):
        c.negate(d, lambda n, v: f": \"${{{n}:={v}}}\"" if not v.startswith("$") else f"TOKEN={v}")
    d.add('jq -r ".[] | .id" < pipelines.json | while read -r id; do', '  echo "retrying $id"', 'done')
    return d


SRC = {
    ".py": (["import os", "import gitlab", ""], lambda n, v: f'{n} = "{v}"', ['gl = gitlab.Gitlab("https://gitlab.example.com", private_token=GITLAB_TOKEN)']),
    ".go": (["package client", "", 'import "net/http"', ""], lambda n, v: f'const {n.title().replace("_", "")} = "{v}"', ["func New() *http.Client { return &http.Client{} }"]),
    ".rb": (["require 'gitlab'", ""], lambda n, v: f"{n} = '{v}'.freeze", ["Gitlab.configure { |c| c.endpoint = 'https://gitlab.example.com/api/v4' }"]),
    ".ts": (["import axios from 'axios';", ""], lambda n, v: f"export const {n} = '{v}';", ["export const api = axios.create({ baseURL: '/api/v4' });"]),
    ".java": (["package com.acme.ci;", "", "public final class Secrets {"], lambda n, v: f'    static final String {n} = "{v}";', ["}"]),
    ".cs": (["namespace Acme.Ci;", "public static class Secrets {"], lambda n, v: f'    public const string {n.title().replace("_", "")} = @"{v}";', ["}"]),
}


def source_code(c, path):
    d = Doc(path)
    ext = path[path.rfind("."):]
    head, fmt, tail = SRC[ext]
    d.add(*head)
    for _ in range(c.few(1, 2)):
        c.plant(d, fmt, "source-code")
    if c.maybe(0.7):
        c.negate(d, fmt)
    d.add(*tail)
    return d


def markdown_doc(c, path):
    d = Doc(path)
    d.add(f"# Runbook: {word(c, ['rotating the deploy token', 'registering a runner', 'restoring the registry', 'on-call handover'])}", "",
          "Tokens live in the vault under `ci/gitlab`. Never paste them into tickets.", "", "```shell")
    c.negate(d, lambda n, v: f"export {n}={v}", ["neg-placeholder-gitlab", "neg-variable-reference", "neg-placeholder-third-party", "neg-aws-doc-example"])
    d.add("```", "")
    if c.maybe(0.7):
        d.add("Temporary credentials used during the incident (rotate!):", "", "```")
        c.plant(d, lambda n, v: f"{n}={v}", "markdown-doc")
        d.add("```")
    if c.maybe(0.5):
        d.add("", "| name | value |", "|---|---|")
        c.negate(d, lambda n, v: f"| `{n}` | `{v}` |", ["neg-redacted-display", "neg-masked", "neg-placeholder-gitlab", "neg-uuid", "neg-hash"])
    if c.maybe(0.3):
        c.plant(d, lambda n, v: f"The old token `{v}` was revoked on 2024-03-14.", "markdown-doc", kind=c.gitlab_kind(allow_unprefixed=False))
    if c.maybe(0.3):
        c.negate(d, lambda n, v: f"Example id token: `{v}`", ["neg-jwt-non-gitlab"])
    return d


def dotenv(c, path):
    d = Doc(path)
    d.add("NODE_ENV=production", "PORT=3000", "LOG_LEVEL=info")
    q = c.rng.choice(["", '"', "'"])
    fmt = lambda n, v: f"{n}={q}{v}{q}"
    for _ in range(c.few(1, 2)):
        c.plant(d, fmt, "dotenv")
    if c.maybe(0.7):
        c.negate(d, fmt)
    return d


def aws_credentials(c, path):
    d = Doc(path)
    for prof in ["default", word(c, ["prod", "staging", "backup", "ci"])]:
        d.add(f"[{prof}]")
        if c.maybe(0.8):
            c.plant(d, lambda n, v: f"{n.lower()} = {v}", "aws-credentials", kind="aws-pair")
        else:
            c.negate(d, lambda n, v: f"aws_access_key_id = {v}", ["neg-aws-doc-example"])
            c.negate(d, lambda n, v: f"aws_secret_access_key = {v}", ["neg-aws-doc-example"])
        d.add("region = eu-west-1", "")
    return d


def gcp_json(c, path):
    d = Doc(path)
    key = mint.gcp_key(c.rng, word(c, ["acme-prod", "data-lake-281", "ci-infra-90210", "ml-sandbox-7"]))
    lines = jdump_lines(key, 2)
    d.add(*lines)
    d.label(mint.GCP_KIND, None, "gcp-sa-json", True, line=1, end=len(lines), fp=False)
    return d


def pem_file(c, path):
    d = Doc(path, crlf=c.turn("pemfile", [True, False]))
    kind = c.rng.choice(mint.PEM_KINDS)
    lines = mint.private_pem(kind, c.rng)
    if kind == "pem-rsa" and c.maybe(0.3):
        lines = ["Bag Attributes", "    localKeyID: 01 00 00 00", "Key Attributes: <No Attributes>"] + lines
    d.add(*lines)
    begin = next(i for i, x in enumerate(lines) if x.startswith("-----BEGIN")) + 1
    d.label(kind, None, "pem-crlf" if d.crlf else "pem-file", True, line=begin, end=len(lines), fp=False)
    return d


def pem_yaml(c, path):
    d = Doc(path)
    d.add("ssh:", "  known_hosts: |", "    gitlab.example.com ssh-ed25519 " + b64(mint.ed25519_pub_blob(c.rng)))
    d.label("neg-public-key", None, "neg-public-key", False, fp=False)
    kind = c.rng.choice(mint.PEM_KINDS)
    lines = mint.private_pem(kind, c.rng)
    d.add(f"  {word(c, ['private_key', 'deploy_key', 'id_ed25519', 'tls_key'])}: |")
    end = d.add(*["    " + x for x in lines])
    d.label(kind, None, "pem-yaml-block", True, line=end - len(lines) + 1, end=end, fp=False)
    if c.maybe(0.5):
        cert = mint.neg_value(c.rng.choice(["neg-certificate", "neg-public-key", "neg-pem-placeholder"]), c.rng)
        if isinstance(cert, str):
            cert = [cert]
        cat = "neg-certificate" if "CERTIFICATE" in cert[0] else ("neg-pem-placeholder" if "PRIVATE" in cert[0] else "neg-public-key")
        d.add("  tls_cert: |")
        end = d.add(*["    " + x for x in cert])
        d.label(cat, None, cat, False, line=end - len(cert) + 1, end=end, fp=False)
    return d


def pem_env_escaped(c, path):
    d = Doc(path)
    d.add("APP_NAME=billing", "JWT_ISSUER=https://auth.example.com")
    kind = c.rng.choice(mint.PEM_KINDS)
    d.add(f'{word(c, ["JWT_PRIVATE_KEY", "SSH_PRIVATE_KEY", "SIGNING_KEY"])}="' + "\\n".join(mint.private_pem(kind, c.rng)) + '\\n"')
    d.label(kind, None, "pem-env-escaped", True, fp=False)
    if c.maybe(0.5):
        cert = mint.neg_value("neg-certificate", c.rng)
        d.add('JWT_CERT="' + "\\n".join(cert) + '"')
        d.label("neg-certificate", None, "neg-certificate", False, fp=False)
    return d


def pem_markdown(c, path):
    d = Doc(path)
    d.add("## Break-glass access", "", "If the bastion is down, use this key (ask #sec to rotate afterwards):", "", "```")
    kind = c.rng.choice(mint.PEM_KINDS)
    lines = mint.private_pem(kind, c.rng)
    end = d.add(*lines)
    d.label(kind, None, "pem-markdown", True, line=end - len(lines) + 1, end=end, fp=False)
    d.add("```", "", "The format looks like this in docs:", "", "```")
    neg = mint.neg_value("neg-pem-placeholder", c.rng)
    end = d.add(*neg)
    d.label("neg-pem-placeholder", None, "neg-pem-placeholder", False, line=end - len(neg) + 1, end=end, fp=False)
    d.add("```")
    return d


def public_material(c, path):
    """Hard negatives only: public keys, certificates, authorized_keys, PEM-looking code."""
    d = Doc(path)
    for _ in range(c.few(1, 3)):
        cat = c.rng.choice(["neg-public-key", "neg-certificate", "neg-certificate"])
        v = mint.neg_value(cat, c.rng)
        if isinstance(v, str):
            v = [v]
        end = d.add(*v)
        d.label(cat, None, cat, False, line=end - len(v) + 1, end=end, fp=False)
        d.add("")
    return d


def pem_header_code(c, path):
    d = Doc(path)
    d.add("def is_private_key(text: str) -> bool:", '    markers = (', '        "-----BEGIN RSA PRIVATE KEY-----",',
          '        "-----BEGIN OPENSSH PRIVATE KEY-----",', '        "-----BEGIN PRIVATE KEY-----",', "    )",
          "    return any(m in text for m in markers)")
    d.label("neg-pem-placeholder", None, "neg-pem-placeholder", False, line=3, end=5, fp=False)
    return d


def innocuous(c, path):
    d = Doc(path)
    ext = path[path.rfind("."):]
    if ext == ".md":
        d.add("# Changelog", "", "## 1.14.2", "- fix: retry registry pushes on 502", f"- chore: bump alpine to 3.19 ({mint.pick(c.rng, mint.HEX, 8)})")
    elif ext == ".yml":
        d.add("stages: [build, test, deploy]", "build:", "  image: node:20", "  script:", "    - npm ci", "    - npm run build",
              "deploy:", "  script:", '    - curl --header "JOB-TOKEN: $CI_JOB_TOKEN" "$CI_API_V4_URL/projects/$CI_PROJECT_ID/packages/generic/app/1.0/app.tgz" --upload-file app.tgz')
    elif ext == ".log":
        for _ in range(c.few(5, 20)):
            d.add(f"2024-03-12T09:{c.few(10, 59)}:{c.few(10, 59)}Z INFO worker[{c.few(1, 9)}] processed batch id={mint.neg_value('neg-uuid', c.rng)} in {c.few(3, 900)}ms")
    else:
        d.add("[settings]", "timeout = 30", "retries = 5", f"build = {mint.pick(c.rng, mint.HEX, 40)}")
    return d


NEG_FIXTURE_CATS = ["neg-crc-fail", "neg-body-too-long", "neg-body-too-short", "neg-random-id-20", "neg-redacted-display",
                    "neg-stripe-publishable", "neg-hash", "neg-jwt-non-gitlab", "neg-uuid"]


def neg_fixtures(c, path):
    """Hard negatives only, in the places they turn up: validator test fixtures, 401 logs,
    redacted token listings, front-end configs with publishable keys, request ids."""
    d = Doc(path)
    style = c.turn("negfix-style", ["fixture", "log", "listing"])
    if style == "fixture":
        d.add("# Strings the token validator must reject (spec/lib/token_validator_spec.rb)", "invalid:")
        fmt = lambda cat, v: [f"  - reason: {cat[4:]}", f'    value: "{v}"']
    elif style == "log":
        d.add("2024-03-12T09:14:02Z WARN auth: rejected credentials")
        fmt = lambda cat, v: (f'2024-03-12T09:{c.few(10, 59)}:{c.few(10, 59)}Z INFO http request_id={v} status=200 path=/api/v4/version'
                              if cat in ("neg-random-id-20", "neg-uuid") else
                              f'2024-03-12T09:{c.few(10, 59)}:{c.few(10, 59)}Z WARN auth: 401 invalid token "{v}" from 10.2.{c.few(0, 255)}.{c.few(1, 254)}')
    else:
        d.add("token_name,hint,status")
        fmt = lambda cat, v: f"{word(c, ['ci-bot', 'renovate', 'release'])},{v},{'revoked' if cat == 'neg-redacted-display' else 'n/a'}"
    for _ in range(3):
        cat = c.turn("negfix", NEG_FIXTURE_CATS)
        v = mint.neg_value(cat, c.rng)
        out = fmt(cat, v)
        d.add(*(out if isinstance(out, list) else [out]))
        d.label(cat, v, cat, False)
    return d
