//! The OpenAI-compatible client against a real HTTP server on 127.0.0.1 that the test starts and scripts: plain and
//! streamed completions, retries on 429 and 5xx, errors that say what to do, timeouts.

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use verity_llm::{LlmError, OpenAiCompatible, ServerConfig};
use verity_model::{ChatMessage, ChatOptions, Deadline, Role};

/// What the server does with one request.
#[derive(Clone)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    /// Written one piece at a time, with `pause` between pieces (for streams).
    pieces: Vec<String>,
    pause: Duration,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", "application/json".into())],
            pieces: vec![body.to_string()],
            pause: Duration::ZERO,
        }
    }

    fn completion(content: &str) -> Reply {
        Reply::json(
            200,
            serde_json::json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}),
        )
    }

    fn stream(deltas: &[&str]) -> Reply {
        let mut pieces: Vec<String> = deltas
            .iter()
            .map(|d| format!("data: {}\n\n", serde_json::json!({"choices": [{"delta": {"content": d}}]})))
            .collect();
        pieces.push("data: [DONE]\n\n".into());
        Reply {
            status: 200,
            headers: vec![("content-type", "text/event-stream".into())],
            pieces,
            pause: Duration::from_millis(20),
        }
    }

    fn with_header(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}

/// A request as the tests look at it: its path, headers and JSON body.
#[derive(Debug, Clone)]
struct Request {
    path: String,
    body: Value,
    raw: verity_loopback::Request,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.raw.header(name)
    }
}

/// A server on an ephemeral loopback port answering each request with the next reply (the last one repeats).
struct Server {
    url: String,
    server: verity_loopback::Server,
}

impl Server {
    fn requests(&self) -> Vec<Request> {
        self.server
            .requests()
            .into_iter()
            .map(|raw| Request {
                path: raw.path.clone(),
                body: serde_json::from_slice(&raw.body).unwrap_or(Value::Null),
                raw,
            })
            .collect()
    }
}

fn serve(replies: Vec<Reply>) -> Server {
    let answered = AtomicUsize::new(0);
    let server = verity_loopback::Server::start("127.0.0.1", move |_, stream| {
        let i = answered.fetch_add(1, Ordering::SeqCst);
        answer(stream, &replies[i.min(replies.len() - 1)]);
    });
    Server { url: format!("http://{}/v1", server.addr), server }
}

fn answer(out: &mut TcpStream, reply: &Reply) {
    let mut head = format!("HTTP/1.1 {} Scripted\r\nconnection: close\r\n", reply.status);
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if reply.pieces.len() == 1 {
        head.push_str(&format!("content-length: {}\r\n", reply.pieces[0].len()));
    }
    head.push_str("\r\n");
    std::thread::sleep(if reply.pieces.len() == 1 { reply.pause } else { Duration::ZERO });
    if out.write_all(head.as_bytes()).is_err() {
        return;
    }
    for piece in &reply.pieces {
        if out.write_all(piece.as_bytes()).and_then(|_| out.flush()).is_err() {
            return;
        }
        std::thread::sleep(reply.pause);
    }
}

fn client(url: &str, configure: impl FnOnce(&mut ServerConfig)) -> OpenAiCompatible {
    let mut config = ServerConfig::new(url, "test-model");
    config.backoff = Duration::from_millis(10);
    configure(&mut config);
    OpenAiCompatible::new(config).unwrap()
}

fn messages() -> Vec<ChatMessage> {
    vec![ChatMessage::new(Role::System, "Be brief."), ChatMessage::new(Role::User, "Say hi.")]
}

#[test]
fn a_completion_sends_the_model_messages_key_and_json_mode_and_returns_the_content() {
    let server = serve(vec![Reply::completion("{\"summary\": []}")]);
    let llm = client(&server.url, |c| c.api_key = Some("sk-test".into()));
    let reply = llm.chat(&messages(), &ChatOptions::default()).unwrap();
    assert_eq!(reply, "{\"summary\": []}");
    let requests = server.requests();
    let r = &requests[0];
    assert_eq!(r.path, "/v1/chat/completions");
    assert_eq!(r.header("authorization"), Some("Bearer sk-test"));
    assert_eq!(r.body["model"], "test-model");
    assert_eq!(r.body["messages"][0], serde_json::json!({"role": "system", "content": "Be brief."}));
    assert_eq!(r.body["messages"][1]["role"], "user");
    assert_eq!(r.body["response_format"]["type"], "json_object");
    assert_eq!(r.body["stream"], false);
    assert_eq!(llm.name(), "openai-compatible:test-model");
}

#[test]
fn a_streamed_completion_arrives_piece_by_piece() {
    let server = serve(vec![Reply::stream(&["{\"sum", "mary\": ", "[]}"])]);
    let llm = client(&server.url, |_| {});
    let mut pieces = Vec::new();
    let reply = llm.chat_streaming(&messages(), &ChatOptions::default(), &mut |p| pieces.push(p.to_string())).unwrap();
    assert_eq!(pieces, ["{\"sum", "mary\": ", "[]}"]);
    assert_eq!(reply, "{\"summary\": []}");
    assert_eq!(server.requests()[0].body["stream"], true);
}

#[test]
fn an_error_event_in_a_stream_is_an_error() {
    let reply =
        Reply { pieces: vec!["data: {\"error\": {\"message\": \"model crashed\"}}\n\n".into()], ..Reply::stream(&[]) };
    let server = serve(vec![reply]);
    let err =
        client(&server.url, |_| {}).chat_streaming(&messages(), &ChatOptions::default(), &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("model crashed"), "{err}");
}

#[test]
fn rate_limits_and_server_errors_are_retried_with_backoff() {
    let busy = Reply::json(429, serde_json::json!({"error": {"message": "slow down"}})).with_header("retry-after", "0");
    let server = serve(vec![busy, Reply::json(503, serde_json::json!({})), Reply::completion("ok")]);
    assert_eq!(client(&server.url, |_| {}).chat(&messages(), &ChatOptions::default()).unwrap(), "ok");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn a_server_that_keeps_failing_gives_up_after_the_retries_and_says_what_it_answered() {
    let server = serve(vec![Reply::json(500, serde_json::json!({"error": {"message": "out of memory"}}))]);
    let err = client(&server.url, |c| c.retries = 2).chat(&messages(), &ChatOptions::default()).unwrap_err();
    assert!(matches!(err, LlmError::Status { status: 500, .. }), "{err:?}");
    assert!(err.to_string().contains("out of memory"), "{err}");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn a_refused_key_is_not_retried_and_says_which_variable_to_set() {
    let server = serve(vec![Reply::json(401, serde_json::json!({"error": {"message": "bad key"}}))]);
    let err = client(&server.url, |_| {}).chat(&messages(), &ChatOptions::default()).unwrap_err();
    assert!(err.to_string().contains("VERITY_LLM_API_KEY"), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_server_without_json_mode_is_asked_again_without_it() {
    let refusal = Reply::json(400, serde_json::json!({"error": {"message": "response_format is not supported"}}));
    let server = serve(vec![refusal, Reply::completion("{}")]);
    assert_eq!(client(&server.url, |_| {}).chat(&messages(), &ChatOptions::default()).unwrap(), "{}");
    let requests = server.requests();
    assert!(requests[0].body.get("response_format").is_some());
    assert!(requests[1].body.get("response_format").is_none());
}

#[test]
fn an_unreachable_server_names_its_address_and_the_setting() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // closed when dropped
    let url = format!("http://127.0.0.1:{port}/v1");
    let err = client(&url, |c| c.retries = 1).chat(&messages(), &ChatOptions::default()).unwrap_err();
    assert!(matches!(err, LlmError::Unreachable { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&url) && text.contains("VERITY_LLM_URL"), "{text}");
}

/// The server answers only after a minute: a client that waited for it would get the answer, not a timeout, so
/// the error itself shows that the client gave up at its own limit (no clock is read here).
#[test]
fn a_server_that_does_not_answer_in_time_times_out() {
    let slow = Reply { pause: Duration::from_secs(60), ..Reply::completion("late") };
    let server = serve(vec![slow]);
    let err =
        client(&server.url, |c| c.timeout = Duration::from_millis(500)).chat(&messages(), &ChatOptions::default());
    assert!(matches!(err, Err(LlmError::Timeout { .. })), "{err:?}");
}

/// A request gets no more than the check's time left, and none is sent once the check is cancelled.
#[test]
fn a_request_ends_at_the_checks_deadline_and_none_starts_after_it() {
    // The server answers after two minutes, past the client's own timeout too: only the check's deadline can
    // end the request with this error.
    let slow = Reply { pause: Duration::from_secs(120), ..Reply::completion("late") };
    let server = serve(vec![slow]);
    let llm = client(&server.url, |c| c.timeout = Duration::from_secs(90));
    let options = ChatOptions { deadline: Deadline::after(Duration::from_millis(400)), ..ChatOptions::default() };
    let err = llm.chat(&messages(), &options);
    assert!(matches!(err, Err(LlmError::Deadline("the check ran out of time"))), "{err:?}");

    let cancelled = ChatOptions::default();
    cancelled.deadline.cancel();
    let err = llm.chat(&messages(), &cancelled).unwrap_err();
    assert_eq!(err.to_string(), "the check was cancelled before the language model answered");
    assert_eq!(server.requests().len(), 1, "no request after the cancellation");
}

#[test]
fn a_reply_without_content_is_reported_not_invented() {
    let server = serve(vec![Reply::json(200, serde_json::json!({"choices": []}))]);
    let err = client(&server.url, |_| {}).chat(&messages(), &ChatOptions::default()).unwrap_err();
    assert!(matches!(err, LlmError::BadReply { .. }), "{err:?}");
}
