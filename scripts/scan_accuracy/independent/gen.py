#!/usr/bin/env python3
"""Independent labelled corpus for glir's secret scanner: a directory tree.

    gen.py OUT [--files 1500] [--seed 11]

Writes OUT/tree/ (the files) and OUT/labels.jsonl (one label per planted secret or hard
negative, in the format ../score.py reads). Deterministic for a seed. Secret values never
appear in the labels, only their fingerprints.
"""

import argparse
import collections
import json
import os
import random
import shutil

import kinds as K
from doc import Ctx

NAMES = ["billing", "storefront", "etl", "gateway", "runner-fleet", "auth", "search", "mobile-api", "ledger", "infra"]
USERS = ["alice", "bob", "deploy", "mchen", "jdoe", "ops", "svc-ci", "kwong"]

# (builder, number of files at --files 1500, path template); the rest is innocuous filler. {n} is a running number, {name}/{user}/{ext} random.
PLAN = [
    (K.tfstate, 10, "infra/{name}-{n}/terraform.tfstate"),
    (K.tfvars, 8, "infra/{name}-{n}/secrets.auto.tfvars"),
    (K.tf_heredoc, 11, "infra/{name}-{n}/k8s_secrets.tf"),
    (K.ansible_vars, 8, "ansible/group_vars/runners_{n}.yml"),
    (K.ansible_inventory, 11, "ansible/inventories/{name}/hosts_{n}.ini"),
    (K.helm_values, 9, "helm/{name}-{n}/values-prod.yaml"),
    (K.k8s_secret_yaml, 7, "kubectl/{name}/secret-{n}.yaml"),
    (K.k8s_secret_json, 11, "kubectl/{name}/secret-{n}.json"),
    (K.k8s_dockerconfigjson, 11, "kubectl/{name}/regcred-{n}.yaml"),
    (K.notebook, 11, "notebooks/{name}-analysis-{n}.ipynb"),
    (K.docker_inspect, 9, "docker/inspect-{name}-{n}.json"),
    (K.docker_history, 7, "docker/history-{name}-{n}.txt"),
    (K.docker_config, 9, "home/{user}{n}/.docker/config.json"),
    (K.postman, 7, "postman/{name}-{n}.postman_collection.json"),
    (K.gitlab_variables_export, 20, "gitlab-export/project-{n}-variables.json"),
    (K.npmrc, 9, "repos/{name}-{n}/.npmrc"),
    (K.pypirc, 11, "home/{user}{n}/.pypirc"),
    (K.maven_settings, 8, "home/{user}{n}/.m2/settings.xml"),
    (K.java_properties, 8, "repos/{name}-{n}/src/main/resources/application-prod.properties"),
    (K.git_config, 14, "mirrors/{name}-{n}.git/config"),
    (K.git_config, 15, "repos/{name}-{n}/.git/config"),
    (K.netrc, 9, "home/{user}{n}/.netrc"),
    (K.sql_dump, 5, "db-dumps/{name}-{n}.sql"),
    (K.slack_export, 7, "slack-export/{name}/2024-03-{n}.json"),
    (K.eml, 20, "mail/inbox-{n}.eml"),
    (K.access_log, 20, "logs/nginx/access.log.{n}"),
    (K.minified_js, 8, "web/dist/app.{n}.min.js"),
    (K.csv_export, 5, "exports/tokens-{n}.csv"),
    (K.windows_script, 8, "scripts/win/setup-{n}.{winext}"),
    (K.job_log, 70, "job-logs/{name}/{n}.log"),
    (K.shell_script, 12, "repos/{name}-{n}/scripts/release.sh"),
    (K.source_code, 8, "repos/{name}-{n}/src/config{srcext}"),
    (K.markdown_doc, 12, "wiki/runbook-{name}-{n}.md"),
    (K.dotenv, 7, "repos/{name}-{n}/.env.production"),
    (K.aws_credentials, 4, "home/{user}{n}/.aws/credentials"),
    (K.gcp_json, 10, "keys/{name}-{n}-sa.json"),
    (K.pem_file, 20, "home/{user}{n}/.ssh/id_{keyname}"),
    (K.pem_yaml, 10, "config/{name}-{n}/ssh.yaml"),
    (K.pem_env_escaped, 10, "repos/{name}-{n}/.env.keys"),
    (K.pem_markdown, 10, "wiki/break-glass-{n}.md"),
    (K.public_material, 12, "certs/{name}-{n}.pem"),
    (K.pem_header_code, 4, "tools/keycheck_{n}.py"),
    (K.neg_fixtures, 24, "repos/{name}-{n}/spec/fixtures/tokens_{n}.txt"),
    (K.innocuous, 0, "misc/{name}/file-{n}{plainext}"),
]


def build(files, seed):
    rng = random.Random(seed)
    c = Ctx(rng)
    jobs = []
    for builder, count, template in PLAN:
        jobs += [(builder, template)] * max(1, round(count * files / 1500)) if count else []
    jobs = jobs[:files]
    while len(jobs) < files:
        jobs.append((K.innocuous, PLAN[-1][2]))
    docs = []
    for n, (builder, template) in enumerate(jobs):
        path = template.format(n=n, name=rng.choice(NAMES), user=rng.choice(USERS), winext=rng.choice(["ps1", "bat"]),
                               srcext=rng.choice(list(K.SRC)), keyname=rng.choice(["rsa", "ed25519", "ecdsa", "deploy"]),
                               plainext=rng.choice([".md", ".yml", ".log", ".cfg"]))
        d = builder(c, path)
        if "/.git/" in path:
            for lab in d.labels:
                if lab["context"] == "git-config-url":
                    lab["context"] = "git-config-url-dotgit"
        docs.append(d)
    return docs


def summarize(labels):
    pos = collections.Counter(l["context"] for l in labels if l["positive"])
    neg = collections.Counter(l["context"] for l in labels if not l["positive"])
    return pos, neg


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--files", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--summary", action="store_true", help="print label counts per context")
    args = ap.parse_args()
    tree = os.path.join(args.out, "tree")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    labels = []
    for d in build(args.files, args.seed):
        full = os.path.join(tree, d.path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", newline="") as fh:
            fh.write(d.text())
        labels += d.labels
    with open(os.path.join(args.out, "labels.jsonl"), "w") as fh:
        for lab in labels:
            fh.write(json.dumps(lab, sort_keys=True) + "\n")
    pos, neg = summarize(labels)
    print(f"{args.files} files, {sum(pos.values())} positives, {sum(neg.values())} hard negatives -> {args.out}")
    if args.summary:
        for title, cnt in (("positives", pos), ("negatives", neg)):
            print(title + ":")
            for k, v in sorted(cnt.items()):
                print(f"  {k:32} {v}")


if __name__ == "__main__":
    main()
