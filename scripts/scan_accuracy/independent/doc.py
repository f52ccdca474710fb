"""A file under construction and its labels, plus the planting helpers the file kinds share."""

import base64
import json

import mint

VAR = {
    "glpat-legacy": ["GITLAB_TOKEN", "GITLAB_PRIVATE_TOKEN", "GL_TOKEN", "GITLAB_API_TOKEN"],
    "glpat-routable-v0": ["GITLAB_TOKEN", "GITLAB_PAT", "GITLAB_API_TOKEN"],
    "glpat-routable-v1": ["GITLAB_TOKEN", "GL_TOKEN", "RENOVATE_TOKEN", "DANGER_GITLAB_API_TOKEN"],
    "glpat-instance-prefix": ["GITLAB_TOKEN", "GITLAB_PAT"],
    "gldt": ["GITLAB_DEPLOY_TOKEN", "DEPLOY_TOKEN_PASSWORD", "REGISTRY_PASSWORD"],
    "glrt-legacy": ["RUNNER_TOKEN", "CI_SERVER_TOKEN"],
    "glrt-t1-routable": ["RUNNER_TOKEN", "GITLAB_RUNNER_TOKEN"],
    "glrt-t2-routable": ["RUNNER_TOKEN", "RUNNER_AUTH_TOKEN"],
    "glrt-t3-routable": ["RUNNER_TOKEN", "GITLAB_RUNNER_TOKEN"],
    "glrtr-legacy": ["RUNNER_TOKEN", "CI_SERVER_TOKEN"],
    "GR1348941": ["REGISTRATION_TOKEN", "RUNNER_REGISTRATION_TOKEN"],
    "glcbt": ["CI_JOB_TOKEN", "JOB_TOKEN"],
    "glptt": ["TRIGGER_TOKEN", "PIPELINE_TRIGGER_TOKEN"],
    "glft": ["GITLAB_FEED_TOKEN", "FEED_TOKEN"],
    "glft-per-feed": ["ISSUES_FEED_TOKEN"],
    "glimt": ["INCOMING_EMAIL_TOKEN"],
    "gloas": ["GITLAB_OAUTH_CLIENT_SECRET", "OAUTH_APP_SECRET"],
    "glagent": ["AGENT_TOKEN", "GITLAB_AGENT_TOKEN"],
    "glsoat": ["SCIM_TOKEN", "GITLAB_SCIM_TOKEN"],
    "glffct": ["UNLEASH_INSTANCE_ID", "GITLAB_FF_CLIENT_TOKEN"],
    "glwt-routable": ["WORKSPACE_TOKEN"],
    mint.GITLAB_UNPREFIXED: ["GITLAB_TOKEN", "GITLAB_PRIVATE_TOKEN", "GITLAB_API_TOKEN"],
    "aws-access-key-id": ["AWS_ACCESS_KEY_ID"],
    "aws-secret-access-key": ["AWS_SECRET_ACCESS_KEY"],
    "github-classic": ["GITHUB_TOKEN", "GH_TOKEN"],
    "github-fine-grained": ["GITHUB_TOKEN", "GH_PAT"],
    "slack-bot": ["SLACK_BOT_TOKEN"],
    "slack-user": ["SLACK_USER_TOKEN"],
    "slack-webhook": ["SLACK_WEBHOOK_URL", "SLACK_WEBHOOK"],
    "stripe-live": ["STRIPE_SECRET_KEY", "STRIPE_API_KEY"],
    "stripe-restricted": ["STRIPE_RESTRICTED_KEY"],
}
NEG_VAR = {
    "neg-crc-fail": ["GITLAB_TOKEN", "GL_TOKEN", "RUNNER_TOKEN"],
    "neg-body-too-long": ["GITLAB_TOKEN", "DEPLOY_TOKEN"],
    "neg-body-too-short": ["GITLAB_TOKEN", "RUNNER_TOKEN"],
    "neg-placeholder-gitlab": ["GITLAB_TOKEN", "EXAMPLE_TOKEN", "RUNNER_TOKEN"],
    "neg-placeholder-third-party": ["GITHUB_TOKEN", "STRIPE_SECRET_KEY", "SLACK_BOT_TOKEN", "AWS_ACCESS_KEY_ID"],
    "neg-aws-doc-example": ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
    "neg-hash": ["COMMIT_SHA", "IMAGE_DIGEST", "CHECKSUM", "PASSWORD_HASH"],
    "neg-uuid": ["REQUEST_ID", "TENANT_ID", "INSTALLATION_ID"],
    "neg-jwt-non-gitlab": ["ID_TOKEN_SAMPLE", "EXAMPLE_JWT"],
    "neg-masked": ["GITLAB_TOKEN", "CI_JOB_TOKEN", "AWS_SECRET_ACCESS_KEY"],
    "neg-variable-reference": ["GITLAB_TOKEN", "TOKEN", "AWS_SECRET_ACCESS_KEY"],
    "neg-random-id-20": ["REQUEST_ID", "CORRELATION_ID", "SESSION_NONCE", "BUILD_ID", "TRACE_ID"],
    "neg-stripe-publishable": ["STRIPE_PUBLISHABLE_KEY", "NEXT_PUBLIC_STRIPE_KEY"],
    "neg-redacted-display": ["GITLAB_TOKEN", "TOKEN_HINT"],
}
SINGLE_LINE_NEG = [c for c in mint.NEG_CATEGORIES if c not in ("neg-public-key", "neg-certificate", "neg-pem-placeholder")]
GITLAB_WEIGHTS = {k: 1 for k in mint.GITLAB_KINDS}
GITLAB_WEIGHTS.update({"glpat-legacy": 6, "glpat-routable-v0": 3, "glpat-routable-v1": 4, "gldt": 2, "glcbt": 2,
                       "glrt-t1-routable": 2, mint.GITLAB_UNPREFIXED: 3, "gitlab-session": 0})
THIRD_WEIGHTS = {"aws-pair": 5, "aws-access-key-id": 1, "github-classic": 3, "github-fine-grained": 2, "slack-bot": 2,
                 "slack-user": 1, "slack-webhook": 2, "stripe-live": 2, "stripe-restricted": 1}


class Doc:
    def __init__(self, path, crlf=False):
        self.path, self.crlf, self.lines, self.labels = path, crlf, [], []

    def add(self, *lines):
        self.lines.extend(lines)
        return len(self.lines)

    def label(self, kind, value, context, positive, line=None, end=None, fp=True, **extra):
        line = line or len(self.lines)
        lab = {"path": self.path, "line": line, "kind": kind, "family_group": mint.group_of(kind),
               "positive": positive, "context": context}
        if end is not None and end != line:
            lab["start_line"], lab["end_line"] = line, end
        if fp and isinstance(value, str):
            lab["fingerprint"] = mint.fingerprint(value)
        lab.update(extra)
        self.labels.append(lab)

    def text(self):
        nl = "\r\n" if self.crlf else "\n"
        return nl.join(self.lines) + nl


class Ctx:
    """Random choices shared by the file kinds; `rng` is the only source of randomness."""

    def __init__(self, rng):
        self.rng = rng
        self.n = 0

    def weighted(self, table):
        keys = list(table)
        return self.rng.choices(keys, [table[k] for k in keys])[0]

    def gitlab_kind(self, allow_unprefixed=True, allow_session=False):
        t = dict(GITLAB_WEIGHTS)
        if not allow_unprefixed:
            t.pop(mint.GITLAB_UNPREFIXED)
        if allow_session:
            t["gitlab-session"] = 2
        return self.weighted(t)

    def value(self, kind):
        if kind in mint.GITLAB_KINDS or kind == mint.GITLAB_UNPREFIXED:
            return mint.gitlab(kind, self.rng)
        return mint.third(kind, self.rng)

    def var(self, kind):
        return self.rng.choice(VAR.get(kind) or NEG_VAR.get(kind) or ["TOKEN"])

    def kind(self, gitlab_share=0.65, allow_unprefixed=True, third=None):
        if self.rng.random() < gitlab_share:
            return self.gitlab_kind(allow_unprefixed)
        return self.weighted(third or THIRD_WEIGHTS)

    def plant(self, d, fmt, context, kind=None, **kw):
        """Append fmt(NAME, value) lines for one secret (two for an AWS key pair) and label them.
        `fmt` returns one line or a list of lines (the secret must be on the last one)."""
        kind = kind or self.kind(**kw)
        if kind == "aws-pair":
            akid = mint.third("aws-access-key-id", self.rng)
            secret = mint.third("aws-secret-access-key", self.rng)
            self._emit(d, fmt("AWS_ACCESS_KEY_ID", akid))
            d.label("aws-access-key-id", akid, context, True)
            self._emit(d, fmt("AWS_SECRET_ACCESS_KEY", secret))
            d.label("aws-secret-access-key", secret, context, True)
            return secret
        value = self.value(kind)
        self._emit(d, fmt(self.var(kind), value))
        d.label(kind, value, context, True)
        return value

    def negate(self, d, fmt, cats=None):
        cat = self.rng.choice(cats or SINGLE_LINE_NEG)
        value = mint.neg_value(cat, self.rng)
        self._emit(d, fmt(self.rng.choice(NEG_VAR[cat]), value))
        d.label(cat, value, cat, False)
        return value

    @staticmethod
    def _emit(d, out):
        if isinstance(out, str):
            d.add(out)
        else:
            d.add(*out)

    def turn(self, key, options):
        """Cycle through `options` per `key`, so every variant of a file kind gets its share."""
        self.turns = getattr(self, "turns", {})
        i = self.turns.get(key, 0)
        self.turns[key] = i + 1
        return options[i % len(options)]

    def maybe(self, p):
        return self.rng.random() < p

    def few(self, lo, hi):
        return self.rng.randint(lo, hi)


def b64(s):
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


def jdump_lines(obj, indent=2):
    return json.dumps(obj, indent=indent).split("\n")


def json_esc(s):
    return json.dumps(s)[1:-1]


def slack_esc(s):
    return json.dumps(s)[1:-1].replace("/", "\\/")


class Slots:
    """Secrets placed into text produced by a serializer (json.dumps, YAML written by hand): the
    text carries `@@SLOTn@@` markers, `fill` swaps in the encoded values and labels their lines."""

    def __init__(self, d):
        self.d, self.items = d, []

    def put(self, kind, value, context, positive=True, enc=None, fp=True, span_lines=1):
        self.items.append((kind, value, context, positive, enc, fp))
        return f"@@SLOT{len(self.items) - 1}@@"

    def fill(self):
        d = self.d
        for i, line in enumerate(d.lines):
            while "@@SLOT" in line:
                a = line.index("@@SLOT")
                b = line.index("@@", a + 6)
                kind, value, context, positive, enc, fp = self.items[int(line[a + 6:b])]
                text = enc(value) if enc else value
                line = line[:a] + text + line[b + 2:]
                d.label(kind, value, context, positive, line=i + 1, fp=fp)
            d.lines[i] = line
