"""Innocuous content: names, identifiers, hashes and prose an organisation's repositories and
incident evidence are full of. Everything here is random but never a credential, so any finding
on these lines is a false positive."""

import base64
import random
import string
import uuid

TEAMS = ["platform", "payments", "identity", "data-eng", "mobile", "infra", "search", "billing", "growth", "sre"]
SERVICES = ["checkout-api", "ledger", "auth-gateway", "notifier", "report-worker", "image-resizer", "catalog",
            "session-store", "webhook-relay", "feature-flags", "audit-log", "etl-nightly", "pricing", "inventory-sync",
            "search-indexer", "mailer", "geo-lookup", "rate-limiter", "invoice-pdf", "fraud-score"]
HOSTS = ["gitlab.example.com", "gitlab.internal.acme.io", "git.corp.example.net", "gitlab.com"]
REGISTRIES = ["registry.gitlab.example.com", "registry.gitlab.com", "registry.internal.acme.io"]
USERS = ["alice", "bob", "cwong", "dpatel", "emma.j", "fkowalski", "gsato", "hnguyen", "ivan", "jmartin", "kofi", "lmorales"]
WORDS = ("cache retry timeout batch queue worker shard replica index token scope session lease bucket "
         "payload header cursor offset window budget quota region tenant schema migration rollout canary").split()
VERBS = ["fetch", "load", "sync", "build", "parse", "render", "flush", "resolve", "validate", "publish", "refresh", "collect"]
NOUNS = ["orders", "users", "events", "invoices", "projects", "pipelines", "jobs", "artifacts", "metrics", "accounts"]


def sha1(rng): return rng.randbytes(20).hex()
def sha256(rng): return rng.randbytes(32).hex()
def short_sha(rng): return rng.randbytes(4).hex()
def uid(rng): return str(uuid.UUID(bytes=rng.randbytes(16), version=4))
def digest(rng): return "sha256:" + sha256(rng)
def integrity(rng): return "sha512-" + base64.b64encode(rng.randbytes(64)).decode()
def b64blob(rng, n=48): return base64.b64encode(rng.randbytes(n)).decode()
def ident(rng): return rng.choice(VERBS) + "_" + rng.choice(NOUNS)
def camel(rng): return rng.choice(VERBS) + rng.choice(NOUNS).capitalize()
def pascal(rng): return rng.choice(NOUNS)[:-1].capitalize() + rng.choice(["Client", "Service", "Repository", "Handler", "Store"])
def version(rng): return f"{rng.randrange(0, 5)}.{rng.randrange(0, 30)}.{rng.randrange(0, 20)}"
def port(rng): return rng.choice([80, 443, 3000, 5432, 6379, 8080, 8443, 9090, 9200])
def host(rng): return rng.choice(HOSTS)
def service(rng): return rng.choice(SERVICES)
def project_path(rng): return f"{rng.choice(TEAMS)}/{rng.choice(SERVICES)}"


def timestamp(rng, base=1_714_000_000):
    import datetime
    t = base + rng.randrange(0, 20_000_000)
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc)


def iso(rng):
    return timestamp(rng).strftime("%Y-%m-%dT%H:%M:%SZ")


def sentence(rng, n=None):
    words = [rng.choice(WORDS) for _ in range(n or rng.randrange(5, 12))]
    return " ".join(words).capitalize() + "."


PROSE = [
    "The job retried twice before the runner picked it up.",
    "Rotate credentials after every incident, even when no access was confirmed.",
    "This service reads its configuration from the environment at start-up.",
    "Keep the cache warm; cold starts add about two seconds to the first request.",
    "Logs are shipped to the central cluster and kept for 30 days.",
    "Use the masked CI/CD variable instead of hard-coding the value.",
    "The audit log showed API calls from an unfamiliar IP range around 03:10 UTC.",
    "Revoking the token broke the nightly export; the team switched to a project access token.",
    "Runner tags decide which executor picks the job.",
    "If the migration times out, re-run it with a smaller batch size.",
    "Secrets belong in the vault; the pipeline fetches them with its ID token.",
    "Dependencies are pinned by integrity hash in the lockfile.",
]


def prose(rng, n=2):
    return " ".join(rng.sample(PROSE, n))


# --- Source-code filler per language -----------------------------------------------------------

def python_function(rng):
    name, arg = ident(rng), rng.choice(["items", "payload", "project_id", "since", "batch"])
    body = rng.choice([
        [f"    result = []", f"    for entry in {arg}:", f"        if entry.get(\"{rng.choice(WORDS)}\"):",
         f"            result.append(entry)", f"    return result"],
        [f"    logger.info(\"{name} start %s\", {arg})", f"    resp = session.get(f\"{{BASE_URL}}/api/v4/{rng.choice(NOUNS)}\", timeout={rng.randrange(5, 60)})",
         f"    resp.raise_for_status()", f"    return resp.json()"],
        [f"    # {sentence(rng)}", f"    key = hashlib.sha256(str({arg}).encode()).hexdigest()",
         f"    if key in _CACHE:", f"        return _CACHE[key]", f"    _CACHE[key] = value = compute({arg})", f"    return value"],
    ])
    doc = f'    """{sentence(rng)}"""'
    return [f"def {name}({arg}):", doc, *body, ""]


def js_function(rng, ts=False):
    name = camel(rng)
    typ = ": Promise<unknown>" if ts else ""
    argt = ": string" if ts else ""
    body = rng.choice([
        [f"  const res = await fetch(`${{baseUrl}}/api/v4/{rng.choice(NOUNS)}?per_page={rng.choice([20, 50, 100])}`);",
         "  if (!res.ok) throw new Error(`HTTP ${res.status}`);", "  return res.json();"],
        [f"  // {sentence(rng)}", f"  const key = createHash('sha256').update(id).digest('hex');",
         "  return cache.get(key) ?? cache.set(key, await load(id)).get(key);"],
        [f"  return items.filter((x) => x.{rng.choice(WORDS)} > {rng.randrange(1, 100)}).map((x) => x.id);"],
    ])
    return [f"export async function {name}(id{argt}){typ} {{", *body, "}", ""]


def go_function(rng):
    name = camel(rng).capitalize()
    body = rng.choice([
        ["\tctx, cancel := context.WithTimeout(ctx, %d*time.Second)" % rng.randrange(2, 30), "\tdefer cancel()",
         f"\treq, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+\"/api/v4/{rng.choice(NOUNS)}\", nil)",
         "\tif err != nil {", "\t\treturn nil, fmt.Errorf(\"build request: %w\", err)", "\t}", "\treturn c.do(req)"],
        [f"\t// {sentence(rng)}", "\tfor i := range items {", f"\t\tif items[i].{rng.choice(WORDS).capitalize()} == \"\" {{",
         "\t\t\tcontinue", "\t\t}", "\t\tout = append(out, items[i])", "\t}", "\treturn out, nil"],
    ])
    return [f"func (c *Client) {name}(ctx context.Context) ([]Item, error) {{", "\tvar out []Item", *body, "}", ""]


def java_method(rng):
    name = camel(rng)
    return [f"    /** {sentence(rng)} */", f"    public List<String> {name}(String projectId) throws IOException {{",
            f"        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + \"/api/v4/{rng.choice(NOUNS)}\"))",
            f"            .timeout(Duration.ofSeconds({rng.randrange(5, 60)}))", "            .build();",
            "        return parse(client.send(request, BodyHandlers.ofString()).body());", "    }", ""]


def ruby_method(rng):
    name = ident(rng)
    return [f"  # {sentence(rng)}", f"  def {name}(project_id)", f"    response = client.get(\"/api/v4/{rng.choice(NOUNS)}\", per_page: {rng.choice([20, 100])})",
            f"    response.body.select {{ |e| e['{rng.choice(WORDS)}'] }}", "  end", ""]


def rust_function(rng):
    name = ident(rng)
    return [f"/// {sentence(rng)}", f"pub fn {name}(items: &[Item]) -> Result<Vec<String>> {{",
            f"    let mut out = Vec::with_capacity(items.len());", "    for item in items {",
            f"        if item.{rng.choice(WORDS)}.is_empty() {{", "            continue;", "        }",
            "        out.push(item.id.clone());", "    }", "    Ok(out)", "}", ""]


def shell_lines(rng):
    return rng.choice([
        ["set -euo pipefail", f"# {sentence(rng)}", f"cd \"$(dirname \"$0\")/..\""],
        [f"if [ -z \"${{CI_COMMIT_TAG:-}}\" ]; then", f"  echo \"not a tag, skipping {rng.choice(VERBS)}\"", "  exit 0", "fi"],
        [f"for f in {rng.choice(NOUNS)}/*.json; do", "  jq -r '.id' \"$f\"", "done"],
        [f"docker build -t \"$CI_REGISTRY_IMAGE:{short_sha(rng)}\" .", "docker push \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA\""],
        [f"curl -fsS --retry 3 -o /tmp/{rng.choice(NOUNS)}.tgz \"https://{host(rng)}/api/v4/projects/{rng.randrange(10, 9999)}/packages/generic/{service(rng)}/{version(rng)}/bundle.tgz\" \\",
         "  --header \"JOB-TOKEN: $CI_JOB_TOKEN\""],
        [f"echo \"checksum {sha256(rng)}  bundle.tgz\" | sha256sum -c -"],
    ])


# --- Job-log noise -----------------------------------------------------------------------------

ESC = "\x1b"


def log_noise(rng):
    return rng.choice([
        f"npm warn deprecated {rng.choice(['inflight@1.0.6', 'glob@7.2.3', 'rimraf@3.0.2'])}: This module is not supported",
        f"added {rng.randrange(200, 1500)} packages, and audited {rng.randrange(200, 1500)} packages in {rng.randrange(3, 90)}s",
        f"   Compiling {rng.choice(['serde', 'tokio', 'regex', 'hyper', 'clap'])} v{version(rng)}",
        f"{ESC}[0;33mwarning{ESC}[0m: unused variable: `{rng.choice(WORDS)}`",
        f"Downloading https://repo.maven.apache.org/maven2/org/{rng.choice(['slf4j', 'apache', 'junit'])}/{version(rng)}.jar",
        f"Step {rng.randrange(1, 12)}/{rng.randrange(12, 20)} : RUN {rng.choice(['apk add --no-cache git', 'pip install -r requirements.txt', 'go build ./...'])}",
        f" ---> {short_sha(rng)}{short_sha(rng)[:4]}",
        f"{digest(rng)}: Pull complete",
        f"Digest: {digest(rng)}",
        f"ok  \t{project_path(rng)}/internal/{rng.choice(WORDS)}\t{rng.random():.3f}s",
        f"test {ident(rng)} ... ok",
        f"PASSED tests/test_{ident(rng)}.py::test_{rng.choice(VERBS)}",
        f"{ESC}[32m✓{ESC}[39m {sentence(rng, 4)} ({rng.randrange(1, 900)} ms)",
        f"Uploading artifacts as \"archive\" to coordinator... 201 Created  id={rng.randrange(10**6, 10**9)} responseStatus=201 Created",
        f"Checking out {short_sha(rng)} as detached HEAD (ref is {rng.choice(['main', 'develop', 'release/2.4'])})...",
        f"Using docker image {digest(rng)} for {rng.choice(['node:20-alpine', 'python:3.12-slim', 'golang:1.22'])} with digest {digest(rng)} ...",
        f"request_id={uid(rng)} status=200 duration_ms={rng.randrange(2, 900)}",
        f"Restoring cache{ESC}[0;m",
        f"Checking cache for {rng.choice(['default', 'node-modules', 'cargo'])}-{rng.randrange(1, 20)}-protected...",
    ])
