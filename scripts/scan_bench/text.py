"""Realistic filler text for the benchmark corpus: CI job logs, source code, YAML/JSON config
and prose. Lines come from per-genre pools rendered once from templates; each file draws its
own sequence, so files are unique (scanners that deduplicate blobs must still read every one)
while generation stays fast enough for 1 GiB in well under two minutes.
"""

import random

WORDS = """
the of and to in is that for it as was with be by on not he this are or his from at which but
have an they you were her she there been one all we their has would when if so no more out up
into do any your what some can may about time only new could these two other then first also
after made many before must through back years where much should well people down own just
because good each those feel seems how high too place little world very still nation hand old
life tell write become here show house both between need mean call develop under last right move
thing general school never same another begin while number part turn real leave might want point
form off child few small since against ask late home interest large person end open public follow
during present without again hold govern around possible head consider word program problem
however lead system set order eye plan run keep face fact group play stand increase early course
change help line pipeline runner build deploy release merge request branch commit review approve
cluster service container image registry artifact cache package dependency version upgrade
incident response token credential rotate revoke audit event project namespace maintainer owner
""".split()

IDENTS = """
config client server handler request response buffer reader writer parser token scope user
project group pipeline job runner stage artifact cache registry image layer digest manifest
session cookie header payload body status code error result value key index offset limit page
cursor window batch chunk stream event store record field column table query filter rule alert
""".split()

NPM_PACKAGES = """
react lodash express typescript webpack eslint jest babel-core axios moment chalk commander
debug yargs uuid rxjs vue next prettier dotenv semver glob minimist async bluebird
""".split()


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randrange(6, 22))
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice([".", ".", ".", "?", ";", ":"])


def _ident(rng: random.Random) -> str:
    parts = rng.choices(IDENTS, k=rng.randrange(1, 4))
    return "_".join(parts)


def _camel(rng: random.Random) -> str:
    return "".join(p.capitalize() for p in rng.choices(IDENTS, k=rng.randrange(1, 4)))


def _sha(rng: random.Random) -> str:
    return rng.randbytes(20).hex()


def _log_pool(rng: random.Random, n: int) -> list:
    esc = "\x1b"
    green, red, yellow, bold, reset = f"{esc}[32;1m", f"{esc}[31;1m", f"{esc}[0;33m", f"{esc}[1m", f"{esc}[0;m"
    templates = [
        lambda: f"{green}$ npm ci{reset}",
        lambda: f"{green}$ cargo build --release --locked{reset}",
        lambda: f"{green}$ bundle exec rspec spec/{_ident(rng)}_spec.rb{reset}",
        lambda: f"added {rng.randrange(100, 2000)} packages, and audited {rng.randrange(100, 2000)} packages in {rng.randrange(2, 90)}s",
        lambda: f"npm WARN deprecated {rng.choice(NPM_PACKAGES)}@{rng.randrange(0, 9)}.{rng.randrange(0, 20)}.{rng.randrange(0, 30)}: this version is no longer supported",
        lambda: f"   Compiling {_ident(rng).replace('_', '-')} v{rng.randrange(0, 3)}.{rng.randrange(0, 40)}.{rng.randrange(0, 20)}",
        lambda: f"{bold}warning{reset}: unused variable: `{_ident(rng)}`",
        lambda: f"  --> src/{_ident(rng)}.rs:{rng.randrange(1, 900)}:{rng.randrange(1, 80)}",
        lambda: f"{red}error[E0{rng.randrange(100, 800)}]{reset}: mismatched types",
        lambda: f"src/{_ident(rng)}.c:{rng.randrange(1, 3000)}:{rng.randrange(1, 80)}: warning: implicit conversion loses integer precision [-Wshorten-64-to-32]",
        lambda: f"Running with gitlab-runner 17.{rng.randrange(0, 12)}.{rng.randrange(0, 4)} (a{_sha(rng)[:7]})",
        lambda: f"  on docker-autoscaler-{rng.randrange(1, 40)} {friendly_id(rng)}, system ID: s_{_sha(rng)[:12]}",
        lambda: f"Using docker image sha256:{rng.randbytes(32).hex()} for registry.gitlab.com/gitlab-org/{_ident(rng)}:latest",
        lambda: "Getting source from Git repository",
        lambda: "Fetching changes with git depth set to 20...",
        lambda: f"Checking out {_sha(rng)[:8]} as detached HEAD (ref is {rng.choice(['main', 'master', 'develop'])})...",
        lambda: "Restoring cache",
        lambda: f"Checking cache for {_ident(rng)}-{rng.randrange(1, 9)}-non_protected...",
        lambda: f"Downloading cache from https://storage.googleapis.com/gitlab-runner-cache/project/{rng.randrange(1, 10**8)}/{_ident(rng)}",
        lambda: f"{yellow}WARNING: Uploading artifacts as \"archive\" to coordinator... 201 Created{reset}  id={rng.randrange(10**9, 10**10)} responseStatus=201 Created token={_sha(rng)[:8]}",
        lambda: f"test {_ident(rng)}::{_ident(rng)} ... {rng.choice(['ok', 'ok', 'ok', 'FAILED', 'ignored'])}",
        lambda: f"  {rng.randrange(1, 400)} passing ({rng.randrange(1, 90)}s)",
        lambda: f"section_start:{rng.randrange(1_700_000_000, 1_800_000_000)}:{_ident(rng)}\r{esc}[0K{bold}{sentence(rng)}{reset}",
        lambda: f"section_end:{rng.randrange(1_700_000_000, 1_800_000_000)}:{_ident(rng)}\r{esc}[0K",
        lambda: f"{_ident(rng)}: {sentence(rng)}",
        lambda: f"[{rng.randrange(0, 100):>3}%] Building CXX object src/CMakeFiles/{_ident(rng)}.dir/{_ident(rng)}.cpp.o",
        lambda: f"INFO  [{_camel(rng)}] {sentence(rng)} duration_ms={rng.randrange(1, 9000)}",
        lambda: f"{green}Job succeeded{reset}",
    ]
    return [rng.choice(templates)() for _ in range(n)]


def friendly_id(rng: random.Random) -> str:
    """A runner's short id, as GitLab prints it in the job log header."""
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))


def _code_pool(rng: random.Random, n: int) -> list:
    templates = [
        lambda: f"    let {_ident(rng)} = {_ident(rng)}.{_ident(rng)}(&{_ident(rng)})?;",
        lambda: f"pub fn {_ident(rng)}(&self, {_ident(rng)}: &{_camel(rng)}) -> Result<{_camel(rng)}, Error> {{",
        lambda: f"    // {sentence(rng)}",
        lambda: f"    if {_ident(rng)}.len() > {rng.randrange(1, 4096)} {{",
        lambda: "    }",
        lambda: "}",
        lambda: "",
        lambda: f"use crate::{_ident(rng)}::{{{_camel(rng)}, {_camel(rng)}}};",
        lambda: f"def {_ident(rng)}(self, {_ident(rng)}, {_ident(rng)}=None):",
        lambda: f"        return {_ident(rng)}.get(\"{_ident(rng)}\", {rng.randrange(0, 100)})",
        lambda: f"        \"\"\"{sentence(rng)}\"\"\"",
        lambda: f"import {{ {_camel(rng)} }} from './{_ident(rng)}';",
        lambda: f"  const {_camel(rng)} = await fetch(`/api/v4/projects/${{id}}/{_ident(rng)}`);",
        lambda: f"  expect({_ident(rng)}).toEqual({rng.randrange(0, 1000)});",
        lambda: f"    assert_eq!({_ident(rng)}, \"{_sha(rng)[:rng.randrange(6, 40)]}\");",
        lambda: f"const {_ident(rng).upper()}: u32 = 0x{rng.randrange(0, 2**32):08x};",
    ]
    return [rng.choice(templates)() for _ in range(n)]


def _config_pool(rng: random.Random, n: int) -> list:
    templates = [
        lambda: f"  {_ident(rng)}: {rng.choice(['true', 'false', rng.randrange(0, 10000), _ident(rng)])}",
        lambda: f"{_ident(rng)}:",
        lambda: f"  - {_ident(rng)}",
        lambda: f"    image: registry.gitlab.com/{_ident(rng)}/{_ident(rng)}:{rng.randrange(1, 20)}.{rng.randrange(0, 9)}",
        lambda: "    script:",
        lambda: f"      - {rng.choice(['npm ci', 'make test', 'cargo test --locked', 'bundle install', 'pytest -q'])}",
        lambda: "    rules:",
        lambda: "      - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH",
        lambda: f'  "{_ident(rng)}": "{sentence(rng)}",',
        lambda: f'  "{_ident(rng)}": {rng.randrange(0, 10**6)},',
        lambda: f'    "integrity": "sha512-{rng.randbytes(48).hex()[:86]}==",',
        lambda: f'    "resolved": "https://registry.npmjs.org/{rng.choice(NPM_PACKAGES)}/-/{rng.choice(NPM_PACKAGES)}-{rng.randrange(0, 9)}.{rng.randrange(0, 9)}.{rng.randrange(0, 9)}.tgz",',
        lambda: "  },",
        lambda: "{",
    ]
    return [rng.choice(templates)() for _ in range(n)]


def _prose_pool(rng: random.Random, n: int) -> list:
    templates = [
        lambda: " ".join(sentence(rng) for _ in range(rng.randrange(1, 4))),
        lambda: "",
        lambda: f"## {sentence(rng).rstrip('.?;:')}",
        lambda: f"- {sentence(rng)}",
        lambda: f"See [{_ident(rng)}](https://docs.gitlab.com/ee/{_ident(rng)}/) for details.",
    ]
    return [rng.choice(templates)() for _ in range(n)]


GENRES = {
    # genre: (pool builder, file extensions, weight)
    "log": (_log_pool, ["log", "txt"], 40),
    "code": (_code_pool, ["rs", "py", "js", "ts"], 30),
    "config": (_config_pool, ["yml", "json"], 15),
    "prose": (_prose_pool, ["md"], 15),
}


def build_pools(rng: random.Random, size: int = 40_000) -> dict:
    return {name: builder(rng, size) for name, (builder, _, _) in GENRES.items()}


LOG_PREFIX_LEN = len("2026-11-01T00:00:00.000000Z 00O ")


def log_prefix(rng: random.Random, start: int, count: int) -> list:
    """GitLab's timestamped job-log prefix (`<RFC3339 µs>Z 00O `), strictly increasing."""
    out = []
    t = start
    for _ in range(count):
        t += rng.randrange(1, 400_000)
        secs, micros = divmod(t, 1_000_000)
        hh, rem = divmod(secs % 86400, 3600)
        mm, ss = divmod(rem, 60)
        out.append(f"2026-11-{1 + secs // 86400 % 28:02d}T{hh:02d}:{mm:02d}:{ss:02d}.{micros:06d}Z 00O ")
    return out
