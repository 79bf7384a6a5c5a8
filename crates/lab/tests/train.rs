//! Training data as `verity train` builds it, from small fixtures written here.

#[test]
fn entailment_pairs_are_the_annotated_sentences_and_hard_neutrals_from_other_documents() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("corpus.jsonl"),
        concat!(
            r#"{"doc_id": 7, "title": "Zinc and colds", "abstract": ["Zinc lozenges shortened colds in adults.", "Methods were blinded."]}"#,
            "\n",
            r#"{"doc_id": 8, "title": "Zinc mining", "abstract": ["Zinc is mined in Australia and sold as a dietary supplement."]}"#,
            "\n"
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("claims_train.jsonl"),
        r#"{"id": 1, "claim": "Zinc lozenges lengthen colds.", "evidence": {"7": [{"sentences": [0], "label": "CONTRADICT"}]}, "cited_doc_ids": [7]}"#,
    )
    .unwrap();
    let climate = d.join("climate-fever.jsonl");
    std::fs::write(
        &climate,
        concat!(
            r#"{"claim_id":"5","claim":"Seas rise.","claim_label":"SUPPORTS","evidences":[{"evidence_id":"S:1","evidence_label":"SUPPORTS","article":"S","evidence":"Seas rose."}]}"#,
            "\n",
            r#"{"claim_id":"6","claim":"Ice grows.","claim_label":"DISPUTED","evidences":[{"evidence_id":"I:1","evidence_label":"REFUTES","article":"I","evidence":"Ice shrank."},{"evidence_id":"I:2","evidence_label":"NOT_ENOUGH_INFO","article":"I","evidence":"Ice is cold."}]}"#,
            "\n"
        ),
    )
    .unwrap();
    let data = verity_lab::train::TrainingData {
        scifact: Some(d.to_path_buf()),
        climate_fever: Some(climate),
        ..Default::default()
    };
    let pairs = verity_lab::train::entailment_pairs(&data, true).unwrap();
    let got: Vec<(&str, &str, &str)> = pairs.iter().map(|p| (p.premise.as_str(), p.label, p.source.as_str())).collect();
    // The rationale refutes, alone and with the sentence after it; the evidence abstract's other sentence is not
    // mined (it may say the same in other words), the other abstract's is; Climate-FEVER claim 5 is held out
    // (5 % 5 == 0).
    assert_eq!(
        got,
        [
            ("Zinc lozenges shortened colds in adults.", "refutes", "scifact-gold"),
            ("Zinc lozenges shortened colds in adults. Methods were blinded.", "refutes", "scifact-passage"),
            ("Zinc is mined in Australia and sold as a dietary supplement.", "neutral", "scifact-mined"),
            ("Ice shrank.", "refutes", "climate-fever-gold"),
            ("Ice is cold.", "neutral", "climate-fever-gold"),
        ]
    );
    assert!(pairs.iter().all(|p| p.hypothesis == "Zinc lozenges lengthen colds." || p.hypothesis == "Ice grows."));
}
