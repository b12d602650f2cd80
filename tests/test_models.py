"""The classifier, labels import/export and the retrain flow, on the project's real labels."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from findings.models import registry, train
from findings.models.classifier import ThemeModel
from findings.models.features import Context
from findings.models.labels import LabelError, project_labels, read_label_file
from findings.models.tagging import Tagger
from findings.rules.tagger import SENTIMENTS, THEMES
from findings.warehouse.db import query
from findings.warehouse.labels import imported_labels


@pytest.fixture(scope="module")
def labels():
    return project_labels()


def test_labels_follow_the_codebook_and_cover_every_theme(labels):
    assert len(labels) >= 2000
    assert all(set(l.themes) <= set(THEMES) and l.sentiment in SENTIMENTS for l in labels)
    assert all(l.document and l.document_id for l in labels)
    for theme in THEMES:
        assert sum(theme in l.themes for l in labels) >= 60, theme
    assert len({l.document.split("/")[1] for l in labels if l.document.startswith("ilacs/")}) >= 30


def test_sealed_split_holds_out_whole_unseen_authorities_double_labelled_and_adjudicated(labels):
    import yaml

    from findings.models.labels import ADJUDICATED_FILE, LABELS_FILE, SECOND_FILE, SPLIT_FILE, authority_of, read_jsonl

    sealed_authorities = set(yaml.safe_load(SPLIT_FILE.read_text())["sealed_authorities"])
    tr, te = train.split(labels)
    assert len(sealed_authorities) >= 8 and len(te) >= 800
    assert {authority_of(l) for l in te} == sealed_authorities
    assert all(l.document.startswith("ilacs2/") for l in te)  # authorities no earlier label came from
    assert not {authority_of(l) for l in tr} & sealed_authorities
    first = {l.id: l for l in read_jsonl(LABELS_FILE)}
    second = {l.id: l for l in read_jsonl(SECOND_FILE)}
    decided = {json.loads(line)["id"] for line in ADJUDICATED_FILE.read_text().splitlines() if line.strip()}
    key = lambda l: (sorted(l.themes), l.sentiment, l.boilerplate)
    for label in te:
        assert label.id in second, f"{label.id} has one label"
        assert key(first[label.id]) == key(second[label.id]) or label.id in decided, f"{label.id} not adjudicated"


def test_shipped_model_loads_safely_and_beats_rules_on_the_sealed_split(labels):
    model = registry.load_current()
    assert model is not None, "the current model ships in the repository"
    _, te = train.split(labels)
    with_model, rules_only = train.evaluate(model, te), train.evaluate(None, te)
    assert with_model["macro_f1_all"] > rules_only["macro_f1_all"]
    assert with_model["sentiment"]["macro_f1"] > rules_only["sentiment"]["macro_f1"]
    card = json.loads((registry.REGISTRY / model.version / "card.json").read_text())
    assert {"data_hash", "params", "metrics", "date", "thresholds"} <= set(card)


def test_model_finds_a_front_door_finding_without_front_door_words():
    tags = Tagger(model=registry.load_current()).tag(
        ["Duty systems to respond to parents' and professionals' concerns were largely ineffective."],
        ["Inspection findings"])[0]
    assert not tags.hits  # no rule fired: no front-door words
    assert [(t.theme, t.source) for t in tags.themes] == [("front_door", "model")]
    assert tags.sentiment == "negative"


def test_the_model_reads_the_sentences_either_side():
    """A finding that names its subject only in the sentence before it ("this") leans to
    that sentence's theme, as an annotator reading by the codebook would label it."""
    tagger = Tagger(model=registry.load_current())
    assert tagger.model.uses_context
    text, rules = ["However, this is not yet embedded."], tagger.rules

    def probability(before: str | None, theme: str) -> float:
        context = Context.of(rules, text, rules.tag(text), [[before] if before else []], None)
        return tagger.model.predict(text, [None], rules.tag(text), context)[0].probabilities[theme]

    early_help = "The early help offer has been redesigned and families now get help sooner."
    care_leavers = "Personal advisers keep in touch with care leavers."
    assert probability(early_help, "early_help") > 3 * probability(None, "early_help")
    assert probability(care_leavers, "care_leavers") > 3 * probability(None, "care_leavers")
    assert probability(care_leavers, "early_help") < probability(early_help, "early_help")


def test_training_is_reproducible_and_round_trips_without_pickle(labels, tmp_path):
    small = [l for l in labels if not l.document.startswith("seeds/")][:600]
    model, info = train.fit(small, "mtest")
    refit, _ = train.fit(small, "mtest")
    # Same labels, same model: liblinear is seeded; threads fitting at once share its random
    # generator, which leaves differences around 1e-5.
    assert np.allclose(model.weights.theme_coef, refit.weights.theme_coef, rtol=0, atol=1e-3)
    assert model.thresholds == refit.thresholds
    model.save(tmp_path / "m", {"params": info["params"]})
    again = ThemeModel.load(tmp_path / "m")
    texts, rules = [l.text for l in labels[-50:]], Tagger().rules
    context = Context.of(rules, texts, rules.tag(texts), [l.before for l in labels[-50:]], [l.after for l in labels[-50:]])
    a = model.predict(texts, [None] * 50, rules.tag(texts), context)
    b = again.predict(texts, [None] * 50, rules.tag(texts), context)
    assert [p.probabilities for p in a] == [p.probabilities for p in b]
    assert [(p.sentiment, p.sentiment_score) for p in a] == [(p.sentiment, p.sentiment_score) for p in b]


def test_a_model_file_holding_objects_is_refused(tmp_path):
    folder = registry.REGISTRY / registry.current_version()
    shutil.copytree(folder, tmp_path / "m")
    with np.load(folder / "model.npz") as npz:
        arrays = dict(npz)
    arrays["sentiment_coef"] = np.array([print], dtype=object)  # what a pickle-carrying file would hold
    np.savez(tmp_path / "m" / "model.npz", **arrays)
    with pytest.raises(ValueError, match="pickle"):
        ThemeModel.load(tmp_path / "m")


def test_import_validates_every_row_and_names_the_line(tmp_path):
    bad = tmp_path / "labels.csv"
    bad.write_text("text,themes,sentiment,boilerplate\n"
                   "Plans are good.,care_leavers,positive,false\n"
                   "The MASH is slow.,front-door,negative,false\n"
                   "Supervision is rare.,supervision,bad,false\n")
    with pytest.raises(LabelError) as info:
        read_label_file(bad)
    message = str(info.value)
    assert "line 3: unknown theme 'front-door'; allowed: front_door" in message
    assert "line 4: sentiment 'bad' is not allowed; use one of: positive, negative, mixed, neutral" in message
    assert "nothing imported" in message


@pytest.mark.shared
def test_export_import_round_trip_makes_label_tags(seeds_warehouse, tmp_path):
    run = lambda *a: subprocess.run([sys.executable, "-m", "findings.flows.cli", *a, "--warehouse", str(seeds_warehouse)],
                                    capture_output=True, text=True)
    out = run("labels", "export", "--n", "5", "--out", str(tmp_path / "next"))
    assert out.returncode == 0, out.stderr
    rows = [json.loads(l) for l in (tmp_path / "next.jsonl").read_text().splitlines()]
    assert len(rows) == 5 and all(r["sentence_id"] and r["reason"] for r in rows)
    assert all(r["before"] or r["after"] for r in rows)  # the sentences either side, to read it by
    for r in rows:
        r.update(themes="leadership", sentiment="neutral", boilerplate="false")
    filled = tmp_path / "filled.jsonl"
    filled.write_text("\n".join(json.dumps(r) for r in rows))
    out = run("labels", "import", str(filled), "--annotator", "analyst-1")
    assert out.returncode == 0, out.stderr
    ids = ", ".join(f"'{r['sentence_id']}'" for r in rows)
    got = query(seeds_warehouse, f"SELECT DISTINCT source, detail FROM finding_themes WHERE sentence_id IN ({ids})")[1]
    assert got == [("label", "analyst-1")]
    # Retraining reads an imported label's neighbours from the warehouse, as tagging does.
    imported = {l.sentence_id: l for l in imported_labels(seeds_warehouse)}
    assert [(imported[r["sentence_id"]].before[0], imported[r["sentence_id"]].after[0]) for r in rows] == \
        [(r["before"], r["after"]) for r in rows]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({**rows[0], "themes": "nonsense"}))
    out = run("labels", "import", str(bad))
    assert out.returncode == 2 and "unknown theme 'nonsense'" in out.stderr


@pytest.mark.shared
def test_project_labels_are_final_tags_in_the_warehouse(seeds_warehouse):
    n = query(seeds_warehouse, "SELECT count(DISTINCT sentence_id) FROM store.labels WHERE origin = 'project' AND sentence_id IS NOT NULL")[1][0][0]
    assert n >= 300  # seed sentences labelled by the project, matched by document and text
    mismatched = query(seeds_warehouse, """SELECT count(*) FROM store.labels l JOIN findings f USING (sentence_id)
        WHERE l.origin = 'project' AND (f.sentiment <> l.sentiment OR list_sort(f.themes) <> list_sort(l.themes))""")[1][0][0]
    assert mismatched == 0


def test_features_equal_scikit_learns_vectorizers(labels):
    """Tagging computes TF-IDF without scikit-learn; it must give the very matrices the
    fitted TfidfVectorizers give, on unseen text too."""
    features = registry.load_current().features
    texts = [l.text for l in labels[:400]] + ["Ünseen wörds, MASH-like  spacing\tand a tab.", "", "a", "Children’s hub"]
    sections = [l.section for l in labels[:400]] + [None, "", "Front door", "The experiences of children: good"]
    ours = {"word": features.word_transform(texts), "char": features.char_transform(texts),
            "section": features.section_transform(sections)}
    for name, docs in (("word", texts), ("char", texts), ("section", [s or "" for s in sections])):
        vec = features.vectorizer(name)
        vec.vocabulary_, vec.idf_ = features.vocab[name], features.idf[name]
        theirs = vec.transform(docs)
        assert ours[name].shape == theirs.shape and abs(ours[name] - theirs).max() < 1e-12, name


def test_predictions_equal_scikit_learns_logistic_regression(labels):
    """The model predicts with its weights in numpy: the same probabilities as scikit-learn's
    LogisticRegression holding those weights (Platt-calibrated themes, softmax sentiment)."""
    from sklearn.linear_model import LogisticRegression

    model = registry.load_current()
    w = model.weights
    texts, sections = [l.text for l in labels[:300]], [l.section for l in labels[:300]]
    X = model.features.transform(texts, sections, Tagger().rules.tag(texts, sections))

    def fitted(coef, intercept, classes):
        lr = LogisticRegression()
        lr.coef_, lr.intercept_, lr.classes_ = np.atleast_2d(coef), np.atleast_1d(intercept), np.array(classes)
        return lr

    ours = model.theme_probabilities(X)
    for k, theme in enumerate(w.themes):
        decision = fitted(w.theme_coef[:, k], w.theme_intercept[k], [0, 1]).decision_function(X)
        platt = fitted([[w.platt[k, 0]]], w.platt[k, 1], [0, 1])
        assert np.allclose(ours[theme], platt.predict_proba(decision.reshape(-1, 1))[:, 1], rtol=0, atol=1e-12)
    sentiment = fitted(w.sentiment_coef, w.sentiment_intercept, w.classes).predict_proba(X)
    assert np.allclose(model.sentiment_probabilities(X), sentiment, rtol=0, atol=1e-12)


def test_tagging_never_imports_scikit_learn():
    code = ("import sys; from findings.flows.worker import tagger; "
            "tagger().tag(['The MASH is slow.'], ['Front door']); print('sklearn' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_model_files_are_small_and_vocabularies_plain_json():
    folder = registry.REGISTRY / registry.current_version()
    assert (folder / "model.npz").stat().st_size < 10_000_000
    vocab = json.loads((folder / "vocabularies.json").read_text(encoding="utf-8"))
    assert set(vocab) == {"word", "char", "section"} and all(isinstance(t, str) for t in vocab["char"])


def test_adjudication_replaces_the_first_label_and_leaves_the_annotators_labels(tmp_path, monkeypatch):
    from findings.models import labels as labels_module

    first = {"id": "L1", "text": "The MASH is slow.", "themes": ["child_protection"], "sentiment": "neutral",
             "document": "ilacs/x/2020.pdf", "annotator": "agent-1"}
    (tmp_path / "labels.jsonl").write_text(json.dumps(first) + "\n", encoding="utf-8")
    monkeypatch.setattr(labels_module, "LABELS_FILE", tmp_path / "labels.jsonl")
    monkeypatch.setattr(labels_module, "ADJUDICATED_FILE", tmp_path / "adjudicated.jsonl")
    before = labels_module.label_files_digest()
    (tmp_path / "adjudicated.jsonl").write_text(json.dumps(
        {"id": "L1", "themes": ["front_door"], "sentiment": "negative", "boilerplate": False}) + "\n", encoding="utf-8")
    [label] = labels_module.project_labels()
    assert (label.themes, label.sentiment, label.annotator) == (["front_door"], "negative", "adjudicator")
    assert labels_module.read_jsonl(tmp_path / "labels.jsonl")[0].themes == ["child_protection"]
    assert labels_module.label_files_digest() != before  # the warehouse reloads project labels


def test_labelled_seed_sentences_are_found_again_by_a_refresh(seeds_warehouse):
    from findings.warehouse.labels import coverage

    c = coverage(seeds_warehouse)
    assert c["labels"] >= 800  # nearly every seed sentence is labelled
    assert c["found"] / c["labels"] >= 0.95  # the bar for gold sentences found in `findings`


def test_scores_carry_bootstrap_intervals_around_the_point_estimate():
    from findings.models.scoring import score

    gold = [["front_door"], ["early_help"], [], ["front_door", "supervision"]] * 25
    pred = [["front_door"], [], [], ["supervision"]] * 25
    sentiment = ["positive", "negative", "neutral", "mixed"] * 25
    s = score(gold, pred, sentiment, ["positive", "negative", "positive", "mixed"] * 25)
    fd = s["themes"]["front_door"]
    assert (fd["precision"], fd["recall"], fd["support"]) == (1.0, 0.5, 50)
    assert fd["f1_ci"][0] <= fd["f1"] <= fd["f1_ci"][1] and fd["f1_ci"][0] < fd["f1_ci"][1]
    assert s["themes"]["early_help"]["f1"] == 0.0 and s["themes"]["supervision"]["f1"] == 1.0
    assert s["sentiment"]["per_class_f1"]["neutral"] == 0.0 and s["sentiment"]["support"]["mixed"] == 25
    lo, hi = s["sentiment"]["macro_f1_ci"]
    assert lo <= s["sentiment"]["macro_f1"] <= hi
    perfect = score(gold, gold, sentiment, sentiment)
    assert perfect["macro_f1_core_ci"] == [1.0, 1.0] and perfect["sentiment"]["macro_f1"] == 1.0


def test_cross_validation_holds_out_whole_authorities(labels):
    from findings.models.labels import authority_of

    assert authority_of(labels[0].__class__(id="x", text="t", themes=[], sentiment="neutral",
                                            document="ilacs2/barnsley/2014-08-08.pdf")) == "barnsley"
    assert authority_of(labels[0].__class__(id="x", text="t", themes=[], sentiment="neutral",
                                            document="seeds/surrey-commissioner-report-2018-09-19.txt")).startswith("seeds/")


def test_registry_ships_the_current_weights_only_and_every_version_keeps_card_and_digests():
    versions = sorted(p for p in registry.REGISTRY.iterdir() if p.is_dir())
    current = registry.current_version()
    for folder in versions:
        assert (folder / "card.json").exists() and (folder / registry.DIGESTS).exists(), folder.name
        assert registry.digests_match(folder), f"{folder.name}'s weights differ from those registered"
        has_weights = any((folder / name).exists() for name in registry.WEIGHT_FILES)
        assert has_weights == (folder.name == current), folder.name


def test_a_registered_version_is_never_rewritten(labels, tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", tmp_path)
    model, info = train.fit([l for l in labels if not l.document.startswith("seeds/")][:300], "mtest-1")
    folder = train.register(model, {"params": info["params"]})
    assert registry.digests_match(folder)
    with pytest.raises(FileExistsError):
        train.register(model, {"params": info["params"]})
    (folder / "model.json").write_text("{}")
    assert not registry.digests_match(folder)
