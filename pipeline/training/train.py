"""Training: the two recognisers, the relation extractor, and the assembled pipeline.

Every step is reproducible: a fixed seed, the config in ``pipeline/configs``, the
corpora from the repo and the data directory. ``train_pipeline`` writes one spaCy
pipeline directory that :func:`pipeline.load` reads:

    tokenizer (Kiwi) → econ_ner → ner → relation_extractor → triple_assembler
"""

from __future__ import annotations

import json
import random
import shutil
import time
from pathlib import Path

import spacy
from spacy.training import Example
from thinc.api import Adam, fix_random_seed

from .. import corpora
from ..language import blank
from .data import AlignStats, to_docs, write_docbin
from .encoder import EncoderSettings, encoder_config
from .fact_scorer import train_fact_scorer

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "ner.cfg"
SPANCAT_CONFIG = CONFIG.with_name("spancat.cfg")
LAYERS = {"econ": ("econ", "econ_ner"), "standard": ("klue", "ner")}


def prepare_data(work: Path, data_dir=None) -> dict:
    """DocBins of both layers' train and dev splits; returns the alignment figures."""
    nlp = blank()
    report = {}
    for layer, (corpus, _) in LAYERS.items():
        for split in ("train", "dev"):
            stats = AlignStats()
            docs = to_docs(nlp, corpora.records(corpus, split, data_dir), layer=layer, stats=stats)
            write_docbin(docs, work / f"{layer}-{split}.spacy")
            report[f"{layer}-{split}"] = stats.as_dict()
    return report


def train_ner(
    layer: str, work: Path, *, max_steps: int, seed: int = 0, config: Path = CONFIG, overrides: dict | None = None, name: str | None = None
) -> Path:
    """Train one layer's recogniser with spaCy's own loop; return its best model's path."""
    from spacy.cli.train import train

    from .. import components  # noqa: F401  (factories)

    _, factory = LAYERS[layer]
    output = work / (name or f"{layer}-ner")
    train(
        config,
        output,
        overrides={
            "paths.train": str(work / f"{layer}-train.spacy"),
            "paths.dev": str(work / f"{layer}-dev.spacy"),
            "components.ner.factory": factory,
            "training.max_steps": max_steps,
            "system.seed": seed,
            **(overrides or {}),
        },
    )
    return output / "model-best"


def train_span_classifier(
    work: Path, *, max_steps: int, seed: int = 0, config: Path = SPANCAT_CONFIG, overrides: dict | None = None, name: str = "econ-spancat"
) -> Path:
    """Train the econ layer as a span classifier (``econ_spancat``); return its best model's path.

    Same corpora, batches and schedule as :func:`train_ner`, so the two compare at equal steps.
    """
    from spacy.cli.train import train

    from .. import components  # noqa: F401  (factories, the Kiwi suggester)

    output = work / name
    train(
        config,
        output,
        overrides={
            "paths.train": str(work / "econ-train.spacy"),
            "paths.dev": str(work / "econ-dev.spacy"),
            "training.max_steps": max_steps,
            "system.seed": seed,
            **(overrides or {}),
        },
    )
    return output / "model-best"


SILVER_MODES = ("model", "konec", "konec+model", "konec-missing")


def silver_standard(work: Path, teacher: Path | None, *, mode: str = "model", data_dir=None) -> Path:
    """Label the 21,008 raw KLUE train sentences and save gold train + silver as one DocBin.

    ``model``: the ``teacher`` recogniser's own spans (self-training, as in 0.1.0);
    ``konec``: konec's train forms (:mod:`pipeline.corpora.silver`), everything else outside;
    ``konec-missing``: konec's forms, tokens no form covers left missing (no O signal);
    ``konec+model``: konec's forms first, the teacher's spans where no form matched.
    """
    from spacy.tokens import DocBin

    from ..corpora import silver
    from ..language import blank

    if mode not in SILVER_MODES:
        raise ValueError(f"silver mode {mode!r}: expected one of {SILVER_MODES}")
    nlp = spacy.load(teacher) if teacher is not None and "model" in mode else blank()
    labeller, docs, ids = silver.build_labeller(data_dir, silver.Rules(), blank())
    if "model" in mode:
        docs = list(nlp.pipe((d.text for d in docs), batch_size=256))
    out = [doc if mode == "model" else label_silver(doc, labeller, mode) for doc in docs]
    gold = list(DocBin().from_disk(work / "standard-train.spacy").get_docs(nlp.vocab))
    path = work / f"standard-silver-{mode}-train.spacy"
    DocBin(docs=gold + out).to_disk(path)
    return path


def label_silver(doc, labeller, mode: str):
    """Set ``doc``'s entities from konec's train forms (``labeller``) as ``mode`` says (see
    :func:`silver_standard`); the doc's own entities are the teacher's, used by ``konec+model``."""
    from spacy.tokens import Span

    from ..corpora import silver

    ents, outside = labeller.label(doc)
    if mode == "konec+model":
        ents = silver.with_model(doc, ents, outside, prefer="konec")
    spans = [Span(doc, i, j, label=lab) for i, j, lab in ents]
    if mode == "konec-missing":
        doc.set_ents(spans, outside=[Span(doc, i, j) for i, j in outside], default="missing")
    else:
        doc.set_ents(spans, default="outside")
    return doc


def self_train_standard(
    work: Path, teacher: Path, *, max_steps: int, seed: int = 0, data_dir=None, mode: str = "model", config: Path = CONFIG
) -> Path:
    """One round of training for the standard layer on gold + silver (see :func:`silver_standard`):
    the gold-trained model (``teacher``) and/or konec's train forms label the 21,008 raw
    KLUE train sentences, and a new model learns from gold + silver."""
    path = silver_standard(work, teacher, mode=mode, data_dir=data_dir)
    return train_ner(
        "standard",
        work,
        max_steps=max_steps,
        seed=seed,
        config=config,
        overrides={"paths.train": str(path)},
        name=f"standard-silver-{mode}-ner",
    )


def train_relations(
    nlp,
    records: list[dict],
    *,
    epochs: int = 6,
    seed: int = 0,
    learn_rate: float = 0.002,
    batch_size: int = 16,
    encoder: EncoderSettings | None = None,
):
    """Add a trained ``relation_extractor`` to ``nlp`` (trained on gold entities).

    With ``encoder`` its model is ``pipeline.RelationEncoder.v1`` over that encoder: the sparse
    features and the Linear layer over the pooled span vectors learn at ``learn_rate``, the
    pre-trained encoder at the encoder's own, much smaller, fine-tuning rate (one rate for
    both would either leave the sparse weights untrained or wreck the encoder).
    """
    from .. import components  # noqa: F401

    fix_random_seed(seed)
    rng = random.Random(seed)
    config = {}
    if encoder is not None:
        config = {"model": {"@architectures": "pipeline.RelationEncoder.v1", "tok2vec": encoder.tok2vec(), "length": 2**18}}
    rel = nlp.add_pipe("relation_extractor", config=config)
    gold = to_docs(nlp, records, layer="econ")
    examples = [Example(nlp.make_doc(d.text), d) for d in gold]
    rel.initialize(lambda: examples)
    optimizer = Adam(learn_rate)
    encoder_optimizer = Adam(encoder.learn_rate, grad_clip=1.0) if encoder is not None else None
    for _ in range(epochs):
        rng.shuffle(examples)
        for i in range(0, len(examples), batch_size):
            if encoder_optimizer is None:
                rel.update(examples[i : i + batch_size], sgd=optimizer)
                continue
            rel.update(examples[i : i + batch_size])  # gradients only; two rates below
            rel.model.get_ref("tok2vec").finish_update(encoder_optimizer)
            rel.model.get_ref("head").finish_update(optimizer)
            rel.model.get_ref("sparse").finish_update(optimizer)
    return rel


def assemble(
    econ_model: Path | None,
    standard_model: Path | None,
    relation_records: list[dict] | None,
    *,
    seed: int = 0,
    relation_epochs: int = 6,
    encoder: EncoderSettings | None = None,
):
    """One pipeline from the trained parts, in the order the data flows."""
    from .. import components  # noqa: F401

    nlp = blank()
    if econ_model is not None:
        source = spacy.load(econ_model)
        # a transition-based run names its component "ner", a span classifier run "econ_ner"
        nlp.add_pipe(source.pipe_names[0], source=source, name="econ_ner")
    if standard_model is not None:
        nlp.add_pipe("ner", source=spacy.load(standard_model), name="ner")
    if relation_records is not None:
        train_relations(nlp, relation_records, seed=seed, epochs=relation_epochs, encoder=encoder)
        nlp.add_pipe("triple_assembler")
    return nlp


def train_pipeline(
    output: Path,
    *,
    work: Path | None = None,
    data_dir=None,
    seed: int = 0,
    econ_steps: int = 6000,
    standard_steps: int = 6000,
    layers=("econ", "standard", "relations"),
    standard_from: Path | None = None,
    econ_recogniser: str = "ner",
    econ_from: Path | None = None,
    econ_min_score: float | None = None,
    standard_silver: str = "model",
    encoder: EncoderSettings | None = None,
) -> dict:
    """Train every part and save the assembled pipeline to ``output``; return a report.

    ``standard_from``: a pipeline whose standard layer (``ner``) is reused as it is
    instead of training one (it learns from KLUE alone, so an econ corpus change
    need not retrain it). ``econ_recogniser``: ``ner`` (transition-based, ``ner.cfg``)
    or ``spancat`` (span classifier over Kiwi candidates, ``spancat.cfg``).
    ``econ_from``: a trained econ recogniser (a ``model-best`` directory) used as it is
    instead of training one. ``econ_min_score``: the span classifier's decoding
    threshold (chosen on dev with ``benchmarks/econ_recogniser_dev.py``).
    ``standard_silver``: how the raw KLUE train sentences are
    labelled (:data:`SILVER_MODES`); a gold-only model is trained first as the teacher
    only when the mode uses one. ``encoder``: the transformers backend, a pre-trained
    encoder as the recognisers' tok2vec (:mod:`pipeline.training.encoder`); None: the CPU tok2vec.
    """
    if econ_recogniser not in ("ner", "spancat"):
        raise ValueError(f"econ_recogniser must be 'ner' or 'spancat', not {econ_recogniser!r}")
    work = work or output.parent / f"{output.name}-work"
    work.mkdir(parents=True, exist_ok=True)
    started = time.time()
    report: dict = {"seed": seed, "alignment": prepare_data(work, data_dir)}

    def config(base: Path, steps: int) -> Path:
        return base if encoder is None else encoder_config(base, encoder, work / f"encoder-{base.name}", max_steps=steps)

    econ = econ_from
    if "econ" in layers:
        if econ_recogniser == "spancat":
            econ = train_span_classifier(work, max_steps=econ_steps, seed=seed, config=config(SPANCAT_CONFIG, econ_steps))
        else:
            econ = train_ner("econ", work, max_steps=econ_steps, seed=seed, config=config(CONFIG, econ_steps))
    standard = standard_from
    if "standard" in layers:
        std_config = config(CONFIG, standard_steps)
        teacher = (
            train_ner("standard", work, max_steps=standard_steps, seed=seed, config=std_config) if "model" in standard_silver else None
        )
        standard = self_train_standard(
            work, teacher, max_steps=standard_steps, seed=seed, data_dir=data_dir, mode=standard_silver, config=std_config
        )
    rel_records = corpora.records("econ", "train", data_dir) if "relations" in layers else None
    nlp = assemble(econ, standard, rel_records, seed=seed, encoder=encoder)
    if econ_min_score is not None:
        from ..components.span_classifier import EconSpanClassifier

        if not isinstance(nlp.get_pipe("econ_ner"), EconSpanClassifier):
            raise ValueError("econ_min_score applies to a span classifier (econ_spancat) only")
        nlp.get_pipe("econ_ner").cfg["min_score"] = econ_min_score
    if rel_records is not None:
        report["fact_scorer"] = train_fact_scorer(nlp, rel_records, corpora.records("econ", "dev", data_dir))
    nlp.meta.update(
        {
            "name": output.name,
            "version": "0.1.0",
            "description": "Company–program–outcome facts from Korean economic news (Kiwi + spaCy, CPU).",
            "sources": [
                {
                    "name": "econ-facts corpus (this project)",
                    "license": "CC BY-SA 4.0 annotations; outside texts are read from the data directory",
                },
                {
                    "name": "KLUE NER v1.1 dev (konec-fixed copy)",
                    "url": "https://github.com/KLUE-benchmark/KLUE",
                    "license": "CC BY-SA 4.0",
                },
                {
                    "name": "kiwipiepy 0.24 (Kiwi morphological analyser and its model)",
                    "url": "https://github.com/bab2min/kiwipiepy",
                    "license": "Apache-2.0; a dependency, not part of the model files",
                },
            ],
            # spaCy's package convention: these become the model package's install requirements
            # (packages/ko_econ_default/setup.py), since the pipeline's components are econ-facts's
            "requirements": [_requirement()],
        }
    )
    card = output / "README.md"
    kept_card = card.read_text(encoding="utf-8") if card.exists() else None
    if output.exists():
        shutil.rmtree(output)
    nlp.to_disk(output)
    if kept_card is not None:
        card.write_text(kept_card, encoding="utf-8")
    report["seconds"] = round(time.time() - started)
    (work / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return report


def _requirement() -> str:
    """``econ-facts>=X.Y,<X.(Y+1)`` for this release X.Y: a model names the components (and their
    config keys) of the econ-facts it was trained with."""
    from importlib.metadata import version

    major, minor = (int(part) for part in version("econ-facts").split(".")[:2])
    return f"econ-facts>={major}.{minor},<{major}.{minor + 1}"
