"""The file model shared by gen_tree.py and gen_history.py.

A file is a list of Blocks; a Block is a few lines plus the labels of the strings planted in
them (offset of the labelled line inside the block, and how many lines the labelled thing spans).
Keeping labels on blocks lets the history generator move, delete and re-insert blocks while the
line numbers of every label stay exact.
"""

import random
from dataclasses import dataclass, field

import tokens


@dataclass
class Secret:
    kind: str
    value: str          # what is written into the file
    group: str          # "gitlab" or "third_party"
    positive: bool
    fp_source: str | None = None  # the exact secret string the fingerprint is taken of
    category: str | None = None   # hard-negative category, e.g. "crc-failed"

    @property
    def fingerprint(self):
        return tokens.fingerprint(self.fp_source) if self.fp_source else None


@dataclass
class Label:
    secret: Secret
    context: str        # where it sits (positives) or the hard-negative category (negatives)
    host: str           # the container context, for negatives too
    offset: int         # 0-based line inside the block
    span: int = 1       # lines from `offset` a matching finding may sit on (PEM: BEGIN..END)
    pre: int = 0        # lines before `offset` that also match (a whole GCP key object)

    def record(self, path: str, line: int) -> dict:
        s = self.secret
        rec = {"path": path, "line": line, "kind": s.kind, "family_group": s.group, "positive": s.positive,
               "context": self.context, "host": self.host, "fingerprint": s.fingerprint}
        if self.span > 1:
            rec["end_line"] = line + self.span - 1
        if self.pre:
            rec["start_line"] = line - self.pre
        return rec


@dataclass
class Block:
    lines: list
    labels: list = field(default_factory=list)

    def label(self, secret: Secret, host: str, anchor: str, end_anchor: str | None = None, span: int | None = None):
        """Label `secret` on the first line containing `anchor`; a span ends at the first line
        from there containing `end_anchor`, or covers `span` lines."""
        start = next(i for i, line in enumerate(self.lines) if anchor in line)
        if end_anchor is not None:
            end = next(i for i in range(start, len(self.lines)) if end_anchor in self.lines[i])
            span = end - start + 1
        context = host if secret.positive else secret.category
        self.labels.append(Label(secret, context, host, start, span or 1))
        return self


def text_block(text: str) -> Block:
    return Block(text.split("\n"))


@dataclass
class FileDoc:
    path: str
    blocks: list = field(default_factory=list)
    final_newline: bool = True

    def add(self, item):
        if isinstance(item, str):
            item = text_block(item)
        self.blocks.append(item)
        return item

    def render(self) -> tuple:
        """(bytes, label records) with 1-based line numbers."""
        out, records, line = [], [], 1
        for block in self.blocks:
            for lab in block.labels:
                records.append(lab.record(self.path, line + lab.offset))
            out.extend(block.lines)
            line += len(block.lines)
        text = "\n".join(out) + ("\n" if self.final_newline else "")
        return text.encode("utf-8"), records


# --- Choosing what to plant --------------------------------------------------------------------

NEGATIVE_TOKEN_CATEGORIES = {"crc-failed": 5, "overlong-body": 3, "too-short-body": 3, "placeholder": 5,
                             "gloas-too-short": 1.5}


class Planter:
    """Draws positives and hard negatives with fixed proportions from one seeded RNG."""

    def __init__(self, rng: random.Random, negative_rate: float = 0.4):
        self.rng = rng
        self.negative_rate = negative_rate

    def gitlab(self, kinds=None) -> Secret:
        rng = self.rng
        if kinds is None:
            kinds = list(tokens.GITLAB_WEIGHTS)
        weights = [tokens.GITLAB_WEIGHTS.get(k, 1) for k in kinds]
        kind = rng.choices(kinds, weights)[0]
        value = tokens.gitlab_token(kind, rng)
        return Secret(kind, value, "gitlab", True, value)

    def unprefixed_legacy(self) -> Secret:
        value = tokens.gitlab_token("gitlab-legacy-unprefixed", self.rng)
        return Secret("gitlab-legacy-unprefixed", value, "gitlab", True, value)

    def third(self, kinds=None) -> Secret:
        kind = self.rng.choice(kinds or tokens.THIRD_PARTY_TOKEN_KINDS)
        value = tokens.third_party_token(kind, self.rng)
        return Secret(kind, value, "third_party", True, value)

    def token(self, gitlab_share=0.65, gitlab_kinds=None, third_kinds=None) -> Secret:
        if self.rng.random() < gitlab_share:
            return self.gitlab(gitlab_kinds)
        return self.third(third_kinds)

    def aws_pair(self) -> tuple:
        key_id, secret = tokens.aws_key_id(self.rng), tokens.aws_secret(self.rng)
        return (Secret("aws-access-key-id", key_id, "third_party", True, key_id),
                Secret("aws-secret-access-key", secret, "third_party", True, secret))

    def aws_example_pair(self) -> tuple:
        return (Secret("aws-access-key-id", tokens.AWS_EXAMPLE_ID, "third_party", False, tokens.AWS_EXAMPLE_ID, "aws-example"),
                Secret("aws-secret-access-key", tokens.AWS_EXAMPLE_SECRET, "third_party", False,
                       tokens.AWS_EXAMPLE_SECRET, "aws-example"))

    def pem(self, kinds=None, comment="deploy@ci") -> Secret:
        kind = self.rng.choice(kinds or tokens.PEM_KINDS)
        return Secret(kind, tokens.pem_private_key(kind, self.rng, comment), "third_party", True, None)

    def pem_negative(self, cn="gitlab.example.com") -> Secret:
        roll = self.rng.random()
        if roll < 0.35:
            return Secret("pem-placeholder", tokens.pem_placeholder(self.rng), "third_party", False, None, "pem-placeholder")
        if roll < 0.65:
            return Secret("public-key", tokens.public_key_pem(self.rng), "third_party", False, None, "public-key")
        return Secret("certificate", tokens.certificate_pem(self.rng, cn), "third_party", False, None, "certificate")

    def negative_token(self, categories=None, gitlab_only=False) -> Secret:
        rng = self.rng
        cats = categories or list(NEGATIVE_TOKEN_CATEGORIES)
        cat = rng.choices(cats, [NEGATIVE_TOKEN_CATEGORIES.get(c, 1) for c in cats])[0]
        if cat == "crc-failed":
            kind = rng.choice(tokens.ROUTABLE_KINDS)
            value = tokens.crc_failed(rng, kind)
            return Secret(kind, value, "gitlab", False, value, cat)
        if cat == "overlong-body":
            value = tokens.overlong_pat(rng)
            return Secret("glpat-overlong", value, "gitlab", False, value, cat)
        if cat == "too-short-body":
            value = tokens.short_token(rng)
            return Secret(value.split("-")[0] + "-short", value, "gitlab", False, value, cat)
        if cat == "gloas-too-short":
            value = tokens.short_oauth_secret(rng)
            return Secret("gloas-short", value, "gitlab", False, value, cat)
        if cat == "placeholder":
            if gitlab_only or rng.random() < 0.7:
                value = rng.choice(tokens.GITLAB_PLACEHOLDERS)
                return Secret("gitlab-placeholder", value, "gitlab", False, value, cat)
            value = rng.choice(tokens.THIRD_PARTY_PLACEHOLDERS)
            return Secret("third-party-placeholder", value, "third_party", False, value, cat)
        raise ValueError(cat)

    def token_or_negative(self, gitlab_share=0.65, gitlab_kinds=None, third_kinds=None, negative_rate=None,
                          negative_categories=None) -> Secret:
        rate = self.negative_rate if negative_rate is None else negative_rate
        if self.rng.random() < rate:
            return self.negative_token(negative_categories)
        return self.token(gitlab_share, gitlab_kinds, third_kinds)

    def boundary_token(self) -> Secret:
        """A valid routable token, for the terminator tests."""
        return self.gitlab(tokens.ROUTABLE_KINDS)

    def unprefixed_negative(self) -> Secret:
        value = tokens.friendly(self.rng, 20)
        return Secret("unprefixed-20", value, "gitlab", False, value, "unprefixed-non-gitlab")

    def masked(self, var: str) -> Secret:
        return Secret("masked", "[MASKED]", "gitlab" if "GITLAB" in var or "CI_" in var else "third_party",
                      False, None, "masked")
