//! Language models for the report writer: a client for any OpenAI-compatible chat server, and a local model run
//! on the CPU with candle from a GGUF file.
//!
//! Main items: [`OpenAiCompatible`] (llama.cpp's server, Ollama, vLLM, hosted APIs: base URL, model name, API key;
//! timeouts, retries with backoff on 429 and 5xx, streaming), [`local::LocalModel`] (Llama and Qwen2 GGUF files,
//! e.g. SmolLM2-135M-Instruct or Qwen2.5-1.5B-Instruct), and [`LlmError`], whose messages say what to do.
//!
//! This crate talks to the model and returns its text; it builds no prompt and checks nothing the model says:
//! `verity-pipeline`'s writer does both. It is one of the two crates allowed an outbound HTTP client.
//!
//! ```
//! use verity_llm::{OpenAiCompatible, ServerConfig};
//! use verity_model::{ChatMessage, ChatOptions, Role};
//!
//! // Any OpenAI-compatible server; here one on loopback that always answers "Yes."
//! let server = verity_loopback::Server::start("127.0.0.1", |_request, stream| {
//!     let body = br#"{"choices": [{"message": {"role": "assistant", "content": "Yes."}}]}"#;
//!     verity_loopback::respond(stream, "200 OK", &[("content-type", "application/json")], body);
//! });
//! let url = format!("http://{}/v1", server.addr);
//! let model = OpenAiCompatible::new(ServerConfig::new(&url, "any-model")).unwrap();
//! let reply = model.chat(&[ChatMessage::new(Role::User, "Is this a test?")], &ChatOptions::default()).unwrap();
//! assert_eq!(reply, "Yes.");
//! ```

pub mod local;

use std::io::{BufRead, BufReader};
use std::time::Duration;

use serde_json::{Value, json};
use verity_model::{ChatMessage, ChatOptions, Retry, Role};

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error(
        "cannot reach the language model server at {url}: {message}; is it running? Check --llm-url or VERITY_LLM_URL"
    )]
    Unreachable { url: String, message: String },
    #[error(
        "the language model server at {url} did not answer within {seconds} s; raise --llm-timeout or use a smaller model"
    )]
    Timeout { url: String, seconds: u64 },
    #[error("the language model server at {url} refused the API key (HTTP {status}); set VERITY_LLM_API_KEY")]
    Unauthorized { url: String, status: u16 },
    #[error("the language model server at {url} answered HTTP {status}: {message}")]
    Status { url: String, status: u16, message: String },
    #[error("the language model server at {url} sent a reply Verity cannot read: {message}")]
    BadReply { url: String, message: String },
    #[error("cannot load the local model {path}: {message}")]
    Load { path: String, message: String },
    #[error("the local model failed while generating: {0}")]
    Generate(String),
    /// The check's [`verity_model::Deadline`] passed (or the check was cancelled) before the model answered.
    #[error("{0} before the language model answered")]
    Deadline(&'static str),
}

/// Where an OpenAI-compatible server is and how to talk to it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    /// The API root, e.g. `http://127.0.0.1:8080/v1` (llama.cpp), `http://127.0.0.1:11434/v1` (Ollama).
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    /// For the whole request, the answer included.
    pub timeout: Duration,
    /// Further attempts after a connection failure, a 429 or a 5xx.
    pub retries: u32,
    /// The first wait between attempts; it doubles each time (a server's Retry-After wins, up to
    /// [`LONGEST_RETRY_WAIT`]; a server asking for longer is not waited for).
    pub backoff: Duration,
}

/// The longest a busy server's `Retry-After` is waited for.
pub const LONGEST_RETRY_WAIT: Duration = Duration::from_secs(30);

impl ServerConfig {
    pub fn new(base_url: &str, model: &str) -> ServerConfig {
        ServerConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            model: model.to_string(),
            api_key: None,
            timeout: Duration::from_secs(120),
            retries: 2,
            backoff: Duration::from_millis(500),
        }
    }
}

/// A chat-completions client.
pub struct OpenAiCompatible {
    config: ServerConfig,
    client: reqwest::blocking::Client,
}

impl OpenAiCompatible {
    pub fn new(config: ServerConfig) -> Result<OpenAiCompatible, LlmError> {
        let client = reqwest::blocking::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("verity/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LlmError::Unreachable { url: config.base_url.clone(), message: e.to_string() })?;
        Ok(OpenAiCompatible { config, client })
    }

    pub fn name(&self) -> String {
        format!("openai-compatible:{}", self.config.model)
    }

    /// The assistant's reply, in one piece.
    pub fn chat(&self, messages: &[ChatMessage], options: &ChatOptions) -> Result<String, LlmError> {
        let body = self.send(messages, options, false)?;
        let value: Value = serde_json::from_reader(body).map_err(|e| self.bad(format!("not JSON: {e}")))?;
        value
            .pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| self.bad(format!("no choices[0].message.content in {}", shorten(&value.to_string()))))
    }

    /// The assistant's reply as it streams: `on_delta` sees each piece as it arrives; the whole is returned.
    pub fn chat_streaming(
        &self,
        messages: &[ChatMessage],
        options: &ChatOptions,
        on_delta: &mut dyn FnMut(&str),
    ) -> Result<String, LlmError> {
        let body = self.send(messages, options, true)?;
        let mut text = String::new();
        for line in BufReader::new(body).lines() {
            let line = line.map_err(|e| self.read_error(e))?;
            let Some(data) = line.strip_prefix("data:").map(str::trim) else { continue };
            if data == "[DONE]" {
                return Ok(text);
            }
            let event: Value =
                serde_json::from_str(data).map_err(|e| self.bad(format!("a stream event is not JSON: {e}")))?;
            if let Some(error) = event.get("error") {
                let message = error.get("message").and_then(Value::as_str).unwrap_or("unknown error");
                return Err(LlmError::Status { url: self.url(), status: 200, message: message.to_string() });
            }
            if let Some(delta) = event.pointer("/choices/0/delta/content").and_then(Value::as_str) {
                on_delta(delta);
                text.push_str(delta);
            }
        }
        // A stream that ends without [DONE] still gave what it gave; servers differ.
        Ok(text)
    }

    fn url(&self) -> String {
        format!("{}/chat/completions", self.config.base_url)
    }

    fn bad(&self, message: String) -> LlmError {
        LlmError::BadReply { url: self.url(), message }
    }

    fn read_error(&self, e: std::io::Error) -> LlmError {
        if e.kind() == std::io::ErrorKind::TimedOut || e.to_string().contains("timed out") {
            LlmError::Timeout { url: self.url(), seconds: self.config.timeout.as_secs() }
        } else {
            self.bad(e.to_string())
        }
    }

    /// Posts the request, retrying what is worth retrying; returns the successful response.
    fn send(
        &self,
        messages: &[ChatMessage],
        options: &ChatOptions,
        stream: bool,
    ) -> Result<reqwest::blocking::Response, LlmError> {
        let url = self.url();
        let mut json_mode = options.json;
        let mut attempt = 0;
        let deadline = &options.deadline;
        let retry =
            Retry { attempts: self.config.retries, first_wait: self.config.backoff, longest_wait: LONGEST_RETRY_WAIT };
        loop {
            if deadline.passed() {
                return Err(LlmError::Deadline(deadline.reason()));
            }
            let body = self.request_body(messages, options, stream, json_mode).to_string();
            let mut request = self
                .client
                .post(&url)
                .header("content-type", "application/json")
                .timeout(deadline.bound(self.config.timeout))
                .body(body);
            if let Some(key) = &self.config.api_key {
                request = request.bearer_auth(key);
            }
            let wait = match request.send() {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after =
                        response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
                    let message = error_message(&response.text().unwrap_or_default());
                    match status {
                        401 | 403 => return Err(LlmError::Unauthorized { url, status }),
                        // Servers without JSON mode reject response_format: ask again in words only.
                        400 if json_mode && message.to_lowercase().contains("response_format") => {
                            json_mode = false;
                            continue;
                        }
                        _ => match retry.after_status(attempt, status, retry_after.as_deref()) {
                            Some(wait) => wait,
                            None => return Err(LlmError::Status { url, status, message }),
                        },
                    }
                }
                Err(e) if e.is_timeout() && deadline.passed() => return Err(LlmError::Deadline(deadline.reason())),
                Err(e) if e.is_timeout() => {
                    return Err(LlmError::Timeout { url, seconds: self.config.timeout.as_secs() });
                }
                Err(e) => match retry.backoff(attempt).filter(|_| e.is_connect()) {
                    Some(wait) => wait,
                    None => return Err(LlmError::Unreachable { url, message: root_cause(&e) }),
                },
            };
            if deadline.remaining().is_some_and(|left| left < wait) {
                return Err(LlmError::Deadline(deadline.reason()));
            }
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    fn request_body(&self, messages: &[ChatMessage], options: &ChatOptions, stream: bool, json_mode: bool) -> Value {
        let messages: Vec<Value> =
            messages.iter().map(|m| json!({ "role": role_name(m.role), "content": m.content })).collect();
        let mut body = json!({
            "model": self.config.model,
            "messages": messages,
            "max_tokens": options.max_tokens,
            "temperature": options.temperature,
            "stream": stream,
        });
        if json_mode {
            body["response_format"] = json!({ "type": "json_object" });
        }
        body
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
    }
}

/// The message of an OpenAI-style error body, or the body itself, shortened.
fn error_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.pointer("/error/message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| shorten(body.trim()))
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= 200 { s.to_string() } else { format!("{}…", s.chars().take(200).collect::<String>()) }
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
