"""Secrets and look-alikes, each built the way its issuer builds it.

GitLab formats follow crates/glir-tokens (prefix table, legacy body shapes) and GitLab's
routable-token generator (lib/authn/token_field/generator/routable_token.rb): routing string,
16 random bytes, base64url payload, base36 length field and base36 CRC32. Third-party formats
follow each issuer's published shape (GitHub's CRC32 checksum, AWS key-id alphabet, PEM/DER
structure). Nothing here prints a value; callers keep only `fingerprint`.
"""

import base64
import hashlib
import json
import random
import string
import sys
import zlib
from pathlib import Path

# GitLab's token construction is shared with the speed benchmark: one implementation of the
# routable CRC and of Devise.friendly_token (scripts/scan_bench/plant.py).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scan_bench"))
from plant import _b64url as b64url, fingerprint, friendly, routable, to_base36  # noqa: E402

BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
URLSAFE = string.ascii_letters + string.digits + "_-"
HEX = "0123456789abcdef"


def plain(rng: random.Random, n: int, alphabet: str = URLSAFE) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def hexstr(rng: random.Random, n: int) -> str:
    return rng.randbytes((n + 1) // 2).hex()[:n]


def _routing(rng, **extra) -> dict:
    routing = {"o": rng.choice([1, 1, 1, rng.randrange(2, 900)])}
    if rng.random() < 0.3:
        routing["c"] = rng.randrange(1, 4)
    routing.update(extra)
    return routing


def _base62(value: int, width: int) -> str:
    out = ""
    while value:
        out = BASE62[value % 62] + out
        value //= 62
    return out.rjust(width, "0")


def github_classic(rng) -> str:
    # 30 base62 characters of entropy + base62(CRC32(entropy)) left-padded to 6.
    entropy = plain(rng, 30, BASE62)
    return "ghp_" + entropy + _base62(zlib.crc32(entropy.encode()), 6)


def github_fine_grained(rng) -> str:
    return "github_pat_" + "11" + plain(rng, 20, string.ascii_uppercase + string.digits) + "_" + plain(rng, 59, BASE62)


def _jwt_job_token(rng) -> str:
    """`glcbt-` + RS256 JWT as lib/ci/job_token/jwt.rb issues it (signature random)."""
    header = {"alg": "RS256", "kid": b64url(rng.randbytes(32)), "typ": "JWT"}
    now = rng.randrange(1_700_000_000, 1_760_000_000)
    project = rng.randrange(1, 90000)
    claims = {
        "version": "0.1.0", "o": to_base36(1), "p": to_base36(project), "u": to_base36(rng.randrange(1, 99999)),
        "iss": "gitlab.example.com", "iat": now, "nbf": now - 5, "exp": now + 3900,
        "jti": f"{rng.randbytes(4).hex()}-{rng.randbytes(2).hex()}-{rng.randbytes(2).hex()}-{rng.randbytes(2).hex()}-{rng.randbytes(6).hex()}",
        "aud": "gitlab-authz-token", "sub": f"gid://gitlab/Ci::Build/{rng.randrange(10**6, 10**10)}",
    }
    enc = lambda obj: b64url(json.dumps(obj, separators=(",", ":")).encode())
    return "glcbt-" + enc(header) + "." + enc(claims) + "." + b64url(rng.randbytes(256))


def slack_token(rng, kind="xoxb") -> str:
    team, user = rng.randrange(10**10, 10**12), rng.randrange(10**10, 10**13)
    if kind == "xoxp":
        return f"xoxp-{team}-{user}-{rng.randrange(10**10, 10**13)}-{hexstr(rng, 32)}"
    return f"xoxb-{team}-{user}-{plain(rng, 24, string.ascii_letters + string.digits)}"


def slack_webhook(rng) -> str:
    up = string.ascii_uppercase + string.digits
    return ("https://hooks.slack.com/services/T" + plain(rng, rng.choice([8, 10]), up) + "/B"
            + plain(rng, rng.choice([8, 10]), up) + "/" + plain(rng, 24, string.ascii_letters + string.digits))


AWS_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def aws_key_id(rng) -> str:
    return rng.choice(["AKIA", "AKIA", "AKIA", "ASIA"]) + plain(rng, 16, AWS_ID_ALPHABET)


def aws_secret(rng) -> str:
    return plain(rng, 40, string.ascii_letters + string.digits + "+/")


# --- GitLab token kinds ------------------------------------------------------------------------

def gitlab_token(kind: str, rng: random.Random) -> str:
    if kind == "glpat-legacy":
        return "glpat-" + friendly(rng, 20)
    if kind == "glpat-routable-v0":
        return routable("glpat-", _routing(rng, u=rng.randrange(1, 9_000_000)), rng.randbytes(16), 0)
    if kind == "glpat-routable-v1":
        return routable("glpat-", _routing(rng, u=rng.randrange(1, 9_000_000)), rng.randbytes(16), 1)
    if kind == "gldt":
        return "gldt-" + friendly(rng, 20)
    if kind in ("glrt-routable", "glrtr-routable"):
        runner_type = rng.randrange(1, 4)
        routing = _routing(rng, t=runner_type)
        routing["g" if runner_type == 2 else "p"] = rng.randrange(1, 900_000)
        prefix = "glrt-" if kind == "glrt-routable" else "glrtr-"
        return routable(f"{prefix}t{runner_type}_", routing, rng.randbytes(16), rng.choice([0, 1]))
    if kind == "glrt-legacy":
        return "glrt-" + friendly(rng, 20)
    if kind == "glrtr-legacy":
        return "glrtr-" + friendly(rng, 20)
    if kind == "runner-registration":
        return "GR1348941" + plain(rng, 20)
    if kind == "glcbt-db":
        return f"glcbt-{rng.randrange(100, 0xFFF):x}_" + plain(rng, 20)
    if kind == "glcbt-jwt":
        return _jwt_job_token(rng)
    if kind == "glptt":
        return "glptt-" + hexstr(rng, 40)
    if kind == "glft":
        return "glft-" + plain(rng, 20)
    if kind == "glft-feed":
        # Per-feed token: glft-<hmac hex digest>-<user id>.
        return "glft-" + hexstr(rng, 64) + "-" + str(rng.randrange(1, 9_000_000))
    if kind == "glimt":
        return "glimt-" + plain(rng, 25)
    if kind == "glagent":
        return "glagent-" + friendly(rng, 50)
    if kind == "gloas":
        return "gloas-" + hexstr(rng, 64)
    if kind == "glsoat":
        return "glsoat-" + plain(rng, 20)
    if kind == "glffct":
        return "glffct-" + plain(rng, 20)
    if kind == "glwt":
        return routable("glwt-", _routing(rng, u=rng.randrange(1, 9_000_000)), rng.randbytes(16), rng.choice([0, 1]))
    if kind == "gitlab-session":
        return "_gitlab_session=" + hexstr(rng, 32)
    if kind == "gitlab-legacy-unprefixed":
        return friendly(rng, 20)
    raise ValueError(kind)


GITLAB_KINDS = [
    "glpat-legacy", "glpat-routable-v0", "glpat-routable-v1", "gldt", "glrt-routable", "glrt-legacy",
    "glrtr-routable", "glrtr-legacy", "runner-registration", "glcbt-db", "glcbt-jwt", "glptt", "glft",
    "glft-feed", "glimt", "glagent", "gloas", "glsoat", "glffct", "glwt", "gitlab-session",
]
# Relative frequency: PATs, runner and deploy tokens are what leaks most in practice.
GITLAB_WEIGHTS = {
    "glpat-legacy": 5, "glpat-routable-v0": 4, "glpat-routable-v1": 4, "gldt": 3, "glrt-routable": 3,
    "glrt-legacy": 2, "glrtr-routable": 2, "glrtr-legacy": 1.5, "runner-registration": 2, "glcbt-db": 2,
    "glcbt-jwt": 1.5, "glptt": 2, "glft": 1.5, "glft-feed": 1, "glimt": 1, "glagent": 1.5, "gloas": 1.5,
    "glsoat": 1, "glffct": 1, "glwt": 1.5, "gitlab-session": 1.5,
}
ROUTABLE_KINDS = ["glpat-routable-v0", "glpat-routable-v1", "glrt-routable", "glrtr-routable", "glwt"]

THIRD_PARTY_TOKEN_KINDS = ["aws-access-key-id", "github-classic", "github-fine-grained", "slack-bot",
                           "slack-user", "slack-webhook", "stripe-live"]


def third_party_token(kind: str, rng: random.Random) -> str:
    if kind == "aws-access-key-id":
        return aws_key_id(rng)
    if kind == "aws-secret-access-key":
        return aws_secret(rng)
    if kind == "github-classic":
        return github_classic(rng)
    if kind == "github-fine-grained":
        return github_fine_grained(rng)
    if kind == "slack-bot":
        return slack_token(rng, "xoxb")
    if kind == "slack-user":
        return slack_token(rng, "xoxp")
    if kind == "slack-webhook":
        return slack_webhook(rng)
    if kind == "stripe-live":
        if rng.random() < 0.5:
            return "sk_live_" + plain(rng, 24, string.ascii_letters + string.digits)
        return "sk_live_51" + plain(rng, 97, string.ascii_letters + string.digits)
    raise ValueError(kind)


# --- PEM private keys (DER built field by field, so parsers accept the structure) ----------------

def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _der(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _der_len(len(body)) + body


def _der_int(value: int) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big") if value else b"\0"
    return _der(0x02, body)


def _seq(*items: bytes) -> bytes:
    return _der(0x30, b"".join(items))


def _rsa_private_der(rng, bits: int) -> bytes:
    """PKCS#1 RSAPrivateKey with integers of the right sizes (not a usable key pair)."""
    half = bits // 2
    rint = lambda b: rng.getrandbits(b) | (1 << (b - 1)) | 1
    n, d = rint(bits), rint(bits)
    p, q = rint(half), rint(half)
    return _seq(_der_int(0), _der_int(n), _der_int(65537), _der_int(d), _der_int(p), _der_int(q),
                _der_int(rint(half)), _der_int(rint(half)), _der_int(rint(half)))


OID_RSA = bytes.fromhex("06092a864886f70d010101")
OID_EC = bytes.fromhex("06072a8648ce3d0201")
OID_P256 = bytes.fromhex("06082a8648ce3d030107")


def _ec_private_der(rng) -> bytes:
    pub = b"\x04" + rng.randbytes(64)
    return _seq(_der_int(1), _der(0x04, rng.randbytes(32)), _der(0xA0, OID_P256), _der(0xA1, _der(0x03, b"\0" + pub)))


def _ssh_string(b: bytes) -> bytes:
    return len(b).to_bytes(4, "big") + b


def _openssh_ed25519(rng, comment: str) -> bytes:
    """openssh-key-v1 container (PROTOCOL.key), unencrypted ed25519."""
    pub = rng.randbytes(32)
    pub_blob = _ssh_string(b"ssh-ed25519") + _ssh_string(pub)
    check = rng.randbytes(4)
    priv = check + check + pub_blob + _ssh_string(rng.randbytes(32) + pub) + _ssh_string(comment.encode())
    pad = 1
    while len(priv) % 8:
        priv += bytes([pad])
        pad += 1
    return (b"openssh-key-v1\0" + _ssh_string(b"none") + _ssh_string(b"none") + _ssh_string(b"")
            + (1).to_bytes(4, "big") + _ssh_string(pub_blob) + _ssh_string(priv))


def _wrap64(b: bytes, width: int = 64) -> list:
    text = base64.b64encode(b).decode()
    return [text[i:i + width] for i in range(0, len(text), width)]


PEM_KINDS = ["pem-rsa", "pem-ec", "pem-openssh", "pem-pkcs8"]


def pem_private_key(kind: str, rng: random.Random, comment: str = "deploy@ci") -> str:
    """A PEM private key as it is written to disk, lines joined by "\n", no trailing newline."""
    if kind == "pem-rsa":
        label, der, width = "RSA PRIVATE KEY", _rsa_private_der(rng, rng.choice([2048, 2048, 3072])), 64
    elif kind == "pem-ec":
        label, der, width = "EC PRIVATE KEY", _ec_private_der(rng), 64
    elif kind == "pem-openssh":
        label, der, width = "OPENSSH PRIVATE KEY", _openssh_ed25519(rng, comment), 70
    elif kind == "pem-pkcs8":
        inner = _rsa_private_der(rng, 2048)
        label = "PRIVATE KEY"
        der = _seq(_der_int(0), _seq(OID_RSA, b"\x05\x00"), _der(0x04, inner))
        width = 64
    else:
        raise ValueError(kind)
    return "\n".join([f"-----BEGIN {label}-----", *_wrap64(der, width), f"-----END {label}-----"])


def public_key_pem(rng) -> str:
    n = rng.getrandbits(2048) | (1 << 2047) | 1
    spki = _seq(_seq(OID_RSA, b"\x05\x00"), _der(0x03, b"\0" + _seq(_der_int(n), _der_int(65537))))
    return "\n".join(["-----BEGIN PUBLIC KEY-----", *_wrap64(spki), "-----END PUBLIC KEY-----"])


def certificate_pem(rng, cn: str) -> str:
    """A structurally plausible X.509 certificate (random signature)."""
    name = _seq(_der(0x31, _seq(bytes.fromhex("0603550403"), _der(0x0C, cn.encode()))))
    n = rng.getrandbits(2048) | (1 << 2047) | 1
    spki = _seq(_seq(OID_RSA, b"\x05\x00"), _der(0x03, b"\0" + _seq(_der_int(n), _der_int(65537))))
    sha256rsa = _seq(bytes.fromhex("06092a864886f70d01010b"), b"\x05\x00")
    validity = _seq(_der(0x17, b"240101000000Z"), _der(0x17, b"260101000000Z"))
    tbs = _seq(_der(0xA0, _der_int(2)), _der_int(rng.getrandbits(120)), sha256rsa, name, validity, name, spki)
    cert = _seq(tbs, sha256rsa, _der(0x03, b"\0" + rng.randbytes(256)))
    return "\n".join(["-----BEGIN CERTIFICATE-----", *_wrap64(cert), "-----END CERTIFICATE-----"])


def ssh_public_key(rng, comment: str) -> str:
    blob = _ssh_string(b"ssh-ed25519") + _ssh_string(rng.randbytes(32))
    return "ssh-ed25519 " + base64.b64encode(blob).decode() + " " + comment


def gcp_service_account(rng, project: str) -> dict:
    """The JSON key file `gcloud iam service-accounts keys create` writes."""
    name = rng.choice(["ci-deployer", "terraform", "gke-node-sa", "backup-writer", "looker-export"])
    email = f"{name}@{project}.iam.gserviceaccount.com"
    return {
        "type": "service_account",
        "project_id": project,
        "private_key_id": hexstr(rng, 40),
        "private_key": pem_private_key("pem-pkcs8", rng) + "\n",
        "client_email": email,
        "client_id": str(rng.randrange(10**20, 10**21)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/" + email.replace("@", "%40"),
        "universe_domain": "googleapis.com",
    }


# --- Hard negatives ----------------------------------------------------------------------------

def crc_failed(rng, kind: str) -> str:
    """A valid routable token with one character of its payload or CRC changed."""
    token = gitlab_token(kind, rng)
    dot = token.index(".")
    start = token.index("_", 0, dot) + 1 if "_" in token[:12] and kind != "glwt" and kind.startswith("glrt") else token.index("-") + 1
    pos = rng.choice([rng.randrange(start + 2, dot - 2), rng.randrange(len(token) - 7, len(token))])
    alphabet = BASE36 if pos >= len(token) - 7 else URLSAFE
    repl = rng.choice([c for c in alphabet if c != token[pos]])
    return token[:pos] + repl + token[pos + 1:]


def overlong_pat(rng) -> str:
    return "glpat-" + friendly(rng, rng.randrange(25, 41))


def short_token(rng) -> str:
    prefix = rng.choice(["glpat-", "glpat-", "gldt-", "glrt-", "glptt-"])
    return prefix + friendly(rng, rng.randrange(8, 19))


def short_oauth_secret(rng) -> str:
    return "gloas-" + hexstr(rng, rng.randrange(12, 40))


GITLAB_PLACEHOLDERS = [
    "glpat-xxxxxxxxxxxxxxxxxxxx", "glpat-XXXXXXXXXXXXXXXXXXXX", "glpat-<your-token>", "glpat-REDACTED",
    "glpat-<your_access_token>", "glpat-XXXXXXXXXXX-XXXXXXXX", "glpat-************", "glrt-xxxxxxxxxxxxxxxxxxxx",
    "gldt-XXXXXXXXXXXXXXXXXXXX", "glpat-${GITLAB_TOKEN}", "glptt-<trigger-token>", "GR1348941xxxxxxxxxxxxxxxxxxxx",
    "glpat-0000000000000000000", "glpat-aaaaaaaaaaaaaaaaaaaa", "glcbt-<job-token>", "glrt-<runner-token>",
]
AWS_EXAMPLE_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
THIRD_PARTY_PLACEHOLDERS = [
    "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx", "xoxb-your-bot-token",
    "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "https://hooks.slack.com/services/TXXXXXXXX/BXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX",
    "sk_live_<your-stripe-key>", "xoxp-xxxxxxxxxxxx-xxxxxxxxxxxx",
]


def pem_placeholder(rng) -> str:
    label = rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"])
    body = rng.choice(["...", "…", "<your private key here>", "...\n...", "MIIEpAIBAAKCAQEA...", "(redacted)"])
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"
