//! `verity eval`: Verity measured on public benchmarks.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use verity_engine::{Config, JudgeConfig};
use verity_lab::eval::{RetrievalOptions, RetrievalSet};

use crate::args::*;
use crate::output::*;

pub(crate) fn run(base: &Config, what: EvalCommand) -> anyhow::Result<ExitCode> {
    let data_dir = base.data_dir.as_path();
    match what {
        EvalCommand::Retrieval(args) => retrieval(base, args),
        EvalCommand::Citations(args) => citations(data_dir, args),
        EvalCommand::Encoder(args) => encoder(data_dir, args),
        EvalCommand::Stance(args) => stance(data_dir, args),
        EvalCommand::Verdict(args) => verdict(data_dir, args),
        EvalCommand::Checkworthy(args) => checkworthy(args),
        EvalCommand::Archive { step } => archive(base, step),
    }
}

/// `verity eval archive`: an archive written, embedded and measured, a step at a time.
fn archive(base: &Config, step: ArchiveStep) -> anyhow::Result<ExitCode> {
    match step {
        ArchiveStep::Write { data, passages, out, seed } => {
            let written = verity_lab::archive::write_archive(&data, passages, &out, seed)?;
            println!("{}", serde_json::to_string(&written)?);
        }
        ArchiveStep::Embed { sample, seed, json } => {
            let engine = verity_engine::Engine::open(base.clone())?;
            anyhow::ensure!(engine.semantic_search(), "no embedding model is installed; run `verity models install`");
            let model = base.models_dir().join(verity_models::ALL_MINILM_L6_V2.name);
            let mut encoder = verity_lab::archive::SyntheticEncoder::new(&model, sample, seed)?;
            let started = std::time::Instant::now();
            let mut encode = |batch: &[(i64, &str)]| encoder.encode(batch).map_err(verity_engine::EngineError::Embed);
            let done = engine.embed_using(Some(&mut encode), &mut |_| {})?;
            let seconds = started.elapsed().as_secs_f64();
            let result = serde_json::json!({"passages_embedded": done, "seconds": seconds,
                "model_seconds": encoder.model_seconds, "sample": sample});
            if json {
                println!("{result}");
            } else {
                println!(
                    "{done} passages given vectors in {seconds:.1} s (the model's for the first {sample}), index saved"
                );
            }
        }
        ArchiveStep::Vectors { data, count, out, queries, seed } => {
            let engine = verity_engine::Engine::open(base.clone())?;
            let claims = verity_lab::archive::claims(&data, queries)?;
            let figures = verity_lab::archive::vectors_only(&engine, count, &claims, &out, seed)?;
            println!("{}", serde_json::to_string_pretty(&figures)?);
        }
        ArchiveStep::Measure { data, queries, checks, json } => {
            let engine = verity_engine::Engine::open(base.clone())?;
            let claims = verity_lab::archive::claims(&data, queries)?;
            let figures = verity_lab::archive::measure(&engine, &claims, checks)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&figures)?);
            } else {
                let row = |name: &str, l: &verity_lab::eval::Latency| {
                    println!("  {name:<8} p50 {:>8.2} ms  p99 {:>8.2} ms", l.p50_ms, l.p99_ms)
                };
                println!(
                    "{} passages embedded ({} in the graph, {} beside it); {} queries",
                    figures.passages_embedded, figures.vector_graph, figures.vectors_beside_graph, figures.queries
                );
                row("bm25", &figures.bm25);
                row("dense", &figures.dense);
                row("hybrid", &figures.hybrid);
                println!("  dense recall@10 against exact search: {:.3}", figures.dense_recall_at_10);
                row("check", &figures.check);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `verity eval retrieval`: nDCG and recall of document retrieval on a BEIR folder or Check-COVID.
fn retrieval(base: &Config, args: RetrievalEval) -> anyhow::Result<ExitCode> {
    let RetrievalEval { beir, check_covid, split, models, workdir, depth, json } = args;
    let data_dir = base.data_dir.as_path();

    let models = models.or_else(|| Some(Config::new(data_dir).models_dir()));
    let set = match (beir, check_covid) {
        (Some(dir), _) => RetrievalSet::beir(&dir, &split),
        (None, Some(dir)) => RetrievalSet::check_covid(&dir, &split),
        (None, None) => unreachable!("clap requires --beir or --check-covid"),
    }
    .context("cannot read the benchmark")?;
    let options = RetrievalOptions { depth, models, workdir, merge_vectors_at: base.merge_vectors_at };
    let result = verity_lab::eval::retrieval(&set, &options).context("retrieval evaluation failed")?;
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
        let row = |name: &str, sc: &verity_lab::eval::Scores| {
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

/// `verity eval citations`: citation precision and recall of published reports over SciFact claims.
fn citations(data_dir: &Path, args: CitationsEval) -> anyhow::Result<ExitCode> {
    let CitationsEval { scifact, split, limit, writer, json } = args;

    let options = verity_lab::eval::CitationOptions {
        writer: writer.config()?,
        models: Some(Config::new(data_dir).models_dir()),
        limit,
    };
    let r = verity_lab::eval::citations(&scifact, &split, &options).context("citation evaluation failed")?;
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
            r.model_sentences, r.model_sentences_kept, r.model_precision_before_the_gate, r.model_sentences_rewritten
        );
    }
    println!(
        "time per report: mean {:.0} ms, p50 {:.0} ms, p99 {:.0} ms",
        r.report_latency.mean_ms, r.report_latency.p50_ms, r.report_latency.p99_ms
    );
    Ok(ExitCode::SUCCESS)
}

/// `verity eval encoder`: the embedding model's speed on this machine.
fn encoder(data_dir: &Path, args: EncoderEval) -> anyhow::Result<ExitCode> {
    let EncoderEval { model, texts, vectors, json } = args;

    let model = model.unwrap_or_else(|| Config::new(data_dir).models_dir().join("all-minilm-l6-v2"));
    let texts = read_texts(&texts)?;
    let (result, embedded) = verity_lab::eval::encoder(&model, &texts).context("cannot embed")?;
    if let Some(path) = vectors {
        let bytes: Vec<u8> = embedded.iter().flatten().flat_map(|x| x.to_le_bytes()).collect();
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if json {
        println!("{}", serde_json::to_string(&result)?);
    } else {
        println!(
            "{} texts, {} tokens in {:.2} s: {:.0} tokens/s ({})",
            result.texts, result.tokens, result.seconds, result.tokens_per_s, result.precision
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `verity eval stance`: the judge alone, pair by pair.
fn stance(data_dir: &Path, args: StanceEval) -> anyhow::Result<ExitCode> {
    let StanceEval { healthver, negation, limit, judge, llm, json } = args;

    let options = verity_lab::eval::VerdictOptions {
        models: Some(Config::new(data_dir).models_dir()),
        guard: judge.guard(),
        judge: judge.config(&llm, JudgeConfig::default())?,
        limit: None,
    };
    let results = match (healthver, negation) {
        (Some(path), _) => vec![verity_lab::eval::stance_healthver(&path, limit, &options)],
        (None, Some(dir)) => match verity_lab::eval::stance_negation(&dir, limit, &options) {
            Ok(all) => all.into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        },
        (None, None) => unreachable!("clap requires one data set"),
    };
    let results: Vec<_> = results.into_iter().collect::<Result<_, _>>().context("stance evaluation failed")?;
    if json {
        let value = match &results[..] {
            [one] => serde_json::to_value(one)?,
            all => serde_json::to_value(all)?,
        };
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    for r in &results {
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
    }
    Ok(ExitCode::SUCCESS)
}

/// `verity eval verdict`: verdicts against gold labels on one of four benchmarks.
fn verdict(data_dir: &Path, args: VerdictEval) -> anyhow::Result<ExitCode> {
    let VerdictEval { scifact, check_covid, climate_fever, averitec, split, limit, judge, llm, json } = args;

    let options = verity_lab::eval::VerdictOptions {
        models: Some(Config::new(data_dir).models_dir()),
        guard: judge.guard(),
        judge: judge.config(&llm, JudgeConfig::default())?,
        limit,
    };
    let (result, split) = match (scifact, check_covid, climate_fever, averitec) {
        (Some(dir), _, _, _) => {
            let split = split.unwrap_or_else(|| "dev".into());
            let r = verity_lab::eval::verdict(&dir, &split, &options).context("verdict evaluation failed")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print_scifact(&r);
            }
            return Ok(ExitCode::SUCCESS);
        }
        (None, Some(dir), _, _) => {
            let split = split.unwrap_or_else(|| "dev".into());
            (verity_lab::eval::verdict_check_covid(&dir, &split, &options), split)
        }
        (None, None, Some(path), _) => {
            let split = split.unwrap_or_else(|| "heldout".into());
            if split != "heldout" && split != "train" {
                anyhow::bail!("Climate-FEVER splits are `heldout` and `train`, not {split:?}");
            }
            (verity_lab::eval::verdict_climate_fever(&path, &split, &options), split)
        }
        (None, None, None, Some(path)) => {
            let split = split.unwrap_or_else(|| "all".into());
            if !matches!(split.as_str(), "all" | "train" | "heldout") {
                anyhow::bail!("AVeriTeC splits are `all`, `train` and `heldout`, not {split:?}");
            }
            (verity_lab::eval::verdict_averitec(&path, &split, &options), split)
        }
        (None, None, None, None) => unreachable!("clap requires one data set"),
    };
    let r = result.with_context(|| format!("verdict evaluation failed ({split})"))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}: {} claims ({} refused by the claim reader)", r.dataset, r.claims, r.uncheckable);
    println!("accuracy {:.3}   macro F1 {:.3}   calibration error {:.3}", r.accuracy, r.macro_f1, r.calibration_error);
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

/// The texts of `verity eval encoder`: a JSON array of strings, or JSON Lines with `text` (and `title`).
fn read_texts(path: &Path) -> anyhow::Result<Vec<String>> {
    let raw = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let bad = || format!("{}: expected a JSON array of strings or JSON Lines with a \"text\" field", path.display());
    if raw.trim_start().starts_with('[') {
        return serde_json::from_str(&raw).with_context(bad);
    }
    raw.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).with_context(bad)?;
            let text = value["text"].as_str().with_context(bad)?;
            Ok(match value["title"].as_str().map(str::trim).filter(|t| !t.is_empty()) {
                Some(title) => format!("{title}\n{text}"),
                None => text.to_string(),
            })
        })
        .collect()
}

fn checkworthy(args: CheckworthyEval) -> anyhow::Result<ExitCode> {
    let eval = verity_lab::checkworthy::measure(&args.ct24, args.train.as_deref())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&eval)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}: {} sentences, {} check-worthy", eval.file, eval.sentences, eval.worthy);
    println!("{:<52} {:>9} {:>7} {:>7} {:>12}", "method", "precision", "recall", "F1", "sentences/s");
    for m in &eval.methods {
        println!(
            "{:<52} {:>9.3} {:>7.3} {:>7.3} {:>12.0}",
            m.method, m.yes.precision, m.yes.recall, m.yes.f1, m.sentences_per_second
        );
    }
    Ok(ExitCode::SUCCESS)
}
