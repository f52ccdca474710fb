"""Generators for the secrets planted in the benchmark corpus and the git repository.

Every value is built the way its issuer builds it, so scanners that check structure (GitLab's
routable CRC, GitHub's checksum) accept it. Values are never printed: callers record only the
kind and `fingerprint`, the same `sha256:` + 16 hex that glir_redact::fingerprint produces.
"""

import base64
import hashlib
import random
import string
import zlib

BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def fingerprint(secret: str) -> str:
    """Same as glir_redact::fingerprint: sha256 of the secret, first 8 bytes as hex."""
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:16]


def to_base36(value: int) -> str:
    """Ruby `Integer#to_s(36)`."""
    out = ""
    while True:
        out = BASE36[value % 36] + out
        value //= 36
        if value == 0:
            return out


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def routable(prefix: str, routing: dict, rnd: bytes, version: int) -> str:
    """GitLab's routable token (lib/authn/token_field/generator/routable_token.rb); same
    algorithm as crates/glir-tokens/tests/common/mod.rs."""
    routing_string = "\n".join(f"{k}:{to_base36(v)}" for k, v in sorted(routing.items()))
    if version == 1:
        payload = rnd + routing_string.encode() + bytes([len(routing_string)])
    else:
        payload = routing_string.encode() + rnd + bytes([16])
    b64 = _b64url(payload)
    length = to_base36(len(b64)).rjust(2, "0")
    body = f"{prefix}{b64}.01.{length}" if version == 1 else f"{prefix}{b64}.{length}"
    return body + to_base36(zlib.crc32(body.encode())).rjust(7, "0")


def friendly(rng: random.Random, n: int) -> str:
    """`Devise.friendly_token(n)`: urlsafe base64 with `lIO0` replaced by `sxyz`."""
    raw = _b64url(rng.randbytes(n * 3 // 4 + 1))[:n]
    return raw.translate(str.maketrans("lIO0", "sxyz"))


def _base62(value: int, width: int) -> str:
    out = ""
    while value:
        out = BASE62[value % 62] + out
        value //= 62
    return out.rjust(width, "0")


def _github(rng: random.Random, prefix: str) -> str:
    # GitHub's token format: 30 base62 characters of entropy + base62(CRC32(entropy)) padded to 6.
    entropy = "".join(rng.choice(BASE62) for _ in range(30))
    return prefix + entropy + _base62(zlib.crc32(entropy.encode()), 6)


def _routing(rng: random.Random) -> dict:
    return {"o": 1, "u": rng.randrange(1, 5_000_000)}


def make(kind: str, rng: random.Random) -> str:
    """One secret of the given kind (see KINDS)."""
    if kind == "glpat-legacy":
        return "glpat-" + friendly(rng, 20)
    if kind == "glpat-routable-v0":
        return routable("glpat-", _routing(rng), rng.randbytes(16), 0)
    if kind == "glpat-routable-v1":
        return routable("glpat-", _routing(rng), rng.randbytes(16), 1)
    if kind == "glrt-routable":
        runner_type = rng.randrange(1, 4)
        routing = {"o": 1, "p": rng.randrange(1, 900_000), "t": runner_type}
        return routable(f"glrt-t{runner_type}_", routing, rng.randbytes(16), 0)
    if kind == "glrt-legacy":
        return "glrt-" + friendly(rng, 20)
    if kind == "gldt":
        return "gldt-" + friendly(rng, 20)
    if kind == "glptt":
        return "glptt-" + rng.randbytes(20).hex()
    if kind == "glcbt":
        return f"glcbt-{rng.randrange(1, 0xFFF):x}_" + friendly(rng, 20)
    if kind == "aws-access-key":
        return "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
    if kind == "github-pat":
        return _github(rng, "ghp_")
    if kind == "slack-bot":
        team, user = rng.randrange(10**10, 10**12), rng.randrange(10**10, 10**13)
        tail = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(24))
        return f"xoxb-{team}-{user}-{tail}"
    raise ValueError(kind)


KINDS = [
    "glpat-legacy",
    "glpat-routable-v0",
    "glpat-routable-v1",
    "glrt-routable",
    "glrt-legacy",
    "gldt",
    "glptt",
    "glcbt",
    "aws-access-key",
    "github-pat",
    "slack-bot",
]

GITLAB_KINDS = {k for k in KINDS if k.startswith("gl")}

# Environment-variable names a leak of each kind is typically assigned to.
VAR_NAMES = {
    "glpat-legacy": "GITLAB_TOKEN",
    "glpat-routable-v0": "GITLAB_PRIVATE_TOKEN",
    "glpat-routable-v1": "GL_TOKEN",
    "glrt-routable": "RUNNER_TOKEN",
    "glrt-legacy": "CI_SERVER_TOKEN",
    "gldt": "DEPLOY_TOKEN",
    "glptt": "TRIGGER_TOKEN",
    "glcbt": "CI_JOB_TOKEN",
    "aws-access-key": "AWS_ACCESS_KEY_ID",
    "github-pat": "GITHUB_TOKEN",
    "slack-bot": "SLACK_BOT_TOKEN",
}
