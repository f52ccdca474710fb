//! The HTML report as a person sees it: rendered by headless Chromium (driven over WebDriver by
//! chromedriver), no IP address, token id or timestamp is broken across lines, the severity
//! colours are applied, and a screenshot is left in `target/tmp/report.png` for a reviewer.
//!
//! Needs `chromium` and `chromedriver` (Debian's packages; `.ci/run` installs them). Outside CI
//! a machine without them skips this test and says so; in CI (`CI` set) their absence fails it.

mod common;

use base64::Engine;
use common::{glir, text};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free port; killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver() -> Driver {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// The demo's HTML report, written to a kept directory.
fn demo_report(dir: &Path) -> PathBuf {
    let config = dir.join("none.toml");
    std::fs::write(&config, "").unwrap();
    let keep = dir.join("demo");
    let o = glir(&dir.join("data"), &config)
        .args(["demo", "--keep"])
        .arg(&keep)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    keep.join("cases/demo/report.html")
}

/// For every table cell holding an IPv4 address, a 26-character id or a `YYYY-MM-DD HH:MM`
/// time: how many lines its text took. Anything above 1 is a word broken apart.
const BROKEN_TOKENS: &str = r#"
const token = /\b(\d{1,3}(\.\d{1,3}){3}|[0-9A-Z]{26}|\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?)\b/;
const broken = [];
let checked = 0;
for (const td of document.querySelectorAll('td')) {
  const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const m = node.textContent.match(token);
    if (!m) continue;
    checked++;
    const range = document.createRange();
    range.setStart(node, m.index);
    range.setEnd(node, m.index + m[0].length);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    if (tops.size > 1) broken.push(m[0]);
  }
}
const high = document.querySelector('td.sev-high');
return {
  checked,
  broken,
  highBackground: high ? getComputedStyle(high).backgroundColor : null,
};
"#;

async fn webdriver(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Value,
) -> Value {
    let mut request = http.request(method, &url);
    if !body.is_null() {
        request = request.json(&body);
    }
    let answer: Value = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
        .json()
        .await
        .unwrap();
    answer["value"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_html_report_keeps_tokens_whole_and_colours_levels_in_chromium() {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium and chromium-driver (see .ci/run)"
        );
        eprintln!("skipped: {CHROMIUM} or {CHROMEDRIVER} is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let report = demo_report(dir.path());
    let driver = start_driver();
    let http = reqwest::Client::new();
    // chromedriver takes a moment to listen.
    let mut session = Value::Null;
    for _ in 0..50 {
        let started = http
            .post(format!("{}/session", driver.url))
            .json(
                &json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                             "--no-first-run", "--disable-background-networking",
                             "--disable-component-update", "--disable-sync",
                             "--window-size=1024,2000"],
                }}}}),
            )
            .send()
            .await;
        if let Ok(answer) = started {
            session = answer.json::<Value>().await.unwrap()["value"].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let id = session["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no WebDriver session: {session}"))
        .to_string();
    let base = format!("{}/session/{id}", driver.url);
    webdriver(
        &http,
        reqwest::Method::POST,
        format!("{base}/url"),
        json!({"url": format!("file://{}", report.display())}),
    )
    .await;
    let found = webdriver(
        &http,
        reqwest::Method::POST,
        format!("{base}/execute/sync"),
        json!({"script": BROKEN_TOKENS, "args": []}),
    )
    .await;
    let png = webdriver(
        &http,
        reqwest::Method::GET,
        format!("{base}/screenshot"),
        Value::Null,
    )
    .await;
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report.png");
    std::fs::write(
        &shot,
        base64::engine::general_purpose::STANDARD
            .decode(
                png.as_str()
                    .unwrap_or_else(|| panic!("no screenshot: {png}; found {found}")),
            )
            .unwrap(),
    )
    .unwrap();
    let _ = http.delete(&base).send().await;

    assert!(
        found["checked"].as_u64().is_some_and(|n| n > 10),
        "too few tokens to judge: {found}"
    );
    assert_eq!(found["broken"], json!([]), "broken across lines: {found}");
    // The style's `.sev-high` background (#ffebe9), not a default transparent one.
    assert_eq!(found["highBackground"], "rgb(255, 235, 233)", "{found}");
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
}
