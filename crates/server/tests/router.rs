//! The site and the API through the router itself (`tower::ServiceExt::oneshot`): asking, watching, reading,
//! refreshing, browsing, supporting, operating; errors as JSON, limits, and the safety headers; on a corpus
//! written here.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use verity_engine::{Config, Engine};
use verity_server::SiteConfig;

const OPERATOR: &str = "operator-secret-token";
const WEBHOOK_SECRET: &str = "whsec_router_test";

/// A router over a fresh data directory holding two sources about one claim, one of them hostile.
fn site_with(site: SiteConfig) -> (Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.jsonl");
    let lines = [
        serde_json::json!({"id": "ledger", "title": "Council bans cars", "outlet": "The Ledger",
            "text": "The council banned cars downtown on Monday, officials said."}),
        serde_json::json!({"id": "xss", "title": "<script>alert('t')</script>", "outlet": "Evil <img src=x onerror=alert(1)>",
            "text": "The council banned cars downtown <script>alert('x')</script> after a vote, officials said."}),
    ];
    std::fs::write(&corpus, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let config = Config {
        today: Some("2026-11-26".into()),
        models: Some(dir.path().join("no-models")),
        ..Config::new(dir.path().join("data"))
    };
    let mut engine = Engine::open(config).unwrap();
    engine.ingest(&[corpus], &mut |_| {}).unwrap();
    (verity_server::router(engine, site).unwrap(), dir)
}

fn site() -> (Router, tempfile::TempDir) {
    site_with(SiteConfig {
        operator_token: Some(OPERATOR.into()),
        stripe_webhook_secret: Some(WEBHOOK_SECRET.into()),
        ..SiteConfig::default()
    })
}

/// Sends one request; returns status, headers and body text.
async fn check(router: &Router, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn post_json(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri).header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())).unwrap()
}

fn post_form(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn operator(method: &str, uri: &str, body: &str, token: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn location(headers: &axum::http::HeaderMap) -> String {
    headers[header::LOCATION].to_str().unwrap().to_string()
}

/// Polls a job until it ends; returns its last state.
async fn finished(router: &Router, job_id: &str) -> Value {
    let mut job = Value::Null;
    for _ in 0..400 {
        let (_, _, body) = check(router, get(&format!("/api/v1/jobs/{job_id}"))).await;
        job = serde_json::from_str(&body).unwrap();
        if job["status"] != "running" {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the job never finished: {job}");
}

/// Starts a check through the API and waits for its report's address.
async fn checked(router: &Router, question: &str) -> String {
    let body = serde_json::json!({"question": question, "fresh": true}).to_string();
    let (status, _, body) = check(router, post_json("/api/v1/checks", &body)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let job: Value = serde_json::from_str(&body).unwrap();
    let done = finished(router, job["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "done", "{done}");
    done["report_url"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_check_started_through_the_api_is_polled_to_its_report() {
    let (router, _dir) = site();
    let (status, headers, body) =
        check(&router, post_json("/api/v1/checks", r#"{"question": "Did the council ban cars downtown?"}"#)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let job: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(location(&headers), format!("/api/v1/jobs/{}", job["id"].as_str().unwrap()));
    let done = finished(&router, job["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "done", "{done}");
    let stages: Vec<&str> = done["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["claim", "searched", "weighed", "verified"]);
    let (status, _, body) =
        check(&router, get(&format!("/api/v1/reports/{}", done["report_id"].as_str().unwrap()))).await;
    assert_eq!(status, StatusCode::OK);
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (report["schema"].as_str(), report["verdict"]["label"].as_str()),
        (Some("verity.report/1"), Some("supported"))
    );

    // The report page is at its stable URL under its category, and the list and the home page show it.
    let url = done["report_url"].as_str().unwrap();
    assert!(url.starts_with("/checks/politics/council-ban-cars-downtown-"), "{url}");
    let (status, _, page) = check(&router, get(url)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Supported") && page.contains("Did the council ban cars downtown?"));
    let (_, _, list) = check(&router, get("/api/v1/reports")).await;
    let list: Value = serde_json::from_str(&list).unwrap();
    assert_eq!((list["total"].as_u64(), list["items"][0]["id"].as_str()), (Some(1), done["report_id"].as_str()));
    let (_, _, home) = check(&router, get("/")).await;
    assert!(home.contains(&format!("href=\"{url}\"")), "{home}");
}

#[tokio::test]
async fn progress_streams_as_server_sent_events_ending_with_the_report() {
    let (router, _dir) = site();
    let (_, _, body) =
        check(&router, post_json("/api/v1/checks", r#"{"question": "Did the council ban cars downtown?"}"#)).await;
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"].as_str().unwrap().to_string();
    // The stream starts at once, whether the check is still running or not, and ends with the outcome.
    let (status, headers, stream) = check(&router, get(&format!("/api/v1/jobs/{id}/events"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/event-stream");
    let events: Vec<&str> = stream.lines().filter_map(|l| l.strip_prefix("event: ")).collect();
    assert_eq!(events, ["stage", "stage", "stage", "stage", "done"], "{stream}");
    assert!(stream.contains("Searched the archive with"), "{stream}");
    assert!(stream.contains("\"report_url\":\"/checks/politics/"), "{stream}");
}

#[tokio::test]
async fn the_form_leads_through_the_progress_page_to_the_report_and_shows_why_a_question_was_refused() {
    let (router, _dir) = site();
    let (status, headers, _) =
        check(&router, post_form("/checks", "question=Did+the+council+ban+cars+downtown%3F")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let job_page = location(&headers);
    assert!(job_page.starts_with("/jobs/job-"), "{job_page}");
    // Not a counter another visitor could walk ("job-1", "job-2", ...): the check's progress is the asker's.
    assert!(job_page.len() == "/jobs/job-".len() + 32, "{job_page}");
    finished(&router, job_page.trim_start_matches("/jobs/")).await;
    let (status, headers, _) = check(&router, get(&job_page)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "a finished check moves on to its report");
    let report_url = location(&headers);
    assert!(report_url.starts_with("/checks/politics/") && report_url.ends_with("?asked=1"), "{report_url}");
    let (_, _, page) = check(&router, get(&report_url)).await;
    assert!(page.contains("data-asked=\"/checks/politics/"), "the browser is told to keep it in its checks");

    // An opinion is refused by its job, and the progress page says why.
    let (_, headers, _) = check(&router, post_form("/checks", "question=What+is+the+best+pizza%3F")).await;
    let job_page = location(&headers);
    let done = finished(&router, job_page.trim_start_matches("/jobs/")).await;
    assert_eq!((done["status"].as_str(), done["error"]["code"].as_str()), (Some("failed"), Some("uncheckable")));
    let (status, _, page) = check(&router, get(&job_page)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("role=\"alert\"") && page.contains("opinion"), "{page}");
    // An empty question never starts a job.
    let (status, _, page) = check(&router, post_form("/checks", "question=+++")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("role=\"alert\""), "{page}");
}

#[tokio::test]
async fn the_same_claim_asked_again_offers_the_earlier_report_or_a_fresh_check() {
    let (router, _dir) = site();
    let url = checked(&router, "Did the council ban cars downtown?").await;
    // Through the form: a page offering the report, with its date, or a fresh check of it.
    let (status, _, page) =
        check(&router, post_form("/checks", "question=Has+the+council+banned+cars+downtown%3F")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Checked before") && page.contains(&format!("href=\"{url}\"")), "{page}");
    assert!(page.contains("2026-11-26") && page.contains(&format!("action=\"{url}/refresh\"")));
    // Through the API: the existing report, unless a fresh check is asked for.
    let (status, _, body) =
        check(&router, post_json("/api/v1/checks", r#"{"question": "Has the council banned cars downtown?"}"#)).await;
    assert_eq!(status, StatusCode::OK);
    let existing: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((existing["status"].as_str(), existing["report_url"].as_str()), (Some("existing"), Some(url.as_str())));
    let (status, _, _) = check(
        &router,
        post_json("/api/v1/checks", r#"{"question": "Has the council banned cars downtown?", "fresh": true}"#),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // Another claim is simply checked.
    let (status, _, _) =
        check(&router, post_form("/checks", "question=Did+the+council+ban+bicycles+at+the+harbour%3F")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_refresh_adds_a_version_with_a_diff_and_a_changed_verdict_reaches_the_corrections_log() {
    let (router, _dir) = site();
    let url = checked(&router, "Did the council close the harbour of Brelin?").await;
    let (_, _, page) = check(&router, get(&url)).await;
    assert!(page.contains("Not enough evidence"), "nothing in the archive says so yet");
    assert!(!page.contains("<h2>Versions</h2>"));

    // The operator adds reporting, all or none (a bad record refuses the batch), and a visitor checks again.
    let post = serde_json::json!({"id": "post-1", "title": "Brelin closes harbour", "outlet": "Brelin Post",
        "published": "2026-11-24",
        "text": "The council of Brelin closed the harbour on Tuesday. The harbour of Brelin was closed by the council after storms."});
    let wire = serde_json::json!({"id": "wire-1", "title": "Harbour shut", "outlet": "Wire", "published": "2026-11-25",
        "text": "Brelin's council closed the harbour of Brelin, the port authority confirmed."});
    let bad = serde_json::json!({"documents": [post, wire, {"title": "no id"}, {"id": "x", "text": "t", "author": 7}]});
    let (status, _, body) =
        check(&router, operator("POST", "/api/v1/admin/documents", &bad.to_string(), OPERATOR)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let refused: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(refused["error"]["code"], "bad_documents");
    assert!(refused["refused"][0].as_str().unwrap().starts_with("record 2: missing document id"), "{refused}");
    assert_eq!(refused["refused"][1], "record 3: `author` must be a string");
    let (_, _, still) = check(&router, get(&url)).await;
    assert!(still.contains("Not enough evidence"));
    let good = serde_json::json!({"documents": [post, wire]});
    let (status, _, body) =
        check(&router, operator("POST", "/api/v1/admin/documents", &good.to_string(), OPERATOR)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["stored"], 2);
    let (status, headers, _) = check(&router, post_form(&format!("{url}/refresh"), "")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    finished(&router, location(&headers).trim_start_matches("/jobs/")).await;

    let (_, _, page) = check(&router, get(&url)).await;
    assert!(page.contains("<h2>Versions</h2>") && page.contains("version 2"), "{page}");
    assert!(page.contains(&format!("{url}/diff?from=1&amp;to=2")));
    let (_, _, versions) =
        check(&router, get(&format!("/api/v1/reports/{}/versions", url.rsplit('/').next().unwrap()))).await;
    let versions: Value = serde_json::from_str(&versions).unwrap();
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(
        (versions[0]["verdict"].as_str(), versions[1]["verdict"].as_str()),
        (Some("not_enough_evidence"), Some("supported"))
    );

    let (status, _, old) = check(&router, get(&format!("{url}/versions/1"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(old.contains("This is version 1") && old.contains("Not enough evidence"), "{old}");
    let (_, _, diff) = check(&router, get(&format!("{url}/diff?from=1&to=2"))).await;
    assert!(diff.contains("<del>Not enough evidence</del> → <ins>Supported</ins>"), "{diff}");
    assert!(diff.contains("Source added: <ins>Brelin closes harbour (Brelin Post)</ins>"), "{diff}");
    let (_, _, corrections) = check(&router, get("/corrections")).await;
    assert!(
        corrections.contains("Did the council close the harbour of Brelin?") && corrections.contains("version 1 → 2")
    );
    let (_, _, api) = check(&router, get("/api/v1/corrections")).await;
    assert_eq!(serde_json::from_str::<Value>(&api).unwrap()[0]["to"], "supported");
    let (status, _, page) = check(&router, get(&format!("{url}/versions/9"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("versions 1 to 2; there is no version 9"), "{page}");
    // The report exists: the API says which versions it has, not that there is no report.
    let slug = url.rsplit('/').next().unwrap();
    let (status, _, body) = check(&router, get(&format!("/api/v1/reports/{slug}/versions/0"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"]["code"], "no_such_version", "{body}");
    assert!(error["error"]["message"].as_str().unwrap().contains("has versions 1 to 2"), "{body}");
}

#[tokio::test]
async fn reports_download_as_markdown_and_json_and_old_addresses_redirect() {
    let (router, _dir) = site();
    let url = checked(&router, "Did the council ban cars downtown?").await;
    let (status, headers, markdown) = check(&router, get(&format!("{url}.md"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/markdown; charset=utf-8");
    assert!(
        headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment; filename=\"council-ban-cars")
    );
    assert!(markdown.starts_with("# Did the council ban cars downtown?"));
    let (_, headers, json) = check(&router, get(&format!("{url}.json"))).await;
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(serde_json::from_str::<Value>(&json).unwrap()["schema"], "verity.report/1");
    let wrong_category = url.replace("/politics/", "/health/");
    let (status, headers, _) = check(&router, get(&wrong_category)).await;
    assert_eq!((status, location(&headers)), (StatusCode::PERMANENT_REDIRECT, url.clone()));
    let (_, _, page) = check(&router, get(&url)).await;
    assert!(page.contains(&format!("<link rel=\"canonical\" href=\"{url}\">")));
    assert!(page.contains("id=\"print\" type=\"button\" hidden"), "the print button waits for script");
}

#[tokio::test]
async fn past_checks_are_browsed_by_archive_category_topic_and_search() {
    let (router, _dir) = site();
    let url = checked(&router, "Did the council ban cars downtown in Brelin?").await;
    checked(&router, "Did the council of Brelin close the harbour?").await;
    let (_, _, archive) = check(&router, get("/archive")).await;
    assert!(archive.contains(&format!("href=\"{url}\"")) && archive.contains("Page 1 of 1"), "{archive}");
    let (_, _, categories) = check(&router, get("/categories")).await;
    assert!(categories.contains("href=\"/categories/politics\">Politics</a> (2)"), "{categories}");
    assert!(categories.contains("href=\"/topics/brelin\">Brelin</a> (2)"), "a name two checks share is a topic");
    let (_, _, politics) = check(&router, get("/categories/politics")).await;
    assert!(politics.contains(&format!("href=\"{url}\"")));
    let (status, _, _) = check(&router, get("/categories/astrology")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, topic) = check(&router, get("/topics/brelin")).await;
    assert_eq!(topic.matches("<li><a href=\"/checks/").count(), 2, "{topic}");
    let (_, _, found) = check(&router, get("/search?q=harbour")).await;
    assert!(found.contains("1 found") && found.contains("close the harbour"), "{found}");
    let (_, _, none) = check(&router, get("/search?q=%22NEAR(*")).await;
    assert!(none.contains("0 found"), "query syntax is only words: {none}");
    let (_, _, api) = check(&router, get("/api/v1/search?q=cars+downtown")).await;
    assert_eq!(serde_json::from_str::<Value>(&api).unwrap()["total"], 1);
    let (_, _, paged) = check(&router, get("/api/v1/reports?per_page=1&page=2")).await;
    let paged: Value = serde_json::from_str(&paged).unwrap();
    assert_eq!(
        (paged["total"].as_u64(), paged["items"][0]["question"].as_str()),
        (Some(2), Some("Did the council ban cars downtown in Brelin?"))
    );
    let (_, _, mine) = check(&router, get("/mine")).await;
    assert!(mine.contains("id=\"mine\"") && mine.contains("kept only here"));
}

#[tokio::test]
async fn the_about_page_states_the_method_the_labels_the_published_accuracy_and_the_corrections_policy() {
    let (router, _dir) = site();
    let (status, _, about) = check(&router, get("/about")).await;
    assert_eq!(status, StatusCode::OK);
    for needle in [
        "<h2>Method</h2>",
        "Not enough evidence",
        "Partly supported",
        "Corrections policy",
        "1.000 (934 of 934)",
        "<th>data set</th>",
    ] {
        assert!(about.contains(needle), "{needle} missing from the about page");
    }
}

#[tokio::test]
async fn an_old_report_says_it_may_be_outdated() {
    let (router, _dir) = site_with(SiteConfig { outdated_after_days: -1, ..SiteConfig::default() });
    let url = checked(&router, "Did the council ban cars downtown?").await;
    let (_, _, page) = check(&router, get(&url)).await;
    assert!(page.contains("may be outdated"));
    let (router, _dir) = site();
    let url = checked(&router, "Did the council ban cars downtown?").await;
    let (_, _, page) = check(&router, get(&url)).await;
    assert!(!page.contains("may be outdated"), "checked today");
}

fn signed(body: &str, secret: &str, at: i64) -> Request<Body> {
    Request::post("/api/v1/webhooks/stripe")
        .header("stripe-signature", verity_server::stripe::sign(body.as_bytes(), secret, at))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test]
async fn supporters_come_from_signed_webhooks_once_each_and_show_on_every_page() {
    let (router, _dir) = site();
    let campaign = r#"{"title": "Keep Verity independent", "goal_supporters": 10, "ends_on": "2026-12-31",
        "checkout_url": "https://pay.example/verity"}"#;
    let (status, _, body) = check(&router, operator("PUT", "/api/v1/admin/campaign", campaign, OPERATOR)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let event = r#"{"id": "evt_1", "type": "checkout.session.completed",
        "data": {"object": {"payment_status": "paid", "amount_total": 500, "currency": "eur"}}}"#;
    let (status, _, body) = check(&router, signed(event, WEBHOOK_SECRET, now)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["recorded"], true);
    let (_, _, body) = check(&router, signed(event, WEBHOOK_SECRET, now)).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["recorded"], false, "a resent event counts once");
    for (request, why) in [
        (signed(event, "whsec_wrong", now), "signed with another secret"),
        (signed(event, WEBHOOK_SECRET, now - 3600), "an hour old: a replay"),
        (post_json("/api/v1/webhooks/stripe", event), "unsigned"),
    ] {
        let (status, _, body) = check(&router, request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {body}");
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"]["code"], "bad_signature");
    }
    for page in ["/", "/about", "/archive"] {
        let (_, _, html) = check(&router, get(page)).await;
        assert!(html.contains("Keep Verity independent") && html.contains("of 10 supporters"), "{page}: {html}");
        assert!(html.contains("36 days left") && html.contains("href=\"https://pay.example/verity\""), "{page}");
    }
    // Signed but senseless figures are refused, and a real event larger than the API's usual body limit is taken.
    for (id, amount) in [("evt_negative", "-100000"), ("evt_words", "\"lots\""), ("evt_fraction", "2.5")] {
        let event = format!(
            r#"{{"id": "{id}", "type": "checkout.session.completed",
            "data": {{"object": {{"payment_status": "paid", "amount_total": {amount}, "currency": "eur"}}}}}}"#
        );
        let (status, _, body) = check(&router, signed(&event, WEBHOOK_SECRET, now)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{amount}: {body}");
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"]["code"], "bad_event");
    }
    let large = format!(
        r#"{{"id": "evt_large", "type": "checkout.session.completed", "data": {{"object": {{"payment_status": "paid",
        "amount_total": 700, "currency": "eur", "metadata": {{"note": "{}"}}}}}}}}"#,
        "x".repeat(100 * 1024)
    );
    let (status, _, body) = check(&router, signed(&large, WEBHOOK_SECRET, now)).await;
    assert_eq!(status, StatusCode::OK, "a 100 KB event: {body}");
    let (_, _, progress) = check(&router, get("/api/v1/campaign")).await;
    assert_eq!(serde_json::from_str::<Value>(&progress).unwrap()["supporters"], 2);
    // Without a secret the webhook is off.
    let (router, _dir) = site_with(SiteConfig::default());
    let (status, _, _) = check(&router, signed(event, WEBHOOK_SECRET, now)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn operator_endpoints_need_the_token_and_are_off_without_one() {
    let (router, _dir) = site();
    let url = checked(&router, "Did the council ban cars downtown?").await;
    let slug = url.rsplit('/').next().unwrap().to_string();
    let (status, headers, body) =
        check(&router, operator("DELETE", &format!("/api/v1/admin/reports/{slug}"), "", "wrong")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    let (status, _, body) = check(
        &router,
        operator(
            "PUT",
            "/api/v1/admin/campaign",
            r#"{"title": "x", "ends_on": "soon", "checkout_url": "https://p.example"}"#,
            OPERATOR,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _, _) =
        check(&router, operator("DELETE", &format!("/api/v1/admin/reports/{slug}"), "", OPERATOR)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = check(&router, get(&url)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (router, _dir) = site_with(SiteConfig::default());
    let (status, _, body) =
        check(&router, operator("POST", "/api/v1/admin/documents", r#"{"documents": []}"#, "")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("operator_token"), "{body}");
}

/// Cancelling is the operator's (job ids are sequential, so anyone could guess another visitor's); a finished job
/// is left as it is. (A running check stopping on cancel: the engine's `a_cancelled_check_stops_and_publishes_nothing`.)
#[tokio::test]
async fn only_the_operator_cancels_jobs_and_a_finished_one_stays_done() {
    let (router, _dir) = site();
    let (_, _, body) =
        check(&router, post_json("/api/v1/checks", r#"{"question": "Did the council ban cars downtown?"}"#)).await;
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"].as_str().unwrap().to_string();
    let done = finished(&router, &id).await;
    let cancel = |token: &str, job: &str| operator("DELETE", &format!("/api/v1/admin/jobs/{job}"), "", token);
    let (status, _, _) = check(&router, cancel("wrong", &id)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, body) = check(&router, cancel(OPERATOR, &id)).await;
    assert_eq!(
        (status, serde_json::from_str::<Value>(&body).unwrap()["error"]["code"].clone()),
        (StatusCode::CONFLICT, "finished".into())
    );
    let (status, _, _) = check(&router, cancel(OPERATOR, "job-999")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(finished(&router, &id).await, done);
}

#[tokio::test]
async fn starting_checks_is_rate_limited_per_client() {
    let (router, _dir) = site_with(SiteConfig { checks_per_minute: 2, ..SiteConfig::default() });
    let ask = r#"{"question": "Did the council ban cars?"}"#;
    let (status, _, body) = check(&router, post_json("/api/v1/checks", ask)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    finished(&router, serde_json::from_str::<Value>(&body).unwrap()["id"].as_str().unwrap()).await;
    // Requests that start no check cost nothing: malformed ones, and one that a report checked before answers.
    for bad in ["{not json", r#"{"question": "  "}"#, r#"{"question": "Did the council ban cars?", "fresh": 1}"#] {
        let (status, _, body) = check(&router, post_json("/api/v1/checks", bad)).await;
        assert!(status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS, "{bad}: {status} {body}");
    }
    let (status, _, body) = check(&router, post_json("/api/v1/checks", ask)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["status"], "existing");
    let (status, _, _) = check(&router, post_form("/checks", "question=")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) =
        check(&router, post_json("/api/v1/checks", r#"{"question": "Did the council ban cars?", "fresh": true}"#))
            .await;
    assert_eq!(status, StatusCode::ACCEPTED, "the second check of two a minute");
    let (status, headers, body) =
        check(&router, post_json("/api/v1/checks", r#"{"question": "Did the council ban cars?"}"#)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"]["code"], "rate_limited");
    assert!(headers[header::RETRY_AFTER].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    let (status, _, page) = check(&router, post_form("/checks", "question=Did+it+rain%3F")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("try again in"), "{page}");
    let (status, _, _) = check(&router, get("/")).await;
    assert_eq!(status, StatusCode::OK, "reading is not limited");
}

#[tokio::test]
async fn source_text_is_shown_as_text_and_only_the_sites_own_script_may_run() {
    let (router, _dir) = site();
    let url = checked(&router, "Did the council ban cars downtown?").await;
    let (_, headers, page) = check(&router, get(&url)).await;
    assert!(!page.contains("<script>") && !page.contains("<img src=x"), "unescaped source text");
    assert!(page.contains("&lt;script&gt;"), "the hostile text is shown, escaped");
    let scripts: Vec<&str> = page.match_indices("<script").map(|(i, _)| &page[i..i + 40]).collect();
    assert_eq!(scripts.len(), 2, "the site's script and the JSON-LD data block: {scripts:?}");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe"), "no inline script or style: {csp}");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let (_, headers, script) = check(&router, get("/static/verity.js")).await;
    assert_eq!(headers[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
    assert!(!script.contains("innerHTML"), "the script never builds markup from data");
    let (_, headers, _) = check(&router, get("/static/site.css")).await;
    assert_eq!(headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
}

#[tokio::test]
async fn api_errors_are_json_with_a_code_and_a_message() {
    let (router, _dir) = site();
    let cases = [
        (post_json("/api/v1/checks", "{not json"), StatusCode::BAD_REQUEST, "bad_request"),
        (post_json("/api/v1/checks", r#"{"question": " "}"#), StatusCode::UNPROCESSABLE_ENTITY, "empty_question"),
        (get("/api/v1/reports/no-such-report"), StatusCode::NOT_FOUND, "not_found"),
        (get("/api/v1/reports/no-such-report/versions/1"), StatusCode::NOT_FOUND, "not_found"),
        (get("/api/v1/jobs/job-999"), StatusCode::NOT_FOUND, "not_found"),
        (get("/api/v1/jobs/job-999/events"), StatusCode::NOT_FOUND, "not_found"),
        (get("/api/v1/search"), StatusCode::BAD_REQUEST, "bad_request"),
        (get("/api/v1/search?q=x&per_page=lots"), StatusCode::BAD_REQUEST, "bad_request"),
        (get("/api/v1/reports?page=-1"), StatusCode::BAD_REQUEST, "bad_request"),
        (get("/api/v1/reports/any/versions/first"), StatusCode::BAD_REQUEST, "bad_request"),
        (get("/api/v1/nothing-here"), StatusCode::NOT_FOUND, "not_found"),
    ];
    for (request, status, code) in cases {
        let uri = request.uri().to_string();
        let (got, _, body) = check(&router, request).await;
        assert_eq!(got, status, "{uri}: {body}");
        let error: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["error"]["code"], code, "{uri}: {body}");
        assert!(!error["error"]["message"].as_str().unwrap().is_empty());
    }
    let long = format!(r#"{{"question": "{}"}}"#, "a".repeat(verity_server::QUESTION_LIMIT + 1));
    let (status, _, body) = check(&router, post_json("/api/v1/checks", &long)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let huge = format!(r#"{{"question": "{}"}}"#, "a".repeat(verity_server::BODY_LIMIT * 2));
    let (status, _, body) = check(&router, post_json("/api/v1/checks", &huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"]["code"], "too_large");
}

/// Errors no handler wrote (an extractor's rejection, the router's 405) are site pages on the site and JSON on
/// the API, never bare text.
#[tokio::test]
async fn every_error_is_a_page_on_the_site_and_json_on_the_api() {
    let (router, _dir) = site();
    let json_to_a_form = post_json("/checks", r#"{"question": "Did it rain?"}"#);
    for (request, status) in [
        (json_to_a_form, StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (Request::delete("/archive").body(Body::empty()).unwrap(), StatusCode::METHOD_NOT_ALLOWED),
        (post_form("/checks", "asked=nothing"), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let uri = request.uri().to_string();
        let (got, headers, body) = check(&router, request).await;
        assert_eq!(got, status, "{uri}: {body}");
        assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8", "{uri}");
        assert!(body.starts_with("<!DOCTYPE html>") && body.contains("role=\"alert\""), "{uri}: {body}");
    }
    let (status, headers, body) = check(&router, Request::delete("/api/v1/checks").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers[header::ALLOW], "POST");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let (router, _dir) = site();
    let (status, headers, body) = check(&router, get("/api/v1/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    // Both ways: every operation the router serves is documented, and every documented one is served (its
    // method routed: anything but the router's 404 and 405).
    let served = verity_server::api_operations();
    assert!(served.len() >= 17, "{served:?}");
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys().filter(|m| *m != "parameters") {
            documented.push((method.clone(), path.clone()));
        }
    }
    for (method, path) in &served {
        assert!(documented.contains(&(method.to_string(), path.to_string())), "{method} {path} is not documented");
    }
    for (method, path) in &documented {
        assert!(served.contains(&(method.as_str(), path.as_str())), "{method} {path} is documented but not served");
        let uri = path.replace(['{', '}'], "");
        let request = Request::builder().method(method.to_uppercase().as_str()).uri(&uri).body(Body::empty()).unwrap();
        let (status, _, body) = check(&router, request).await;
        let unrouted = status == StatusCode::METHOD_NOT_ALLOWED || body.contains("\"no route ");
        assert!(!unrouted, "{method} {uri}: {status} {body}");
    }
}

/// A load balancer asks each node whether it can serve: its store answers and its index is caught up.
#[tokio::test]
async fn health_says_the_store_answers_and_how_far_the_index_is_behind() {
    let (router, _dir) = site();
    let (status, _, body) = check(&router, get("/api/v1/health")).await;
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (health["status"].as_str(), health["store"].as_str(), health["index_lag"].as_u64()),
        (Some("ok"), Some("sqlite"), Some(0)),
        "{body}"
    );
    assert!(health["index_position"].as_i64().unwrap() > 0, "the corpus was indexed: {body}");
}

/// Behind a trusted reverse proxy, the rate limit keys on the client the proxy names, not on the proxy.
#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let site = SiteConfig { checks_per_minute: 1, trusted_proxies: vec!["127.0.0.1".into()], ..SiteConfig::default() };
    let (router, _dir) = site_with(site);
    let ask = |client: &str, n: usize| {
        let body = format!(r#"{{"question": "Did the council ban cars on day {n}?", "fresh": true}}"#);
        let mut request = post_json("/api/v1/checks", &body);
        request.headers_mut().insert("x-forwarded-for", client.parse().unwrap());
        request
    };
    assert_eq!(check(&router, ask("198.51.100.1", 1)).await.0, StatusCode::ACCEPTED);
    assert_eq!(check(&router, ask("198.51.100.2", 2)).await.0, StatusCode::ACCEPTED, "another client");
    assert_eq!(check(&router, ask("198.51.100.1", 3)).await.0, StatusCode::TOO_MANY_REQUESTS, "the first again");
}

#[tokio::test]
async fn a_question_is_queued_and_stored_without_control_characters() {
    let (router, _dir) = site();
    let url = checked(&router, "Did the council\u{202e} ban cars\u{0} downtown?\u{1b}").await;
    let slug = url.rsplit('/').next().unwrap();
    let (status, _, body) = check(&router, get(&format!("/api/v1/reports/{slug}"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["question"], "Did the council ban cars downtown?");
}

/// Waits on a job's event stream (it ends with the outcome) and returns the outcome's data.
async fn job_outcome(router: &Router, id: &str) -> Value {
    let (_, _, stream) = check(router, get(&format!("/api/v1/jobs/{id}/events"))).await;
    let last = stream.lines().rev().find_map(|l| l.strip_prefix("data: ")).unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {stream}"))
}

#[tokio::test]
async fn a_text_is_checked_through_a_job_and_read_back_at_its_stable_address() {
    let (router, _dir) = site();
    let text = "MAYOR: Good evening, and thank you all for coming tonight.\n\
                The council banned cars downtown on Monday, and 40 percent of the shops closed.";
    let body = serde_json::json!({ "text": text, "limit": 5 }).to_string();
    let (status, headers, body) = check(&router, post_json("/api/v1/texts", &body)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let job: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(job["kind"], "text");
    assert_eq!(location(&headers), format!("/api/v1/jobs/{}", job["id"].as_str().unwrap()));
    let done = job_outcome(&router, job["id"].as_str().unwrap()).await;
    let url = done["report_url"].as_str().unwrap().to_string();
    assert!(url.starts_with("/texts/text-"), "{done}");
    let id = url.trim_start_matches("/texts/");

    let (status, _, body) = check(&router, get(&format!("/api/v1/texts/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    let checked: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((checked["schema"].as_str(), checked["version"].as_u64()), (Some("verity.text/1"), Some(1)));
    assert_eq!(checked["sentences"][0]["outcome"], "not_check_worthy");
    assert_eq!(checked["sentences"][0]["speaker"], "MAYOR");
    assert_eq!(checked["sentences"][1]["outcome"], "checked", "{body}");
    let report_url = format!(
        "/checks/{}/{}",
        checked["sentences"][1]["report"]["category"].as_str().unwrap(),
        checked["sentences"][1]["report"]["slug"].as_str().unwrap()
    );

    // The page marks the checked sentence and links it to its report; every value is escaped.
    let (status, _, page) = check(&router, get(&url)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<mark class=\"checked verdict-") && page.contains(&format!("href=\"{report_url}\"")));

    // Checking it again: the next version at the same address; the claim's report is checked again.
    let (status, _, body) = check(&router, post_json(&format!("/api/v1/texts/{id}/refresh"), "")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    job_outcome(&router, serde_json::from_str::<Value>(&body).unwrap()["id"].as_str().unwrap()).await;
    let (_, _, body) = check(&router, get(&format!("/api/v1/texts/{id}"))).await;
    let again: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(again["version"], 2);
    assert_eq!(again["sentences"][1]["report"]["version"], 2, "{body}");
}

#[tokio::test]
async fn a_text_that_is_not_one_is_refused_with_what_to_do_and_starts_nothing() {
    let (router, _dir) = site();
    let long = "The council banned cars downtown. ".repeat(7_000);
    for (body, code, says) in [
        (serde_json::json!({ "text": "   " }), "bad_text", "empty"),
        (serde_json::json!({}), "bad_text", "empty"),
        (serde_json::json!({ "text": long }), "bad_text", "over the limit"),
        (serde_json::json!({ "text": "a\u{0}b\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}\u{8}" }), "bad_text", ""),
        (serde_json::json!({ "text": "Taxes rose.", "url": "https://example.com/" }), "bad_text", "not both"),
        (serde_json::json!({ "url": "http://127.0.0.1:9/a" }), "page_unreadable", "paste the text"),
        (serde_json::json!({ "text": "Taxes rose 5%.", "limit": 0 }), "bad_limit", "from 1 to 100"),
    ] {
        let (status, _, answer) = check(&router, post_json("/api/v1/texts", &body.to_string())).await;
        let expected =
            if code == "page_unreadable" { StatusCode::BAD_GATEWAY } else { StatusCode::UNPROCESSABLE_ENTITY };
        assert_eq!(status, expected, "{answer}");
        let error: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(error["error"]["code"], code, "{answer}");
        assert!(error["error"]["message"].as_str().unwrap().contains(says), "{answer}");
    }
    let (status, _, _) = check(&router, get("/api/v1/texts/text-none")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The form shows the same message above the text as it was pasted.
    let (status, _, page) = check(&router, post_form("/texts", "text=++&url=&limit=20")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("the text is empty") && page.contains("<textarea"), "{page}");
}
