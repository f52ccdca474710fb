#!/usr/bin/env python3
"""Generate a labelled GitLab audit-event stream for the glir detection benchmark.

    gen.py --seed S --users 300 --days 30 --out DIR

Writes DIR/stream.jsonl (streaming-destination bodies, oldest first), DIR/rest.json
(`GET /audit_events` items, newest first), DIR/audit_json.log (current audit_json.log lines)
and DIR/labels.json (which event ids belong to which attack scenario). The same numeric id
names an event in all three files (the stream id is its decimal string).

Everything is decided by a `random.Random(seed)`: the same seed gives byte-identical files.
Standard library only. This models GitLab and how people use it; it knows nothing about glir's
rules, and must not be tuned to them.
"""

import argparse
import json
import os
import random
import sys
import time

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MIN_MS = 60_000
SEC_MS = 1_000

# 2025-05-05 is a Monday; weekday(d) = d % 7 (0 = Monday).
START_MS = 1_746_403_200_000

INSTANCE = (1, "Gitlab::Audit::InstanceScope", "gitlab_instance")

FIRST = ("Aarav Abigail Adam Adebayo Aisha Akira Alba Alejandro Alex Alice Amara Amir Ana Andrea "
         "Andrei Anna Antoine Arjun Astrid Ava Ayumi Beatriz Ben Bianca Bilal Bo Camille Carlos "
         "Carmen Chen Chiara Chloe Chinedu Clara Daniel Dario David Deepa Diego Dmitri Elena Eli "
         "Elif Emil Emma Erik Esther Fatima Felix Finn Freya Gabriel Giulia Grace Hana Hannah "
         "Hassan Helena Hiro Ibrahim Ines Ingrid Isaac Ivan Jada James Jan Javier Jia Jonas Jorge "
         "Josefine Julia Kai Kamal Karin Kenji Kofi Laila Lars Laura Leila Leo Lin Lucas Lucia "
         "Luis Maja Malik Marco Maria Mateo Maya Mei Mikael Min-jun Mira Mohammed Nadia Naomi "
         "Nikhil Nina Noah Nora Olga Omar Oscar Paola Pedro Priya Rafael Rania Ravi Rosa Ruth "
         "Sakura Samir Sara Sebastian Sofia Soren Sunita Tanvir Tariq Theo Tomas Uma Valentina "
         "Vera Victor Wei Yara Yusuf Zainab Zoe").split()
LAST = ("Abe Adeyemi Ahmed Alvarez Andersen Baker Banerjee Bauer Becker Bergstrom Bianchi "
        "Brooks Campbell Castro Chen Costa Dahl Diaz Dubois Eriksson Evans Fischer Fontaine "
        "Garcia Gomez Gupta Haddad Hansen Hartmann Hoffmann Hughes Ibrahim Ivanova Jensen Johansson "
        "Kaur Keller Khan Kim Klein Kowalski Kuznetsov Larsen Laurent Lee Lindqvist Lopez Martin "
        "Meyer Mishra Moreau Muller Murphy Nakamura Nguyen Nielsen Novak Okafor Olsen Patel Perez "
        "Petrov Pham Popescu Quinn Rahman Ramos Reddy Richter Rossi Sato Schmidt Schneider Silva "
        "Singh Sokolov Suzuki Tanaka Torres Tran Varga Wagner Walker Wang Weber Wilson Wojcik Yilmaz "
        "Yamamoto Zhang Zimmermann").split()

GROUPS = ["platform", "payments", "mobile", "web", "data", "infra", "security", "ml", "identity",
          "search", "docs", "oss", "qa", "devex", "billing", "growth"]
PROJECT_WORDS = ["api", "gateway", "service", "worker", "frontend", "backend", "sdk", "cli",
                 "pipeline", "charts", "terraform", "ansible", "operator", "dashboard", "docs",
                 "schemas", "proto", "common", "auth", "ledger", "notifier", "scheduler",
                 "ingest", "exporter", "tools", "e2e-tests", "load-tests", "infra", "config",
                 "website", "design-system", "ios-app", "android-app", "etl", "feature-store",
                 "model-serving", "search-indexer", "ranking", "billing-engine", "invoices",
                 "fraud-rules", "risk-engine", "helm", "base-images", "runner-config", "vault-policies",
                 "monitoring", "alerts", "playbooks", "sandbox"]
CI_VARS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "DOCKER_AUTH_CONFIG", "KUBECONFIG",
           "NPM_TOKEN", "SONAR_TOKEN", "DEPLOY_TOKEN", "SENTRY_AUTH_TOKEN", "DATABASE_URL",
           "GCP_SA_KEY", "SLACK_WEBHOOK_URL", "VAULT_ROLE_ID", "TF_VAR_db_password", "SIGNING_KEY",
           "PYPI_TOKEN", "ARTIFACTORY_PASSWORD"]
OAUTH_APPS = [(4, "GitLab Workflow (VS Code)"), (7, "Jira Cloud"), (9, "Backstage"),
              (12, "JetBrains Gateway"), (15, "Grafana"), (18, "SonarQube")]
HOOK_URLS = ["https://hooks.slack.com/services/T0ABC/B0DEF/", "https://jira.corp.example/rest/gitlab/",
             "https://argocd.corp.example/api/webhook", "https://ci-metrics.corp.example/hook",
             "https://backstage.corp.example/api/gitlab/events", "https://sonar.corp.example/api/alm"]
EVIL_HOOK_HOSTS = ["https://webhook.site/", "https://hooks.pipedream.net/", "https://requestbin.io/",
                   "https://ngrok-free.app/", "https://hookdeck.example.net/", "https://oast.fun/"]

# Address ranges. Office/VPN and infrastructure: 198.51.100.0/24. Homes: 203.0.113.0/24 then
# ISP-looking ranges. Hotels, conferences and attackers draw from the same public-looking ranges
# (and attackers also from 192.0.2.0/24), so the range alone never tells them apart.
ISP_A = [24, 67, 73, 76, 81, 82, 86, 88, 90, 92, 94, 98, 109, 151, 176, 178, 212, 217]
CLOUD_A = [5, 23, 31, 37, 45, 46, 51, 62, 64, 66, 79, 80, 91, 93, 103, 104, 139, 141, 146, 149,
           154, 157, 159, 162, 167, 185, 188, 193, 194, 195, 196, 206, 209]


class Ips:
    def __init__(self, rng):
        self.rng = rng
        self.used = set()
        self.home_pool = ["203.0.113.%d" % i for i in range(2, 255)]
        rng.shuffle(self.home_pool)
        self.doc_attack = ["192.0.2.%d" % i for i in range(2, 255)]
        rng.shuffle(self.doc_attack)

    def take(self, ip):
        self.used.add(ip)
        return ip

    def _rand(self, firsts):
        while True:
            ip = "%d.%d.%d.%d" % (self.rng.choice(firsts), self.rng.randrange(0, 256),
                                  self.rng.randrange(0, 256), self.rng.randrange(1, 255))
            if ip not in self.used:
                return self.take(ip)

    def home(self):
        while self.home_pool:
            ip = self.home_pool.pop()
            if ip not in self.used:
                return self.take(ip)
        return self._rand(ISP_A)

    def travel(self):
        return self._rand(CLOUD_A if self.rng.random() < 0.5 else ISP_A)

    def attacker(self):
        r = self.rng.random()
        if r < 0.3:
            while self.doc_attack:
                ip = self.doc_attack.pop()
                if ip not in self.used:
                    return self.take(ip)
        return self._rand(CLOUD_A if r < 0.85 else ISP_A)


class User:
    __slots__ = ("id", "username", "name", "email", "role", "tz", "pattern", "activity", "home",
                 "office", "remote", "twofa", "groups", "projects", "start", "end", "travel",
                 "ip_change", "ssh", "oncall", "webauthn", "bot")

    def author(self):
        return (self.id, self.name, "User", self.username, self.email)

    def entity(self):
        return (self.id, "User", self.username)

    def target(self):
        return (self.id, "User", self.name)


class Project:
    __slots__ = ("id", "name", "path", "group", "visibility", "deploy_key", "deploy_token",
                 "ci", "members", "maintainers", "vars", "hot")

    def entity(self):
        return (self.id, "Project", self.path)


class Group:
    __slots__ = ("id", "path", "members", "owners", "maintainers", "projects")

    def entity(self):
        return (self.id, "Group", self.path)


class World:
    def __init__(self, seed, n_users, days):
        self.rng = random.Random(seed)
        self.days = days
        self.end_ms = START_MS + days * DAY_MS
        self.ev = []          # (t, seq, type, author, entity, target, ip, extra, msg, scen)
        self.seq = 0
        self.ips = Ips(self.rng)
        self.next_obj = 5000  # ids of tokens, keys, hooks, runners, variables...
        self.scen = []
        self.attacker_ips = set()
        self.build(n_users)

    # ---------------------------------------------------------------- emit
    def emit(self, t, etype, author, entity, target, ip, extra=None, msg=None, scen=None):
        if t < START_MS or t >= self.end_ms:
            return
        self.seq += 1
        t = int(t)
        if t % 1000 == 0:
            t += self.rng.randrange(1, 1000)
        self.ev.append((t, self.seq, etype, author, entity, target, ip, extra, msg, scen))

    def oid(self):
        self.next_obj += self.rng.randrange(1, 40)
        return self.next_obj

    # ---------------------------------------------------------------- world
    def build(self, n_users):
        rng = self.rng
        ips = self.ips
        self.offices = [ips.take("198.51.100.%d" % i) for i in range(10, 14)]
        self.vpn = [ips.take("198.51.100.%d" % i) for i in range(64, 80)]
        self.runners = [ips.take("198.51.100.%d" % i) for i in range(200, 220)]
        self.deploy_hosts = [ips.take("198.51.100.%d" % i) for i in range(150, 160)]
        self.k8s = [ips.take("198.51.100.%d" % i) for i in range(160, 170)]
        self.bot_ip = {n: ips.take("198.51.100.%d" % (40 + i)) for i, n in enumerate(
            ["renovate-bot", "sourcegraph", "backup-svc", "ci-automation", "release-bot",
             "sonar-scanner"])}

        # groups and projects
        self.groups = []
        self.projects = []
        gid = 20
        pid = 100
        used_names = set()
        for gpath in GROUPS[:15]:
            gid += rng.randrange(1, 5)
            g = Group()
            g.id, g.path, g.members, g.owners, g.maintainers, g.projects = gid, gpath, [], [], [], []
            self.groups.append(g)
            for _ in range(rng.randrange(5, 12)):
                while True:
                    w = rng.choice(PROJECT_WORDS)
                    name = w if rng.random() < 0.6 else "%s-%s" % (gpath, w)
                    if (gpath, name) not in used_names:
                        used_names.add((gpath, name))
                        break
                pid += rng.randrange(1, 9)
                p = Project()
                p.id, p.name, p.path, p.group = pid, name, "%s/%s" % (gpath, name), g
                p.visibility = "Public" if gpath == "oss" and rng.random() < 0.5 else \
                    ("Internal" if rng.random() < 0.25 else "Private")
                p.ci = rng.random() < 0.85
                p.deploy_key = ("%s-deploy" % name) if rng.random() < 0.35 else None
                p.deploy_token = ("gitlab+deploy-token-%d" % self.oid()) if rng.random() < 0.2 else None
                p.members, p.maintainers = [], []
                p.vars = rng.sample(CI_VARS, rng.randrange(2, 7))
                p.hot = rng.random()
                g.projects.append(p)
                self.projects.append(p)
        self.proj_by_id = {p.id: p for p in self.projects}

        # users: admins, help desk, service accounts, humans
        self.users = []
        used_usernames = set()
        uid = 2

        def mk(name, username, role, bot=False):
            nonlocal uid
            uid += rng.randrange(1, 4)
            u = User()
            u.id, u.name, u.username, u.role, u.bot = uid, name, username, role, bot
            u.email = "%s@corp.example" % username if not bot else "%s@noreply.corp.example" % username
            u.groups, u.projects, u.travel, u.ip_change = [], [], [], None
            u.start, u.end = 0, None
            u.tz = 0
            u.pattern = "day"
            u.activity = 1.0
            u.home = None
            u.office = None
            u.remote = True
            u.twofa = True
            u.webauthn = False
            u.ssh = True
            u.oncall = False
            self.users.append(u)
            return u

        def human_name():
            while True:
                f, l = rng.choice(FIRST), rng.choice(LAST)
                un = ("%s%s" % (f[0], l)).lower().replace("-", "")
                if rng.random() < 0.3:
                    un = ("%s.%s" % (f, l)).lower().replace("-", "")
                if un not in used_usernames:
                    used_usernames.add(un)
                    return "%s %s" % (f, l), un

        self.root = User()
        r = self.root
        r.id, r.name, r.username, r.email, r.role, r.bot = 1, "Administrator", "root", "admin@corp.example", "admin", False
        self.bots = {}
        for n, disp in [("renovate-bot", "Renovate Bot"), ("sourcegraph", "Sourcegraph Sync"),
                        ("backup-svc", "Backup Service"), ("ci-automation", "CI Automation (terraform)"),
                        ("release-bot", "Release Bot"), ("sonar-scanner", "Sonar Scanner")]:
            b = mk(disp, n, "bot", bot=True)
            b.home = self.bot_ip[n]
            self.bots[n] = b
        self.admins = []
        self.helpdesk = []
        n_humans = max(40, n_users - len(self.bots))
        for i in range(n_humans):
            name, un = human_name()
            role = "dev"
            if i < 4:
                role = "admin"
            elif i < 6:
                role = "helpdesk"
            u = mk(name, un, role)
            region = rng.random()
            if region < 0.6:
                u.tz = rng.choice([0, 60, 60, 60, 120, 120])
            elif region < 0.85:
                u.tz = rng.choice([-300, -300, -360, -420, -480])
            else:
                u.tz = rng.choice([330, 480, 540, 600])
            pr = rng.random()
            u.pattern = "night" if pr < 0.08 else ("late" if pr < 0.25 else "day")
            u.oncall = rng.random() < 0.12
            u.activity = min(4.0, rng.lognormvariate(0, 0.55))
            u.remote = rng.random() < 0.55
            u.home = ips.home()
            u.office = rng.choice(self.offices)
            u.twofa = rng.random() < 0.85
            u.webauthn = u.twofa and rng.random() < 0.2
            u.ssh = rng.random() < 0.7
            if role == "admin":
                self.admins.append(u)
            elif role == "helpdesk":
                self.helpdesk.append(u)
        self.humans = [u for u in self.users if not u.bot]
        devs = [u for u in self.humans if u.role == "dev"]

        # memberships: every dev in 1-3 groups; owners and maintainers per group
        for u in devs:
            k = 1 if rng.random() < 0.6 else (2 if rng.random() < 0.8 else 3)
            for g in rng.sample(self.groups, k):
                g.members.append(u)
                u.groups.append(g)
        for u in self.admins:
            for g in self.groups:
                u.groups.append(g)
        for g in self.groups:
            if len(g.members) < 4:
                extra = rng.sample(devs, 4)
                for u in extra:
                    if u not in g.members:
                        g.members.append(u)
                        u.groups.append(g)
            ms = rng.sample(g.members, min(len(g.members), rng.randrange(2, 5)))
            g.owners = ms[:1 + (rng.random() < 0.4)]
            g.maintainers = ms
            for p in g.projects:
                p.members = g.members
                p.maintainers = ms
        for u in devs:
            pool = [p for g in u.groups for p in g.projects]
            pool.sort(key=lambda p: -p.hot)
            k = min(len(pool), rng.randrange(2, 7))
            u.projects = rng.sample(pool[:max(k, min(len(pool), 8))], k)
        for u in self.admins + self.helpdesk:
            u.projects = rng.sample(self.projects, 2)

        # new hires (created during the month) and leavers
        leads = {u.id for g in self.groups for u in g.maintainers}
        self.hires = rng.sample([u for u in devs if u.id not in leads], 7)
        for i, u in enumerate(self.hires):
            u.start = 1 + i * (self.days - 3) // 7 + rng.randrange(0, 3)
            if u.start % 7 in (5, 6):
                u.start += 7 - u.start % 7
        rest = [u for u in devs if u not in self.hires and u.id not in leads]
        self.leavers = rng.sample(rest, 3)
        for u in self.leavers:
            u.end = rng.randrange(8, self.days - 1)
        rest = [u for u in rest if u not in self.leavers]
        # travellers (hotel/conference for ~a week) and ISP address changes
        conf_ip = ips.travel()
        for u in rng.sample(rest, 14):
            d0 = rng.randrange(2, self.days - 6)
            n = rng.randrange(3, 8)
            hotel = conf_ip if rng.random() < 0.3 else ips.travel()
            u.travel.append((d0, d0 + n, hotel))
        for u in rng.sample([u for u in rest if not u.travel], 8):
            u.ip_change = (rng.randrange(3, self.days - 2), ips.home())
        self.var_readers = rng.sample([u for u in rest if not u.travel], 4)

    # ---------------------------------------------------------------- helpers
    def is_weekend(self, d):
        return d % 7 in (5, 6)

    def local(self, u, d, hour):
        """UTC ms of local `hour` (float, may exceed 24) on day d for user u."""
        return START_MS + d * DAY_MS + int((hour * 60 - u.tz) * MIN_MS)

    def user_ip(self, u, d):
        for (d0, d1, ip) in u.travel:
            if d0 <= d < d1:
                return ip
        if u.bot:
            return u.home
        home = u.home
        if u.ip_change and d >= u.ip_change[0]:
            home = u.ip_change[1]
        if u.remote or self.is_weekend(d):
            if self.rng.random() < 0.12:
                return self.rng.choice(self.vpn)
            return home
        r = self.rng.random()
        if r < 0.75:
            return u.office
        if r < 0.85:
            return self.rng.choice(self.vpn)
        return home

    def work_window(self, u, d):
        if u.pattern == "night":
            return (15.0, 26.5)
        if u.pattern == "late":
            return (10.5, 20.0)
        return (8.0, 18.5)

    def active_ids(self, u, d):
        return u.start <= d and (u.end is None or d < u.end)

    # ---------------------------------------------------------------- event shapes
    def git(self, t, author, p, ip, action="git-upload-pack", proto="ssh", scen=None):
        self.emit(t, "repository_git_operation", author, p.entity(), (p.id, "Project", p.name), ip,
                  None, {"protocol": proto, "action": action}, scen)

    def archive(self, t, u, p, ip, scen=None):
        self.emit(t, "repository_download_operation", u.author(), p.entity(), (p.id, "Project", p.path),
                  ip, None, "Repository Download Started", scen)

    def signin(self, t, u, ip, scen=None, method=None):
        if method is None:
            method = "webauthn" if u.webauthn else ("two-factor" if u.twofa else "standard")
        et = {"standard": "authenticated_with_password", "two-factor": "authenticated_with_two_factor",
              "webauthn": "authenticated_with_webauthn"}[method]
        msg = {"standard": "Signed in with STANDARD authentication",
               "two-factor": "Signed in with TWO-FACTOR authentication",
               "webauthn": "Signed in with WEBAUTHN authentication"}[method]
        self.emit(t, et, u.author(), u.entity(), u.target(), ip, {"with": method}, msg, scen)

    def failed_login(self, t, username, ip, scen=None):
        self.emit(t, "login_failed_with_standard_authentication",
                  (-1, username, "Gitlab::Audit::UnauthenticatedAuthor", None, None), INSTANCE,
                  (-1, "Gitlab::Audit::UnauthenticatedAuthor", username), ip,
                  {"failed_login": "STANDARD"}, "Failed to login with STANDARD authentication", scen)

    def failed_otp(self, t, u, ip, scen=None):
        self.emit(t, "login_failed_with_otp_authentication", u.author(), u.entity(), u.target(), ip,
                  {"failed_login": "OTP"}, "Failed to login with OTP authentication", scen)

    def pat_created(self, t, u, ip, name, scopes, scen=None, author=None):
        # shape of a real streamed event: the target is the token's user, the message names the id
        tid = self.oid()
        self.emit(t, "personal_access_token_created", (author or u).author(), u.entity(), u.target(), ip, None,
                  "Created personal access token with id %d" % tid, scen)
        return tid

    def pat_revoked(self, t, u, ip, name, scen=None, author=None):
        tid = self.oid()
        self.emit(t, "personal_access_token_revoked", (author or u).author(), u.entity(), u.target(), ip, None,
                  "Revoked personal access token with id %d" % tid, scen)

    def ssh_key(self, t, u, ip, title, scen=None, add=True):
        self.emit(t, "add_ssh_key" if add else "remove_ssh_key", u.author(), u.entity(),
                  (self.oid(), "Key", title), ip, {"add": "ssh_key"} if add else {"remove": "ssh_key"},
                  "Added SSH key" if add else "Removed SSH key", scen)

    def twofa(self, t, actor, u, ip, enable, scen=None):
        self.emit(t, "user_enable_two_factor" if enable else "user_disable_two_factor", actor.author(),
                  u.entity(), u.target(), ip, None,
                  "Enabled two-factor authentication" if enable else "Disabled two-factor authentication",
                  scen)

    def oauth(self, t, u, ip, app, scopes, scen=None):
        self.emit(t, "user_authorized_oauth_application", u.author(), u.entity(),
                  (app[0], "Authn::OauthApplication", app[1]), ip,
                  {"application_name": app[1], "scopes": scopes},
                  "User authorized an OAuth application.", scen)

    def var_viewed(self, t, author, p, key, ip, scen=None):
        self.emit(t, "variable_viewed_api", author, p.entity(), (self.var_id(p, key), "Ci::Variable", key),
                  ip, None, "Viewed variable %s" % key, scen)

    def var_id(self, p, key):
        return p.id * 100 + CI_VARS.index(key)

    def setting(self, t, actor, entity, target, ip, etype, change, frm, to, scen=None, msg=None):
        self.emit(t, etype, actor.author(), entity, target, ip, {"change": change, "from": frm, "to": to},
                  msg or "Changed %s from %s to %s" % (change, json.dumps(frm).strip('"'),
                                                       json.dumps(to).strip('"')), scen)

    def artifact(self, t, author, p, ip, scen=None):
        aid = self.rng.randrange(100_000, 9_000_000)
        name = self.rng.choice(["artifacts.zip", "coverage.xml", "junit.xml", "dist.tar.gz",
                                "build.zip", "report.json", "app.apk", "sbom.json"])
        self.emit(t, "job_artifact_downloaded", author, p.entity(), (aid, "Ci::JobArtifact", name), ip,
                  None, "Downloaded artifact %s" % name, scen)

    def member(self, t, actor, ent, u, ip, kind, level, old=None, scen=None):
        if kind == "created":
            self.emit(t, "member_created", actor.author(), ent, u.target(), ip,
                      {"add": "user_access", "as": level, "member_id": self.oid()},
                      "Added user access as %s" % level, scen)
        elif kind == "updated":
            self.emit(t, "member_updated", actor.author(), ent, u.target(), ip,
                      {"change": "access_level", "from": old, "to": level, "member_id": self.oid()},
                      "Changed access level from %s to %s" % (old, level), scen)
        else:
            self.emit(t, "member_destroyed", actor.author(), ent, u.target(), ip,
                      {"remove": "user_access", "member_id": self.oid()}, "Removed user access", scen)

    # ---------------------------------------------------------------- benign behaviour
    def gen_benign(self):
        rng = self.rng
        for d in range(self.days):
            wk = self.is_weekend(d)
            for u in self.humans:
                if not self.active_ids(u, d) or u in self.hires and d == u.start:
                    continue
                self.human_day(u, d, wk)
            self.bots_day(d)
            self.deploys_day(d)
            self.admin_day(d)
            self.owners_day(d)
            self.users_selfservice_day(d)
        for u in self.hires:
            self.onboard(u)
        for u in self.leavers:
            self.offboard(u)
        self.rare_benign()

    def human_day(self, u, d, wk):
        rng = self.rng
        if wk:
            p_work = 0.45 if (u.oncall and (d // 7) % 5 == u.id % 5) else (0.25 if u.pattern == "night" else 0.06)
            if rng.random() >= p_work:
                return
            n_ops = max(1, int(rng.expovariate(1 / (3 * u.activity))))
            lo, hi = rng.choice([(9.0, 13.0), (14.0, 19.0), (20.0, 25.0)])
        else:
            if rng.random() < 0.07:          # leave / sick / meetings all day
                return
            n_ops = max(1, int(rng.gauss(12 * u.activity, 4)))
            lo, hi = self.work_window(u, d)
            lo += rng.uniform(-0.8, 0.8)
            hi += rng.uniform(-1.0, 1.5)
        ip = self.user_ip(u, d)
        t0 = self.local(u, d, lo)
        span = int((hi - lo) * HOUR_MS)
        # sign-in: sessions last about a week, so not every day
        travelling = any(d0 <= d < d1 for (d0, d1, _) in u.travel)
        if rng.random() < (0.35 if not travelling else 0.6) or (travelling and any(d == d0 for (d0, _, _) in u.travel)):
            ts = t0 + rng.randrange(0, 30 * MIN_MS)
            if rng.random() < 0.04 + (0.06 if travelling else 0):
                for k in range(rng.choice([1, 1, 1, 2, 3])):
                    self.failed_login(ts - rng.randrange(20, 90) * SEC_MS * (k + 1), u.username, ip)
            if u.twofa and rng.random() < 0.015:
                self.failed_otp(ts - rng.randrange(10, 40) * SEC_MS, u, ip)
            self.signin(ts, u, ip)
        projs = u.projects or [rng.choice(self.projects)]
        proto = "ssh" if u.ssh else "http"
        for _ in range(n_ops):
            t = t0 + rng.randrange(0, max(1, span))
            p = rng.choice(projs) if rng.random() < 0.9 else rng.choice(rng.choice(u.groups).projects if u.groups else self.projects)
            push = rng.random() < 0.3
            self.git(t, u.author(), p, ip, "git-receive-pack" if push else "git-upload-pack", proto)
            if push:
                self.ci_pipeline(t, u, p)
                if rng.random() < 0.25 and u.groups:
                    reviewer = rng.choice(p.members)
                    if reviewer is not u and self.active_ids(reviewer, d):
                        self.emit(t + rng.randrange(20, 240) * MIN_MS, "merge_request_approval_operation",
                                  reviewer.author(), p.entity(), (rng.randrange(1000, 90000), "MergeRequest",
                                  "Update %s" % rng.choice(PROJECT_WORDS)), self.user_ip(reviewer, d),
                                  None, "Approved merge request", None)
        # occasional web archive download, artifact download
        if rng.random() < 0.02:
            self.archive(t0 + rng.randrange(0, max(1, span)), u, rng.choice(projs), ip)
        if rng.random() < 0.03:
            p = rng.choice(projs)
            for k in range(rng.randrange(1, 4)):
                self.artifact(t0 + rng.randrange(0, max(1, span)), u.author(), p, ip)

    def ci_pipeline(self, t, u, p):
        rng = self.rng
        if not p.ci or rng.random() > 0.85:
            return
        jobs = rng.randrange(2, 7)
        base = t + rng.randrange(5, 90) * SEC_MS
        for j in range(jobs):
            stage_delay = (j // 2) * rng.randrange(60, 420) * SEC_MS
            self.git(base + stage_delay + rng.randrange(0, 40) * SEC_MS, u.author(), p,
                     rng.choice(self.runners), "git-upload-pack", "http")
        if rng.random() < 0.12:
            for k in range(rng.randrange(1, 3)):
                self.artifact(base + rng.randrange(5, 20) * MIN_MS, u.author(), p, rng.choice(self.runners))
        if p.deploy_key and rng.random() < 0.12:
            td = base + rng.randrange(8, 30) * MIN_MS
            for h in rng.sample(self.deploy_hosts, rng.randrange(1, 4)):
                self.git(td + rng.randrange(0, 60) * SEC_MS, (-3, p.deploy_key, "DeployKey", None, None), p, h)

    def bots_day(self, d):
        rng = self.rng
        day0 = START_MS + d * DAY_MS
        # renovate: one pass over every project, sequential, from one address, nightly
        b = self.bots["renovate-bot"]
        t = day0 + 1 * HOUR_MS + rng.randrange(0, 20) * MIN_MS
        order = list(self.projects)
        rng.shuffle(order)
        for p in order:
            t += rng.randrange(35, 110) * SEC_MS
            self.git(t, b.author(), p, b.home, "git-upload-pack", "http")
            if rng.random() < 0.08:
                t += rng.randrange(5, 30) * SEC_MS
                self.git(t, b.author(), p, b.home, "git-receive-pack", "http")
                self.ci_pipeline(t, b, p)
        # sourcegraph: keeps every repository fresh, each on its own schedule
        b = self.bots["sourcegraph"]
        for p in self.projects:
            n = 2 + (p.hot > 0.6) + (p.hot > 0.85)
            for _ in range(n):
                self.git(day0 + rng.randrange(0, DAY_MS), b.author(), p, b.home, "git-upload-pack", "http")
        # ci-automation (terraform) reads CI variables through the API every few hours
        b = self.bots["ci-automation"]
        infra = [p for p in self.projects if p.group.path in ("infra", "platform", "payments")][:8]
        h = rng.uniform(0, 4)
        while h < 24:
            t = day0 + int(h * HOUR_MS)
            for p in infra:
                for key in p.vars[:4]:
                    t += rng.randrange(200, 1500)
                    self.var_viewed(t, b.author(), p, key, b.home)
            h += rng.uniform(3.5, 4.5)
        # sonar-scanner clones a handful of projects every few hours
        b = self.bots["sonar-scanner"]
        for _ in range(rng.randrange(4, 10)):
            p = rng.choice(self.projects)
            self.git(day0 + rng.randrange(0, DAY_MS), b.author(), p, b.home, "git-upload-pack", "http")
        # release-bot: nightly release packaging downloads the artifacts of a dozen projects
        b = self.bots["release-bot"]
        if not self.is_weekend(d):
            t = day0 + 3 * HOUR_MS + rng.randrange(0, 15) * MIN_MS
            for p in rng.sample([p for p in self.projects if p.ci], 12):
                for _ in range(rng.randrange(1, 3)):
                    t += rng.randrange(3, 25) * SEC_MS
                    self.artifact(t, b.author(), p, b.home)
                if rng.random() < 0.3:
                    self.archive(t + 2000, b, p, b.home)
        # backup-svc: weekly export of every project, Sunday night, one after another
        if d % 7 == 6:
            b = self.bots["backup-svc"]
            t = day0 + 22 * HOUR_MS
            for p in self.projects:
                t += rng.randrange(60, 200) * SEC_MS
                self.emit(t, "project_export_created", b.author(), p.entity(), (p.id, "Project", p.path),
                          b.home, None, "Project exported", None)
                self.emit(t + rng.randrange(40, 160) * SEC_MS, "project_export_file_download_started",
                          b.author(), p.entity(), (p.id, "Project", p.path), b.home, None,
                          "Export file download started", None)
        # nightly scheduled pipelines run as their owner
        for p in self.projects:
            if p.ci and rng.random() < 0.4 and p.maintainers:
                owner = p.maintainers[0]
                if self.active_ids(owner, d):
                    self.ci_pipeline(day0 + 2 * HOUR_MS + rng.randrange(0, 3 * HOUR_MS), owner, p)

    def deploys_day(self, d):
        rng = self.rng
        day0 = START_MS + d * DAY_MS
        for p in self.projects:
            if p.deploy_key:
                n = rng.randrange(1, 5) if not self.is_weekend(d) else rng.randrange(0, 2)
                for _ in range(n):
                    t = day0 + rng.randrange(6 * HOUR_MS, 20 * HOUR_MS)
                    for h in rng.sample(self.deploy_hosts, rng.randrange(1, 5)):
                        self.git(t + rng.randrange(0, 90) * SEC_MS, (-3, p.deploy_key, "DeployKey", None, None), p, h)
            if p.deploy_token:
                # a GitOps agent polls the repository over HTTP with a deploy token
                ip = self.k8s[p.id % len(self.k8s)]
                for hh in range(0, 24, rng.choice([1, 2, 3])):
                    self.git(day0 + hh * HOUR_MS + rng.randrange(0, 5 * MIN_MS),
                             (-2, p.deploy_token, "DeployToken", None, None), p, ip, "git-upload-pack", "http")

    def admin_day(self, d):
        rng = self.rng
        if self.is_weekend(d):
            return
        day = lambda u: self.local(u, d, rng.uniform(9.5, 17.0))
        # help desk: 2FA resets (user locked out), then the user enables 2FA again
        hd = rng.choice(self.helpdesk)
        if rng.random() < 0.35:
            u = rng.choice([u for u in self.humans if u.role == "dev" and u.twofa and self.active_ids(u, d)])
            t = day(hd)
            self.twofa(t, hd, u, self.user_ip(hd, d), False)
            ip = self.user_ip(u, d)
            t2 = t + rng.randrange(3, 180) * MIN_MS
            self.signin(t2, u, ip, method="standard")
            self.twofa(t2 + rng.randrange(1, 6) * MIN_MS, u, u, ip, True)
        # help desk: impersonating a user to reproduce a problem
        if rng.random() < 0.15:
            u = rng.choice([x for x in self.humans if self.active_ids(x, d)])
            t = day(hd)
            ip = self.user_ip(hd, d)
            self.emit(t, "user_impersonation", hd.author(), hd.entity(), u.target(), ip, None, "Started Impersonation")
            self.emit(t + rng.randrange(3, 25) * MIN_MS, "user_impersonation", hd.author(), hd.entity(),
                      u.target(), ip, None, "Stopped Impersonation")
        # password resets requested by users who forgot
        if rng.random() < 0.3:
            u = rng.choice([x for x in self.humans if self.active_ids(x, d)])
            ip = self.user_ip(u, d)
            t = day(u)
            self.emit(t, "password_reset_requested", (-1, u.username, "Gitlab::Audit::UnauthenticatedAuthor", None, None),
                      u.entity(), u.target(), ip, None, "Ask for password reset")
            self.emit(t + rng.randrange(2, 15) * MIN_MS, "user_password_updated", u.author(), u.entity(),
                      u.target(), ip, {"change": "password"}, "Changed password")
            self.signin(t + rng.randrange(16, 20) * MIN_MS, u, ip)
        # platform admins: runners, instance settings, user moderation
        a = rng.choice(self.admins)
        ip = self.user_ip(a, d)
        if rng.random() < 0.12:
            rid = self.oid()
            desc = rng.choice(["k8s-autoscale-%02d" % rng.randrange(1, 30), "shared-docker-%02d" % rng.randrange(1, 30),
                               "arm64-builder-%02d" % rng.randrange(1, 10), "gpu-runner-%02d" % rng.randrange(1, 5)])
            self.emit(day(a), "ci_runner_created", a.author(), INSTANCE, (rid, "Ci::Runner", desc), ip,
                      {"runner_type": "instance_type"}, "Created instance CI runner")
            if rng.random() < 0.3:
                self.emit(day(a), "ci_runner_unregistered", a.author(), INSTANCE, (self.oid(), "Ci::Runner",
                          "shared-docker-%02d" % rng.randrange(1, 30)), ip, None, "Unregistered instance CI runner")
        if rng.random() < 0.08:
            ch = rng.choice([("max_artifacts_size", 100, 250), ("session_expire_delay", 10080, 20160),
                             ("default_artifacts_expire_in", "30 days", "7 days"),
                             ("max_attachment_size", 10, 100), ("receive_max_input_size", 200, 500),
                             ("deletion_adjourned_period", 7, 14), ("throttle_authenticated_api_enabled", False, True),
                             ("import_sources", "[]", "[\"github\"]"), ("gitaly_timeout_default", 55, 110)])
            self.setting(day(a), a, INSTANCE, (1, "ApplicationSetting", "Application settings"), ip,
                         "application_setting_updated", ch[0], ch[1], ch[2])
        if rng.random() < 0.05:
            # instance-level maintenance window: a broadcast message / dormant users deactivated
            t = day(a)
            for u in rng.sample(self.humans, rng.randrange(2, 5)):
                if u.end is None and u not in self.hires and u.role == "dev" and u.activity < 0.5:
                    t += rng.randrange(10, 60) * SEC_MS
                    self.emit(t, "user_deactivate", a.author(), u.entity(), u.target(), ip, None, "Deactivated user")

    def owners_day(self, d):
        rng = self.rng
        if self.is_weekend(d):
            return
        for g in self.groups:
            if rng.random() > 0.5:
                continue
            m = rng.choice(g.maintainers)
            if not self.active_ids(m, d):
                continue
            ip = self.user_ip(m, d)
            t = self.local(m, d, rng.uniform(9.0, 17.5))
            p = rng.choice(g.projects)
            r = rng.random()
            if r < 0.18:
                u = rng.choice([x for x in self.humans if self.active_ids(x, d)])
                if rng.random() < 0.5:
                    self.member(t, m, p.entity(), u, ip, "created", rng.choice(["Reporter", "Developer"]))
                else:
                    self.member(t, m, g.entity(), u, ip, "updated", "Maintainer", "Developer")
            elif r < 0.26:
                u = rng.choice(g.members)
                self.member(t, m, p.entity(), u, ip, "destroyed", None)
            elif r < 0.38:
                br = rng.choice(["main", "release/*", "production", "develop"])
                if rng.random() < 0.4:
                    self.emit(t, "protected_branch_created", m.author(), p.entity(), (self.oid(), "ProtectedBranch", br),
                              ip, None, "Added protected branch %s" % br)
                else:
                    self.setting(t, m, p.entity(), (self.oid(), "ProtectedBranch", br), ip, "protected_branch_updated",
                                 "push_access_levels", "Maintainers", rng.choice(["No one", "Maintainers + Developers"]))
            elif r < 0.48:
                key = rng.choice(p.vars)
                et = rng.choice(["ci_variable_updated", "ci_variable_updated", "ci_variable_created"])
                self.emit(t, et, m.author(), p.entity(), (self.var_id(p, key), "Ci::Variable", key), ip, None,
                          "%s CI variable %s" % ("Changed" if et == "ci_variable_updated" else "Added", key))
            elif r < 0.58:
                # rotate a project/group access token: new one first, old one revoked
                name = rng.choice(["ci-release", "renovate", "deploy", "terraform", "metrics"])
                scope_ent = p.entity() if rng.random() < 0.7 else g.entity()
                kind = "project" if scope_ent[1] == "Project" else "group"
                tid = self.oid()
                self.emit(t, "%s_access_token_created" % kind, m.author(), scope_ent, (tid, "PersonalAccessToken", name),
                          ip, {"action": "custom"}, "Created %s access token with token_id: %d with scopes: [:read_api, :read_repository] and Maintainer access level." % (kind, tid))
                self.emit(t + rng.randrange(1, 20) * MIN_MS, "%s_access_token_deleted" % kind, m.author(), scope_ent,
                          (tid - rng.randrange(50, 900), "PersonalAccessToken", name), ip, {"action": "custom"},
                          "Revoked %s access token with token_id: %d" % (kind, tid - 1))
            elif r < 0.66:
                url = rng.choice(HOOK_URLS) + "%d" % rng.randrange(100, 999)
                self.emit(t, "webhook_created", m.author(), p.entity(), (self.oid(), "ProjectHook", url), ip, None,
                          "Created project hook")
                if rng.random() < 0.2:
                    self.emit(t + rng.randrange(1, 30) * MIN_MS, "webhook_destroyed", m.author(), p.entity(),
                              (self.oid(), "ProjectHook", rng.choice(HOOK_URLS)), ip, None, "Destroyed project hook")
            elif r < 0.74:
                # approval settings reviewed (mostly tightening; sometimes a small team loosens)
                c = rng.random()
                if c < 0.4:
                    self.emit(t, "approval_rule_created", m.author(), p.entity(), (self.oid(), "ApprovalProjectRule",
                              rng.choice(["Security", "Code owners", "QA", "Backend"])), ip, None, "Created approval rule")
                elif c < 0.7:
                    frm, to = rng.choice([(1, 2), (2, 1), (0, 1), (1, 2)])
                    self.setting(t, m, p.entity(), (self.oid(), "ApprovalProjectRule", "All members"), ip,
                                 "update_approval_rules", "approvals_required", frm, to)
                else:
                    self.setting(t, m, p.entity(), (p.id, "Project", p.path), ip, "project_reset_approvals_on_push_updated",
                                 "reset approvals on push", False, True)
            elif r < 0.80:
                self.emit(t, "deploy_key_added", m.author(), p.entity(), (self.oid(), "DeployKey",
                          "%s-%s" % (p.name, rng.choice(["staging", "prod", "mirror"]))), ip, {"add": "deploy_key"},
                          "Added deploy key")
            elif r < 0.85:
                self.emit(t, "deploy_token_created", m.author(), p.entity(), (self.oid(), "DeployToken",
                          "gitlab+deploy-token-%d" % self.oid()), ip, {"action": "custom"},
                          "Created project deploy token with name: registry-pull with token_id: %d with scopes: [:read_registry]." % self.oid())
            elif r < 0.9:
                self.emit(t, "project_archived", m.author(), p.entity(), (p.id, "Project", p.path), ip, None, "Project archived")
            elif r < 0.95:
                self.emit(t, "project_fork_operation", m.author(), p.entity(), (p.id, "Project", p.name), ip, None,
                          "Forked project to %s/%s" % (m.username, p.name))
            else:
                # a group runner for the team
                self.emit(t, "ci_runner_created", m.author(), g.entity(), (self.oid(), "Ci::Runner",
                          "%s-runner-%02d" % (g.path, rng.randrange(1, 20))), ip, {"runner_type": "group_type"},
                          "Created group CI runner")

    def users_selfservice_day(self, d):
        rng = self.rng
        for u in self.humans:
            if not self.active_ids(u, d) or u.start == d:
                continue
            if rng.random() > (0.004 if self.is_weekend(d) else 0.015):
                continue
            ip = self.user_ip(u, d)
            t = self.local(u, d, rng.uniform(*self.work_window(u, d)))
            c = rng.random()
            if c < 0.35:
                name = rng.choice(["laptop", "ci-local", "glab-cli", "ide", "terraform-local", "scripts"])
                self.pat_revoked(t, u, ip, name)
                self.pat_created(t + rng.randrange(5, 90) * SEC_MS, u, ip, name,
                                 rng.choice([["read_api"], ["api"], ["read_repository", "write_repository"], ["api", "read_registry"]]))
            elif c < 0.5:
                self.pat_created(t, u, ip, rng.choice(["glab", "vscode", "renovate-local", "debug"]),
                                 rng.choice([["read_api"], ["api"]]))
            elif c < 0.65:
                title = rng.choice(["%s@laptop", "%s@workstation", "%s-macbook-2025", "yubikey-%s"]) % u.username
                self.ssh_key(t, u, ip, title)
                if rng.random() < 0.5:
                    self.ssh_key(t + rng.randrange(1, 10) * MIN_MS, u, ip, "%s@old-laptop" % u.username, add=False)
            elif c < 0.8:
                self.oauth(t, u, ip, rng.choice(OAUTH_APPS), rng.choice([["api"], ["read_user", "read_api"], ["openid", "profile", "email"]]))
            elif c < 0.86:
                self.emit(t, "add_gpg_key", u.author(), u.entity(), (self.oid(), "GpgKey", u.name), ip, None, "Added GPG key")
            elif c < 0.92 and u.twofa:
                # switching authenticator app: disable and re-enable within minutes
                self.twofa(t, u, u, ip, False)
                self.twofa(t + rng.randrange(1, 6) * MIN_MS, u, u, ip, True)
            elif c < 0.96:
                self.emit(t, "email_created", u.author(), u.entity(), (self.oid(), "Email", "%s@users.noreply.example" % u.username),
                          ip, {"add": "email"}, "Added email")
            else:
                p = rng.choice(u.projects or self.projects)
                self.archive(t, u, p, ip)

    def onboard(self, u):
        rng = self.rng
        d = u.start
        a = rng.choice(self.admins + self.helpdesk)
        ipa = self.user_ip(a, d)
        t = self.local(a, d, rng.uniform(8.0, 9.5))
        self.emit(t, "user_created", a.author(), u.entity(), u.target(), ipa, {"add": "user"},
                  "User %s created" % u.username)
        for g in u.groups:
            t += rng.randrange(30, 300) * SEC_MS
            self.member(t, rng.choice([a, g.owners[0]]), g.entity(), u, ipa, "created", "Developer")
        ip = self.user_ip(u, d)
        t = self.local(u, d, rng.uniform(10.0, 11.0))
        self.signin(t, u, ip, method="standard")
        t += rng.randrange(2, 10) * MIN_MS
        if u.twofa:
            self.twofa(t, u, u, ip, True)
        t += rng.randrange(2, 20) * MIN_MS
        self.ssh_key(t, u, ip, "%s@laptop" % u.username)
        t += rng.randrange(1, 5) * MIN_MS
        team = [p for g in u.groups for p in g.projects]
        for p in rng.sample(team, min(len(team), rng.randrange(8, 22))):
            t += rng.randrange(40, 300) * SEC_MS
            self.git(t, u.author(), p, ip, "git-upload-pack", "ssh")
        if rng.random() < 0.7:
            self.pat_created(t + rng.randrange(5, 60) * MIN_MS, u, ip, "glab", ["api"])
        if rng.random() < 0.5:
            self.oauth(t + rng.randrange(60, 120) * MIN_MS, u, ip, OAUTH_APPS[0], ["api"])

    def offboard(self, u):
        rng = self.rng
        d = u.end
        a = rng.choice(self.admins + self.helpdesk)
        ip = self.user_ip(a, d)
        t = self.local(a, d, rng.uniform(16.0, 18.0))
        self.emit(t, "user_blocked", a.author(), u.entity(), u.target(), ip, None, "Blocked user")
        for g in u.groups:
            t += rng.randrange(10, 120) * SEC_MS
            self.member(t, a, g.entity(), u, ip, "destroyed", None)
        t += rng.randrange(10, 120) * SEC_MS
        self.pat_revoked(t, u, ip, "glab", author=a)

    def rare_benign(self):
        """Once-or-twice-a-month actions that look like attacks on their own."""
        rng = self.rng
        days = self.days

        def wd(lo=1, hi=None):
            hi = hi or days - 1
            while True:
                d = rng.randrange(lo, hi)
                if not self.is_weekend(d):
                    return d

        # reviewed open-sourcing: internal -> public by the oss group owner
        oss = [g for g in self.groups if g.path == "oss"][0]
        for _ in range(rng.randrange(1, 3)):
            o = oss.owners[0]
            d = wd()
            cand = [p for p in oss.projects if p.visibility != "Public"] or oss.projects
            p = rng.choice(cand)
            self.setting(self.local(o, d, 14.0 + rng.random()), o, p.entity(), (p.id, "Project", p.path),
                         self.user_ip(o, d), "project_visibility_level_updated", "visibility", p.visibility, "Public")
        # private -> internal (inner source) by a group owner
        for _ in range(rng.randrange(1, 4)):
            g = rng.choice(self.groups)
            o = g.owners[0]
            d = wd()
            p = rng.choice(g.projects)
            self.setting(self.local(o, d, 11.0 + rng.random() * 5), o, p.entity(), (p.id, "Project", p.path),
                         self.user_ip(o, d), "project_visibility_level_updated", "visibility", "Private", "Internal")
        # maintainers temporarily allow force-push to clean history, then turn it off again
        for _ in range(rng.randrange(1, 4)):
            g = rng.choice(self.groups)
            m = rng.choice(g.maintainers)
            d = wd()
            p = rng.choice(g.projects)
            ip = self.user_ip(m, d)
            t = self.local(m, d, 12.0 + rng.random() * 4)
            tgt = (self.oid(), "ProtectedBranch", "main")
            self.setting(t, m, p.entity(), tgt, ip, "protected_branch_allow_force_push_updated", "allow_force_push", False, True)
            self.git(t + 3 * MIN_MS, m.author(), p, ip, "git-receive-pack", "ssh" if m.ssh else "http")
            self.setting(t + rng.randrange(10, 70) * MIN_MS, m, p.entity(), tgt, ip,
                         "protected_branch_allow_force_push_updated", "allow_force_push", True, False)
        # a small team lets authors approve their own MRs (reviewed in a retro)
        g = rng.choice(self.groups)
        m = g.owners[0]
        d = wd()
        p = rng.choice(g.projects)
        self.setting(self.local(m, d, 15.0), m, p.entity(), (p.id, "Project", p.path), self.user_ip(m, d),
                     "project_merge_requests_author_approval_updated", "prevent merge request approval from authors", True, False)
        # a platform admin grants admin to a new colleague (and one admin steps down)
        a = self.admins[0]
        d = wd(3)
        new_admin = self.admins[3]
        t = self.local(a, d, 10.5)
        self.setting(t, a, new_admin.entity(), new_admin.target(), self.user_ip(a, d), "user_admin_status_updated",
                     "admin status", False, True)
        d2 = wd(3)
        old = self.admins[2]
        self.setting(self.local(a, d2, 16.0), a, old.entity(), old.target(), self.user_ip(a, d2),
                     "user_admin_status_updated", "admin status", True, False)
        # a system hook to the SIEM collector
        d = wd()
        a = self.admins[1]
        self.emit(self.local(a, d, 11.0), "webhook_created", a.author(), INSTANCE,
                  (self.oid(), "SystemHook", "https://siem-collector.corp.example/gitlab/system-hook"),
                  self.user_ip(a, d), None, "Created system hook")
        # security team requires 2FA for a group
        g = [g for g in self.groups if g.path == "security"][0]
        o = g.owners[0]
        d = wd()
        self.setting(self.local(o, d, 10.0), o, g.entity(), (g.id, "Group", g.path), self.user_ip(o, d),
                     "group_require_two_factor_authentication_updated", "require_two_factor_authentication", False, True)
        # audit streaming: the SIEM destination is migrated (new one created, old one removed the next day)
        if rng.random() < 0.6:
            a = self.admins[0]
            d = wd(2, days - 3)
            ip = self.user_ip(a, d)
            new_id = self.oid()
            self.emit(self.local(a, d, 14.0), "create_instance_event_streaming_destination", a.author(), INSTANCE,
                      (new_id, "AuditEvents::InstanceExternalAuditEventDestination", "siem-v2"), ip, None,
                      "Create instance event streaming destination https://siem-v2.corp.example/gitlab")
            d2 = d + 1 if not self.is_weekend(d + 1) else d + 3
            ip2 = self.user_ip(a, d2)
            self.emit(self.local(a, d2, 10.0), "destroy_instance_event_streaming_destination", a.author(), INSTANCE,
                      (new_id - 97, "AuditEvents::InstanceExternalAuditEventDestination", "siem-v1"), ip2, None,
                      "Destroy instance event streaming destination https://siem.corp.example/gitlab")
        else:
            a = self.admins[1]
            d = wd()
            self.emit(self.local(a, d, 14.0), "update_instance_event_streaming_destination", a.author(), INSTANCE,
                      (self.oid(), "AuditEvents::InstanceExternalAuditEventDestination", "siem"), self.user_ip(a, d),
                      {"change": "name", "from": "siem", "to": "siem-prod"}, "Changed name from siem to siem-prod")
        # an owner cleans up a few dead sandbox projects
        for _ in range(rng.randrange(1, 3)):
            g = rng.choice(self.groups)
            o = g.owners[0]
            d = wd()
            ip = self.user_ip(o, d)
            t = self.local(o, d, 16.0)
            for p in rng.sample(g.projects, min(3, len(g.projects))):
                t += rng.randrange(30, 240) * SEC_MS
                self.emit(t, "project_deletion_marked", o.author(), p.entity(), (p.id, "Project", p.path), ip, None,
                          "Project marked for deletion")
        # a maintainer exports a project to move it to another instance
        g = rng.choice(self.groups)
        m = g.maintainers[0]
        d = wd()
        p = rng.choice(g.projects)
        ip = self.user_ip(m, d)
        t = self.local(m, d, 13.0)
        self.emit(t, "project_export_created", m.author(), p.entity(), (p.id, "Project", p.path), ip, None, "Project exported")
        self.emit(t + 4 * MIN_MS, "project_export_file_download_started", m.author(), p.entity(), (p.id, "Project", p.path),
                  ip, None, "Export file download started")
        # a user updates their primary email (name change) from their usual address
        for _ in range(rng.randrange(1, 3)):
            u = rng.choice([u for u in self.humans if u.role == "dev" and u.end is None])
            d = wd()
            ip = self.user_ip(u, d)
            new = "%s.%s@corp.example" % (u.name.split()[0].lower(), rng.choice(LAST).lower())
            self.setting(self.local(u, d, 11.0), u, u.entity(), u.target(), ip, "user_email_address_updated",
                         "email address", u.email, new)
        # maintainers occasionally read a variable through the API while debugging a pipeline
        for u in self.var_readers:
            d = wd(5)
            ip = self.user_ip(u, d)
            p = rng.choice(u.projects or self.projects)
            t = self.local(u, d, rng.uniform(10, 17))
            for key in rng.sample(p.vars, min(len(p.vars), rng.randrange(1, 3))):
                t += rng.randrange(10, 120) * SEC_MS
                self.var_viewed(t, u.author(), p, key, ip)
        # travellers: a new laptop set up from the hotel (new IP + new key + new token)
        trav = [u for u in self.humans if u.travel]
        for u in rng.sample(trav, min(3, len(trav))):
            d0, d1, hip = u.travel[0]
            d = min(d1 - 1, d0 + 1)
            t = self.local(u, d, 20.5)
            self.signin(t, u, hip)
            self.ssh_key(t + 5 * MIN_MS, u, hip, "%s@travel-laptop" % u.username)
            self.pat_created(t + 9 * MIN_MS, u, hip, "glab-travel", ["api"])
            for p in (u.projects or [])[:4]:
                t += rng.randrange(1, 4) * MIN_MS
                self.git(t + 10 * MIN_MS, u.author(), p, hip, "git-upload-pack", "ssh")
        # on-call: a 3 a.m. hotfix, CI variable change and deploy
        oc = [u for u in self.humans if u.oncall and u.projects]
        for u in rng.sample(oc, min(3, len(oc))):
            d = rng.randrange(2, days - 1)
            p = u.projects[0]
            ip = self.user_ip(u, d)
            t = self.local(u, d, 3.0 + rng.random())
            self.signin(t, u, ip)
            self.git(t + 4 * MIN_MS, u.author(), p, ip, "git-upload-pack", "ssh" if u.ssh else "http")
            key = p.vars[0]
            self.emit(t + 9 * MIN_MS, "ci_variable_updated", u.author(), p.entity(), (self.var_id(p, key), "Ci::Variable", key),
                      ip, None, "Changed CI variable %s" % key)
            self.git(t + 14 * MIN_MS, u.author(), p, ip, "git-receive-pack", "ssh" if u.ssh else "http")
            self.ci_pipeline(t + 14 * MIN_MS, u, p)

    # ---------------------------------------------------------------- attacks
    def new_scen(self, kind, desc, slow=False):
        sid = "%s-%02d" % (kind, sum(1 for s in self.scen if s["kind"] == kind) + 1)
        s = {"id": sid, "kind": kind, "description": desc, "low_and_slow": slow}
        self.scen.append(s)
        return sid

    def atk_ip(self):
        ip = self.ips.attacker()
        self.attacker_ips.add(ip)
        return ip

    def attack_day(self, lo=2, hi=None):
        return self.rng.randrange(lo, (hi or self.days - 1))

    def gen_attacks(self):
        rng = self.rng
        victims_used = set()

        def victim(pred=lambda u: True):
            cands = [u for u in self.humans if u.role == "dev" and u.end is None and u.start == 0
                     and u.id not in victims_used and u.projects and pred(u)]
            u = rng.choice(cands)
            victims_used.add(u.id)
            return u

        for i in range(4):
            self.atk_exposed_pat(victim(), slow=(i == 3))
        self.atk_exposed_service_token()
        for i in range(4):
            self.atk_compromised_account(victim(lambda u: u.twofa), variant=i)
        self.atk_exfil_clone(victim(), insider=False)
        self.atk_exfil_clone(victim(), insider=True)
        self.atk_exfil_clone(victim(), insider=True, slow=True)
        self.atk_exfil_archives(victim())
        self.atk_exfil_exports(victim())
        for i in range(4):
            self.atk_cicd(victim(), variant=i)
        for i in range(3):
            self.atk_instance(self.admins[i % len(self.admins)] if i < 2 else None, slow=(i == 1))
        for i in range(5):
            self.atk_misconfig(i)
        for i in range(3):
            self.atk_destruction(i)

    def atk_exposed_pat(self, u, slow=False):
        rng = self.rng
        sid = self.new_scen("exposed-credentials",
                            "%s's personal access token leaked (%s); used from %s to clone projects, read CI "
                            "variables and create persistence" % (u.username, rng.choice(
                                ["public snippet", "committed .env", "CI job log", "pastebin", "infostealer log"]),
                                "a VPS, slowly over days" if slow else "a VPS"), slow)
        ips = [self.atk_ip() for _ in range(rng.randrange(1, 4))]
        d = self.attack_day()
        t = START_MS + d * DAY_MS + rng.randrange(0, DAY_MS)
        reach = [p for g in u.groups for p in g.projects]
        projs = rng.sample(reach, min(len(reach), rng.randrange(4, 12)))
        step = (rng.randrange(40, 240) * MIN_MS) if slow else (rng.randrange(20, 150) * SEC_MS)
        for p in projs:
            t += step + rng.randrange(0, 30) * SEC_MS
            self.git(t, u.author(), p, rng.choice(ips), "git-upload-pack", "http", scen=sid)
        vp = [p for p in projs if p.ci][:rng.randrange(2, 5)]
        for p in vp:
            for key in p.vars:
                t += (rng.randrange(5, 60) * MIN_MS) if slow else rng.randrange(500, 4000)
                self.var_viewed(t, u.author(), p, key, rng.choice(ips), scen=sid)
        t += (rng.randrange(2, 10) * HOUR_MS) if slow else rng.randrange(1, 15) * MIN_MS
        r = rng.random()
        if r < 0.5:
            self.pat_created(t, u, ips[0], rng.choice(["ci", "backup", "sync", u.username]), ["api", "write_repository"], scen=sid)
        elif r < 0.8:
            self.ssh_key(t, u, ips[0], rng.choice(["root@localhost", "ubuntu@ip-10-0-0-12", "%s@laptop" % u.username]), scen=sid)
        else:
            self.pat_created(t, u, ips[0], "automation", ["api"], scen=sid)
            self.ssh_key(t + rng.randrange(30, 300) * SEC_MS, u, ips[0], "deploy@build", scen=sid)

    def atk_exposed_service_token(self):
        """The terraform automation's token leaks: same account that reads variables all day."""
        rng = self.rng
        b = self.bots["ci-automation"]
        sid = self.new_scen("exposed-credentials",
                            "ci-automation's token leaked in a CI job log; attacker reads every CI variable it "
                            "can reach and clones infrastructure repos from a new IP")
        ip = self.atk_ip()
        d = self.attack_day()
        t = START_MS + d * DAY_MS + rng.randrange(0, DAY_MS)
        projs = [p for p in self.projects if p.group.path in ("infra", "platform", "payments")]
        for p in rng.sample(projs, min(len(projs), 10)):
            for key in p.vars:
                t += rng.randrange(300, 3000)
                self.var_viewed(t, b.author(), p, key, ip, scen=sid)
        for p in rng.sample(projs, min(len(projs), 5)):
            t += rng.randrange(10, 90) * SEC_MS
            self.git(t, b.author(), p, ip, "git-upload-pack", "http", scen=sid)

    def atk_compromised_account(self, u, variant=0):
        rng = self.rng
        kinds = ["password spray then phished OTP", "credential stuffing burst",
                 "slow brute force over a day", "password spray across many accounts"]
        sid = self.new_scen("compromised-account", "%s: %s from one new IP, sign-in, then 2FA disabled, email "
                            "changed, key/token/OAuth persistence" % (u.username, kinds[variant]), variant == 2)
        ip = self.atk_ip()
        d = self.attack_day()
        t = START_MS + d * DAY_MS + rng.randrange(0, DAY_MS)
        if variant == 3:
            # spray: a few attempts against many usernames, then the victim
            others = rng.sample(self.humans, 25)
            for o in others:
                for _ in range(rng.randrange(1, 3)):
                    t += rng.randrange(2, 20) * SEC_MS
                    self.failed_login(t, o.username, ip, scen=sid)
            for _ in range(2):
                t += rng.randrange(2, 20) * SEC_MS
                self.failed_login(t, u.username, ip, scen=sid)
        else:
            n = {0: rng.randrange(6, 12), 1: rng.randrange(20, 60), 2: rng.randrange(8, 14)}[variant]
            for _ in range(n):
                t += (rng.randrange(20, 150) * MIN_MS) if variant == 2 else rng.randrange(1, 15) * SEC_MS
                self.failed_login(t, u.username, ip, scen=sid)
        t += rng.randrange(5, 120) * SEC_MS
        self.signin(t, u, ip, scen=sid, method="standard" if not u.twofa else ("two-factor" if not u.webauthn else "webauthn"))
        step = lambda: (rng.randrange(20, 180) * MIN_MS) if variant == 2 else rng.randrange(20, 300) * SEC_MS
        t += step()
        self.twofa(t, u, u, ip, False, scen=sid)
        t += step()
        evil = "%s.%s@%s" % (u.username, rng.randrange(10, 99), rng.choice(["proton.me", "tutanota.com", "gmx.com", "mail.ru"]))
        self.setting(t, u, u.entity(), u.target(), ip, "user_email_address_updated", "email address", u.email, evil, scen=sid)
        t += step()
        self.ssh_key(t, u, ip, rng.choice(["kali@kali", "user@DESKTOP-%04d" % rng.randrange(9999)]), scen=sid)
        t += step()
        self.pat_created(t, u, ip, rng.choice(["test", "tmp", "api"]), ["api", "read_repository", "write_repository"], scen=sid)
        if variant != 1:
            t += step()
            self.oauth(t, u, ip, (rng.randrange(300, 400), rng.choice(["Git Sync Pro", "CodeReview Helper", "repo-backup"])),
                       ["api"], scen=sid)
        # a look around
        for p in rng.sample(u.projects, min(3, len(u.projects))):
            t += rng.randrange(30, 200) * SEC_MS
            self.git(t, u.author(), p, ip, "git-upload-pack", "http", scen=sid)

    def atk_exfil_clone(self, u, insider, slow=False):
        rng = self.rng
        sid = self.new_scen("exfiltration", "%s clones %s from %s" % (
            u.username, "40+ projects over a few hours" if slow else "50+ projects in ~10 minutes",
            "their usual address (departing insider)" if insider else "a new IP (stolen session/token)"), slow)
        d = self.attack_day()
        while self.is_weekend(d):
            d = self.attack_day()
        ip = self.user_ip(u, d) if insider else self.atk_ip()
        t = self.local(u, d, rng.uniform(11.0, 17.0)) if insider else START_MS + d * DAY_MS + rng.randrange(0, DAY_MS)
        n = rng.randrange(40, 60) if slow else rng.randrange(50, 85)
        for p in rng.sample(self.projects, n):
            t += (rng.randrange(90, 330) * SEC_MS) if slow else rng.randrange(3, 12) * SEC_MS
            self.git(t, u.author(), p, ip, "git-upload-pack", "ssh" if (insider and u.ssh) else "http", scen=sid)

    def atk_exfil_archives(self, u):
        rng = self.rng
        sid = self.new_scen("exfiltration", "%s downloads repository archives of many projects from a new IP" % u.username)
        ip = self.atk_ip()
        d = self.attack_day()
        t = START_MS + d * DAY_MS + rng.randrange(0, DAY_MS)
        for p in rng.sample(self.projects, rng.randrange(20, 40)):
            t += rng.randrange(4, 25) * SEC_MS
            self.archive(t, u, p, ip, scen=sid)

    def atk_exfil_exports(self, u):
        rng = self.rng
        sid = self.new_scen("exfiltration", "%s exports and downloads a burst of projects (not the backup account)" % u.username)
        d = self.attack_day()
        ip = self.atk_ip() if rng.random() < 0.5 else self.user_ip(u, d)
        t = START_MS + d * DAY_MS + rng.randrange(0, DAY_MS)
        reach = [p for g in u.groups for p in g.projects] + rng.sample(self.projects, 8)
        seen = []
        for p in reach:
            if p not in seen:
                seen.append(p)
        for p in seen[:rng.randrange(8, 16)]:
            t += rng.randrange(10, 60) * SEC_MS
            self.emit(t, "project_export_created", u.author(), p.entity(), (p.id, "Project", p.path), ip, None,
                      "Project exported", sid)
            self.emit(t + rng.randrange(30, 120) * SEC_MS, "project_export_file_download_started", u.author(),
                      p.entity(), (p.id, "Project", p.path), ip, None, "Export file download started", sid)

    def atk_cicd(self, u, variant):
        rng = self.rng
        descs = ["leaked job token: variables read by an account that never reads them, artifacts pulled",
                 "burst of job artifact downloads from a new IP, then a CI variable changed",
                 "rogue project runner registered to capture jobs, variable read",
                 "slow: a deploy variable repointed and read back over two days"]
        sid = self.new_scen("ci-cd", "%s: %s" % (u.username, descs[variant]), variant == 3)
        ip = self.atk_ip()
        d = self.attack_day()
        t = START_MS + d * DAY_MS + rng.randrange(0, DAY_MS)
        reach = [p for g in u.groups for p in g.projects if p.ci] or [p for p in self.projects if p.ci]
        if variant == 0:
            for p in rng.sample(reach, min(len(reach), 3)):
                for key in p.vars:
                    t += rng.randrange(400, 5000)
                    self.var_viewed(t, u.author(), p, key, ip, scen=sid)
            for _ in range(rng.randrange(15, 30)):
                t += rng.randrange(2, 20) * SEC_MS
                self.artifact(t, u.author(), rng.choice(reach), ip, scen=sid)
        elif variant == 1:
            for _ in range(rng.randrange(40, 90)):
                t += rng.randrange(1, 8) * SEC_MS
                self.artifact(t, u.author(), rng.choice(reach), ip, scen=sid)
            p = rng.choice(reach)
            key = rng.choice(p.vars)
            t += rng.randrange(2, 30) * MIN_MS
            self.emit(t, "ci_variable_updated", u.author(), p.entity(), (self.var_id(p, key), "Ci::Variable", key), ip,
                      None, "Changed CI variable %s" % key, sid)
        elif variant == 2:
            p = rng.choice(reach)
            self.emit(t, "ci_runner_created", u.author(), p.entity(), (self.oid(), "Ci::Runner",
                      rng.choice(["build-runner", "docker-runner-2", "runner"])), ip, {"runner_type": "project_type"},
                      "Created project CI runner", sid)
            t += rng.randrange(1, 10) * MIN_MS
            self.emit(t, "ci_runner_assigned_to_project", u.author(), p.entity(), (self.oid(), "Ci::Runner", "runner"),
                      ip, None, "Assigned CI runner to project", sid)
            for key in p.vars[:2]:
                t += rng.randrange(20, 200) * SEC_MS
                self.var_viewed(t, u.author(), p, key, ip, scen=sid)
        else:
            p = rng.choice(reach)
            key = rng.choice(p.vars)
            self.var_viewed(t, u.author(), p, key, ip, scen=sid)
            t += rng.randrange(6, 20) * HOUR_MS
            self.emit(t, "ci_variable_updated", u.author(), p.entity(), (self.var_id(p, key), "Ci::Variable", key), ip,
                      None, "Changed CI variable %s" % key, sid)
            t += rng.randrange(6, 20) * HOUR_MS
            self.var_viewed(t, u.author(), p, key, ip, scen=sid)
            self.git(t + 5 * MIN_MS, u.author(), p, ip, "git-upload-pack", "http", scen=sid)

    def atk_instance(self, admin, slow=False):
        rng = self.rng
        if admin is None:
            # the attacker owns root through an exposed admin token
            admin = self.root
            how = "root's token (from an old backup) used"
        else:
            how = "%s's admin session hijacked" % admin.username
        sid = self.new_scen("compromised-instance", "%s from a new IP%s: backdoor user made admin, impersonation, "
                            "system hook, settings weakened" % (how, ", spread over days" if slow else ""), slow)
        ip = self.atk_ip()
        d = self.attack_day()
        t = START_MS + d * DAY_MS + rng.randrange(0, DAY_MS)
        step = lambda: (rng.randrange(3, 14) * HOUR_MS) if slow else rng.randrange(30, 400) * SEC_MS
        if admin is not self.root and rng.random() < 0.5:
            self.signin(t, admin, ip, scen=sid)
            t += step()
        # backdoor account
        name, un = rng.choice([("GitLab Support", "gitlab-support"), ("Backup Operator", "svc-backup2"),
                               ("Monitoring", "monitoring-bot"), ("Security Scanner", "sec-scanner")])
        bd = User()
        bd.id, bd.name, bd.username, bd.email = 9000 + rng.randrange(1, 999), name, un, "%s@%s" % (un, rng.choice(["proton.me", "corp-example.net"]))
        self.emit(t, "user_created", admin.author(), bd.entity(), bd.target(), ip, {"add": "user"},
                  "User %s created" % un, sid)
        t += step()
        self.setting(t, admin, bd.entity(), bd.target(), ip, "user_admin_status_updated", "admin status", False, True, scen=sid)
        t += step()
        self.pat_created(t, bd, ip, "sync", ["api", "sudo"], scen=sid, author=admin)
        t += step()
        victim = rng.choice(self.admins[1:] + [u for u in self.humans if u.role == "dev"][:3])
        self.emit(t, "user_impersonation", admin.author(), admin.entity(), victim.target(), ip, None, "Started Impersonation", sid)
        t += rng.randrange(2, 15) * MIN_MS
        self.emit(t, "user_impersonation", admin.author(), admin.entity(), victim.target(), ip, None, "Stopped Impersonation", sid)
        t += step()
        url = rng.choice(EVIL_HOOK_HOSTS) + "%x" % rng.getrandbits(48)
        self.emit(t, "webhook_created", admin.author(), INSTANCE, (self.oid(), "SystemHook", url), ip, None,
                  "Created system hook", sid)
        for ch in rng.sample([("signup_enabled", False, True), ("require_two_factor_authentication", True, False),
                              ("require_admin_approval_after_user_signup", True, False),
                              ("admin_mode", True, False), ("password_authentication_enabled_for_web", False, True),
                              ("outbound_local_requests_whitelist", "[]", "[\"0.0.0.0/0\"]")], 2):
            t += step()
            self.setting(t, admin, INSTANCE, (1, "ApplicationSetting", "Application settings"), ip,
                         "application_setting_updated", ch[0], ch[1], ch[2], scen=sid)

    def atk_misconfig(self, i):
        rng = self.rng
        g = rng.choice(self.groups)
        devs = [u for u in g.members if u.role == "dev" and u.end is None and u.start == 0]
        actor = rng.choice(devs)
        d = self.attack_day()
        new_ip = rng.random() < 0.6
        ip = self.atk_ip() if new_ip else self.user_ip(actor, d)
        t = self.local(actor, d, rng.uniform(9, 23)) if not new_ip else START_MS + d * DAY_MS + rng.randrange(0, DAY_MS)
        p = rng.choice([p for p in g.projects] )
        steps = [
            ("visibility", "private project made public"),
            ("force", "force-push allowed on the protected default branch"),
            ("approval", "MR approval requirement removed"),
            ("group2fa", "group 2FA requirement disabled"),
            ("stream", "audit streaming destination deleted"),
        ]
        chosen = [steps[i]] + rng.sample([s for s in steps if s != steps[i]], rng.randrange(0, 3))
        sid = self.new_scen("misconfiguration", "%s (%s): %s" % (
            actor.username, "new IP" if new_ip else "usual IP", "; ".join(c[1] for c in chosen)))
        for key, _ in chosen:
            t += rng.randrange(1, 40) * MIN_MS
            if key == "visibility":
                self.setting(t, actor, p.entity(), (p.id, "Project", p.path), ip, "project_visibility_level_updated",
                             "visibility", "Private", "Public", scen=sid)
            elif key == "force":
                self.setting(t, actor, p.entity(), (self.oid(), "ProtectedBranch", "main"), ip,
                             "protected_branch_allow_force_push_updated", "allow_force_push", False, True, scen=sid)
                self.git(t + rng.randrange(1, 5) * MIN_MS, actor.author(), p, ip, "git-receive-pack", "http", scen=sid)
            elif key == "approval":
                if rng.random() < 0.5:
                    self.emit(t, "approval_rule_deleted", actor.author(), p.entity(), (self.oid(), "ApprovalProjectRule",
                              "Security"), ip, None, "Deleted approval rule Security", sid)
                else:
                    self.setting(t, actor, p.entity(), (self.oid(), "ApprovalProjectRule", "All members"), ip,
                                 "update_approval_rules", "approvals_required", 2, 0, scen=sid)
                self.setting(t + 30 * SEC_MS, actor, p.entity(), (p.id, "Project", p.path), ip,
                             "project_merge_requests_author_approval_updated", "prevent merge request approval from authors",
                             True, False, scen=sid)
            elif key == "group2fa":
                self.setting(t, actor, g.entity(), (g.id, "Group", g.path), ip,
                             "group_require_two_factor_authentication_updated", "require_two_factor_authentication",
                             True, False, scen=sid)
            else:
                if rng.random() < 0.5:
                    self.emit(t, "destroy_event_streaming_destination", actor.author(), g.entity(),
                              (self.oid(), "AuditEvents::ExternalAuditEventDestination", "siem"), ip, None,
                              "Destroy event streaming destination https://siem.corp.example/gitlab/%s" % g.path, sid)
                else:
                    self.emit(t, "deleted_group_audit_event_streaming_destination", actor.author(), g.entity(),
                              (self.oid(), "AuditEvents::Group::ExternalStreamingDestination", "siem"), ip, None,
                              "Deleted audit event streaming destination siem", sid)

    def atk_destruction(self, i):
        rng = self.rng
        g = rng.choice(self.groups)
        actor = g.owners[0] if i != 2 else rng.choice(self.admins)
        d = self.attack_day()
        new_ip = i != 1
        ip = self.atk_ip() if new_ip else self.user_ip(actor, d)
        slow = i == 2
        sid = self.new_scen("destruction", "%s (%s) deletes %s" % (
            actor.username, "new IP" if new_ip else "usual IP: disgruntled insider",
            "projects slowly across the instance" if slow else "a group's projects in minutes"), slow)
        t = START_MS + d * DAY_MS + rng.randrange(0, DAY_MS)
        projs = rng.sample(self.projects, rng.randrange(6, 10)) if slow else g.projects
        for p in projs:
            t += (rng.randrange(20, 90) * MIN_MS) if slow else rng.randrange(5, 40) * SEC_MS
            self.emit(t, "project_deletion_marked", actor.author(), p.entity(), (p.id, "Project", p.path), ip, None,
                      "Project marked for deletion", sid)
            if not slow and rng.random() < 0.6:
                self.emit(t + rng.randrange(2, 20) * SEC_MS, "project_destroyed", actor.author(), p.entity(),
                          (p.id, "Project", p.path), ip, {"remove": "project"}, "Project destroyed", sid)
        if not slow and rng.random() < 0.5:
            self.emit(t + MIN_MS, "group_deletion_marked", actor.author(), g.entity(), (g.id, "Group", g.path), ip,
                      None, "Group marked for deletion", sid)


# -------------------------------------------------------------------- output

CALLERS = {
    "repository_git_operation": None,
    "authenticated_with_password": "SessionsController#create",
    "authenticated_with_two_factor": "SessionsController#create",
    "authenticated_with_webauthn": "SessionsController#create",
    "login_failed_with_standard_authentication": "SessionsController#create",
    "login_failed_with_otp_authentication": "SessionsController#create",
    "variable_viewed_api": "GET /api/:version/projects/:id/variables/:key",
    "job_artifact_downloaded": "GET /api/:version/jobs/:id/artifacts",
    "repository_download_operation": "Projects::RepositoriesController#archive",
    "project_export_created": "POST /api/:version/projects/:id/export",
    "project_export_file_download_started": "GET /api/:version/projects/:id/export/download",
    "personal_access_token_created": "UserSettings::PersonalAccessTokensController#create",
    "personal_access_token_revoked": "UserSettings::PersonalAccessTokensController#revoke",
    "add_ssh_key": "Profiles::KeysController#create",
    "remove_ssh_key": "Profiles::KeysController#destroy",
    "user_impersonation": "Admin::ImpersonationsController#destroy",
    "merge_request_approval_operation": "POST /api/:version/projects/:id/merge_requests/:merge_request_iid/approve",
}

ALPH = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def fmt_ts(ms, cache={}):
    s, m = divmod(ms, 1000)
    base = cache.get(s)
    if base is None:
        base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s))
        if len(cache) > 4096:
            cache.clear()
        cache[s] = base
    return "%s.%03dZ" % (base, m)


def rest_str(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return None
    return str(v)


def write_outputs(world, out):
    rng = random.Random(world.rng.random())
    ev = world.ev
    ev.sort(key=lambda e: (e[0], e[1]))
    base_id = 41_000_000 + rng.randrange(0, 1_000_000)
    os.makedirs(out, exist_ok=True)
    labels = {}
    scen_events = {s["id"]: [] for s in world.scen}
    scen_ips = {s["id"]: [] for s in world.scen}
    # GitLab sends streaming bodies and REST responses as Ruby's compact `to_json` (the
    # documentation pretty-prints its examples for reading).
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    dumps_log = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    rest_items = []
    counts = {}
    with open(os.path.join(out, "stream.jsonl"), "w", encoding="utf-8") as fs, \
            open(os.path.join(out, "audit_json.log"), "w", encoding="utf-8") as fl:
        for i, (t, _seq, et, author, entity, target, ip, extra, msg, scen) in enumerate(ev):
            eid = base_id + i
            counts[et] = counts.get(et, 0) + 1
            if scen:
                labels[str(eid)] = scen
                scen_events[scen].append(eid)
                if ip in world.attacker_ips and ip not in scen_ips[scen]:
                    scen_ips[scen].append(ip)
            a_id, a_name, a_class, a_user, a_email = author
            e_id, e_type, e_path = entity
            t_id, t_type, t_det = target
            ts = fmt_ts(t)
            det = {}
            if extra:
                det.update(extra)
            det["event_name"] = et
            det["author_name"] = a_name
            det["author_class"] = a_class
            det["target_id"] = t_id
            det["target_type"] = t_type
            det["target_details"] = t_det
            if msg is not None:
                det["custom_message"] = msg
            det["ip_address"] = ip
            det["entity_path"] = e_path
            stream = {"id": str(eid), "author_id": a_id, "entity_id": e_id, "entity_type": e_type, "details": det,
                      "ip_address": ip, "author_name": a_name, "entity_path": e_path, "target_details": t_det,
                      "created_at": ts, "target_type": t_type, "target_id": t_id, "event_type": et}
            fs.write(dumps(stream))
            fs.write("\n")
            # REST: formatted details (from/to as strings, author_email)
            rdet = dict(det)
            if "from" in rdet:
                rdet["from"] = rest_str(rdet["from"])
                rdet["to"] = rest_str(rdet["to"])
            if a_email:
                rdet["author_email"] = a_email
            rest_items.append(dumps({"id": eid, "author_id": a_id, "entity_id": e_id, "entity_type": e_type,
                                     "event_name": et, "details": rdet, "created_at": ts}))
            # audit_json.log (Gitlab::Audit::Auditor#log_to_file): event JSON, details nested and merged
            ldet = det
            lip = ip
            if rng.random() < 0.3:
                lip = None
                ldet = dict(det)
                ldet["ip_address"] = None
            caller = CALLERS.get(et, "")
            if et == "repository_git_operation":
                caller = "POST /api/:version/internal/allowed" if msg["protocol"] == "ssh" else \
                    ("Repositories::GitHttpController#git_upload_pack" if msg["action"] == "git-upload-pack"
                     else "Repositories::GitHttpController#git_receive_pack")
            elif not caller:
                caller = "GraphqlController#execute" if rng.random() < 0.3 else "%s#update" % (
                    "Projects::SettingsController" if e_type == "Project" else
                    "Groups::SettingsController" if e_type == "Group" else
                    "Admin::ApplicationSettingsController" if e_type.startswith("Gitlab::") else "Admin::UsersController")
            line = {"severity": "INFO", "time": fmt_ts(t + rng.randrange(2, 45)),
                    "correlation_id": "".join(ALPH[(rng.getrandbits(5))] for _ in range(26)),
                    "meta.caller_id": caller, "meta.remote_ip": ip, "meta.feature_category": "audit_events"}
            if a_user:
                line["meta.user"] = a_user
                line["meta.user_id"] = a_id
                line["meta.client_id"] = "user/%d" % a_id
            else:
                line["meta.client_id"] = "ip/%s" % ip
            line.update({"id": eid, "author_id": a_id, "entity_id": e_id, "entity_type": e_type, "details": ldet,
                         "ip_address": lip, "author_name": a_name, "entity_path": e_path, "target_details": t_det,
                         "created_at": ts, "target_type": t_type, "target_id": t_id, "event_name": et})
            for k, v in ldet.items():
                if k not in line:
                    line[k] = v
            fl.write(dumps_log(line))
            fl.write("\n")
    with open(os.path.join(out, "rest.json"), "w", encoding="utf-8") as fr:
        fr.write("[\n")
        fr.write(",\n".join(reversed(rest_items)))
        fr.write("\n]\n")
    scenarios = []
    for s in world.scen:
        s2 = dict(s)
        s2["attack_event_ids"] = scen_events[s["id"]]
        s2["attacker_ips"] = scen_ips[s["id"]]
        if scen_events[s["id"]]:
            s2["start"] = fmt_ts(ev[scen_events[s["id"]][0] - base_id][0])
            s2["end"] = fmt_ts(ev[scen_events[s["id"]][-1] - base_id][0])
        scenarios.append(s2)
    n_att = len(labels)
    with open(os.path.join(out, "labels.json"), "w", encoding="utf-8") as fo:
        json.dump({"events": labels, "scenarios": scenarios, "benign_events": len(ev) - n_att,
                   "attack_events": n_att, "total_events": len(ev),
                   "start": fmt_ts(START_MS), "end": fmt_ts(world.end_ms)}, fo, indent=1)
        fo.write("\n")
    return counts, scenarios, len(ev), n_att


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--users", type=int, default=300)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.days < 10:
        ap.error("--days must be at least 10 (scenarios need history around them)")
    t0 = time.time()
    w = World(args.seed, args.users, args.days)
    w.gen_benign()
    w.gen_attacks()
    counts, scenarios, n, n_att = write_outputs(w, args.out)
    if not args.quiet:
        print("%d events (%d benign, %d attack) in %d scenarios, %d users, %d projects, %d groups -> %s (%.1f s)" % (
            n, n - n_att, n_att, len(scenarios), len(w.users) + 1, len(w.projects), len(w.groups), args.out,
            time.time() - t0))
        print("top event types:")
        for et, c in sorted(counts.items(), key=lambda kv: -kv[1])[:20]:
            print("  %8d  %s" % (c, et))
        kinds = {}
        for s in scenarios:
            k = kinds.setdefault(s["kind"], [0, 0])
            k[0] += 1
            k[1] += len(s["attack_event_ids"])
        print("scenarios:")
        for k, (ns, ne) in sorted(kinds.items()):
            print("  %-22s %2d scenarios %5d events" % (k, ns, ne))
    return 0


if __name__ == "__main__":
    sys.exit(main())
