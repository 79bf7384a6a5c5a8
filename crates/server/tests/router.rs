//! The site and the API through the router itself (`tower::ServiceExt::oneshot`): asking, polling, reading,
//! errors as JSON, limits, and the safety headers, on a corpus written here.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use verity_engine::{Config, Engine};

/// A router over a fresh data directory holding two reports' worth of sources, one of them hostile.
fn site() -> (Router, tempfile::TempDir) {
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
    (verity_server::router(engine), dir)
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

#[tokio::test]
async fn a_check_started_through_the_api_is_polled_to_its_report() {
    let (router, _dir) = site();
    let (status, headers, body) =
        check(&router, post_json("/api/v1/checks", r#"{"question": "Did the council ban cars downtown?"}"#)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let job: Value = serde_json::from_str(&body).unwrap();
    let location = headers[header::LOCATION].to_str().unwrap().to_string();
    assert_eq!(location, format!("/api/v1/jobs/{}", job["id"].as_str().unwrap()));

    let mut done = Value::Null;
    for _ in 0..200 {
        let (_, _, body) = check(&router, get(&location)).await;
        done = serde_json::from_str(&body).unwrap();
        if done["status"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(done["status"], "done", "{done}");
    let (status, _, body) =
        check(&router, get(&format!("/api/v1/reports/{}", done["report_id"].as_str().unwrap()))).await;
    assert_eq!(status, StatusCode::OK);
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["schema"], "verity.report/1");
    assert_eq!(report["verdict"]["label"], "supported");

    // The report page is at its stable URL, and the list and the home page show it.
    let url = done["report_url"].as_str().unwrap();
    assert!(url.starts_with("/checks/general/council-ban-cars-downtown-"), "{url}");
    let (status, _, page) = check(&router, get(url)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Supported") && page.contains("Did the council ban cars downtown?"));
    let (_, _, list) = check(&router, get("/api/v1/reports")).await;
    assert_eq!(serde_json::from_str::<Value>(&list).unwrap().as_array().unwrap().len(), 1);
    let (_, _, home) = check(&router, get("/")).await;
    assert!(home.contains(&format!("href=\"{url}\"")), "{home}");
}

#[tokio::test]
async fn the_form_on_the_home_page_redirects_to_the_report_and_shows_why_a_question_was_refused() {
    let (router, _dir) = site();
    let form = |q: &str| {
        Request::post("/checks")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("question={q}")))
            .unwrap()
    };
    let (status, headers, _) = check(&router, form("Did+the+council+ban+cars+downtown%3F")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(headers[header::LOCATION].to_str().unwrap().starts_with("/checks/general/"));

    let (status, _, page) = check(&router, form("What+is+the+best+pizza%3F")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("role=\"alert\"") && page.contains("opinion"), "{page}");
    assert!(page.contains("value=\"What is the best pizza?\""), "the question is kept in the box");
}

#[tokio::test]
async fn source_text_is_shown_as_text_and_no_page_may_run_script() {
    let (router, _dir) = site();
    let (status, headers, _) = check(
        &router,
        Request::post("/checks")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("question=Did+the+council+ban+cars+downtown%3F"))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, headers_page, page) = check(&router, get(headers[header::LOCATION].to_str().unwrap())).await;
    assert!(!page.contains("<script>") && !page.contains("<img src=x"), "unescaped source text");
    assert!(page.contains("&lt;script&gt;"), "the hostile text is shown, escaped");
    let csp = headers_page[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"), "{csp}");
    assert_eq!(headers_page[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

#[tokio::test]
async fn api_errors_are_json_with_a_code_and_a_message() {
    let (router, _dir) = site();
    let cases = [
        (post_json("/api/v1/checks", "{not json"), StatusCode::BAD_REQUEST, "bad_request"),
        (post_json("/api/v1/checks", r#"{"question": ""}"#), StatusCode::UNPROCESSABLE_ENTITY, "uncheckable"),
        (get("/api/v1/reports/no-such-report"), StatusCode::NOT_FOUND, "not_found"),
        (get("/api/v1/jobs/job-999"), StatusCode::NOT_FOUND, "not_found"),
        (get("/api/v1/nothing-here"), StatusCode::NOT_FOUND, "not_found"),
    ];
    for (request, status, code) in cases {
        let uri = request.uri().to_string();
        let (got, _, body) = check(&router, request).await;
        // An uncheckable question fails in its job, not in the request.
        if code == "uncheckable" {
            assert_eq!(got, StatusCode::ACCEPTED, "{uri}");
            continue;
        }
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

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let (router, _dir) = site();
    let (status, headers, body) = check(&router, get("/api/v1/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in ["/api/v1/checks", "/api/v1/jobs/{id}", "/api/v1/reports", "/api/v1/reports/{key}"] {
        assert!(doc["paths"].get(path).is_some(), "{path} is not documented");
    }
}
