"""Secret and hard-negative values for the independent corpus.

Built from the token formats documented in crates/glir-tokens (prefix table, routable layout with
base36 CRC32, Devise.friendly_token bodies) and public vendor formats. Written without looking at
the scanner or at the first corpus's generators. Values never leave the generated files: labels
carry only `fingerprint` (sha256 of the secret, first 16 hex).
"""

import base64
import hashlib
import json
import string
import struct
import zlib

B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
URLSAFE = string.ascii_letters + string.digits + "-_"
FRIENDLY = "".join(c for c in URLSAFE if c not in "lIO0")
HEX = "0123456789abcdef"
AWS_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
AWS_SECRET = string.ascii_letters + string.digits + "/+"


def fingerprint(secret):
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:16]


def pick(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def b36(v):
    s = ""
    while True:
        s = B36[v % 36] + s
        v //= 36
        if not v:
            return s


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def routable(prefix, routing, rnd, v1=True):
    """lib/authn/token_field/generator/routable_token.rb as described in glir-tokens/routable.rs."""
    rs = "\n".join(f"{k}:{b36(v)}" for k, v in sorted(routing.items()))
    payload = rnd + rs.encode() + bytes([len(rs)]) if v1 else rs.encode() + rnd + bytes([16])
    b = b64url(payload)
    body = prefix + b + (".01." if v1 else ".") + b36(len(b)).rjust(2, "0")
    return body + b36(zlib.crc32(body.encode())).rjust(7, "0")


def friendly(rng, n):
    return pick(rng, FRIENDLY, n)


def legacy_friendly(rng, n=20):
    """A friendly token that does not look like a placeholder (no long runs)."""
    while True:
        s = friendly(rng, n)
        if not any(s[i] == s[i + 1] == s[i + 2] for i in range(n - 2)):
            return s


def _b62(v, w):
    s = ""
    while v:
        s = B62[v % 62] + s
        v //= 62
    return s.rjust(w, "0")


# ---- GitLab --------------------------------------------------------------------------------
GITLAB_KINDS = [
    "glpat-legacy", "glpat-routable-v0", "glpat-routable-v1", "gldt", "glrt-legacy",
    "glrt-t1-routable", "glrt-t2-routable", "glrt-t3-routable", "glrtr-legacy", "GR1348941",
    "glcbt", "glptt", "glft", "glft-per-feed", "glimt", "gloas", "glagent", "glsoat", "glffct",
    "glwt-routable", "gitlab-session", "glpat-instance-prefix",
]
GITLAB_UNPREFIXED = "gitlab-legacy-unprefixed"


def gitlab(kind, rng):
    r = rng.randrange
    if kind == "glpat-legacy":
        return "glpat-" + legacy_friendly(rng)
    if kind == "glpat-routable-v0":
        return routable("glpat-", {"o": 1, "u": r(2, 9_000_000)}, rng.randbytes(16), False)
    if kind == "glpat-routable-v1":
        return routable("glpat-", {"o": r(1, 40), "u": r(2, 9_000_000)}, rng.randbytes(16), True)
    if kind == "gldt":
        return "gldt-" + legacy_friendly(rng)
    if kind == "glrt-legacy":
        return "glrt-" + legacy_friendly(rng)
    if kind.startswith("glrt-t"):
        t = int(kind[6])
        scope = {1: {}, 2: {"g": r(2, 500_000)}, 3: {"p": r(2, 900_000)}}[t]
        return routable(f"glrt-t{t}_", {"o": 1, "t": t, **scope}, rng.randbytes(16), rng.random() < 0.5)
    if kind == "glrtr-legacy":
        return "glrtr-" + legacy_friendly(rng)
    if kind == "GR1348941":
        return "GR1348941" + pick(rng, URLSAFE, 20)
    if kind == "glcbt":
        return f"glcbt-{r(1, 0x1ff):x}_" + pick(rng, URLSAFE, 20)
    if kind == "glptt":
        return "glptt-" + pick(rng, HEX, 40)
    if kind == "glft":
        return "glft-" + pick(rng, URLSAFE, 20)
    if kind == "glft-per-feed":
        return "glft-" + pick(rng, HEX, 64) + "-" + str(r(2, 9_000_000))
    if kind == "glimt":
        return "glimt-" + pick(rng, URLSAFE, 25)
    if kind == "gloas":
        return "gloas-" + pick(rng, HEX, 64)
    if kind == "glagent":
        return "glagent-" + legacy_friendly(rng, 50)
    if kind == "glsoat":
        return "glsoat-" + pick(rng, URLSAFE, 20)
    if kind == "glffct":
        return "glffct-" + pick(rng, URLSAFE, 20)
    if kind == "glwt-routable":
        return routable("glwt-", {"o": 1, "u": r(2, 9_000_000)}, rng.randbytes(16), True)
    if kind == "gitlab-session":
        return "_gitlab_session=" + pick(rng, HEX, 32)
    if kind == "glpat-instance-prefix":
        return rng.choice(["acme", "corp", "gl-prod", "example"]) + "-glpat-" + legacy_friendly(rng)
    if kind == GITLAB_UNPREFIXED:
        return legacy_friendly(rng)
    raise ValueError(kind)


# ---- third party ---------------------------------------------------------------------------
THIRD_KINDS = [
    "aws-access-key-id", "aws-secret-access-key", "github-classic", "github-fine-grained",
    "slack-bot", "slack-user", "slack-webhook", "stripe-live", "stripe-restricted",
]
PEM_KINDS = ["pem-rsa", "pem-ec", "pem-pkcs8", "pem-openssh"]
GCP_KIND = "gcp-service-account"


def github_classic(rng, prefix="ghp_"):
    e = pick(rng, B62, 30)
    return prefix + e + _b62(zlib.crc32(e.encode()), 6)


def third(kind, rng):
    if kind == "aws-access-key-id":
        return rng.choice(["AKIA", "AKIA", "AKIA", "ASIA"]) + pick(rng, AWS_B32, 16)
    if kind == "aws-secret-access-key":
        while True:
            s = pick(rng, AWS_SECRET, 40)
            if s[0] not in "/+" and s[-1] not in "/+":
                return s
    if kind == "github-classic":
        return github_classic(rng, rng.choice(["ghp_", "ghp_", "gho_", "ghs_"]))
    if kind == "github-fine-grained":
        return "github_pat_11" + pick(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 20) + "_" + pick(rng, B62, 59)
    if kind == "slack-bot":
        return f"xoxb-{rng.randrange(10**10, 10**12)}-{rng.randrange(10**12, 10**13)}-{pick(rng, B62, 24)}"
    if kind == "slack-user":
        return (f"xoxp-{rng.randrange(10**10, 10**12)}-{rng.randrange(10**10, 10**12)}-"
                f"{rng.randrange(10**12, 10**13)}-{pick(rng, HEX, 32)}")
    if kind == "slack-webhook":
        up = string.ascii_uppercase + string.digits
        return f"https://hooks.slack.com/services/T{pick(rng, up, 10)}/B{pick(rng, up, 10)}/{pick(rng, B62, 24)}"
    if kind == "stripe-live":
        return "sk_live_" + pick(rng, B62, rng.choice([24, 99]))
    if kind == "stripe-restricted":
        return "rk_live_" + pick(rng, B62, rng.choice([24, 99]))
    raise ValueError(kind)


# ---- PEM / DER -----------------------------------------------------------------------------
def _len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def _tlv(tag, content):
    return bytes([tag]) + _len(len(content)) + content


def _int(b):
    if isinstance(b, int):
        b = b.to_bytes(max(1, (b.bit_length() + 8) // 8), "big")
    if b[0] & 0x80:
        b = b"\0" + b
    return _tlv(0x02, b)


def _seq(*xs):
    return _tlv(0x30, b"".join(xs))


def _oid(dotted):
    p = [int(x) for x in dotted.split(".")]
    out = bytes([40 * p[0] + p[1]])
    for v in p[2:]:
        enc = [v & 0x7F]
        v >>= 7
        while v:
            enc.append(0x80 | (v & 0x7F))
            v >>= 7
        out += bytes(reversed(enc))
    return _tlv(0x06, out)


def _odd(rng, n, top=True):
    b = bytearray(rng.randbytes(n))
    if top:
        b[0] |= 0x80
    b[-1] |= 1
    return bytes(b)


def rsa_der(rng, bits=2048):
    n = bits // 8
    h = n // 2
    return _seq(_int(0), _int(_odd(rng, n)), _int(65537), _int(rng.randbytes(n)), _int(_odd(rng, h)),
                _int(_odd(rng, h)), _int(rng.randbytes(h)), _int(rng.randbytes(h)), _int(rng.randbytes(h)))


def rsa_pub_der(rng, bits=2048):
    return _seq(_int(_odd(rng, bits // 8)), _int(65537))


def ec_der(rng, with_params=True):
    parts = [_int(1), _tlv(0x04, rng.randbytes(32))]
    if with_params:
        parts.append(_tlv(0xA0, _oid("1.2.840.10045.3.1.7")))
    parts.append(_tlv(0xA1, _tlv(0x03, b"\0\x04" + rng.randbytes(64))))
    return _seq(*parts)


def pkcs8_der(rng):
    if rng.random() < 0.5:
        return _seq(_int(0), _seq(_oid("1.2.840.113549.1.1.1"), b"\x05\x00"), _tlv(0x04, rsa_der(rng)))
    return _seq(_int(0), _seq(_oid("1.2.840.10045.2.1"), _oid("1.2.840.10045.3.1.7")),
                _tlv(0x04, ec_der(rng, with_params=False)))


def spki_der(rng):
    return _seq(_seq(_oid("1.2.840.113549.1.1.1"), b"\x05\x00"), _tlv(0x03, b"\0" + rsa_pub_der(rng)))


def cert_der(rng):
    name = _seq(_tlv(0x31, _seq(_oid("2.5.4.3"), _tlv(0x0C, b"internal.example.net"))))
    tbs = _seq(_tlv(0xA0, _int(2)), _int(rng.randbytes(16)), _seq(_oid("1.2.840.113549.1.1.11"), b"\x05\x00"),
               name, _seq(_tlv(0x17, b"240101000000Z"), _tlv(0x17, b"260101000000Z")), name, spki_der(rng))
    return _seq(tbs, _seq(_oid("1.2.840.113549.1.1.11"), b"\x05\x00"), _tlv(0x03, b"\0" + rng.randbytes(256)))


def _sshstr(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack(">I", len(b)) + b


def ed25519_pub_blob(rng):
    return _sshstr("ssh-ed25519") + _sshstr(rng.randbytes(32))


def openssh_der(rng, comment="deploy@ci"):
    pk = rng.randbytes(32)
    pub = _sshstr("ssh-ed25519") + _sshstr(pk)
    check = rng.randbytes(4)
    priv = check + check + _sshstr("ssh-ed25519") + _sshstr(pk) + _sshstr(rng.randbytes(32) + pk) + _sshstr(comment)
    i = 1
    while len(priv) % 8:
        priv += bytes([i])
        i += 1
    return (b"openssh-key-v1\0" + _sshstr("none") + _sshstr("none") + _sshstr(b"") + struct.pack(">I", 1)
            + _sshstr(pub) + _sshstr(priv))


def wrap(s, width):
    return [s[i:i + width] for i in range(0, len(s), width)]


def pem(label, der, width=64):
    return [f"-----BEGIN {label}-----", *wrap(base64.b64encode(der).decode(), width), f"-----END {label}-----"]


def private_pem(kind, rng):
    """PEM lines of a private key of `kind`."""
    if kind == "pem-rsa":
        return pem("RSA PRIVATE KEY", rsa_der(rng, rng.choice([2048, 2048, 4096])))
    if kind == "pem-ec":
        return pem("EC PRIVATE KEY", ec_der(rng))
    if kind == "pem-pkcs8":
        return pem("PRIVATE KEY", pkcs8_der(rng))
    if kind == "pem-openssh":
        return pem("OPENSSH PRIVATE KEY", openssh_der(rng), 70)
    raise ValueError(kind)


def gcp_key(rng, project):
    """A service-account key file as the console downloads it (dict)."""
    email = f"{rng.choice(['ci-deployer', 'terraform', 'backup-sa', 'gke-pull'])}@{project}.iam.gserviceaccount.com"
    return {
        "type": "service_account",
        "project_id": project,
        "private_key_id": pick(rng, HEX, 40),
        "private_key": "\n".join(pem("PRIVATE KEY", _seq(_int(0), _seq(_oid("1.2.840.113549.1.1.1"), b"\x05\x00"),
                                                         _tlv(0x04, rsa_der(rng))))) + "\n",
        "client_email": email,
        "client_id": str(rng.randrange(10**20, 10**21)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/" + email.replace("@", "%40"),
        "universe_domain": "googleapis.com",
    }


# ---- hard negatives ------------------------------------------------------------------------
NEG_CATEGORIES = [
    "neg-crc-fail", "neg-body-too-long", "neg-body-too-short", "neg-placeholder-gitlab",
    "neg-placeholder-third-party", "neg-aws-doc-example", "neg-public-key", "neg-certificate",
    "neg-pem-placeholder", "neg-hash", "neg-uuid", "neg-jwt-non-gitlab", "neg-masked",
    "neg-variable-reference", "neg-random-id-20", "neg-stripe-publishable", "neg-redacted-display",
]

GITLAB_PLACEHOLDERS = [
    "glpat-xxxxxxxxxxxxxxxxxxxx", "glpat-XXXXXXXXXXXXXXXXXXXX", "glpat-<your_access_token>",
    "glpat-<token>", "glpat-XXXXXXXXXXX-XXXXXXXX", "glpat-${GITLAB_TOKEN}", "glpat-****************",
    "glpat-ABCDEFGHIJKLMNOPQRST", "glpat-1234567890abcdefghij", "glpat-...", "glpat-{{ token }}",
    "glpat-YOUR_TOKEN_HERE", "glpat-REDACTED", "glpat-[REDACTED]", "glrt-xxxxxxxxxxxxxxxxxxxx",
    "glrt-<runner_token>", "GR1348941xxxxxxxxxxxxxxxxxxxx", "GR1348941<registration_token>",
    "gldt-XXXXXXXXXXXXXXXXXXXX", "glptt-0000000000000000000000000000000000000000",
    "glcbt-<job_token>", "glft-xxxxxxxxxxxxxxxxxxxx", "glpat-aaaaaaaaaaaaaaaaaaaa",
    "glpat-%GITLAB_TOKEN%", "glpat-your-token-goes-here", "glpat-12345678901234567890",
    "glagent-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "glpat-…", "glsoat-<scim_token>",
]
THIRD_PLACEHOLDERS = [
    "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    "github_pat_XXXXXXXXXXXXXXXXXXXXXX_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx", "sk_live_<your_secret_key>", "xoxb-your-bot-token",
    "xoxb-XXXXXXXXXXXX-XXXXXXXXXXXXX-XXXXXXXXXXXXXXXXXXXXXXXX", "AKIAXXXXXXXXXXXXXXXX",
    "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "https://hooks.slack.com/services/<team>/<channel>/<token>", "<YOUR_AWS_SECRET_ACCESS_KEY>",
    "ghp_<token>", "xoxp-<your-user-token>", "rk_live_...",
]
AWS_DOC = [
    ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"),
    ("ASIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"),
    ("AKIAJ7EXAMPLEEXAMPLE", "aJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
]
MASKED = ["[MASKED]", "[MASKED]", "********", "[REDACTED]", "[FILTERED]", "<redacted>", "xxxxx", "[hidden]"]
VAR_REFS = ["$GITLAB_TOKEN", "${GITLAB_TOKEN}", "${{ secrets.GITLAB_TOKEN }}", "$CI_JOB_TOKEN", "${CI_JOB_TOKEN}",
            "%GITLAB_TOKEN%", "{{ gitlab_api_token }}", "${var.gitlab_token}", "$(cat /run/secrets/gitlab_token)",
            "{{ .Values.gitlab.token }}", "${env.GITLAB_PAT}", "${{ secrets.AWS_SECRET_ACCESS_KEY }}",
            "$AWS_SECRET_ACCESS_KEY", "${SLACK_WEBHOOK_URL}", "$env:GITLAB_TOKEN", "{{ vault_runner_token }}",
            "${GITLAB_RUNNER_REGISTRATION_TOKEN}", "#{gitlab_token}", "@gitlab_token@", "$$GITLAB_TOKEN"]


def crc_fail(rng):
    kind = rng.choice(["glpat-routable-v0", "glpat-routable-v1", "glrt-t1-routable", "glrt-t3-routable", "glwt-routable"])
    good = gitlab(kind, rng)
    pos = len(good) - 1 - rng.randrange(7)
    c = rng.choice([x for x in B36 if x != good[pos]])
    return good[:pos] + c + good[pos + 1:]


def neg_value(cat, rng):
    """A hard-negative string of category `cat`; multi-line ones come back as a list."""
    if cat == "neg-crc-fail":
        return crc_fail(rng)
    if cat == "neg-body-too-long":
        p = rng.choice(["glpat-", "gldt-", "glrt-", "glpat-", "glffct-", "glsoat-"])
        return p + legacy_friendly(rng, rng.choice([24, 26, 28, 31, 40]))
    if cat == "neg-body-too-short":
        p = rng.choice(["glpat-", "gldt-", "glrt-", "glpat-", "glcbt-1a_", "GR1348941"])
        return p + legacy_friendly(rng, rng.choice([8, 12, 15, 17, 19]))
    if cat == "neg-placeholder-gitlab":
        return rng.choice(GITLAB_PLACEHOLDERS)
    if cat == "neg-placeholder-third-party":
        return rng.choice(THIRD_PLACEHOLDERS)
    if cat == "neg-aws-doc-example":
        return rng.choice(AWS_DOC)[rng.randrange(2)]
    if cat == "neg-public-key":
        k = rng.randrange(3)
        if k == 0:
            return "ssh-ed25519 " + base64.b64encode(ed25519_pub_blob(rng)).decode() + " ops@bastion"
        if k == 1:
            blob = _sshstr("ssh-rsa") + _sshstr(b"\x01\x00\x01") + _sshstr(b"\0" + _odd(rng, 256))
            return "ssh-rsa " + base64.b64encode(blob).decode() + " deploy@ci"
        return pem("PUBLIC KEY", spki_der(rng))
    if cat == "neg-certificate":
        return pem("CERTIFICATE", cert_der(rng))
    if cat == "neg-pem-placeholder":
        label = rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"])
        body = rng.choice([["..."], ["<your private key here>"], ["MIIEpAIBAAKCAQEA..."], ["(contents of id_rsa)"],
                           ["XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"] * 3])
        return [f"-----BEGIN {label}-----", *body, f"-----END {label}-----"]
    if cat == "neg-hash":
        k = rng.randrange(6)
        if k == 0:
            return pick(rng, HEX, 40)
        if k == 1:
            return "sha256:" + pick(rng, HEX, 64)
        if k == 2:
            return pick(rng, HEX, 32)
        if k == 3:
            return "$2a$12$" + pick(rng, string.ascii_letters + string.digits + "./", 53)
        if k == 4:
            return "sha512-" + base64.b64encode(rng.randbytes(64)).decode()
        return pick(rng, HEX, 64)
    if cat == "neg-uuid":
        h = pick(rng, HEX, 32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"
    if cat == "neg-jwt-non-gitlab":
        hdr = b64url(json.dumps({"alg": rng.choice(["RS256", "HS256", "ES256"]), "typ": "JWT"}).encode())
        claims = rng.choice([
            {"sub": "1234567890", "name": "John Doe", "iat": 1516239022},
            {"iss": "https://accounts.google.com", "aud": "32555940559.apps.googleusercontent.com",
             "sub": str(rng.randrange(10**20)), "email": "ops@example.com", "exp": 1700000000},
            {"iss": "https://login.example.org", "sub": "svc-reporting", "scope": "read", "exp": 1600000000},
        ])
        return hdr + "." + b64url(json.dumps(claims).encode()) + "." + b64url(rng.randbytes(32))
    if cat == "neg-masked":
        return rng.choice(MASKED)
    if cat == "neg-variable-reference":
        return rng.choice(VAR_REFS)
    if cat == "neg-random-id-20":
        return legacy_friendly(rng)
    if cat == "neg-stripe-publishable":
        return "pk_live_" + pick(rng, B62, rng.choice([24, 99]))
    if cat == "neg-redacted-display":
        tok = gitlab(rng.choice(["glpat-legacy", "glrt-legacy", "gldt"]), rng)
        p = tok.split("-")[0] + "-"
        return rng.choice([p + tok[len(p):len(p) + 4] + "…", p + "****" + tok[-4:], p + tok[len(p):len(p) + 2] + "*" * 18,
                           p + "[MASKED]"])
    raise ValueError(cat)


def group_of(kind):
    if kind in GITLAB_KINDS or kind == GITLAB_UNPREFIXED or kind.startswith("neg-") and kind in (
            "neg-crc-fail", "neg-body-too-long", "neg-body-too-short", "neg-placeholder-gitlab",
            "neg-redacted-display", "neg-masked", "neg-variable-reference", "neg-random-id-20"):
        return "gitlab"
    return "third_party"
